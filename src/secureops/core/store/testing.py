"""Throw-away PostgreSQL databases for tests: a fresh, migrated database per test session.

``temporary_database()`` creates a uniquely named database on the server at ``server_url`` (a role allowed to
create databases and roles, e.g. ``postgres`` on a CI machine), applies the migrations as that role, yields
the URLs to connect as the owner and as the application role, and drops the database afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import URL

from secureops.core.store.engine import create_store_engine, normalise_url
from secureops.core.store.migrate import upgrade
from secureops.core.store.session import ADMIN_ROLE, APP_ROLE

__all__ = ["DEFAULT_SERVER_URL", "TemporaryDatabase", "temporary_database"]

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class TemporaryDatabase:
    """URLs of a migrated test database: as its owner, as the app role and as the admin role."""

    name: str
    owner_url: str
    app_url: str
    admin_url: str


def _as(url: URL, user: str, database: str) -> str:
    return url.set(username=user, password=None, database=database).render_as_string(hide_password=False)


@contextmanager
def temporary_database(server_url: str | None = None, *, migrate: bool = True) -> Iterator[TemporaryDatabase]:
    """Create, migrate, yield and finally drop a database named ``secureops_test_<random>``.

    ``server_url`` defaults to ``$SECUREOPS_TEST_POSTGRES_URL`` or :data:`DEFAULT_SERVER_URL`. Connection
    failures raise — a missing PostgreSQL must fail a test run, not skip it.
    """
    server = normalise_url(server_url or os.environ.get("SECUREOPS_TEST_POSTGRES_URL") or DEFAULT_SERVER_URL)
    name = f"secureops_test_{uuid.uuid4().hex[:12]}"
    admin = create_store_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        owner = _as(server, server.username or "postgres", name)
        if migrate:
            engine = create_store_engine(owner)
            try:
                upgrade(engine)
            finally:
                engine.dispose()
        yield TemporaryDatabase(name, owner, _as(server, APP_ROLE, name), _as(server, ADMIN_ROLE, name))
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()
