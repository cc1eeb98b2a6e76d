"""The ``nmap-xml`` importer against the shared DefectDojo fixtures, and what it adds beyond them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import secureops_nmap
from secureops_nmap import NmapXmlImporter

from secureops import Finding
from secureops.importer.parse import parse_report
from secureops.testing import check_importer_conformance, parse_with, plugin_registry

# Values where this importer deliberately differs from DefectDojo (see docs/scanners/nmap.md):
# DefectDojo gives an open-port finding the id of the port's first NSE script as vuln_id_from_tool; a script
# that ran is not what the finding is, so it stays empty here.
DIFFERENCES = {("nmap/issue4406.xml", 55, "vuln_id_from_tool"): None}


def _nmap_entries(manifest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries = [e for e in manifest if e["scanner"] == "nmap"]
    assert entries, "the manifest lists no Nmap reports"
    return entries


def _field(finding: Finding, field: str) -> Any:
    if field == "endpoints_count":
        return len(finding.endpoints)
    if field.startswith("endpoints["):
        index, attribute = field.removeprefix("endpoints[").split("].")
        value = getattr(finding.endpoints[int(index)], attribute)
        return value.lstrip("/") if attribute == "path" and value else value
    value = getattr(finding, field)
    if field == "date":
        return value.isoformat() if value else None
    return value


def _expected(field: str, value: Any) -> Any:
    if field == "date" and value:  # the manifest has the start time; a finding keeps its (UTC) date
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    return value


def test_every_nmap_fixture_matches_the_manifest(fixture_manifest: list[dict[str, Any]], shared_fixtures: Path) -> None:
    registry = plugin_registry(secureops_nmap)
    checked = 0
    for entry in _nmap_entries(fixture_manifest):
        assert entry["format_id"] == "nmap-xml"
        findings = parse_with(registry, shared_fixtures / entry["file"])  # auto-detected
        assert len(findings) == entry["expected_findings"], entry["file"]
        for assertion in entry["assertions"]:
            finding = findings[assertion["index"]]
            key = (entry["file"], assertion["index"], assertion["field"])
            expected = DIFFERENCES.get(key, _expected(assertion["field"], assertion["value"]))
            assert _field(finding, assertion["field"]) == expected, key
            checked += 1
    assert checked >= 30


def test_the_documented_difference_from_defectdojo(shared_fixtures: Path) -> None:
    findings = parse_with(plugin_registry(secureops_nmap), shared_fixtures / "nmap/issue4406.xml")
    port = findings[55]
    assert port.title == "Open port: 30150/tcp"
    assert port.vuln_id_from_tool is None  # DefectDojo: "fingerprint-strings"
    assert "fingerprint-strings" in port.description  # the script's output is kept, in the description


@pytest.mark.parametrize("name", ["issue4406.xml", "nmap_0port.xml", "nmap_script_vulners.xml"])
def test_conformance(name: str, shared_fixtures: Path) -> None:
    check_importer_conformance(NmapXmlImporter(), shared_fixtures / "nmap" / name)


def test_detect_recognises_nmap_reports_and_nothing_else(shared_fixtures: Path) -> None:
    importer = NmapXmlImporter()
    for path in sorted(shared_fixtures.rglob("*")):
        if path.is_file() and path.suffix in (".xml", ".json"):
            expected = "nmap-xml" if path.parent.name == "nmap" else None
            assert importer.detect(path.read_bytes()[:65536], path.name) == expected, path.name
    for head in (b"", b"<", b"<?xml", b"\x00\xff", b"<html><nmaprun/>", b"{}", b"<!-- <nmaprun> -->"):
        assert importer.detect(head, None) is None


def test_vulners_findings_carry_cvss_component_and_references(shared_fixtures: Path) -> None:
    findings = parse_with(plugin_registry(secureops_nmap), shared_fixtures / "nmap/nmap_script_vulners.xml")
    cve = findings[0]
    assert cve.vulnerability_ids == ["CVE-2018-15919"]
    assert cve.severity_justification == "CVSS score 5 reported by vulners"
    assert cve.references == "https://vulners.com/cve/CVE-2018-15919"
    assert [str(e) for e in cve.endpoints] == ["tcp://192.168.0.1:5022"]
    assert cve.nb_occurences == 1
    port = findings[2]
    assert port.service == "ssh"
    assert "OpenSSH" in port.description and "7.4" in port.description


def test_exploit_entries_are_tagged(shared_fixtures: Path) -> None:
    findings = parse_with(plugin_registry(secureops_nmap), shared_fixtures / "nmap/issue4406.xml")
    assert findings[0].tags == ["exploit"]
    assert findings[22].tags == []


# A report in the shape Nmap's NSE "vulns" library writes (ssl-heartbleed, smb-vuln-ms17-010 …); no vulnerable
# service can be had on this machine to produce one for real.
NSE_VULN_REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -sV --script vuln" start="1700000000" version="7.93" xmloutputversion="1.05">
<host><status state="up"/><address addr="127.0.0.1" addrtype="ipv4"/>
<hostnames><hostname name="localhost" type="user"/></hostnames>
<ports>
<port protocol="tcp" portid="443"><state state="open"/><service name="https"/>
<script id="ssl-heartbleed" output="VULNERABLE">
<table key="NMAP-2">
<elem key="title">The Heartbleed Bug is a serious vulnerability in the popular OpenSSL library.</elem>
<elem key="state">VULNERABLE</elem>
<table key="ids"><elem>CVE:CVE-2014-0160</elem><elem>BID:66690</elem></table>
<table key="description"><elem>OpenSSL 1.0.1 through 1.0.1f leak memory.</elem></table>
<table key="refs"><elem>https://www.openssl.org/news/secadv_20140407.txt</elem></table>
</table>
</script>
<script id="http-csrf" output="Couldn't find any CSRF vulnerabilities."/>
</port>
<port protocol="udp" portid="443"><state state="open"/></port>
</ports>
<hostscript>
<script id="smb-vuln-ms10-054" output="">
<table key="CVE-2010-2550">
<elem key="title">SMB Memory Corruption Vulnerability</elem>
<elem key="state">LIKELY VULNERABLE</elem>
<table key="ids"><elem>CVE:CVE-2010-2550</elem></table>
<table key="scores"><elem key="CVSSv2">10.0</elem></table>
</table>
<table key="NOT">
<elem key="title">Not this one</elem>
<elem key="state">NOT VULNERABLE</elem>
</table>
</script>
</hostscript>
</host>
</nmaprun>
"""


