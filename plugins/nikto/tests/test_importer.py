"""The Nikto importer against the shared DefectDojo fixtures, and against the layouts newer Nikto releases write.

Nikto cannot be run on this machine, so the 2.5+/2.6 reports below are written by hand in the exact shape of
Nikto's own report plugins (``nikto_report_json.plugin``, ``nikto_report_xml.plugin``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import secureops_nikto
from secureops_nikto import NiktoImporter

from secureops import Finding, ParseContext, ReportParseError
from secureops.testing import check_importer_conformance, parse_with, plugin_registry

REGISTRY = plugin_registry(secureops_nikto)
OUR_FORMAT = {"nikto-json": "nikto-json", "nikto-xml-flat": "nikto-xml", "nikto-xml-nested": "nikto-xml"}

# Where this importer deliberately differs from DefectDojo (see docs/scanners/nikto.md): when every merged
# entry came from the same Nikto check, the merged finding keeps that check's id (DefectDojo always drops it).
DIFFERENCES = {("nikto/juice-shop.json", 8, "vuln_id_from_tool"): "740001"}


def _field(finding: Finding, field: str) -> Any:
    if field == "endpoints_count":
        return len(finding.endpoints)
    if field.startswith("endpoints["):
        index, attribute = field.removeprefix("endpoints[").split("].")
        value = getattr(finding.endpoints[int(index)], attribute)
        return value.lstrip("/") if attribute == "path" and value else value  # the manifest's paths have no "/"
    return getattr(finding, field)


def test_every_nikto_fixture_matches_the_manifest(
    fixture_manifest: list[dict[str, Any]], shared_fixtures: Path
) -> None:
    entries = [e for e in fixture_manifest if e["scanner"] == "nikto"]
    assert len(entries) == 5
    checked = 0
    for entry in entries:
        parsed = parse_with(REGISTRY, shared_fixtures / entry["file"])  # auto-detected
        assert len(parsed) == entry["expected_findings"], entry["file"]
        for assertion in entry["assertions"]:
            key = (entry["file"], assertion["index"], assertion["field"])
            expected = DIFFERENCES.get(key, assertion["value"])
            assert _field(parsed[assertion["index"]], assertion["field"]) == expected, key
            checked += 1
    assert checked >= 25


def test_detect_names_each_fixtures_format(fixture_manifest: list[dict[str, Any]], shared_fixtures: Path) -> None:
    importer = NiktoImporter()
    for entry in fixture_manifest:
        head = (shared_fixtures / entry["file"]).read_bytes()[:65536]
        expected = OUR_FORMAT[entry["format_id"]] if entry["scanner"] == "nikto" else None
        assert importer.detect(head, Path(entry["file"]).name) == expected, entry["file"]
    for head in (b"", b"{}", b"[]", b"<", b'{"vulnerabilities": []}', b"<scandetails/>", b'{"Results": []}'):
        assert importer.detect(head, None) is None


def test_the_documented_difference_from_defectdojo(shared_fixtures: Path) -> None:
    merged = parse_with(REGISTRY, shared_fixtures / "nikto/juice-shop.json")[8]
    assert merged.nb_occurences == 140 and len(merged.endpoints) == 140
    assert merged.vuln_id_from_tool == "740001"  # DefectDojo: None
    assert merged.unique_id_from_tool is None


@pytest.mark.parametrize(
    "name",
    [
        "juice-shop.json",
        "nikto-output.xml",
        "nikto-report-many-vuln.xml",
        "nikto-report-old-format.xml",
        "nikto-report-zero-vuln.xml",
    ],
)
def test_conformance(name: str, shared_fixtures: Path) -> None:
    fmt = "nikto-json" if name.endswith(".json") else "nikto-xml"
    check_importer_conformance(NiktoImporter(), shared_fixtures / "nikto" / name, format=fmt)


def test_unparseable_uris_are_kept(shared_fixtures: Path) -> None:
    findings = parse_with(REGISTRY, shared_fixtures / "nikto/nikto-output.xml")
    xss = next(f for f in findings if "myphpnuke" in f.title)
    assert xss.endpoints, "the finding must keep an endpoint"
    assert "[script]" in str(xss.endpoints[0])
    quote = [f for f in findings if any("%22;}" in str(e) for e in f.endpoints)]
    assert quote, "the '%22;}' URI must survive"
    unnamed = next(f for f in findings if f.vuln_id_from_tool == "500008")  # iplink "http://:/favicon.ico"
    assert [e.path for e in unnamed.endpoints] == ["/favicon.ico"]


def test_xml_findings_carry_osvdb_ids_and_the_request(shared_fixtures: Path) -> None:
    findings = parse_with(REGISTRY, shared_fixtures / "nikto/nikto-output.xml")
    favicon = findings[2]
    assert favicon.unique_id_from_tool == "OSVDB-39272"
    assert favicon.references == "http://osvdb.org/39272"
    assert favicon.payload == "GET http://:/favicon.ico"
    assert favicon.date == dt.date(2020, 11, 16)
    assert favicon.dynamic_finding is True


def test_the_scanners_format_id_parses_either_output(shared_fixtures: Path) -> None:
    for name, count in (("juice-shop.json", 11), ("nikto-output.xml", 13)):
        data = (shared_fixtures / "nikto" / name).read_bytes()
        assert len(parse_with(REGISTRY, data, format="nikto")) == count


def test_an_unbuffered_stream_needs_a_named_format() -> None:
    with pytest.raises(ReportParseError, match="name the format"):
        list(NiktoImporter().parse(io.BytesIO(b"[]"), ParseContext(format="nikto")))


NIKTO_26_JSON = [
    {
        "end_time": "2025-06-02 10:11:12 +0000",
        "host": "localhost",
        "ip": "127.0.0.1",
        "port": "8080",
        "server_banner": "TestServer",
        "start_time": "2025-06-02 10:00:00 +0000",
        "vulnerabilities": [
            {
                "id": "999100",
                "method": "GET",
                "msg": "The X-Content-Type-Options header is not set.",
                "references": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options",
                "url": "/",
            },
            {
                "id": "000500",
                "method": "GET",
                "msg": "/admin/: Admin login page found.",
                "references": "",
                "url": "/admin/",
            },
        ],
    },
    {
        "host": "127.0.0.2",
        "ip": "127.0.0.2",
        "port": "8443",
        "vulnerabilities": [
            {
                "id": "999100",
                "method": "GET",
                "msg": "The X-Content-Type-Options header is not set.",
                "references": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options",
                "url": "/?a=1",
            }
        ],
    },
]


def test_nikto_2_6_json_list_of_hosts() -> None:
    data = json.dumps(NIKTO_26_JSON, indent=4, sort_keys=True).encode()  # Nikto writes canonical, pretty JSON
    assert NiktoImporter().detect(data, "nikto.json") == "nikto-json"
    findings = parse_with(REGISTRY, data)
    assert [f.title for f in findings] == [
        "The X-Content-Type-Options header is not set.",
        "/admin/: Admin login page found.",
    ]
    headers = findings[0]
    assert headers.nb_occurences == 2
    assert [str(e) for e in headers.endpoints] == ["localhost:8080/", "127.0.0.2:8443/?a=1"]
    assert headers.references and headers.references.startswith("https://developer.mozilla.org/")
    assert headers.vuln_id_from_tool == "999100"
    assert headers.date == dt.date(2025, 6, 2)
    assert all(f.severity == "Info" for f in findings)  # no OSVDB ids any more


def test_json_host_fields_may_follow_the_vulnerabilities() -> None:
    data = b'{"vulnerabilities": [{"id": "1", "OSVDB": "12", "method": "GET", "url": "/x", "msg": "m"}], "host": "h"}'
    (finding,) = parse_with(REGISTRY, data, format="nikto-json")
    assert [str(e) for e in finding.endpoints] == ["h/x"]
    assert finding.severity == "Medium" and finding.unique_id_from_tool == "OSVDB-12"


NIKTO_26_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE niktoscans SYSTEM "/opt/nikto/docs/nikto.dtd">
<niktoscans>
  <niktoscan hoststest="0" options="-h http://127.0.0.1:8080/ -Format xml" version="2.6.1" nxmlversion="1.2">
    <scandetails targetip="127.0.0.1" targethostname="localhost" targetport="8080" starttime="2025-06-02 10:00:00"
                 sitename="http://localhost:8080/" siteip="http://127.0.0.1:8080/" hostheader="localhost">
      <item id="999100" method="GET">
        <description>The X-Content-Type-Options header is not set. See the reference.</description>
        <uri>/</uri>
        <namelink>http://localhost:8080/</namelink>
        <iplink>http://127.0.0.1:8080/</iplink>
        <references>https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options</references>
      </item>
      <item id="999100" method="GET">
        <description>The X-Content-Type-Options header is not set. See the reference.</description>
        <uri>/</uri>
        <namelink>http://localhost:8080/</namelink>
        <iplink>http://127.0.0.1:8080/</iplink>
        <references></references>
      </item>
      <statistics elapsed="12" itemsfound="2" itemstested="7000" endtime="2025-06-02 10:00:12" />
    </scandetails>
  </niktoscan>
</niktoscans>
"""


