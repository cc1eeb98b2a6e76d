"""The session layer: tenant filter on every ORM query (the only guard on SQLite), the audited admin path,
and migrations — on PostgreSQL and on the embedded SQLite file."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from secureops.core.errors import ConfigError
from secureops.core.store import Store, StoreError, TenantMismatchError
from secureops.core.store import models as m
from secureops.core.store.migrate import head_revision
from secureops.core.store.tenants import create_tenant, list_tenants, set_tenant_status
from secureops.core.store.testing import TemporaryDatabase


@pytest.fixture(params=["postgresql", "sqlite"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """(tenant store, admin store) with tenants one and two created."""
    if request.param == "postgresql":
        database: TemporaryDatabase = request.getfixturevalue("database")
        app, admin = Store(url=database.app_url), Store(url=database.admin_url)
    else:
        app = admin = Store(url=f"sqlite:///{tmp_path / 'so.db'}")
        app.upgrade()
    suffix = uuid.uuid4().hex[:8]
    names = (f"client_one_{suffix}", f"client_two_{suffix}")
    for name in names:
        create_tenant(admin, name, company_name=name, actor="pytest")
    app.names = names  # type: ignore[attr-defined]
    yield app, admin
    app.dispose()
    admin.dispose()


def test_orm_queries_are_filtered_by_tenant(pair: tuple[Store, Store]) -> None:
    app, _ = pair
    one, two = app.names  # type: ignore[attr-defined]
    with app.tenant(one) as s:
        products = s.exec(select(m.Product)).all()
        assert {p.client_id for p in products} == {one}
        clients = s.exec(select(m.Client)).all()
        assert [c.id for c in clients] == [one]
        # Explicitly asking for another tenant's rows still yields nothing.
        assert s.exec(select(m.Product).where(m.Product.client_id == two)).all() == []
        # ORM bulk UPDATE/DELETE are filtered too.
        s.execute(sa.update(m.Product).where(m.Product.client_id == two).values(description="pwned"))
    with app.tenant(two) as s:
        assert all(p.description != "pwned" for p in s.exec(select(m.Product)))


def test_new_rows_get_the_tenant_and_foreign_rows_are_refused(pair: tuple[Store, Store]) -> None:
    app, _ = pair
    one, two = app.names  # type: ignore[attr-defined]
    with app.tenant(one) as s:
        row = m.Product(name="web")  # type: ignore[call-arg]
        s.add(row)
        s.flush()
        assert row.client_id == one
    with pytest.raises(TenantMismatchError), app.tenant(one) as s:
        s.add(m.Product(client_id=two, name="sneaky"))
        s.flush()
    with app.tenant(two) as s:
        assert s.exec(select(m.Product).where(m.Product.name == "sneaky")).all() == []


def test_admin_path_is_explicit_and_audited(pair: tuple[Store, Store]) -> None:
    app, admin = pair
    one, two = app.names  # type: ignore[attr-defined]
    with pytest.raises(ConfigError), admin.admin(actor="", reason="no actor"):
        pass
    set_tenant_status(admin, two, m.ClientStatus.SUSPENDED, actor="ops@example.com", reason="unpaid invoice")
    listed = {t["id"]: t for t in list_tenants(admin, actor="ops@example.com")}
    assert listed[two]["status"] == "suspended" and listed[one]["status"] == "active"
    with admin.admin(actor="auditor", reason="check the trail") as s:
        entries = s.exec(select(m.AuditLog).where(m.AuditLog.actor == "ops@example.com")).all()
    actions = [(e.action, e.reason) for e in entries]
    assert ("platform_admin.session", "unpaid invoice") in actions
    assert ("tenant.suspended", "unpaid invoice") in actions


def test_duplicate_tenant_and_bad_ids_are_refused(pair: tuple[Store, Store]) -> None:
    app, admin = pair
    one, _ = app.names  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="already exists"):
        create_tenant(admin, one, company_name="again", actor="pytest")
    for bad in ("Client-Acme", "x", "client acme", "'; drop table clients; --"):
        with pytest.raises(ConfigError, match="invalid tenant id"), app.tenant(bad):
            pass


def test_sqlite_audit_log_is_append_only(tmp_path: Path) -> None:
    store = Store(url=f"sqlite:///{tmp_path / 'a.db'}")
    store.upgrade()
    create_tenant(store, "client_x", company_name="X", actor="pytest")
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(StoreError, match="append-only"), store.tenant("client_x") as s:
            s.execute(sa.text(statement))
    store.dispose()


def test_migrations_are_idempotent_and_reversible(tmp_path: Path) -> None:
    store = Store(url=f"sqlite:///{tmp_path / 'm.db'}")
    assert store.revision() is None
    store.upgrade()
    store.upgrade()
    assert store.revision() == head_revision()
    from secureops.core.store.migrate import downgrade

    downgrade(store.engine, "base")
    with store.engine.connect() as c:
        assert "findings" not in sa.inspect(c).get_table_names()
    store.upgrade()
    assert store.revision() == head_revision()
    store.dispose()


def test_unsupported_database_url_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unsupported database"):
        Store(url="mysql://root@127.0.0.1/x")


def test_models_and_migrations_agree(database: TemporaryDatabase) -> None:
    """The shipped migration creates exactly what the models describe (no autogenerate drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(url=database.owner_url)
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), m.SQLModel.metadata) == []
    store.dispose()


def test_app_role_cannot_take_the_admin_path(database: TemporaryDatabase) -> None:
    """Logged in as the application role, platform-admin access is refused by PostgreSQL itself."""
    app = Store(url=database.app_url)
    with pytest.raises(StoreError, match="permission denied"), app.admin(actor="api", reason="escalate"):
        pass
    app.dispose()


def test_postgresql_migrations_are_reversible() -> None:
    """Upgrade, downgrade to nothing and upgrade again on a fresh PostgreSQL database (roles are kept)."""
    from secureops.core.store.migrate import downgrade
    from secureops.core.store.testing import temporary_database

    with temporary_database(migrate=False) as fresh:
        store = Store(url=fresh.owner_url)
        store.upgrade()
        downgrade(store.engine, "base")
        with store.engine.connect() as c:
            assert sa.inspect(c).get_table_names() == ["alembic_version"]
            assert (
                c.execute(sa.text("SELECT count(*) FROM pg_proc WHERE proname = 'app_current_client_id'")).scalar() == 0
            )
        store.upgrade()
        assert store.revision() == head_revision()
        store.dispose()
