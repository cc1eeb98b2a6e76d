"""Scan-worker fixtures: the lab plugin, and embedded (SQLite + memory queue) services with a tenant."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from secureops.core.config import Settings, load_settings
from secureops.core.registry import Registry
from secureops.core.scans.service import ScanServices
from secureops.core.store.tenants import create_tenant
from secureops.testing import plugin_registry
from tests.scans.lab_plugin import SOURCE

TENANT = "client_lab"


@pytest.fixture
def lab_site(make_distribution: Callable[..., Path]) -> Path:
    """The lab plugin installed as a distribution (entry point ``lab``); returns its site folder."""
    sys.modules.pop("lab_plugin_mod", None)
    return make_distribution("secureops-lab", {"lab": "lab_plugin_mod"}, {"lab_plugin_mod": SOURCE})


@pytest.fixture
def lab_registry(lab_site: Path) -> Registry:
    return plugin_registry(("lab", importlib.import_module("lab_plugin_mod")))


def embedded_settings(tmp_path: Path, **values: object) -> Settings:
    return load_settings(
        database_url=f"sqlite:///{tmp_path / 'secureops.db'}",
        work_dir=tmp_path / "work",
        queue_backend="memory",
        disable_plugin_autoload=True,
        **values,
    )


@pytest.fixture
def embedded(tmp_path: Path, lab_registry: Registry) -> Iterator[ScanServices]:
    """SQLite store (migrated) + in-process queue + local runtime, with the tenant ``client_lab`` (pro)."""
    services = ScanServices.from_settings(embedded_settings(tmp_path), lab_registry)
    services.store.upgrade()
    create_tenant(services.store, TENANT, company_name="Lab", tier="pro", actor="pytest")
    yield services
    services.store.dispose()
