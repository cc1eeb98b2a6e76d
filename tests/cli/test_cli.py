"""The CLI's documented behaviour: JSON shapes, exit codes, one-line errors, broken plugins reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.core.plugin_samples import SAMPLE_SOURCE, sample_report

BROKEN = "import module_that_does_not_exist\n"


@pytest.fixture
def env_with_plugins(make_distribution: Callable[..., Path]) -> dict[str, str]:
    """An environment whose Python finds a good and a broken entry-point plugin (and nothing else)."""
    root = make_distribution(
        "secureops-testplugins",
        {"sample": "sample_mod", "broken": "broken_mod"},
        {"sample_mod": SAMPLE_SOURCE, "broken_mod": BROKEN},
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env["SECUREOPS_LOAD_PLUGINS"] = "sample,broken"
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secureops", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


def test_version() -> None:
    from secureops import __version__

    result = run_cli("version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"secureops {__version__}"


def test_plugins_list_json_reports_the_broken_plugin_and_keeps_going(env_with_plugins: dict[str, str]) -> None:
    result = run_cli("plugins", "list", "--json", env=env_with_plugins)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["sample"]["kinds"] == ["importer"]
    assert rows["sample"]["formats"] == ["sample-json"]
    assert rows["sample"]["distribution"] == "secureops-testplugins"
    assert rows["sample"]["error"] is None
    assert rows["broken"]["kinds"] == []
    assert "module_that_does_not_exist" in rows["broken"]["error"]
    assert rows["log-notifier"]["objects"] == {"notifier": ["log"]}
    assert set(rows["sample"]) >= {"name", "kinds", "version", "distribution", "module", "objects", "formats", "error"}
    assert result.stderr.count("Could not load plugin") == 1


def test_plugins_list_table(env_with_plugins: dict[str, str]) -> None:
    result = run_cli("plugins", "list", env=env_with_plugins)
    assert result.returncode == 0
    assert "sample" in result.stdout and "failed" in result.stdout


def test_parse_json_prints_findings_with_documented_fields(env_with_plugins: dict[str, str], tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_bytes(sample_report([{"id": "V-1", "title": "weak cipher", "severity": "High", "component": "tls"}]))
    result = run_cli("parse", str(report), "--json", env=env_with_plugins)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert findings[0]["title"] == "weak cipher"
    assert findings[0]["severity"] == "High"
    assert findings[0]["vuln_id_from_tool"] == "V-1"
    assert len(findings[0]["fingerprint"]) == 64


def test_parse_empty_report_prints_an_empty_array(env_with_plugins: dict[str, str], tmp_path: Path) -> None:
    report = tmp_path / "none.json"
    report.write_bytes(sample_report([]))
    result = run_cli("parse", str(report), "--json", "--format", "sample-json", env=env_with_plugins)
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"sample-report": [{"id": "V-1", "title": "t", ', "could not be parsed as sample-json"),
        (b"<html>not a report</html>", "cannot tell the format"),
        (b"", "is empty"),
    ],
)
def test_parse_bad_input_exits_2_with_one_line(
    env_with_plugins: dict[str, str], tmp_path: Path, content: bytes, message: str
) -> None:
    report = tmp_path / "bad.json"
    report.write_bytes(content)
    result = run_cli("parse", str(report), "--json", env=env_with_plugins)
    assert result.returncode == 2
    assert result.stdout == ""  # no half-written JSON
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("secureops: error:")]
    assert len(error_lines) == 1 and message in error_lines[0]


def test_parse_unknown_format_and_missing_file(env_with_plugins: dict[str, str], tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    report.write_bytes(sample_report([]))
    result = run_cli("parse", str(report), "--format", "nope", env=env_with_plugins)
    assert result.returncode == 2 and "no importer for format 'nope'" in result.stderr
    result = run_cli("parse", str(tmp_path / "missing.json"), env=env_with_plugins)
    assert result.returncode == 2 and "is not a readable file" in result.stderr


def test_invalid_settings_are_one_line_errors(tmp_path: Path) -> None:
    env = dict(os.environ, SECUREOPS_CONFIG_FILE=str(tmp_path / "missing.toml"))
    result = run_cli("plugins", "list", env=env)
    assert result.returncode == 2
    assert "secureops: error:" in result.stderr and "does not exist" in result.stderr
