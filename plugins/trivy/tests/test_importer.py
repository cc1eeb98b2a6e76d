"""The Trivy importer on shapes and cases the shared set lacks, and the stability of finding identity."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import secureops_trivy
from secureops_trivy import TrivyJsonImporter
from secureops_trivy.convert import canonical_check_id

from secureops import Finding, Severity
from secureops.testing import check_importer_conformance, parse_with, plugin_registry

REGISTRY = plugin_registry(secureops_trivy)


def parse(data: bytes | Path) -> list[Finding]:
    """Through the host's full path: auto-detection, normalisation, fingerprints."""
    return parse_with(REGISTRY, data)


def as_bytes(document: Any) -> bytes:
    return json.dumps(document).encode()


def v2(*results: dict[str, Any]) -> dict[str, Any]:
    return {"SchemaVersion": 2, "ArtifactName": "app", "ArtifactType": "filesystem", "Results": list(results)}


VULN: dict[str, Any] = {
    "VulnerabilityID": "CVE-2023-37920",
    "PkgName": "certifi",
    "InstalledVersion": "2022.5.18.1",
    "FixedVersion": "2023.7.22",
    "Severity": "HIGH",
    "Title": "python-certifi: Removal of e-Tugra root certificate",
    "Description": "Certifi removed e-Tugra root certificates.",
    "CweIDs": ["CWE-345"],
    "References": ["https://nvd.nist.gov/vuln/detail/CVE-2023-37920"],
}
LOCKFILE = {"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip"}


def test_old_and_new_misconfiguration_ids(local_fixtures: Path) -> None:
    """Old reports (``DS002`` + ``AVDID``) and 0.76 reports (``DS-0002``) give the same identity."""
    old = parse(local_fixtures / "misconfig_avdid_v035.json")
    new = parse(local_fixtures / "fs_secret_misconfig_v076.json")
    # DS005 passed (not a finding); DS026 failed under a policy exception.
    assert [f.title for f in old] == [
        "DS001 - ':latest' tag used",
        "DS002 - Image user should not be 'root'",
        "DS026 - No HEALTHCHECK defined",
    ]
    assert [f.vulnerability_ids for f in old] == [["AVD-DS-0001"], ["AVD-DS-0002"], ["AVD-DS-0026"]]
    assert [f.vuln_id_from_tool for f in old] == ["DS-0001", "DS-0002", "DS-0026"]
    assert [f.risk_accepted for f in old] == [False, False, True]
    assert old[0].line == 1 and "FROM debian:latest" in old[0].description
    new_misconfigs = {f.vuln_id_from_tool: f for f in new if "config" in f.tags}
    assert set(new_misconfigs) == {"DS-0001", "DS-0002", "DS-0017", "DS-0026"}
    assert new_misconfigs["DS-0002"].vulnerability_ids == ["DS-0002"]
    for finding in old:
        assert finding.fingerprint == new_misconfigs[finding.vuln_id_from_tool].fingerprint


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("DS002", "DS-0002"),
        ("AVD-DS-0002", "DS-0002"),
        ("DS-0002", "DS-0002"),
        ("KSV001", "KSV-0001"),
        ("AVD-AWS-0086", "AWS-0086"),
        ("custom-check", "custom-check"),
        (None, None),
    ],
)
def test_canonical_check_id(raw: str | None, canonical: str | None) -> None:
    assert canonical_check_id(raw) == canonical


def test_secrets_from_trivy_076(local_fixtures: Path) -> None:
    """A real 0.76 report: masked secrets, one finding each, distinct identities."""
    result = check_importer_conformance(TrivyJsonImporter(), local_fixtures / "fs_secret_misconfig_v076.json")
    secrets = [f for f in result.findings if f.tags == ["secret"]]
    assert [(f.vuln_id_from_tool, f.line, f.severity) for f in secrets] == [
        ("aws-access-key-id", 1, Severity.CRITICAL),
        ("aws-secret-access-key", 2, Severity.CRITICAL),
        ("github-pat", 3, Severity.CRITICAL),
    ]
    assert secrets[0].title == "Secret detected in settings.env - AWS Access Key ID"
    assert secrets[0].file_path == "settings.env"
    assert "*****" in secrets[0].description


