"""Fixtures: the report fixtures folder, and real HTTP/HTTPS servers on 127.0.0.1 for the scanner to scan.

Every server binds to 127.0.0.1 (or 127.0.0.2, to play "another host") on a free port, records each request it
gets, and is shut down when the test ends.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

Headers = list[tuple[str, str]]
Route = tuple[int, Headers]


@pytest.fixture
def fixtures() -> Path:
    """The folder holding ``no_findings.json``, ``one_finding.json`` and ``many_findings.json``."""
    return FIXTURES


@dataclass
class Site:
    """A running loopback server: its base URL and the request lines it received."""

    base: str
    requests: list[str] = field(default_factory=list)
    request_headers: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base + path


def _handler(routes: dict[str, Route], site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return "TestServer"  # no version, so "Server" alone is not a finding

        def do_GET(self) -> None:
            site.requests.append(f"{self.command} {self.path}")
            site.request_headers.append(dict(self.headers.items()))
            status, headers = routes.get(self.path, (404, []))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def serve(request: pytest.FixtureRequest) -> Iterator[Callable[..., Site]]:
    """Start a server: ``serve({"/": (200, [("X-A", "1")])}, tls=False, host="127.0.0.1") -> Site``."""
    servers: list[ThreadingHTTPServer] = []

    def start(routes: dict[str, Route], *, tls: bool = False, host: str = "127.0.0.1") -> Site:
        site = Site(base="")
        server = ThreadingHTTPServer((host, 0), _handler(routes, site))
        server.daemon_threads = True
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*request.getfixturevalue("tls_files"))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        site.base = f"{'https' if tls else 'http'}://{host}:{server.server_port}"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return site

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the real ``openssl`` command (missing -> FAIL)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl command is needed to make a test certificate (apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    argv = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    argv += ["-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [*argv, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def raw_server() -> Iterator[Callable[[bytes | None], str]]:
    """A TCP server on 127.0.0.1 that reads the request and sends fixed bytes (``None``: never answers).

    For what a well-behaved HTTP server cannot do: stay silent, send garbage, send endless headers.
    """
    sockets: list[socket.socket] = []
    stop = threading.Event()

    def start(reply: bytes | None) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.2)
        sockets.append(listener)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except (TimeoutError, OSError):
                    continue
                sockets.append(conn)
                conn.recv(65536)
                if reply is not None:
                    # The scanner may hang up first, as it should on oversized headers.
                    with contextlib.suppress(OSError):
                        conn.sendall(reply)
                    conn.close()

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/"

    yield start
    stop.set()
    for sock in sockets:
        sock.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
