"""Hostile, broken and foreign input ends in a ReportParseError with a useful message — never anything else.

Everything goes through the host's own path (``secureops.importer.parse``). The host turns an importer's
unexpected exception into a generic ReportParseError ("… could not be parsed as …: KeyError …"); the tests
also fail on that generic message, so they prove the importer itself recognised the problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secureops import ReportParseError
from secureops.core.registry import Registry
from secureops.importer.parse import parse_report

FORMATS = ("zap-xml", "zap-xml-plus", "zap-json", "zap-alerts-json")
GENERIC = ("could not be parsed as", "invalid finding")

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<OWASPZAPReport version="2.9.0"><site name="http://127.0.0.1"><alerts><alertitem><pluginid>1</pluginid>
<alert>&lol3;</alert><riskcode>1</riskcode></alertitem></alerts></site></OWASPZAPReport>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<OWASPZAPReport version="2.9.0"><site name="http://127.0.0.1"><alerts><alertitem><pluginid>1</pluginid>
<alert>&xxe;</alert><riskcode>1</riskcode></alertitem></alerts></site></OWASPZAPReport>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE OWASPZAPReport SYSTEM "http://127.0.0.1:1/evil.dtd">
<OWASPZAPReport version="2.9.0"></OWASPZAPReport>"""


def _error(registry: Registry, data: bytes, format: str = "auto", **kwargs: object) -> str:
    with pytest.raises(ReportParseError) as caught:
        list(parse_report(registry, data, format=format, filename="report", **kwargs).findings)  # type: ignore[arg-type]
    message = str(caught.value)
    assert not any(generic in message for generic in GENERIC), message
    return message


def _parse_or_refuse(registry: Registry, data: bytes, format: str) -> None:
    try:
        list(parse_report(registry, data, format=format, filename="report").findings)
    except ReportParseError as err:
        assert not any(generic in str(err) for generic in GENERIC), str(err)


@pytest.mark.parametrize(
    ("data", "words"),
    [(BILLION_LAUGHS, "DTD"), (EXTERNAL_ENTITY, "DTD"), (EXTERNAL_DTD, "DTD")],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_entity_attacks_are_refused(registry: Registry, data: bytes, words: str) -> None:
    for format in ("zap-xml", "zap-xml-plus", "auto"):
        assert words in _error(registry, data, format)


@pytest.mark.parametrize("name", ["0_zap_sample.xml", "zap-xml-plus-format.xml", "dvwa_baseline_dojo.xml"])
def test_truncated_xml(registry: Registry, zap_dir: Path, name: str) -> None:
    data = (zap_dir / name).read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 30):
        assert "malformed ZAP XML report at line" in _error(registry, data[:cut], "zap-xml")