def test_licences_from_trivy_076(local_fixtures: Path) -> None:
    """A real 0.76 ``--scanners license --license-full`` report: package and loose-file licences."""
    findings = check_importer_conformance(TrivyJsonImporter(), local_fixtures / "licenses_v076.json").findings
    assert [(f.title, f.severity, f.component_name, f.file_path) for f in findings] == [
        (
            "License detected in app/package-lock.json - AGPL-3.0-only",
            Severity.CRITICAL,
            "gplthing",
            "app/package-lock.json",
        ),
        ("License detected in app/package-lock.json - MIT", Severity.LOW, "leftpad", "app/package-lock.json"),
        ("License detected in Loose File License(s) - GPL-3.0", Severity.HIGH, None, "app/LICENSE"),
    ]
    assert findings[0].scanner_confidence == 100
    assert findings[0].description == "AGPL-3.0-only\n**Category:** forbidden\n**Package:** gplthing\n"
    assert findings[2].references == "https://spdx.org/licenses/GPL-3.0.html"
    assert [f.tags for f in findings] == [["license"], ["license"], ["license-file"]]


def test_cluster_report_with_resources(local_fixtures: Path) -> None:
    """Newer ``trivy k8s`` reports list everything under ``Resources``; the service names the workload."""
    findings = check_importer_conformance(TrivyJsonImporter(), local_fixtures / "k8s_resources.json").findings
    assert [(f.title, f.service) for f in findings] == [
        ("CVE-2024-0727 libcrypto3 3.1.4-r5", "shop / Deployment / web"),
        ("KSV-0001 - Can elevate its own privileges", "shop / Deployment / web"),
        ("CVE-2024-0727 libcrypto3 3.1.4-r5", "shop / Deployment / worker"),
        ("KCV-0070 - Ensure that the --client-ca-file argument is set as appropriate", "Node / kind-control-plane"),
    ]
    # The same image in two workloads: two findings, told apart by the service.
    assert findings[0].fingerprint != findings[2].fingerprint
    assert findings[0].file_path == "registry.local/shop/web:1.4.2 (alpine 3.19.1)"
    assert findings[0].tags == ["alpine", "os-pkgs"]


def test_vulnerability_fields() -> None:
    [finding] = parse(as_bytes(v2({**LOCKFILE, "Vulnerabilities": [VULN]})))
    assert finding.title == "CVE-2023-37920 certifi 2022.5.18.1"
    assert finding.severity is Severity.HIGH
    assert finding.file_path == "requirements.txt"
    assert finding.mitigation == finding.fix_version == "2023.7.22"
    assert finding.fix_available is True
    assert (finding.cwe, finding.cwes) == (345, [345])
    assert finding.vulnerability_ids == ["CVE-2023-37920"]
    assert finding.tags == ["pip", "lang-pkgs"]
    assert finding.static_finding and not finding.dynamic_finding
    assert finding.description.startswith(
        "python-certifi: Removal of e-Tugra root certificate\n**Target:** requirements.txt"
    )


def test_cvss_v4_placeholder_cwes_and_missing_severity() -> None:
    vuln: dict[str, Any] = {**VULN, "CweIDs": ["NVD-CWE-Other", "CWE-20"], "SeveritySource": "ghsa"}
    del vuln["Severity"]
    vuln["CVSS"] = {
        "ghsa": {
            "V40Vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "V40Score": 9.3,
            "V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N",
            "V3Score": 6.5,
        },
        "nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "V3Score": 9.8},
    }
    [finding] = parse(as_bytes(v2({**LOCKFILE, "Vulnerabilities": [vuln]})))
    assert finding.severity is Severity.CRITICAL  # from the v4 score of the SeveritySource entry
    assert (finding.cvssv3, finding.cvssv3_score) == ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", 6.5)
    assert "CVSS:4.0/AV:N" in finding.description
    assert (finding.cwe, finding.cwes) == (20, [20])


