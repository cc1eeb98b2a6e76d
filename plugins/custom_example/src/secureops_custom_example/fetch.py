"""One HTTP GET over asyncio streams: send the request, read the status line and headers, hang up.

Why not ``urllib``: it reads proxy settings from the environment (a proxy is "something but the target"),
follows redirects anywhere, and a blocking read in a thread cannot be cancelled when the scan's time is up.
Here every byte is awaited inside the caller's deadline, only the URL's own host and port are contacted, and the
body is never read: the headers are all the scanner needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from secureops import ScanError

__all__ = ["Exchange", "get"]

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 500
_STATUS_LINE = re.compile(r"^HTTP/(\d)\.(\d) ([1-9]\d\d)(?: (.*))?$")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True)
class Exchange:
    """What came back for one request: status, reason, version and every header in order."""

    url: str
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]

    def first(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


def tls_context(verify: bool) -> ssl.SSLContext:
    """The client TLS context: the system's trust store, or no verification at all when ``verify`` is off."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def get(url: str, *, user_agent: str, timeout: float, verify_tls: bool) -> Exchange:
    """GET ``url`` (http or https) and return its response headers; the whole exchange must fit in ``timeout``.

    :raises ScanError: for any network, TLS or protocol failure, with a message naming the host and the cause.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    where = f"{host}:{port}"
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                host,
                port,
                ssl=tls_context(verify_tls) if https else None,
                server_hostname=host if https else None,
                limit=MAX_HEADER_BYTES,
            )
            try:
                writer.write(_request(url, user_agent))
                await writer.drain()
                exchange = await _read_response(reader, url)
            finally:
                writer.close()
                # A peer that never answers the TLS close_notify must not hold the scan; we already have the data.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 1.0)
    except TimeoutError:
        raise ScanError(f"no response from {url} within {timeout:g}s") from None
    except ConnectionRefusedError:
        raise ScanError(f"cannot connect to {where}: connection refused") from None
    except ssl.SSLCertVerificationError as err:
        raise ScanError(
            f"TLS certificate of {where} is not trusted ({err.verify_message}); "
            "set the option verify_tls = false to scan a server with a self-signed certificate"
        ) from None
    except ssl.SSLError as err:
        raise ScanError(f"TLS handshake with {where} failed: {err.reason or err}") from None
    except socket.gaierror as err:
        raise ScanError(f"cannot resolve host {host!r}: {err.strerror}") from None
    except OSError as err:
        raise ScanError(f"network error talking to {where}: {err.strerror or type(err).__name__}") from None
    log.debug("GET %s -> %d (%d headers)", url, exchange.status, len(exchange.headers))
    return exchange


def _request(url: str, user_agent: str) -> bytes:
    """The request bytes. The target was validated, but quote anyway so the request line stays ASCII."""
    parts = urlsplit(url)
    target = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_QUERY_SAFE)
    host = parts.netloc.rpartition("@")[2]  # never send userinfo, not even in the Host header
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {host}",
        f"User-Agent: {user_agent}",
        "Accept: */*",
        "Accept-Encoding: identity",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def _read_response(reader: asyncio.StreamReader, url: str) -> Exchange:
    """Read the status line and headers, skipping interim 1xx responses (e.g. 103 Early Hints)."""
    budget = [MAX_HEADER_BYTES]
    while True:
        line = await _read_line(reader, url, budget)
        if not line:
            raise ScanError(f"{url}: the server closed the connection without answering")
        match = _STATUS_LINE.match(line)
        if match is None:
            raise ScanError(f"{url}: not an HTTP response (status line {line[:60]!r})")
        major, minor, code, reason = match.groups()
        headers = await _read_headers(reader, url, budget)
        status = int(code)
        if 100 <= status < 200 and status != 101:
            continue
        return Exchange(url, status, (reason or "").strip(), f"HTTP/{major}.{minor}", headers)


async def _read_headers(reader: asyncio.StreamReader, url: str, budget: list[int]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    while True:
        line = await _read_line(reader, url, budget)
        if line == "":
            return headers
        if line[0] in " \t" and headers:  # obsolete line folding: continues the previous value
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ScanError(f"{url}: malformed response header line {line[:60]!r}")
        headers.append((name, value.strip()))
        if len(headers) > MAX_HEADERS:
            raise ScanError(f"{url}: the response has more than {MAX_HEADERS} headers")


async def _read_line(reader: asyncio.StreamReader, url: str, budget: list[int]) -> str:
    """One line without its line ending; the shared ``budget`` caps the size of all header lines together."""
    try:
        raw = await reader.readline()
    except ValueError:  # a single line longer than the stream limit
        raise ScanError(f"{url}: response headers are larger than {MAX_HEADER_BYTES // 1024} KiB") from None
    budget[0] -= len(raw)
    if budget[0] < 0:
        raise ScanError(f"{url}: response headers are larger than {MAX_HEADER_BYTES // 1024} KiB")
    if raw and not raw.endswith(b"\n"):
        raise ScanError(f"{url}: the server closed the connection in the middle of the headers")
    # HTTP header bytes are ISO-8859-1 by definition; decoding that way never fails.
    return raw.decode("latin-1").rstrip("\r\n")
