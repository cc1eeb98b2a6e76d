"""Fixtures for import/reimport tests: a migrated PostgreSQL database, an embedded SQLite store, a registry.

Both stores run the same tests (``store`` is parametrised), so the embedded mode stays honest.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest

import secureops
from secureops.core.registry import Registry
from secureops.core.store import Store
from secureops.core.store.tenants import create_tenant
from secureops.core.store.testing import TemporaryDatabase, temporary_database
from secureops.testing import plugin_registry


class JsonLinesImporter(secureops.Importer):
    """A minimal importer for these tests: one JSON object per line; identity = id + component."""

    name = "jsonl-test"
    formats = ("test-jsonl",)
    identity_fields = ("vuln_id_from_tool", "component_name")

    def detect(self, head: bytes, filename: str | None) -> str | None:
        return "test-jsonl" if head.lstrip().startswith(b'{"id"') else None

    def parse(self, stream: BinaryIO, context: secureops.ParseContext) -> Any:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                raise secureops.ReportParseError(f"line {number} is not JSON") from None
            if item["id"] is None:  # the header line every report starts with, so no report is empty
                continue
            yield secureops.Finding(
                title=item.get("title", item["id"]),
                severity=item.get("severity", "Low"),
                description=item.get("description", ""),
                vuln_id_from_tool=item["id"],
                component_name=item.get("component"),
                component_version=item.get("version"),
                endpoints=[secureops.Endpoint.from_url(u) for u in item.get("urls", [])],
                line=item.get("line"),
                vulnerability_ids=item.get("ids", []),
            )


class _Plugin:
    @secureops.hookimpl
    def register_importers(self, register: Any) -> None:
        register(JsonLinesImporter())


def jsonl(items: list[dict[str, Any]]) -> bytes:
    """A report for :class:`JsonLinesImporter` (a header line, then one line per item)."""
    return b'{"id": null}\n' + b"".join(json.dumps(item).encode() + b"\n" for item in items)


@pytest.fixture(scope="session")
def registry() -> Registry:
    """Our test importer plus whatever importer plugins are installed (ZAP, Trivy …)."""
    from secureops.core.plugins import get_plugin_manager
    from secureops.core.registry import build_registry
    from secureops.testing import isolated_settings

    installed = build_registry(get_plugin_manager(isolated_settings(disable_plugin_autoload=False)))
    own = plugin_registry(("jsonl-test", _Plugin()))
    for fmt, reg in own.formats.items():
        installed.formats[fmt] = reg
        installed.importers[reg.obj.name] = reg
    return installed


@pytest.fixture(scope="session")
def pg_database() -> Iterator[TemporaryDatabase]:
    """A fresh, migrated PostgreSQL database for this test session (fails if PostgreSQL is not running)."""
    with temporary_database() as database:
        yield database


@pytest.fixture(scope="session")
def pg_store(pg_database: TemporaryDatabase) -> Iterator[Store]:
    """A store connected as the non-owner application role, so row-level security applies."""
    store = Store(url=pg_database.app_url)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def pg_admin_store(pg_database: TemporaryDatabase) -> Iterator[Store]:
    """A store connected as the admin role (for the platform-admin path: creating tenants)."""
    store = Store(url=pg_database.admin_url)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The embedded store: a migrated SQLite file."""
    path = tmp_path_factory.mktemp("sqlite") / "secureops.db"
    store = Store(url=f"sqlite:///{path}")
    store.upgrade()
    yield store
    store.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def stores(request: pytest.FixtureRequest) -> tuple[Store, Store]:
    """``(tenant store, admin store)`` for PostgreSQL, then for SQLite."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_store"), request.getfixturevalue("pg_admin_store")
    store = request.getfixturevalue("sqlite_store")
    return store, store


@pytest.fixture
def store(stores: tuple[Store, Store]) -> Store:
    """The tenant-side store under test."""
    return stores[0]


_counter = itertools.count()


@pytest.fixture
def tenant(stores: tuple[Store, Store]) -> str:
    """A fresh, active tenant (with its default product) in the store under test."""
    tenant_id = f"client_t{next(_counter)}_{id(stores) % 10000}"
    create_tenant(stores[1], tenant_id, company_name="Test Co", actor="pytest")
    return tenant_id


@pytest.fixture(scope="session")
def fixtures_dir(shared_fixtures: Path) -> Path:
    """The shared scanner reports."""
    return shared_fixtures
