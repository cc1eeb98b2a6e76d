"""Every shared Trivy report gives DefectDojo's expected count and field values, via the host's full path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import secureops_trivy
from secureops_trivy import TrivyJsonImporter

from secureops.core.config import load_settings
from secureops.core.plugins import get_plugin_manager
from secureops.core.registry import build_registry
from secureops.importer.parse import parse_report
from secureops.testing import check_importer_conformance, parse_with, plugin_registry


def _value(finding: Any, field: str) -> Any:
    value = getattr(finding, field)
    if field == "severity":
        return value.value
    if field == "cwe" and value is None:
        return 0  # the manifest's vocabulary: cwe 0 means "none" (ours is None)
    return value


def _empty(value: Any) -> bool:
    return value in (None, "", [], 0)


def test_manifest_lists_the_trivy_reports(fixture_manifest: list[dict[str, Any]]) -> None:
    """The parametrisation below really covers the manifest (a missing folder fails via ``fixture_manifest``)."""
    files = {entry["file"] for entry in fixture_manifest if entry["scanner"] == "trivy"}
    assert len(files) == 11


def test_report_matches_manifest(trivy_entry: dict[str, Any], shared_fixtures: Path) -> None:
    """Auto-detected through ``parse_report``: the count and every asserted value match."""
    findings = parse_with(plugin_registry(secureops_trivy), shared_fixtures / trivy_entry["file"])
    assert len(findings) == trivy_entry["expected_findings"]
    for assertion in trivy_entry["assertions"]:
        finding = findings[assertion["index"]]
        actual, expected = _value(finding, assertion["field"]), assertion["value"]
        if expected is None:
            assert _empty(actual), f"#{assertion['index']} {assertion['field']}: {actual!r} should be empty"
        else:
            assert actual == expected, f"#{assertion['index']} {assertion['field']}: {actual!r} != {expected!r}"


def test_report_conformance(trivy_entry: dict[str, Any], shared_fixtures: Path) -> None:
    """Valid, deterministic, stable and distinct fingerprints; ``detect()`` says ``trivy-json``."""
    check_importer_conformance(TrivyJsonImporter(), shared_fixtures / trivy_entry["file"], format="trivy-json")


def test_never_claims_other_tools_reports(other_entry: dict[str, Any], shared_fixtures: Path) -> None:
    head = (shared_fixtures / other_entry["file"]).read_bytes()[:65536]
    assert TrivyJsonImporter().detect(head, Path(other_entry["file"]).name) is None


def test_cluster_subset_is_a_duplicate_of_the_full_cluster_report(shared_fixtures: Path) -> None:
    """DefectDojo's dedup scenario: every finding of the fabricated subset already exists in kubernetes.json."""
    registry = plugin_registry(secureops_trivy)
    full = {f.fingerprint for f in parse_with(registry, shared_fixtures / "trivy" / "kubernetes.json")}
    subset = [
        f.fingerprint for f in parse_with(registry, shared_fixtures / "trivy" / "kubernetes_fabricated_subset.json")
    ]
    assert len(subset) == 13
    assert set(subset) <= full


def test_auto_detection_with_every_installed_plugin(trivy_entry: dict[str, Any], shared_fixtures: Path) -> None:
    """With all installed importers (entry points, as ``secureops parse`` loads them), Trivy's is the one chosen."""
    registry = build_registry(get_plugin_manager(load_settings()))
    parsed = parse_report(registry, shared_fixtures / trivy_entry["file"])
    assert (parsed.format, parsed.importer.name) == ("trivy-json", "trivy")
    assert sum(1 for _ in parsed.findings) == trivy_entry["expected_findings"]


def test_secureops_parse_command(shared_fixtures: Path) -> None:
    """The CLI itself: ``secureops parse FILE --json`` with no format."""
    report = shared_fixtures / "trivy" / "scheme_2_many_vulns.json"
    done = subprocess.run(
        [sys.executable, "-m", "secureops", "parse", str(report), "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    findings = json.loads(done.stdout)
    assert [f["title"] for f in findings][:2] == [
        "CVE-2020-15999 freetype 2.9.1-r2",
        "CVE-2020-28196 krb5-libs 1.15.5-r0",
    ]
