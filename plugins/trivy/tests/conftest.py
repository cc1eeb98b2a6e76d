"""Fixtures for the Trivy plugin's tests: this folder's own reports, and the shared manifest's entries."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


def _manifest() -> list[dict[str, Any]]:
    # Found the way the repository's root conftest finds it; when it is missing the ``fixture_manifest``
    # fixture fails the tests (test_manifest_lists_the_trivy_reports), so an empty list here cannot hide it.
    configured = os.environ.get("SECUREOPS_SHARED_FIXTURES")
    root = Path(configured) if configured else HERE.parents[3] / "shared" / "fixtures"
    path = root / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else []


MANIFEST = _manifest()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``trivy_entry``: each Trivy report of the manifest; ``other_entry``: each report of another tool."""
    for name, entries in (
        ("trivy_entry", [e for e in MANIFEST if e["scanner"] == "trivy"]),
        ("other_entry", [e for e in MANIFEST if e["scanner"] != "trivy"]),
    ):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, entries, ids=[e["file"] for e in entries])


@pytest.fixture
def local_fixtures() -> Path:
    """This plugin's own small reports (shapes the shared set lacks: AVDID, licences, ``Resources``, …)."""
    return HERE / "fixtures"
