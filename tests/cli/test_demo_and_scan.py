"""The README's quick start (`secureops demo`) and `secureops scan` on embedded defaults, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SECUREOPS_")}
    environment.update(env, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "secureops", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.integration
def test_demo_runs_real_scans_and_stores_findings(tmp_path: Path) -> None:
    result = run(["demo"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "completed" in out and "failed" not in out
    assert "findings stored for client_demo (sqlite:///secureops.db)" in out
    assert "Content-Security-Policy header missing" in out  # headers scanner (custom_example)
    assert "Open port" in out  # nmap, installed by scripts/services
    assert "Secret detected in deploy.env" in out  # trivy, installed with the trivy plugin's test extra
    assert (tmp_path / "secureops.db").is_file()
    assert list((tmp_path / ".secureops" / "artefacts" / "client_demo").iterdir())
    again = run(["demo"], tmp_path)  # a second run reuses the tenant and the database
    assert again.returncode == 0, again.stderr


def test_scan_command_on_embedded_defaults(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    assert run(["tenants", "create", "client_cli", "--company", "CLI Co"], tmp_path).returncode == 0
    refused = run(["scan", "10.1.2.3", "--tenant", "client_cli", "--scanner", "nmap"], tmp_path)
    assert refused.returncode == 2 and "out of scope" in refused.stderr
    hostile = run(["scan", "127.0.0.1;reboot", "--tenant", "client_cli", "--scanner", "nmap"], tmp_path)
    assert hostile.returncode == 2 and "forbidden characters" in hostile.stderr
    bad_option = run(["scan", "127.0.0.1", "-t", "client_cli", "-s", "nmap", "-o", "profile=nope"], tmp_path)
    assert bad_option.returncode == 2 and "invalid options for 'nmap'" in bad_option.stderr
    failed = run(["scan", "http://127.0.0.1:9/", "-t", "client_cli", "-s", "headers", "--json"], tmp_path)
    assert failed.returncode == 1  # connection refused: the scan ran and failed
    outcome = json.loads(failed.stdout)
    assert outcome["status"] == "failed" and "refused" in outcome["error"].lower()
