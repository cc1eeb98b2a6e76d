"""Worker presence and drain requests in Redis: how the autoscaler sees workers and asks idle ones to leave.

Every worker writes a small hash, refreshed every ``interval`` seconds and expiring after three missed beats:

    secureops:<prefix>workers:<worker id>  →  id, host, pid, container, busy, started_ms, seen_ms

The autoscaler drains a worker by setting ``secureops:<prefix>drain:<worker id>``. The worker then stops taking
jobs, finishes the scans it is running (never killed), and exits; only after that does the autoscaler remove its
container. Presence is plain Redis (no Lua), readable by any tool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from secureops.core.queue.worker import Worker

__all__ = [
    "Presence",
    "WorkerInfo",
    "drain_key",
    "limits_key",
    "list_workers",
    "record_tenant_limit",
    "request_drain",
    "worker_key",
]

log = logging.getLogger(__name__)

_PREFIX = "secureops:"


def worker_key(prefix: str, worker_id: str) -> str:
    """The presence hash of ``worker_id``."""
    return f"{_PREFIX}{prefix}workers:{worker_id}"


def limits_key(prefix: str) -> str:
    """The hash tenant → concurrency limit (its tier's), written when scans are queued, read by the autoscaler."""
    return f"{_PREFIX}{prefix}tenant-limits"


async def record_tenant_limit(queue: Any, prefix: str, tenant: str, limit: int) -> None:
    """Remember ``tenant``'s current concurrency limit beside a Redis queue (no-op for the in-process queue)."""
    client = getattr(queue, "redis", None)
    if client is not None:
        await client.hset(limits_key(prefix), tenant, limit)


def drain_key(prefix: str, worker_id: str) -> str:
    """The key whose existence asks ``worker_id`` to drain and exit."""
    return f"{_PREFIX}{prefix}drain:{worker_id}"


@dataclass(frozen=True)
class WorkerInfo:
    """A live worker as its presence hash describes it."""

    id: str
    host: str
    pid: int
    container: str
    busy: int
    started_ms: int
    seen_ms: int
    draining: bool


async def list_workers(client: Any, prefix: str = "") -> list[WorkerInfo]:
    """Every worker whose presence has not expired, with whether a drain was requested."""
    keys = [key async for key in client.scan_iter(match=worker_key(prefix, "*"), count=500)]
    if not keys:
        return []
    async with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.hgetall(key)
        rows = await pipe.execute()
    infos = [row for row in rows if row]
    async with client.pipeline(transaction=False) as pipe:
        for row in infos:
            pipe.exists(drain_key(prefix, _text(row, "id")))
        draining = await pipe.execute()
    return [
        WorkerInfo(
            id=_text(row, "id"),
            host=_text(row, "host"),
            pid=int(_text(row, "pid") or 0),
            container=_text(row, "container"),
            busy=int(_text(row, "busy") or 0),
            started_ms=int(_text(row, "started_ms") or 0),
            seen_ms=int(_text(row, "seen_ms") or 0),
            draining=bool(flag),
        )
        for row, flag in zip(infos, draining, strict=True)
    ]


async def request_drain(client: Any, worker_id: str, prefix: str = "", ttl_s: int = 3600) -> None:
    """Ask ``worker_id`` to finish its running scans and exit."""
    await client.set(drain_key(prefix, worker_id), "1", ex=ttl_s)


def _text(row: dict[Any, Any], field: str) -> str:
    value = row.get(field) if field in row else row.get(field.encode())
    return value.decode() if isinstance(value, bytes) else str(value or "")


class Presence:
    """Keeps one worker's presence fresh and stops it when a drain is requested."""

    def __init__(self, client: Any, worker: Worker, *, prefix: str = "", interval: float = 1.0) -> None:
        self.client, self.worker, self.prefix, self.interval = client, worker, prefix, interval
        self.key = worker_key(prefix, worker.worker_id)
        self.started_ms = int(time.time() * 1000)
        # Set by the autoscaler's docker backend on the containers it starts: it maps workers to containers.
        self.container = os.environ.get("SECUREOPS_CONTAINER_NAME", "")

    async def run(self) -> None:
        """Beat until cancelled; on a drain request, stop the worker (running scans finish first)."""
        try:
            while True:
                await self.beat()
                if not self.worker.stopping and await self.client.exists(drain_key(self.prefix, self.worker.worker_id)):
                    log.info("drain requested: finishing %d running scans, then exiting", self.worker.busy)
                    self.worker.stop()
                await asyncio.sleep(self.interval)
        finally:
            with contextlib.suppress(Exception):
                await self.client.delete(self.key, drain_key(self.prefix, self.worker.worker_id))

    async def beat(self) -> None:
        """Write this worker's presence (busy count, last seen)."""
        fields = {
            "id": self.worker.worker_id,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "container": self.container,
            "busy": self.worker.busy,
            "started_ms": self.started_ms,
            "seen_ms": int(time.time() * 1000),
        }
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, mapping=fields)
            pipe.pexpire(self.key, int(self.interval * 3000))
            await pipe.execute()
