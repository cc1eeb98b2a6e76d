"""Hostile, broken and foreign input: every failure is a ReportParseError with a useful message, nothing else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import secureops_nikto
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secureops import Finding, ReportParseError
from secureops.importer.parse import parse_report
from secureops.testing import plugin_registry

REGISTRY = plugin_registry(secureops_nikto)
FIXTURES = (
    "juice-shop.json",
    "nikto-output.xml",
    "nikto-report-many-vuln.xml",
    "nikto-report-old-format.xml",
    "nikto-report-zero-vuln.xml",
)


def _parse(data: bytes, format: str = "nikto", max_bytes: int = 512 * 1024 * 1024) -> list[Finding]:
    return list(parse_report(REGISTRY, data, format=format, max_bytes=max_bytes).findings)


@pytest.fixture(scope="module")
def reports(shared_fixtures: Path) -> dict[str, bytes]:
    return {name: (shared_fixtures / "nikto" / name).read_bytes().rstrip() for name in FIXTURES}


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.95, 0.999])
@pytest.mark.parametrize("name", FIXTURES)
def test_truncated_reports_are_refused(reports: dict[str, bytes], name: str, fraction: float) -> None:
    data = reports[name]
    cut = min(int(len(data) * fraction), len(data) - 1)
    with pytest.raises(ReportParseError, match="malformed or truncated"):
        _parse(data[:cut])


@pytest.mark.parametrize(
    ("data", "format", "message"),
    [
        (b"<niktoscan><scandetails><item></niktoscan>", "nikto-xml", "malformed"),
        (b"<html><body>nikto</body></html>", "nikto-xml", "root element is <html>"),
        (b"<html><body>nikto</body></html>", "nikto-json", "malformed"),
        (b"hello", "nikto", "neither XML nor JSON"),
        (b'"just a string"', "nikto-json", "top level is a string"),
        (b"[1, 2]", "nikto-json", "host entry is a number"),
        (b"[[]]", "nikto-json", "host entry is a list"),
        (b'{"SchemaVersion": 2, "Results": []}', "nikto-json", "neither 'host' nor 'vulnerabilities'"),
        (b'{"host": "h", "vulnerabilities": [1]}', "nikto-json", "not an object"),
        (b'{"host": "h", "vulnerabilities": [{"msg": "m"}]} {', "nikto-json", "malformed"),
        (b'{"host": "\xff\xfe", "vulnerabilities": []}', "nikto-json", "malformed"),
        (b"<?xml version='1.0' encoding='utf-8'?><niktoscan>\xff</niktoscan>", "nikto-xml", "malformed"),
    ],
)
def test_malformed_and_foreign_input_is_refused(data: bytes, format: str, message: str) -> None:
    with pytest.raises(ReportParseError, match=message):
        _parse(data, format=format)


def test_other_scanners_reports_are_refused(shared_fixtures: Path) -> None:
    others = [*sorted((shared_fixtures / "nmap").glob("*.xml")), *sorted((shared_fixtures / "zap").glob("*.xml"))]
    others += [p for p in sorted((shared_fixtures / "trivy").glob("*.json")) if p.read_bytes().strip() != b"null"]
    assert len(others) > 10
    for path in others:
        with pytest.raises(ReportParseError):
            _parse(path.read_bytes())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE niktoscan [
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
<niktoscan><scandetails><item id="1"><description>&i;</description></item></scandetails></niktoscan>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE niktoscan [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<niktoscan><scandetails><item id="1"><description>&xxe;</description></item></scandetails></niktoscan>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused(data: bytes) -> None:
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
    """Nikto's XML names an external DTD; a real loopback server stands ready to serve it, and is never asked."""
    _Recorder.requests.clear()
    data = (
        f'<?xml version="1.0"?><!DOCTYPE niktoscan SYSTEM "{dtd_server}/nikto.dtd">'
        '<niktoscan><scandetails><item id="1" method="GET"><description>Hello.</description>'
        "<iplink>http://127.0.0.1/</iplink></item></scandetails></niktoscan>"
    ).encode()
    assert [f.title for f in _parse(data, format="auto")] == ["Hello."]
    assert _Recorder.requests == []


def test_a_report_over_the_size_limit_is_refused(reports: dict[str, bytes]) -> None:
    for name in ("juice-shop.json", "nikto-output.xml"):
        with pytest.raises(ReportParseError, match="larger than the 4,000-byte limit"):
            _parse(reports[name], max_bytes=4_000)


def test_huge_values_and_deep_nesting_stay_bounded() -> None:
    long_msg = "A" * 2_000_000
    data = f'{{"host": "h", "vulnerabilities": [{{"id": "1", "msg": "{long_msg}", "url": "/"}}]}}'.encode()
    (finding,) = _parse(data)
    assert len(finding.title) == 900
    # ijson's prefixed events would need quadratic memory for this: refused at a fixed depth instead.
    deep_json = b'{"host": "h", "vulnerabilities": [{"msg": "m", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}"
    with pytest.raises(ReportParseError, match="nested deeper than 32 levels"):
        _parse(deep_json)
    deep_xml = b"<niktoscan>" + b"<x>" * 200_000 + b"</x>" * 200_000 + b"</niktoscan>"
    assert _parse(deep_xml) == []


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
        st.sampled_from([b"<", b">", b"&", b"&x;", b'"', b"{", b"}", b"[", b"]", b",", b":", b"null", b"\x00", b"\xff"])
        | st.sampled_from([b"</item>", b"<item>", b"]]>", b"<!--", b'"port": "x"', b'"vulnerabilities": 1'])
        | st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(FIXTURES), operations=_operations, format=st.sampled_from(["auto", "nikto"]))
def test_mutated_reports_parse_or_fail_with_report_parse_error(
    shared_fixtures: Path, name: str, operations: list[tuple[int, int, int, bytes]], format: str
) -> None:
    data = _mutate((shared_fixtures / "nikto" / name).read_bytes(), operations)
    try:
        findings = list(parse_report(REGISTRY, data, format=format).findings)
    except ReportParseError as err:
        assert str(err).strip()
        return
    assert all(isinstance(f, Finding) and f.fingerprint for f in findings)
