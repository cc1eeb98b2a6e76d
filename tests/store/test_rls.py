"""The SQL-level leak suite: tenant isolation is enforced by PostgreSQL itself, for every tenant table.

Everything here talks SQL to PostgreSQL as the application role, bypassing our session layer, so it proves the
database's row-level security on its own (the session's query filter is tested in ``test_session.py``).
"""

from __future__ import annotations

from typing import Any

import psycopg.errors
import pytest
import sqlalchemy as sa
from psycopg.types.json import Jsonb

from secureops.core.store import APP_ROLE
from secureops.core.store import models as m
from tests.store.conftest import TENANT_A, TENANT_B

TABLES = ["clients", *(model.__tablename__ for model in m.TENANT_TABLES)]


def _column(table: str) -> str:
    return "id" if table == "clients" else "client_id"


def _as_tenant(connection: sa.Connection, tenant: str) -> None:
    connection.execute(sa.text("SELECT set_config('app.current_client_id', :t, true)"), {"t": tenant})


def _count(engine: sa.Engine, table: str, tenant: str, owner: str) -> int:
    with engine.begin() as c:
        _as_tenant(c, tenant)
        return int(
            c.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {_column(table)} = :o"), {"o": owner}).scalar_one()
        )


def _owner_count(owner_engine: sa.Engine, table: str, tenant: str) -> int:
    with owner_engine.connect() as c:
        return int(
            c.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {_column(table)} = :o"), {"o": tenant}).scalar_one()
        )


def test_every_table_with_a_tenant_column_is_covered(owner_engine: sa.Engine) -> None:
    """A new tenant table cannot be forgotten: every table with client_id has RLS enabled and forced."""
    with owner_engine.connect() as c:
        with_column = set(
            c.execute(
                sa.text(
                    "SELECT table_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND column_name = 'client_id'"
                )
            ).scalars()
        )
        flags = dict(
            c.execute(
                sa.text(
                    "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
                    "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
                )
            ).all()
        )
        policies = set(c.execute(sa.text("SELECT tablename FROM pg_policies WHERE schemaname = 'public'")).scalars())
    assert with_column | {"clients"} == set(TABLES)
    for table in TABLES:
        assert flags[table] is True, f"{table}: RLS not enabled and forced"
        assert table in policies, f"{table}: no policy"


