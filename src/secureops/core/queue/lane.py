"""A pipelined Redis connection for the queue's hot path (adds, reserve, complete, heartbeats).

redis-py's asyncio client spends most of a small command's time in Python: a pool checkout, a pure-Python
command encoder, a timeout context and a ``StreamReader`` round of futures per reply. For scripts that take
≈ 25 µs in Redis that overhead dominated (≈ 130 µs per add, where Node's ioredis needs ≈ 75). A :class:`Lane`
is one connection driven by an :class:`asyncio.Protocol`: a command is packed by hiredis and written at once,
replies are parsed by hiredis as bytes arrive and handed to the waiting futures in order. Concurrent callers
are pipelined on the one connection (as ioredis does), so nobody waits for a pool.

A lost connection fails every command in flight with :class:`redis.exceptions.ConnectionError` and the next
command reconnects. A cancelled caller does not disturb the others: its reply is read and dropped.
Only plain TCP and Unix sockets are handled here (:func:`Lane.supports`); anything else (TLS, credential
providers, RESP3) stays on redis-py.
"""

from __future__ import annotations

import asyncio
import collections
import socket
from typing import Any

import hiredis
from redis import exceptions as redis_errors

__all__ = ["Lane"]

# Connection settings of a redis-py pool that a Lane reproduces; any other one that is set means "not for us".
_HANDLED = {
    "host", "port", "path", "db", "username", "password", "decode_responses", "encoding", "encoding_errors",
    "health_check_interval", "socket_connect_timeout", "socket_keepalive", "client_name", "himport_registry",
    "maint_notifications_pool_handler", "maint_notifications_config", "orig_host_address", "orig_socket_timeout",
    "orig_socket_connect_timeout",
}  # fmt: skip
# Not reproduced, so a pool that sets them (e.g. a read timeout) keeps using redis-py: socket_timeout, retry, TLS,
# credential providers, RESP3.


def _reply_error(err: redis_errors.ResponseError) -> redis_errors.ResponseError:
    """The redis-py exception type a caller expects for an error reply (NOSCRIPT is told apart)."""
    message = str(err)
    if message.startswith("NOSCRIPT"):
        return redis_errors.NoScriptError(message)
    return err


class _Protocol(asyncio.Protocol):
    def __init__(self, encoding: str | None, errors: str) -> None:
        if encoding:
            self.reader = hiredis.Reader(replyError=redis_errors.ResponseError, encoding=encoding, errors=errors)
        else:
            self.reader = hiredis.Reader(replyError=redis_errors.ResponseError)
        self.waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None
        self.loop = asyncio.get_running_loop()
        self.paused: asyncio.Future[None] | None = None  # set while the transport asks us to stop writing

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        waiting = self.waiting
        while True:
            try:
                reply = self.reader.gets()
            except UnicodeDecodeError as err:
                # Text that is not UTF-8 in a reply: hiredis has consumed that whole reply and stays in step, so
                # only its caller fails (as with redis-py), and the connection goes on.
                reply = err
            except Exception as err:  # an unparsable stream: it cannot go on
                self._fail(redis_errors.ConnectionError(f"bad reply from Redis: {err}"))
                if self.transport is not None:
                    self.transport.abort()
                return
            if reply is False:
                return
            if not waiting:  # a reply nobody asked for: the stream is out of step, so stop using it
                self._fail(redis_errors.ConnectionError("unexpected reply from Redis"))
                if self.transport is not None:
                    self.transport.abort()
                return
            future = waiting.popleft()
            if future.done():  # its caller was cancelled
                continue
            if isinstance(reply, redis_errors.ResponseError):
                future.set_exception(_reply_error(reply))
            elif isinstance(reply, UnicodeDecodeError):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(redis_errors.ConnectionError(f"connection to Redis lost: {exc or 'closed by the server'}"))
        self.resume_writing()

    def pause_writing(self) -> None:
        if self.paused is None or self.paused.done():
            self.paused = self.loop.create_future()

    def resume_writing(self) -> None:
        if self.paused is not None and not self.paused.done():
            self.paused.set_result(None)

    def _fail(self, err: BaseException) -> None:
        if self.lost is None:
            self.lost = err
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(err)


