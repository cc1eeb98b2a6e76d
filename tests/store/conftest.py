"""A migrated PostgreSQL database with two tenants, A and B, each owning one row in every tenant table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from secureops.core.store import Store
from secureops.core.store import models as m
from secureops.core.store.tenants import create_tenant
from secureops.core.store.testing import TemporaryDatabase, temporary_database

TENANT_A = "client_alpha"
TENANT_B = "client_beta"


@pytest.fixture(scope="session")
def database() -> Iterator[TemporaryDatabase]:
    """A fresh database for this session (PostgreSQL on 127.0.0.1:5432 must be running: no skip)."""
    with temporary_database() as db:
        yield db


def _populate(store: Store, tenant: str) -> dict[str, int]:
    """One row of every tenant table for ``tenant``, through the audited admin path; returns their ids."""
    ids: dict[str, int] = {}
    with store.admin(actor="pytest", reason="seed leak-suite rows", tenant_id=tenant) as s:
        product = s.exec(sa.select(m.Product).where(m.Product.client_id == tenant)).scalar_one()  # type: ignore[call-overload]
        user = m.User(client_id=tenant, email=f"owner@{tenant}.test", password_hash="x")
        s.add(user)
        s.flush()
        key = m.ApiKey(client_id=tenant, user_id=user.id, name="ci", prefix=tenant[:8], key_hash=f"hash-{tenant}")
        engagement = m.Engagement(client_id=tenant, product_id=product.id, name="E")
        s.add_all([key, engagement])
        s.flush()
        test = m.Test(client_id=tenant, engagement_id=engagement.id, product_id=product.id, format="f", importer="i")
        s.add(test)
        s.flush()
        finding = m.Finding(
            client_id=tenant,
            test_id=test.id,
            engagement_id=engagement.id,
            product_id=product.id,
            fingerprint="f" * 64,
            content_hash="c" * 64,
            title="t",
            severity="High",
        )
        history = m.TestImport(client_id=tenant, test_id=test.id, kind="import", actor="pytest")
        s.add_all([finding, history])
        s.flush()
        rows: list[Any] = [
            m.FindingEndpoint(client_id=tenant, finding_id=finding.id, host="127.0.0.1"),
            m.FindingEvent(client_id=tenant, finding_id=finding.id, kind="created", actor="pytest"),
            m.Scan(client_id=tenant, scanner="nmap", target="127.0.0.1"),
            m.UsageEvent(client_id=tenant, kind="scan"),
        ]
        s.add_all(rows)
        s.flush()
        for obj in (user, key, product, engagement, test, finding, history, *rows):
            ids[obj.__tablename__] = obj.id
    return ids


@pytest.fixture(scope="session")
def seeded(database: TemporaryDatabase) -> dict[str, dict[str, int]]:
    """Tenants A and B with one row per tenant table each (audit_log rows come from the admin path itself)."""
    admin = Store(url=database.admin_url)
    try:
        for tenant in (TENANT_A, TENANT_B):
            create_tenant(admin, tenant, company_name=tenant, actor="pytest")
        return {tenant: _populate(admin, tenant) for tenant in (TENANT_A, TENANT_B)}
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def app_engine(database: TemporaryDatabase) -> Iterator[sa.Engine]:
    """A raw SQLAlchemy engine logged in as the application role (no help from our session layer)."""
    engine = sa.create_engine(database.app_url.replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(database: TemporaryDatabase) -> Iterator[sa.Engine]:
    """The schema owner (the superuser that ran the migrations)."""
    engine = sa.create_engine(database.owner_url.replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    engine.dispose()
