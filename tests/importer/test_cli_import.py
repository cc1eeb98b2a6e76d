"""``secureops db upgrade``, ``tenants create|list|suspend``, ``import`` and ``reimport`` as a user runs them:
once as real processes on PostgreSQL, then in-process (Typer's runner, same code path) on both databases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secureops.cli import app
from secureops.core.store import NotFoundError, TenantInactiveError
from secureops.core.store.testing import TemporaryDatabase, temporary_database


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "secureops", *args], capture_output=True, text=True, timeout=120)


def test_cli_processes_on_postgresql(shared_fixtures: Path) -> None:
    zap = shared_fixtures / "zap"
    database: TemporaryDatabase
    with temporary_database(migrate=False) as database:
        url = database.owner_url
        assert run("db", "upgrade", "--database-url", url).returncode == 0
        created = run(
            "tenants", "create", "client_cli", "--company", "CLI", "--tier", "pro", "--json", "--database-url", url
        )
        assert created.returncode == 0, created.stderr
        assert json.loads(created.stdout)["tier"] == "pro"
        imported = run(
            "import", "--tenant", "client_cli", str(zap / "0_zap_sample.xml"), "--json", "--database-url", url
        )
        assert imported.returncode == 0, imported.stderr
        stats = json.loads(imported.stdout)
        assert stats["created"]["total"] == 4 and stats["format"] == "zap-xml"
        emptied = run(
            "reimport",
            "--tenant",
            "client_cli",
            "--test",
            str(stats["test_id"]),
            str(zap / "empty_2.9.0.xml"),
            "--json",
            "--database-url",
            url,
        )
        assert emptied.returncode == 0, emptied.stderr
        assert json.loads(emptied.stdout)["closed"]["total"] == 4  # a clean scan closes everything
        other = run(
            "reimport", "--tenant", "client_nobody", "--test", "1", str(zap / "0_zap_sample.xml"), "--database-url", url
        )
        assert (
            other.returncode == 2 and other.stderr.startswith("secureops: error:") and "client_nobody" in other.stderr
        )


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cli.db'}"
    database: TemporaryDatabase = request.getfixturevalue("pg_database")
    return database.owner_url


def test_cli_commands(url: str, shared_fixtures: Path, tmp_path: Path) -> None:
    zap = shared_fixtures / "zap"
    runner = CliRunner()

    def cli(*args: str) -> object:
        return runner.invoke(app, [*args, "--database-url", url])

    assert cli("db", "upgrade").exit_code == 0  # type: ignore[attr-defined]
    tenant = f"client_{tmp_path.name[-8:].lower().replace('-', '_')}x"
    created = cli("tenants", "create", tenant, "--company", "CLI Co", "--json")
    assert created.exit_code == 0, created.output  # type: ignore[attr-defined]
    bad_tier = cli("tenants", "create", f"{tenant}2", "--company", "X", "--tier", "platinum")
    assert "platinum" in str(bad_tier.exception)  # type: ignore[attr-defined]
    imported = cli("import", "--tenant", tenant, "--product", "web", str(zap / "0_zap_sample.xml"), "--json")
    assert imported.exit_code == 0, imported.output  # type: ignore[attr-defined]
    stats = json.loads(imported.stdout)  # type: ignore[attr-defined]
    again = cli(
        "reimport",
        "--tenant",
        tenant,
        "--test",
        str(stats["test_id"]),
        str(zap / "1_zap_sample_0_and_new_absent.xml"),
        "--json",
    )
    totals = json.loads(again.stdout)  # type: ignore[attr-defined]
    assert (totals["created"]["total"], totals["closed"]["total"], totals["untouched"]["total"]) == (1, 1, 3)
    table = cli("reimport", "--tenant", tenant, "--test", str(stats["test_id"]), str(zap / "0_zap_sample.xml"))
    assert table.exit_code == 0 and "reactivated" in table.stdout  # type: ignore[attr-defined]
    malformed = cli("import", "--tenant", tenant, str(zap / "0_zap_sample.xml"), "--format", "nmap-xml")
    assert malformed.exit_code == 2 and "nothing was imported" in malformed.stderr  # type: ignore[attr-defined]
    listed = cli("tenants", "list", "--json")
    assert tenant in [t["id"] for t in json.loads(listed.stdout)]  # type: ignore[attr-defined]
    assert cli("tenants", "suspend", tenant, "--reason", "test").exit_code == 0  # type: ignore[attr-defined]
    refused = cli("import", "--tenant", tenant, str(zap / "0_zap_sample.xml"))
    assert isinstance(refused.exception, TenantInactiveError)  # type: ignore[attr-defined]
    other = cli("reimport", "--tenant", "client_nobody", "--test", str(stats["test_id"]), str(zap / "0_zap_sample.xml"))
    assert isinstance(other.exception, NotFoundError)  # type: ignore[attr-defined]
