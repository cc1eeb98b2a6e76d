"""Hostile, broken and foreign input: every failure is a ReportParseError with a useful message, nothing else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import secureops_nmap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secureops import Finding, ReportParseError
from secureops.importer.parse import parse_report
from secureops.testing import plugin_registry

REGISTRY = plugin_registry(secureops_nmap)
FIXTURES = ("issue4406.xml", "nmap_0port.xml", "nmap_script_vulners.xml")


def _parse(data: bytes, format: str = "nmap-xml", max_bytes: int = 512 * 1024 * 1024) -> list[Finding]:
    return list(parse_report(REGISTRY, data, format=format, max_bytes=max_bytes).findings)


@pytest.fixture(scope="module")
def reports(shared_fixtures: Path) -> dict[str, bytes]:
    return {name: (shared_fixtures / "nmap" / name).read_bytes() for name in FIXTURES}


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("name", FIXTURES)
def test_truncated_reports_are_refused(reports: dict[str, bytes], name: str, fraction: float) -> None:
    data = reports[name].rstrip()
    with pytest.raises(ReportParseError, match="malformed or truncated"):
        _parse(data[: int(len(data) * fraction)])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<nmaprun><host></nmaprun>", "malformed"),
        (b"<nmaprun start='1'><host><ports><port portid='1'", "truncated"),
        (b"\x00\x01\x02garbage", "malformed"),
        (b"<html><body>nmap</body></html>", "root element is <html>"),
        (b'{"host": "127.0.0.1"}', "malformed"),
        (b"<?xml version='1.0' encoding='utf-8'?><nmaprun>\xff\xfe</nmaprun>", "malformed"),
    ],
)
def test_malformed_and_foreign_input_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ReportParseError, match=message):
        _parse(data)


def test_other_scanners_reports_are_refused(shared_fixtures: Path) -> None:
    for path in [*sorted((shared_fixtures / "nikto").glob("*")), *sorted((shared_fixtures / "zap").glob("*.xml"))]:
        with pytest.raises(ReportParseError):
            _parse(path.read_bytes())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE nmaprun [
 <!ENTITY a "lol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<nmaprun><host><address addr="&i;" addrtype="ipv4"/></host></nmaprun>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<nmaprun><host><address addr="&xxe;" addrtype="ipv4"/></host></nmaprun>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused(data: bytes) -> None:
    # Detected as Nmap (its root is <nmaprun>), then refused by the parser: the user learns why.
    with pytest.raises(ReportParseError, match="entities or external references"):
        _parse(data, format="auto")


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY x "pwned">')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def dtd_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_external_dtd_is_never_fetched(dtd_server: str) -> None:
    """A real loopback HTTP server stands ready to serve the DTD; the parser must never ask for it."""
    _Recorder.requests.clear()
    data = (
        f'<?xml version="1.0"?><!DOCTYPE nmaprun SYSTEM "{dtd_server}/evil.dtd">'
        '<nmaprun start="0"><host><address addr="127.0.0.1" addrtype="ipv4"/><ports>'
        '<port protocol="tcp" portid="22"><state state="open"/></port></ports></host></nmaprun>'
    ).encode()
    assert [f.title for f in _parse(data, format="auto")] == ["Open port: 22/tcp"]
    assert _Recorder.requests == []


def test_a_report_over_the_size_limit_is_refused(reports: dict[str, bytes]) -> None:
    with pytest.raises(ReportParseError, match="larger than the 10,000-byte limit"):
        _parse(reports["issue4406.xml"], max_bytes=10_000)


def test_huge_values_and_deep_nesting_stay_bounded() -> None:
    long_id = "X" * 2_000_000
    data = (
        '<nmaprun start="0"><host><address addr="127.0.0.1" addrtype="ipv4"/><ports>'
        '<port protocol="tcp" portid="22"><state state="open"/><script id="vulners" output="">'
        f'<table key="cpe:/a:x:y:1"><table><elem key="id">{long_id}</elem><elem key="cvss">99</elem>'
        "</table></table></script></port></ports></host></nmaprun>"
    ).encode()
    findings = _parse(data)
    assert len(findings[0].title) == 1000  # clipped to the schema's limit
    assert findings[0].severity == "Info"  # a CVSS score out of range is no score
    deep = b"<nmaprun>" + b"<x>" * 200_000 + b"</x>" * 200_000 + b"</nmaprun>"
    assert _parse(deep) == []


def _mutate(data: bytes, operations: list[tuple[int, int, int, bytes]]) -> bytes:
    for kind, at, length, blob in operations:
        if not data:
            break
        at %= len(data)
        if kind == 0:  # delete a slice
            data = data[:at] + data[at + length :]
        elif kind == 1:  # insert bytes
            data = data[:at] + blob + data[at:]
        elif kind == 2:  # overwrite bytes
            data = data[:at] + blob + data[at + len(blob) :]
        else:  # truncate
            data = data[:at]
    return data


_operations = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.integers(0, 1 << 20),
        st.integers(1, 64),
        st.sampled_from([b"<", b">", b"&", b"&x;", b'"', b"</host>", b"<host>", b"\x00", b"\xff", b"]]>", b"<!--"])
        | st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(FIXTURES), operations=_operations, auto=st.booleans())
def test_mutated_reports_parse_or_fail_with_report_parse_error(
    shared_fixtures: Path, name: str, operations: list[tuple[int, int, int, bytes]], auto: bool
) -> None:
    data = _mutate((shared_fixtures / "nmap" / name).read_bytes(), operations)
    try:
        findings = list(parse_report(REGISTRY, data, format="auto" if auto else "nmap-xml").findings)
    except ReportParseError as err:
        assert str(err).strip()
        return
    assert all(isinstance(f, Finding) and f.fingerprint for f in findings)
