"""The real ``nmap`` binary scans services this test starts on 127.0.0.1, and its report is parsed.

Runs through ``run_scanner`` with the real ``LocalRuntime``. Nmap must be installed (Debian package ``nmap``):
a missing binary fails these tests, it never skips them. Only loopback ports the test itself opened are scanned.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import secureops_nmap
from secureops_nmap import NmapScanner, NmapXmlImporter

from secureops import Target
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner
from secureops.importer.parse import parse_report
from secureops.testing import assert_valid_findings, plugin_registry

pytestmark = pytest.mark.integration


class _Quiet(SimpleHTTPRequestHandler):
    """Python's own file server (Nmap's probes know it), serving an empty folder, without request logs."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):  # Nmap's probes hang up mid-request
            super().handle()


@pytest.fixture
def http_port(tmp_path: Path) -> Iterator[int]:
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def tcp_port() -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()  # nothing listens there any more
    return port


def test_nmap_is_installed() -> None:
    assert shutil.which("nmap"), "nmap is not installed: apt-get install nmap"


def _scan(tmp_path: Path, target: Target, **options: object) -> list:  # type: ignore[type-arg]
    report = run_scanner(NmapScanner(), target, options, LocalRuntime(), tmp_path / "scan", timeout=120)
    assert report.format == "nmap-xml"
    assert report.path is not None
    parsed = parse_report(plugin_registry(secureops_nmap), report.path, format=report.format)
    assert isinstance(parsed.importer, NmapXmlImporter)
    return assert_valid_findings(parsed.findings)


def test_quick_scan_of_loopback_listeners(tmp_path: Path, tcp_port: int, http_port: int, closed_port: int) -> None:
    ports = f"{tcp_port},{http_port},{closed_port}"
    findings = _scan(tmp_path, Target.parse("127.0.0.1"), ports=ports, resolve_names=False, timing=4)
    titles = sorted(f.title for f in findings)
    assert titles == sorted([f"Open port: {tcp_port}/tcp", f"Open port: {http_port}/tcp"])
    for finding in findings:
        assert finding.severity == "Info"
        assert [(e.host, e.protocol) for e in finding.endpoints] == [("127.0.0.1", "tcp")]
        assert finding.endpoints[0].port in (tcp_port, http_port)
        assert finding.date is not None


def test_service_detection_names_the_http_server(tmp_path: Path, http_port: int) -> None:
    findings = _scan(
        tmp_path, Target.parse(f"127.0.0.1:{http_port}", "service"), profile="service", resolve_names=False
    )
    assert [f.title for f in findings] == [f"Open port: {http_port}/tcp"]
    assert findings[0].service == "http"
    assert "SimpleHTTPServer" in findings[0].description  # the product Nmap recognised


def test_the_raw_report_is_nmap_xml_that_autodetection_recognises(tmp_path: Path, tcp_port: int) -> None:
    target = Target.parse("127.0.0.1")
    report = run_scanner(
        NmapScanner(), target, {"ports": str(tcp_port), "resolve_names": False}, LocalRuntime(), tmp_path
    )
    assert report.path is not None
    parsed = parse_report(plugin_registry(secureops_nmap), report.path)  # no format given
    assert parsed.format == "nmap-xml"
    assert [f.title for f in parsed.findings] == [f"Open port: {tcp_port}/tcp"]
