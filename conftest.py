"""Repository-wide pytest fixtures: the shared scanner-report fixtures and their manifest.

The reports live outside the repository, in ``../shared/fixtures`` (CI lays a copy beside the clone), or
wherever ``SECUREOPS_SHARED_FIXTURES`` points. A missing folder fails the tests that need it; it never skips.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent


def shared_fixtures_dir() -> Path:
    """Where the shared scanner reports are."""
    configured = os.environ.get("SECUREOPS_SHARED_FIXTURES")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real scanner reports (``trivy/``, ``zap/``, ``nmap/``, ``nikto/``)."""
    path = shared_fixtures_dir()
    if not (path / "manifest.json").is_file():
        pytest.fail(f"shared fixtures not found at {path}; set SECUREOPS_SHARED_FIXTURES")
    return path


@pytest.fixture(scope="session")
def fixture_manifest(shared_fixtures: Path) -> list[dict[str, Any]]:
    """``manifest.json``: one entry per report with its expected finding count and field assertions."""
    return json.loads((shared_fixtures / "manifest.json").read_text())