class Lane:
    """One pipelined connection, made from a redis-py pool's settings (see :meth:`supports`).

    :param kwargs: the pool's ``connection_kwargs``.
    :param unix: whether the pool connects over a Unix socket.
    """

    def __init__(self, kwargs: dict[str, Any], *, unix: bool = False) -> None:
        self._kwargs = kwargs
        self._unix = unix
        self._proto: _Protocol | None = None
        self._connecting: asyncio.Lock | None = None

    @staticmethod
    def supports(connection_class: type, kwargs: dict[str, Any]) -> bool:
        """Whether a pool with these settings can be reproduced: plain TCP or Unix socket, RESP2, no extras."""
        from redis.asyncio.connection import Connection, UnixDomainSocketConnection

        if connection_class not in (Connection, UnixDomainSocketConnection):
            return False
        if not hasattr(hiredis, "pack_command"):  # hiredis < 2.2.1
            return False
        return all(key in _HANDLED or value is None for key, value in kwargs.items())

    async def _connect(self) -> _Protocol:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            proto = self._proto
            if proto is not None and proto.lost is None:
                return proto
            loop = asyncio.get_running_loop()
            kw = self._kwargs
            encoding = kw.get("encoding", "utf-8") if kw.get("decode_responses") else None
            timeout = kw.get("socket_connect_timeout") or kw.get("orig_socket_connect_timeout") or 5
            errors = kw.get("encoding_errors", "strict")
            try:
                async with asyncio.timeout(timeout):
                    if self._unix:
                        _, made = await loop.create_unix_connection(lambda: _Protocol(encoding, errors), kw["path"])
                    else:
                        _, made = await loop.create_connection(
                            lambda: _Protocol(encoding, errors), kw.get("host", "localhost"), kw.get("port", 6379)
                        )
            except (OSError, TimeoutError) as err:
                raise redis_errors.ConnectionError(f"cannot connect to Redis: {err}") from err
            proto = made
            assert proto.transport is not None
            sock = proto.transport.get_extra_info("socket")
            if sock is not None and sock.family != socket.AF_UNIX:
                # A peer that vanished without a reset (host down) is noticed instead of hanging forever.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            try:
                if kw.get("password"):
                    auth = ("AUTH", kw["username"], kw["password"]) if kw.get("username") else ("AUTH", kw["password"])
                    await self._send(proto, (auth,))[0]
                if kw.get("db"):
                    await self._send(proto, (("SELECT", kw["db"]),))[0]
                if kw.get("client_name"):
                    await self._send(proto, (("CLIENT", "SETNAME", kw["client_name"]),))[0]
            except BaseException:
                proto.transport.abort()
                raise
            self._proto = proto
            return proto

    @staticmethod
    def _send(proto: _Protocol, commands: tuple[tuple[Any, ...], ...]) -> list[asyncio.Future[Any]]:
        if proto.lost is not None:
            raise redis_errors.ConnectionError(str(proto.lost))
        assert proto.transport is not None
        futures: list[asyncio.Future[Any]] = [proto.loop.create_future() for _ in commands]
        # One write for all of them: one system call, and Redis reads them together.
        proto.transport.write(b"".join([hiredis.pack_command(args) for args in commands]))
        proto.waiting.extend(futures)
        return futures

    async def execute(self, *args: Any) -> Any:
        """Send one command and return its reply (an error reply raises redis-py's exception for it)."""
        proto = self._proto
        if proto is None or proto.lost is not None:
            proto = await self._connect()
        if proto.paused is not None and not proto.paused.done():
            await proto.paused  # the transport's buffer is over its high-water mark (a huge batch of adds)
        if proto.lost is not None:
            raise redis_errors.ConnectionError(str(proto.lost))
        # The hot path, kept flat: an add or a reservation is one of these.
        future = proto.loop.create_future()
        proto.transport.write(hiredis.pack_command(args))  # type: ignore[union-attr]
        proto.waiting.append(future)
        return await future

    async def execute_many(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Send several commands in one write. Returns the replies in order; an error reply is returned as its
        exception (as a redis-py pipeline with ``raise_on_error=False``); a lost connection raises."""
        proto = self._proto
        if proto is None or proto.lost is not None:
            proto = await self._connect()
        if proto.paused is not None and not proto.paused.done():
            await proto.paused
        futures = self._send(proto, commands)
        out: list[Any] = []
        try:
            for future in futures:
                try:
                    out.append(await future)
                except redis_errors.ResponseError as err:
                    out.append(err)
        except BaseException:
            for future in futures[len(out) + 1 :]:  # nobody will await these: mark their outcome as seen
                if future.done() and not future.cancelled():
                    future.exception()
                else:
                    future.cancel()
            raise
        return out

    async def close(self) -> None:
        """Close the connection; commands in flight fail with ``ConnectionError``."""
        proto, self._proto = self._proto, None
        if proto is not None and proto.transport is not None:
            proto.transport.close()
