"""The plugin as users meet it: installed, found through its entry point, listed, and driven from the CLI."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import secureops_custom_example

from secureops.core.config import load_settings
from secureops.core.plugins import SecureopsPluginManager, get_plugin_manager
from secureops.core.registry import Registry, build_registry


def test_plugin_is_installed_and_discovered_through_its_entry_point() -> None:
    [entry_point] = [ep for ep in importlib.metadata.entry_points(group="secureops") if ep.name == "custom_example"]
    assert entry_point.value == "secureops_custom_example"
    # Load entry points for real (only this one, so other plugins' state cannot affect the test); strict: raise.
    settings = load_settings(disable_plugin_autoload=False, load_plugins=["custom_example"], disable_plugins=[])
    pm = get_plugin_manager(settings, strict=True)
    assert pm.has_plugin("custom_example")
    assert pm.get_plugin("custom_example") is secureops_custom_example
    record = pm.records["custom_example"]
    assert (record.distribution, record.error) == ("secureops-custom-example", None)
    assert record.version == importlib.metadata.version("secureops-custom-example")
    registry = build_registry(pm)
    assert registry.scanners["headers"].plugin == "custom_example"
    assert registry.importers["headers"].plugin == "custom_example"
    assert registry.formats["headers-json"].plugin == "custom_example"
    assert registry.scanner("headers").report_format == "headers-json"
    assert registry.errors == {}


def test_the_secureops_testing_fixtures_register_the_plugin(
    secureops_pm: SecureopsPluginManager, secureops_registry_for: Callable[..., Registry]
) -> None:
    assert not secureops_pm.has_plugin("custom_example")  # a fresh manager loads no entry points
    secureops_pm.add_plugin(secureops_custom_example, "custom_example", strict=True)
    assert sorted(build_registry(secureops_pm).objects_of("custom_example")) == [
        ("importer", "headers"),
        ("scanner", "headers"),
    ]
    registry = secureops_registry_for(secureops_custom_example)
    assert registry.importer_for("headers-json").name == "headers"


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m secureops ARGS`` with only this plugin loaded."""
    env = {**os.environ, "SECUREOPS_LOAD_PLUGINS": "custom_example", "COLUMNS": "200"}
    env.pop("SECUREOPS_DISABLE_PLUGINS", None)
    return subprocess.run(
        [sys.executable, "-m", "secureops", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_plugins_list_shows_the_plugin() -> None:
    result = _cli("plugins", "list", "--json")
    assert result.returncode == 0, result.stderr
    [row] = [row for row in json.loads(result.stdout) if row["name"] == "custom_example"]
    assert row["objects"] == {"scanner": ["headers"], "importer": ["headers"]}
    assert row["formats"] == ["headers-json"]
    assert row["distribution"] == "secureops-custom-example"
    assert row["error"] is None


def test_secureops_parse_reads_a_report(fixtures: Path) -> None:
    result = _cli("parse", "--json", str(fixtures / "one_finding.json"))
    assert result.returncode == 0, result.stderr
    [finding] = json.loads(result.stdout)
    assert finding["vuln_id_from_tool"] == "csp-missing"
    bad = _cli("parse", str(fixtures.parent / "conftest.py"), "--format", "headers-json")
    assert bad.returncode == 2
    assert "secureops: error: not a headers-json report: invalid JSON" in bad.stderr


def test_the_demo_command_scans_a_loopback_server_with_this_plugin(tmp_path: Path) -> None:
    result = _cli("demo", cwd=tmp_path)  # the demo keeps its SQLite database in the working directory
    assert result.returncode == 0, result.stderr
    assert "6 findings stored for client_demo" in result.stdout  # only this plugin's scanner is loaded
    for title in ("Content-Security-Policy header missing", "No clickjacking protection", "X-Powered-By"):
        assert title in result.stdout
