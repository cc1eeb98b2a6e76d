"""Every shared fixture, auto-detected among *all* installed plugins, gives DefectDojo's expected finding count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from secureops.core.config import load_settings
from secureops.core.plugins import get_plugin_manager
from secureops.core.registry import Registry, build_registry
from secureops.importer.parse import parse_report


@pytest.fixture(scope="module")
def registry() -> Registry:
    """Everything installed, loaded through entry points as in production (strict: a broken plugin fails here)."""
    return build_registry(get_plugin_manager(load_settings(), strict=True))


def manifest_entries() -> list[dict[str, Any]]:
    from conftest import shared_fixtures_dir

    return json.loads((shared_fixtures_dir() / "manifest.json").read_text())


@pytest.mark.parametrize("entry", manifest_entries(), ids=lambda entry: entry["file"])
def test_auto_detection_and_count(entry: dict[str, Any], registry: Registry, shared_fixtures: Path) -> None:
    parsed = parse_report(registry, shared_fixtures / entry["file"])
    findings = list(parsed.findings)
    assert registry.formats[parsed.format].plugin == entry["scanner"]
    assert len(findings) == entry["expected_findings"]
    assert all(f.fingerprint for f in findings)


def test_cli_parse_auto_detects_a_fixture_of_every_scanner(shared_fixtures: Path) -> None:
    seen = set()
    for entry in manifest_entries():
        if entry["scanner"] in seen or not entry["expected_findings"]:
            continue
        seen.add(entry["scanner"])
        result = subprocess.run(
            [sys.executable, "-m", "secureops", "parse", str(shared_fixtures / entry["file"]), "--json"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert len(json.loads(result.stdout)) == entry["expected_findings"]
    assert seen == {"trivy", "zap", "nmap", "nikto"}