def test_nikto_2_6_xml_layout() -> None:
    assert NiktoImporter().detect(NIKTO_26_XML, "nikto.xml") == "nikto-xml"
    (finding,) = parse_with(REGISTRY, NIKTO_26_XML)
    assert finding.title == "The X-Content-Type-Options header is not set."  # the first sentence
    assert finding.nb_occurences == 2  # identical items are merged
    assert finding.vuln_id_from_tool == "999100"
    assert finding.references == "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options"
    assert [str(e) for e in finding.endpoints] == ["http://127.0.0.1:8080/"]
    assert finding.date == dt.date(2025, 6, 2)


def test_cli_autodetects_every_nikto_fixture(fixture_manifest: list[dict[str, Any]], shared_fixtures: Path) -> None:
    """``secureops parse FILE`` with no format, through the installed entry point (all installed plugins)."""
    for entry in (e for e in fixture_manifest if e["scanner"] == "nikto"):
        result = subprocess.run(
            [sys.executable, "-m", "secureops", "parse", str(shared_fixtures / entry["file"]), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert len(json.loads(result.stdout)) == entry["expected_findings"], entry["file"]


def test_an_empty_osvdb_id_is_no_osvdb_link() -> None:
    data = b'{"host": "h", "port": "80", "vulnerabilities": [{"id": "1", "OSVDB": "", "url": "/", "msg": "m"}]}'
    (finding,) = parse_with(REGISTRY, data)
    assert finding.severity == "Info" and finding.unique_id_from_tool is None  # DefectDojo: Medium, "OSVDB-"


def test_a_byte_order_mark_is_accepted() -> None:
    data = b'\xef\xbb\xbf{"host": "h", "port": "80", "vulnerabilities": [{"id": "1", "url": "/", "msg": "m"}]}'
    assert NiktoImporter().detect(data, None) == "nikto-json"
    assert [f.title for f in parse_with(REGISTRY, data)] == ["m"]
