"""Against a real ZAP daemon, when one is available: set ``ZAP_URL`` (e.g. ``http://127.0.0.1:8090``) and, if the
daemon has one, ``ZAP_API_KEY``. ZAP cannot be installed on the development machines, so without ``ZAP_URL``
these tests are skipped (the stand-in tests in ``test_api_scanner.py`` always run).

The daemon must reach 127.0.0.1 (run it on the same host, or in Docker with ``--network host``), e.g.::

    docker run --network host ghcr.io/zaproxy/zaproxy:stable zap.sh -daemon -port 8090 -config api.key=k
    ZAP_URL=http://127.0.0.1:8090 ZAP_API_KEY=k pytest plugins/zap/tests/test_real_zap.py
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from secureops_zap.api_scanner import ZapApiScanner

from secureops import ScanError, Target
from secureops.core.registry import Registry
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner
from secureops.testing import parse_with

ZAP_URL = os.environ.get("ZAP_URL")  # test code may read the environment; the plugin never does
ZAP_API_KEY = os.environ.get("ZAP_API_KEY")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not ZAP_URL, reason="set ZAP_URL to the URL of a running ZAP daemon to run these"),
]

PAGE = (
    b"<html><head><title>t</title></head><body><a href='/login?next=/'>login</a><form method='post' "
    b"action='/login'><input name='user'><input type='password' name='pw'></form></body></html>"
)


@pytest.fixture
def web_app() -> Iterator[str]:
    """A tiny web application on 127.0.0.1 that omits the security headers ZAP's passive rules look for."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Set-Cookie", "session=abc123; Path=/")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_passive_scan_of_a_local_app(web_app: str, tmp_path: Path, registry: Registry) -> None:
    options = {"api_url": ZAP_URL, "api_key": ZAP_API_KEY, "active_scan": False, "poll_interval": 0.5}
    report = run_scanner(
        ZapApiScanner(), Target(kind="url", value=web_app), options, LocalRuntime(), tmp_path, timeout=600
    )
    findings = parse_with(registry, report.path, format=report.format)
    origin = web_app.rstrip("/")
    assert findings and all(f.unique_id_from_tool and f.unique_id_from_tool.endswith("@" + origin) for f in findings)


@pytest.mark.skipif(not (ZAP_URL and ZAP_API_KEY), reason="needs ZAP_URL and the daemon's ZAP_API_KEY")
def test_wrong_api_key_fails_loudly(web_app: str, tmp_path: Path) -> None:
    options = {"api_url": ZAP_URL, "api_key": ZAP_API_KEY + "-wrong"}
    with pytest.raises(ScanError, match="bad_api_key"):
        run_scanner(ZapApiScanner(), Target(kind="url", value=web_app), options, LocalRuntime(), tmp_path)