def test_app_role_is_neither_owner_nor_superuser_nor_bypassing(owner_engine: sa.Engine) -> None:
    with owner_engine.connect() as c:
        role = c.execute(
            sa.text("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
        ).one()
        owners = set(c.execute(sa.text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars())
    assert tuple(role) == (False, False, False)
    assert APP_ROLE not in owners


@pytest.mark.parametrize("table", TABLES)
def test_select_sees_only_own_rows(seeded: Any, app_engine: sa.Engine, table: str) -> None:
    assert _count(app_engine, table, TENANT_A, TENANT_B) == 0
    assert _count(app_engine, table, TENANT_A, TENANT_A) >= 1
    with app_engine.begin() as c:
        _as_tenant(c, TENANT_A)
        owners = set(c.execute(sa.text(f"SELECT {_column(table)} FROM {table}")).scalars())
    assert owners == {TENANT_A}


@pytest.mark.parametrize("table", TABLES)
def test_update_of_other_tenant_touches_nothing(
    seeded: Any, app_engine: sa.Engine, owner_engine: sa.Engine, table: str
) -> None:
    before = _owner_count(owner_engine, table, TENANT_B)
    column = _column(table)
    with app_engine.begin() as c:
        _as_tenant(c, TENANT_A)
        try:
            result = c.execute(sa.text(f"UPDATE {table} SET {column} = {column} WHERE {column} = :b"), {"b": TENANT_B})
            touched = result.rowcount
        except sa.exc.ProgrammingError as err:  # no UPDATE privilege at all (clients, audit_log)
            assert isinstance(err.orig, psycopg.errors.InsufficientPrivilege)
            assert table in ("clients", "audit_log")
            touched = 0
    assert touched == 0
    assert _owner_count(owner_engine, table, TENANT_B) == before


@pytest.mark.parametrize("table", TABLES)
def test_delete_of_other_tenant_touches_nothing(
    seeded: Any, app_engine: sa.Engine, owner_engine: sa.Engine, table: str
) -> None:
    before = _owner_count(owner_engine, table, TENANT_B)
    with app_engine.connect() as c, c.begin() as tx:
        _as_tenant(c, TENANT_A)
        try:
            touched = c.execute(sa.text(f"DELETE FROM {table} WHERE {_column(table)} = :b"), {"b": TENANT_B}).rowcount
        except sa.exc.ProgrammingError as err:
            assert isinstance(err.orig, psycopg.errors.InsufficientPrivilege)
            assert table in ("clients", "audit_log")
            touched = 0
        tx.rollback()  # even a successful 0-row delete is rolled back: A's own rows stay for the other tests
    assert touched == 0
    assert _owner_count(owner_engine, table, TENANT_B) == before


@pytest.mark.parametrize("table", TABLES)
def test_insert_with_other_tenant_id_is_refused(seeded: Any, app_engine: sa.Engine, table: str) -> None:
    column = _column(table)
    with app_engine.connect() as c, c.begin():
        _as_tenant(c, TENANT_A)
        row = dict(c.execute(sa.text(f"SELECT * FROM {table} LIMIT 1")).mappings().one())
    row[column] = TENANT_B
    if table != "clients":
        row.pop("id")
    if "key_hash" in row:  # the one globally unique column: keep the refusal about tenancy, not uniqueness
        row["key_hash"] += "-copy"
    row = {k: (Jsonb(v) if isinstance(v, dict | list) else v) for k, v in row.items()}
    with pytest.raises(sa.exc.ProgrammingError) as caught, app_engine.begin() as c:
        _as_tenant(c, TENANT_A)
        c.execute(sa.table(table, *(sa.column(k) for k in row)).insert().values(**row))
    assert isinstance(caught.value.orig, psycopg.errors.InsufficientPrivilege)
    message = str(caught.value.orig)
    assert "row-level security" in message or (table == "clients" and "permission denied" in message)


@pytest.mark.parametrize("table", [t for t in TABLES if t not in ("clients", "audit_log")])
def test_moving_own_row_to_other_tenant_is_refused(seeded: Any, app_engine: sa.Engine, table: str) -> None:
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), app_engine.begin() as c:
        _as_tenant(c, TENANT_A)
        c.execute(sa.text(f"UPDATE {table} SET client_id = :b"), {"b": TENANT_B})


@pytest.mark.parametrize("table", TABLES)
def test_no_tenant_set_reads_nothing(seeded: Any, app_engine: sa.Engine, table: str) -> None:
    """Fail closed: without app.current_client_id — never set, or reset to '' by an ended transaction."""
    with app_engine.connect() as c:
        with pytest.raises(sa.exc.ProgrammingError, match="app.current_client_id is not set"):
            c.execute(sa.text(f"SELECT count(*) FROM {table}"))
        c.rollback()
        with c.begin():
            _as_tenant(c, TENANT_A)
            assert c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() >= 1
        with pytest.raises(sa.exc.ProgrammingError, match="app.current_client_id is not set"):
            c.execute(sa.text(f"SELECT count(*) FROM {table}"))  # same connection, the setting is now ''
        c.rollback()


def test_app_role_cannot_switch_rls_off(seeded: Any, app_engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.ProgrammingError, match="must be owner"), app_engine.begin() as c:
        c.exec_driver_sql("ALTER TABLE findings DISABLE ROW LEVEL SECURITY")
    with pytest.raises(sa.exc.SQLAlchemyError, match="row-level security"), app_engine.begin() as c:
        _as_tenant(c, TENANT_A)
        c.exec_driver_sql("SET LOCAL row_security = off")
        c.exec_driver_sql("SELECT count(*) FROM findings").scalar_one()
    with pytest.raises(sa.exc.ProgrammingError), app_engine.begin() as c:
        c.exec_driver_sql("SET ROLE secureops_admin")


def test_audit_log_is_append_only(seeded: Any, app_engine: sa.Engine, owner_engine: sa.Engine) -> None:
    with app_engine.begin() as c:
        _as_tenant(c, TENANT_A)
        c.execute(
            sa.text(
                "INSERT INTO audit_log (client_id, actor, action, result, details, created_at) "
                "VALUES (:t, 'me', 'test', 'success', '{}', now())"
            ),
            {"t": TENANT_A},
        )
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), app_engine.begin() as c:
            _as_tenant(c, TENANT_A)
            c.exec_driver_sql(statement)
        # Not even the owner: the trigger refuses.
        with pytest.raises(sa.exc.ProgrammingError, match="append-only"), owner_engine.begin() as c:
            c.exec_driver_sql(statement)
    with pytest.raises(sa.exc.ProgrammingError, match="append-only"), owner_engine.begin() as c:
        c.exec_driver_sql("TRUNCATE audit_log")
