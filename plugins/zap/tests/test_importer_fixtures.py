"""The importer against DefectDojo's ZAP reports: manifest expectations, identities, detection, other formats."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from secureops_zap.alerts import instance_endpoint
from secureops_zap.importer import ZapImporter

from secureops import Finding, ParseContext
from secureops.core.registry import Registry
from secureops.importer.parse import normalise
from secureops.testing import assert_valid_findings, check_importer_conformance, parse_with

ZAP_FILES = [
    "0_zap_sample.xml",
    "1_zap_sample_0_and_new_absent.xml",
    "dvwa_baseline_dojo.xml",
    "dvwa_baseline_dojo_subset.xml",
    "empty_2.9.0.xml",
    "some_2.9.0.xml",
    "zap-results-first-scan.xml",
    "zap-xml-plus-format.xml",
]
# ZAP before the report add-on (2.10) grouped alert items by risk *and* confidence, so one report can hold two
# items of the same alert at the same risk: dvwa's two "Suspicious Comments" (10027, confidence 2 and 1).
# They are one issue to a person and share an identity, as they share DefectDojo's hash (title, cwe, severity).
SHARED_IDENTITY = {"dvwa_baseline_dojo.xml": {"10027@http://172.17.0.2:80"}}


def _parse(path: Path, format_id: str | None = None) -> list[Finding]:
    importer = ZapImporter()
    data = path.read_bytes()
    fmt = format_id or importer.detect(data[:65536], path.name)
    context = ParseContext(format=fmt, filename=path.name)
    return assert_valid_findings(normalise(importer, io.BufferedReader(io.BytesIO(data)), context))


def _manifest(fixture_manifest: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["file"].split("/", 1)[1]: entry for entry in fixture_manifest if entry["scanner"] == "zap"}


def test_every_zap_fixture_is_covered(fixture_manifest: list[dict[str, Any]]) -> None:
    assert sorted(_manifest(fixture_manifest)) == sorted(ZAP_FILES)


@pytest.mark.parametrize("name", ZAP_FILES)
def test_manifest_expectations(
    name: str, zap_dir: Path, fixture_manifest: list[dict[str, Any]], report_writers
) -> None:
    entry = _manifest(fixture_manifest)[name]
    findings = _parse(zap_dir / name, entry["format_id"])
    assert len(findings) == entry["expected_findings"]
    sites = report_writers["sites"](zap_dir / name)
    items = [alert for site in sites for alert in site["alerts"]]
    for assertion in entry["assertions"]:
        index, field, expected = assertion["index"], assertion["field"], assertion["value"]
        finding, item = findings[index], items[index]
        if field == "endpoints_count":
            # DefectDojo's parser lists one endpoint per instance; we keep each distinct endpoint once (what
            # DefectDojo stores after its own de-duplication) and count instances in nb_occurences.
            assert len(item["instances"]) == expected
            distinct = {str(instance_endpoint(i["uri"])) for i in item["instances"]}
            assert len(finding.endpoints) == len(distinct)
            assert finding.nb_occurences is not None and finding.nb_occurences >= expected
        elif field.startswith("endpoints["):
            position, attribute = int(field[len("endpoints[") : field.index("]")]), field.rsplit(".", 1)[1]
            dojo_endpoint = instance_endpoint(item["instances"][position]["uri"])
            actual = getattr(dojo_endpoint, attribute)
            if attribute == "path":  # DefectDojo writes paths without their leading "/"
                actual = (actual or "").lstrip("/")
            assert actual == expected, field
            assert dojo_endpoint in finding.endpoints
        elif field.startswith("req_resp[0]."):
            pair = finding.req_resp[0]
            text = pair.req if field.endswith("req_startswith") else pair.resp
            assert text.startswith(expected), field
        elif field == "cwe":
            assert (finding.cwe or 0) == expected
        else:
            value = getattr(finding, field)
            assert (value.value if hasattr(value, "value") else value) == expected, field


@pytest.mark.parametrize("name", ZAP_FILES)
def test_conformance(name: str, zap_dir: Path, fixture_manifest: list[dict[str, Any]]) -> None:
    format_id = _manifest(fixture_manifest)[name]["format_id"]
    shared = SHARED_IDENTITY.get(name, set())
    result = check_importer_conformance(ZapImporter(), zap_dir / name, format=format_id, expect_distinct=not shared)
    by_print: dict[str, set[str]] = {}
    for finding in result.findings:
        by_print.setdefault(finding.fingerprint or "", set()).add(finding.unique_id_from_tool or "")
    repeated = {uid for fp, uids in by_print.items() for uid in uids if result.fingerprints.count(fp) > 1}
    assert repeated == shared


def test_detect_recognises_each_zap_report_and_nothing_else(shared_fixtures: Path, fixture_manifest) -> None:
    importer = ZapImporter()
    for entry in fixture_manifest:
        path = shared_fixtures / entry["file"]
        found = importer.detect(path.read_bytes()[:65536], path.name)
        assert found == (entry["format_id"] if entry["scanner"] == "zap" else None), entry["file"]


@pytest.mark.parametrize("name", ZAP_FILES)
def test_host_auto_detection(name: str, zap_dir: Path, registry: Registry) -> None:
    assert len(parse_with(registry, zap_dir / name)) == len(_parse(zap_dir / name))


def _prints(findings: list[Finding]) -> dict[str, str]:
    return {f.fingerprint or "": f.title for f in findings}


def test_identity_identical_reimport_and_one_gone_one_new(zap_dir: Path) -> None:
    """scenarios.json: reimporting 0 → 4 untouched; reimporting 1 after 0 → zap1 closed, zap4 created, 3 kept."""
    first, again = _prints(_parse(zap_dir / "0_zap_sample.xml")), _prints(_parse(zap_dir / "0_zap_sample.xml"))
    assert first == again and len(first) == 4
    second = _prints(_parse(zap_dir / "1_zap_sample_0_and_new_absent.xml"))
    assert [first[p] for p in first.keys() - second.keys()] == ["zap1: Cookie Without Secure Flag"]
    assert [second[p] for p in second.keys() - first.keys()] == ["zap4: Cookie No HttpOnly Flag"]
    assert len(first.keys() & second.keys()) == 3


def test_identity_subset_report_matches_full_report(zap_dir: Path) -> None:
    """scenarios.json: the DVWA subset imported after the full report is 10 duplicates."""
    full, subset = (
        _prints(_parse(zap_dir / "dvwa_baseline_dojo.xml")),
        _prints(_parse(zap_dir / "dvwa_baseline_dojo_subset.xml")),
    )
    assert len(subset) == 10 and subset.keys() <= full.keys()


def test_identity_ignores_endpoints_and_titles(zap_dir: Path) -> None:
    """A new page for a known alert, or a ZAP release renaming it, is the same finding; another site is not."""
    text = (zap_dir / "0_zap_sample.xml").read_text()
    moved = text.replace("https://mainsite.com/dashboard", "https://mainsite.com/new-page").replace("zap2:", "renamed:")
    other_site = text.replace('name="https://mainsite.com"', 'name="https://other.example"')
    base = set(_prints(_parse(zap_dir / "0_zap_sample.xml")))
    for variant, same in ((moved, True), (other_site, False)):
        context = ParseContext(format="zap-xml")
        stream = io.BufferedReader(io.BytesIO(variant.encode()))
        prints = {f.fingerprint for f in normalise(ZapImporter(), stream, context)}
        assert (prints == base) is same


def test_deliberate_differences_from_defectdojo(zap_dir: Path) -> None:
    """Documented in docs/scanners/zap.md: confidence from <confidence>, distinct endpoints, count, no fake pairs."""
    dvwa = _parse(zap_dir / "dvwa_baseline_dojo.xml")
    csp = dvwa[1]  # riskcode 2 (DefectDojo's scanner_confidence 4), confidence 3 = High -> 1 (Certain)
    assert csp.title == "Content Security Policy (CSP) Header Not Set" and csp.scanner_confidence == 1
    timestamp = dvwa[3]  # 20 instances listed, <count>67</count>, all on one URL
    assert timestamp.nb_occurences == 67 and len(timestamp.endpoints) == 1
    assert all(f.req_resp == [] for f in dvwa)  # no synthetic "Method: … Param: …" requests
    first_scan = _parse(zap_dir / "zap-results-first-scan.xml")
    assert len(first_scan[0].endpoints) == 1 and first_scan[0].nb_occurences == 11  # 11 ?prodid= variants
    zap5 = _parse(zap_dir / "0_zap_sample.xml")[3]
    assert zap5.scanner_confidence == 7 and zap5.unique_id_from_tool == "10096@https://mainsite.com:443"
    assert "Instances (4):" in zap5.description and "evidence: 265151019" in zap5.description


def test_false_positive_confidence(zap_dir: Path) -> None:
    text = (
        (zap_dir / "0_zap_sample.xml").read_text().replace("<confidence>1</confidence>", "<confidence>0</confidence>")
    )
    context = ParseContext(format="zap-xml")
    findings = list(normalise(ZapImporter(), io.BufferedReader(io.BytesIO(text.encode())), context))
    assert [(f.false_p, f.active) for f in findings] == [(False, True)] * 3 + [(True, False)]


@pytest.mark.parametrize("name", [n for n in ZAP_FILES if n != "empty_2.9.0.xml"])
def test_traditional_json_gives_the_same_findings(name: str, zap_dir: Path, registry: Registry, report_writers) -> None:
    data = report_writers["json"](zap_dir / name)
    assert ZapImporter().detect(data[:65536], None) == "zap-json"
    from_json = parse_with(registry, data)
    assert [f.model_dump() for f in from_json] == [f.model_dump() for f in _parse(zap_dir / name)]


@pytest.mark.parametrize("name", [n for n in ZAP_FILES if n != "empty_2.9.0.xml"])
def test_alerts_json_gives_the_same_identities(name: str, zap_dir: Path, registry: Registry, report_writers) -> None:
    data = report_writers["alerts"](zap_dir / name)
    assert ZapImporter().detect(data[:65536], None) == "zap-alerts-json"
    from_api, from_xml = parse_with(registry, data), _parse(zap_dir / name)
    assert set(_prints(from_api)) == set(_prints(from_xml))
    endpoints = {f.fingerprint: set(map(str, f.endpoints)) for f in from_xml}
    for finding in from_api:
        assert set(map(str, finding.endpoints)) >= endpoints[finding.fingerprint]
        assert finding.tags == ["OWASP_2021_A05"] and finding.dynamic_finding


def test_legacy_json_shapes(registry: Registry) -> None:
    """ZAP releases that converted XML to JSON wrote a lone site/alert/instance as an object, not a list."""
    data = (
        b'{"@version":"2.7.0","@generated":"x","site":{"@name":"http://127.0.0.1:8080","@host":"127.0.0.1",'
        b'"@port":"8080","@ssl":"false","alerts":{"alertitem":{"pluginid":"10020","alert":"X-Frame-Options Header '
        b'Not Set","riskcode":"2","confidence":"2","desc":"d","instances":{"instance":{"uri":"http://127.0.0.1:8080/a",'
        b'"method":"GET","param":"X-Frame-Options"}},"count":"1","cweid":"16"}}}}'
    )
    (finding,) = parse_with(registry, data)
    assert finding.unique_id_from_tool == "10020@http://127.0.0.1:8080" and finding.param == "X-Frame-Options"
    assert [str(e) for e in finding.endpoints] == ["http://127.0.0.1:8080/a"] and finding.cwe == 16


def test_bare_alert_list_and_empty_alerts(registry: Registry) -> None:
    item = (
        b'{"pluginId":"10020","alertRef":"10020-1","name":"N","risk":"Low","confidence":"Low",'
        b'"url":"https://127.0.0.1/x?q=1","messageId":"3"}'
    )
    (finding,) = parse_with(registry, b"[" + item + b"," + item + b"]")
    assert finding.nb_occurences == 2 and finding.unique_id_from_tool == "10020-1@https://127.0.0.1:443"
    assert parse_with(registry, b'{"alerts": []}') == []


def test_a_risk_change_keeps_the_identity(registry: Registry) -> None:
    """A rule whose risk a ZAP release (or scan policy) changed is the same finding: updated on reimport."""
    item = (
        b'{"pluginId":"10020","alertRef":"10020-1","name":"N","risk":"%s","confidence":"Low",'
        b'"url":"https://127.0.0.1/x","messageId":"3"}'
    )
    (low,) = parse_with(registry, b"[" + item % b"Low" + b"]")
    (medium,) = parse_with(registry, b"[" + item % b"Medium" + b"]")
    assert (low.severity.value, medium.severity.value) == ("Low", "Medium")
    assert low.fingerprint == medium.fingerprint
    without_ref = item.replace(b'"alertRef":"10020-1",', b"")  # ZAP before 2.10: the plugin id names the rule
    (old_low,) = parse_with(registry, b"[" + without_ref % b"Low" + b"]")
    (old_medium,) = parse_with(registry, b"[" + without_ref % b"Medium" + b"]")
    assert old_low.fingerprint == old_medium.fingerprint != low.fingerprint


def test_parse_without_a_format_sniffs_it(zap_dir: Path, report_writers) -> None:
    plus = (zap_dir / "zap-xml-plus-format.xml").read_bytes()
    as_json = report_writers["json"](zap_dir / "some_2.9.0.xml")
    for data, count in ((plus, 1), (as_json, 7)):
        stream = io.BufferedReader(io.BytesIO(data))
        assert len(list(normalise(ZapImporter(), stream, ParseContext()))) == count


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'{"alerts": []}', "zap-alerts-json"),
        (b'\xef\xbb\xbf  {"alerts":[{"pluginId":"1","alertRef":"1"}]}', "zap-alerts-json"),
        (b'[{"pluginId":"1","messageId":"2"}]', "zap-alerts-json"),
        (b'{"alerts": [{"id": 1, "rule": "x"}]}', None),  # someone else's alerts
        (b'[{"pluginId":"1"}]', None),
        (b'{"@version": "2.9.0", "@generated": "x", "site": []}', "zap-json"),
        (b'{"@programName": "ZAP", "@version": "2.14.0"', None),  # no site list in sight
        (b"<?xml version='1.0'?><!-- <x> --><OWASPZAPReport version='2.9.0'>", "zap-xml"),
        (b"<!DOCTYPE OWASPZAPReport><OWASPZAPReport>", "zap-xml"),  # detected; parsing refuses the DTD
        (b"<niktoscan><OWASPZAPReport>", None),
        (b"", None),
        (b"\x00\x01", None),
    ],
)
def test_detect_edge_cases(head: bytes, expected: str | None) -> None:
    assert ZapImporter().detect(head, None) == expected


def test_raw_html_inside_a_field_is_kept_as_text(registry: Registry) -> None:
    data = (
        b"<OWASPZAPReport><site name='http://127.0.0.1'><alerts><alertitem><pluginid>1</pluginid><alert>A</alert>"
        b"<riskcode>1</riskcode><desc>first <b>bold</b> last</desc><instances><instance><uri>http://127.0.0.1/x"
        b"</uri><evidence>e<i>v</i></evidence></instance></instances></alertitem></alerts></site></OWASPZAPReport>"
    )
    (finding,) = parse_with(registry, data)
    assert finding.description.startswith("first bold last") and "evidence: ev" in finding.description


def test_byte_order_mark_is_accepted(zap_dir: Path, registry: Registry, report_writers) -> None:
    bom = b"\xef\xbb\xbf"
    for data, count in (
        (bom + report_writers["json"](zap_dir / "some_2.9.0.xml"), 7),
        (bom + report_writers["alerts"](zap_dir / "some_2.9.0.xml"), 7),
        (bom + (zap_dir / "some_2.9.0.xml").read_bytes(), 7),
    ):
        assert len(parse_with(registry, data)) == count