def test_truncated_json(registry: Registry, zap_dir: Path, report_writers) -> None:
    for writer, format in (("json", "zap-json"), ("alerts", "zap-alerts-json")):
        data = report_writers[writer](zap_dir / "dvwa_baseline_dojo.xml")
        for cut in (len(data) // 2, len(data) - 3):
            assert "malformed ZAP" in _error(registry, data[:cut], format)


@pytest.mark.parametrize(
    ("data", "format", "expected"),
    [
        (b"<html><body>hi</body></html>", "zap-xml", "root element is <html>"),
        (b"\x00\xff\xfe garbage", "zap-xml", "malformed ZAP XML"),
        (b'<?xml version="1.0" encoding="bogus"?><OWASPZAPReport/>', "zap-xml", "unknown encoding"),
        (b'<?xml version="1.0" encoding="utf-16"?><OWASPZAPReport/>', "zap-xml", "encoding specified"),
        (b"<OWASPZAPReport/><OWASPZAPReport/>", "zap-xml", "junk after document element"),
        (b"<OWASPZAPReport><alerts><alertitem/></alerts></OWASPZAPReport>", "zap-xml", "outside <site><alerts>"),
        (
            b"<OWASPZAPReport><site><alerts><alertitem><alert>A</alert></alertitem></alerts></site></OWASPZAPReport>",
            "zap-xml",
            "has no plugin id",
        ),
        (
            b"<OWASPZAPReport><site><alerts><alertitem><pluginid>1</pluginid><alert>A</alert><riskcode>9</riskcode>"
            b"</alertitem></alerts></site></OWASPZAPReport>",
            "zap-xml",
            "no valid risk",
        ),
        (b'{"site": [{"alerts": [{"pluginid": "1", "alert": "A"}]}]}', "zap-json", "no valid risk"),
        (b'{"foo": 1}', "zap-json", "no 'site' list"),
        (b"[1, 2]", "zap-json", "not a JSON object"),
        (b'{"site": [', "zap-json", "malformed ZAP JSON"),
        (b'{"alerts": [1]}', "zap-alerts-json", "is not an object with a 'pluginId'"),
        (b'{"alerts": [{"pluginId": "1", "risk": "Severe"}]}', "zap-alerts-json", "no valid risk"),
        (b'{"other": []}', "zap-alerts-json", "no 'alerts' list"),
        (b'"alerts"', "zap-alerts-json", "neither an object nor a list"),
        (b'{"alerts": [{"pluginId": "1", "risk": "Low", "url": "\xff"}]}', "zap-alerts-json", "malformed ZAP alerts"),
        (b"[" * 200_000 + b"]" * 200_000, "zap-alerts-json", "ZAP alerts JSON"),
        (b"[" * 200_000 + b"]" * 200_000, "zap-json", "not a JSON object"),
    ],
)
def test_malformed_input(registry: Registry, data: bytes, format: str, expected: str) -> None:
    assert expected in _error(registry, data, format)


def test_foreign_reports_are_refused_by_every_zap_format(registry: Registry, shared_fixtures: Path) -> None:
    foreign = [p for d in ("trivy", "nmap", "nikto") for p in sorted((shared_fixtures / d).iterdir())]
    assert foreign
    for path in foreign:
        for format in FORMATS:
            _error(registry, path.read_bytes(), format)


def test_huge_input_is_cut_off(registry: Registry, tmp_path: Path, report_writers) -> None:
    path = tmp_path / "huge.xml"
    size = report_writers["xml"](path, alerts=5, instances=2000)
    assert "larger than" in _error(registry, path.read_bytes(), "zap-xml", max_bytes=size // 4)


_SEEDS = ["0_zap_sample.xml", "zap-xml-plus-format.xml", "some_2.9.0.xml"]


@st.composite
def _mutations(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, max(0, len(data) - 1)))
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        if kind == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[position:position] = draw(
                st.sampled_from(
                    [
                        b"<",
                        b">",
                        b"&",
                        b'"',
                        b"{",
                        b"]",
                        b"\x00",
                        b"<!DOCTYPE x>",
                        b"</alertitem>",
                        b"<instance>",
                        b"&lol;",
                        b'<?xml version="1.0" encoding="bogus"?>',
                        b"\xef\xbb\xbf",
                        b'"site":',
                        b'"alerts":[',
                        b"\xff\xfe",
                    ]
                )
            )
        elif kind == "truncate":
            del data[position:]
        else:
            data[position:position] = data[position : position + draw(st.integers(1, 200))]
    return bytes(data)


@pytest.fixture(scope="module")
def seeds(zap_dir: Path, report_writers) -> dict[str, list[bytes]]:
    xml = [(zap_dir / name).read_bytes() for name in _SEEDS]
    return {
        "xml": xml,
        "json": [report_writers["json"](zap_dir / name) for name in _SEEDS],
        "alerts": [report_writers["alerts"](zap_dir / name) for name in _SEEDS],
    }


@pytest.mark.parametrize(
    ("kind", "format"),
    [("xml", "zap-xml"), ("xml", "auto"), ("json", "zap-json"), ("json", "auto"), ("alerts", "zap-alerts-json")],
)
def test_mutated_reports_parse_or_fail_cleanly(
    registry: Registry, seeds: dict[str, list[bytes]], kind: str, format: str
) -> None:
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(_mutations(seeds[kind]))
    def check(data: bytes) -> None:
        _parse_or_refuse(registry, data, format)

    check()