def test_unknown_severity_word_is_info_not_a_lost_finding() -> None:
    [finding] = parse(as_bytes(v2({**LOCKFILE, "Vulnerabilities": [{**VULN, "Severity": "SEVERE-ISH"}]})))
    assert finding.severity is Severity.INFO


def test_unusual_key_order_parses_the_same() -> None:
    """Finding lists before ``Target`` (not how Trivy writes, but valid JSON) give the same findings."""
    usual = parse(as_bytes(v2({**LOCKFILE, "Vulnerabilities": [VULN]})))
    reordered = parse(as_bytes(v2({"Vulnerabilities": [VULN], **LOCKFILE})))
    assert [f.model_dump() for f in reordered] == [f.model_dump() for f in usual]
    cluster = {"ClusterName": "c", "Resources": [{"Results": [{**LOCKFILE, "Vulnerabilities": [VULN]}], "Name": "x"}]}
    [finding] = parse(as_bytes(cluster))
    assert finding.service == "x"


def test_legacy_results_without_class_keep_their_target() -> None:
    """Legacy results have no Class: the finding still says which lockfile it is in (DefectDojo: none)."""
    [finding] = parse(as_bytes([{"Target": "php-app/composer.lock", "Type": "composer", "Vulnerabilities": [VULN]}]))
    assert finding.file_path == "php-app/composer.lock"
    assert finding.tags == ["composer"]


def test_results_without_target_or_package_are_skipped() -> None:
    report = v2(
        {"Class": "lang-pkgs", "Vulnerabilities": [VULN]},
        {**LOCKFILE, "Vulnerabilities": [{"VulnerabilityID": "CVE-1"}]},
    )
    assert parse(as_bytes(report)) == []


# --- identity ---------------------------------------------------------------------------------------------------


def _fingerprints(document: Any) -> list[str | None]:
    return [f.fingerprint for f in parse(as_bytes(document))]


def test_reimport_gives_identical_fingerprints(shared_fixtures: Path) -> None:
    path = shared_fixtures / "trivy" / "scheme_2_many_vulns.json"
    assert [f.fingerprint for f in parse(path)] == [f.fingerprint for f in parse(path)]


def test_identity_ignores_description_title_version_severity_and_fix() -> None:
    base = _fingerprints(v2({**LOCKFILE, "Vulnerabilities": [VULN]}))
    changed = copy.deepcopy(VULN)
    changed.update(
        Description="Rewritten by the advisory database.",
        Title="new title",
        InstalledVersion="2022.12.7",
        Severity="CRITICAL",
        FixedVersion="2024.2.2",
        References=[],
        CweIDs=[],
    )
    assert _fingerprints(v2({**LOCKFILE, "Vulnerabilities": [changed]})) == base


@pytest.mark.parametrize(
    "change",
    [{"VulnerabilityID": "CVE-2099-0001"}, {"PkgName": "requests"}, {"PkgPath": "venv/lib/certifi"}],
    ids=["vulnerability", "package", "path"],
)
def test_identity_follows_vulnerability_package_and_path(change: dict[str, str]) -> None:
    base = _fingerprints(v2({**LOCKFILE, "Vulnerabilities": [VULN]}))
    assert _fingerprints(v2({**LOCKFILE, "Vulnerabilities": [{**VULN, **change}]})) != base


def test_identity_follows_the_target_file() -> None:
    base = _fingerprints(v2({**LOCKFILE, "Vulnerabilities": [VULN]}))
    assert _fingerprints(v2({**LOCKFILE, "Target": "api/requirements.txt", "Vulnerabilities": [VULN]})) != base


def test_secret_identity_survives_moved_lines(local_fixtures: Path) -> None:
    document = json.loads((local_fixtures / "fs_secret_misconfig_v076.json").read_text())
    before = _fingerprints(document)
    for result in document["Results"]:
        for secret in result.get("Secrets", []):
            secret["StartLine"] += 10
            secret["EndLine"] += 10
    assert _fingerprints(document) == before