def test_nse_vuln_scripts_become_findings() -> None:
    findings = parse_with(plugin_registry(secureops_nmap), NSE_VULN_REPORT)
    by_title = {f.title: f for f in findings}
    assert list(by_title) == [
        "The Heartbleed Bug is a serious vulnerability in the popular OpenSSL library.",
        "Open port: 443/tcp",
        "Open port: 443/udp",  # DefectDojo would merge the two protocols into one "443/tcp" finding
        "SMB Memory Corruption Vulnerability",
    ]
    heartbleed = findings[0]
    assert heartbleed.severity == "Medium"  # VULNERABLE and no score
    assert heartbleed.vulnerability_ids == ["CVE-2014-0160"]
    assert heartbleed.vuln_id_from_tool == "ssl-heartbleed"
    assert heartbleed.references == "https://www.openssl.org/news/secadv_20140407.txt"
    assert [str(e) for e in heartbleed.endpoints] == ["tcp://localhost:443"]
    smb = by_title["SMB Memory Corruption Vulnerability"]
    assert smb.severity == "Critical"  # from its CVSSv2 score
    assert [str(e) for e in smb.endpoints] == ["localhost"]
    assert all(f.date == dt.date(2023, 11, 14) for f in findings)


def test_ports_are_aggregated_across_hosts_and_descriptions_stay_bounded() -> None:
    hosts = "".join(
        f'<host><address addr="127.0.{i // 250}.{i % 250 + 1}" addrtype="ipv4"/><ports>'
        f'<port protocol="tcp" portid="80"><state state="open"/></port></ports></host>'
        for i in range(300)
    )
    report = f'<nmaprun start="0">{hosts}</nmaprun>'.encode()
    (finding,) = parse_with(plugin_registry(secureops_nmap), report)
    assert finding.title == "Open port: 80/tcp"
    assert len(finding.endpoints) == 300
    assert finding.description.count("### Host") == 50
    assert "250 more occurrences" in finding.description


def test_cli_autodetects_every_nmap_fixture(shared_fixtures: Path) -> None:
    """``secureops parse FILE`` with no format, through the installed entry point (all installed plugins)."""
    for name, count in (("issue4406.xml", 67), ("nmap_0port.xml", 0), ("nmap_script_vulners.xml", 3)):
        result = subprocess.run(
            [sys.executable, "-m", "secureops", "parse", str(shared_fixtures / "nmap" / name), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert len(json.loads(result.stdout)) == count


def test_parse_report_uses_the_registry_entry_point(shared_fixtures: Path) -> None:
    parsed = parse_report(plugin_registry(secureops_nmap), shared_fixtures / "nmap/nmap_script_vulners.xml")
    assert parsed.format == "nmap-xml"
    assert isinstance(parsed.importer, NmapXmlImporter)


def test_reports_defectdojo_cannot_read_still_import() -> None:
    """An IPv6-only host, a vulners entry without a CVSS score and a CPE without a version."""
    report = b"""<nmaprun start="1700000000"><host><address addr="::1" addrtype="ipv6"/><ports>
    <port protocol="tcp" portid="22"><state state="open"/><script id="vulners" output="">
    <table key="cpe:/a:openbsd"><table><elem key="id">PACKETSTORM:1</elem><elem key="type">packetstorm</elem>
    </table></table></script></port></ports></host></nmaprun>"""
    vuln, port = parse_with(plugin_registry(secureops_nmap), report)
    assert vuln.title == "PACKETSTORM:1" and vuln.severity == "Info"
    assert vuln.component_name is None and vuln.component_version is None
    assert vuln.vulnerability_ids == [] and vuln.severity_justification is None
    assert port.title == "Open port: 22/tcp"
    assert [(e.host, e.port) for e in port.endpoints] == [("::1", 22)]
