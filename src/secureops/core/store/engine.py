"""Engines for the two supported databases: PostgreSQL (psycopg 3) and the embedded SQLite file."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from secureops.core.errors import ConfigError

__all__ = ["create_store_engine", "normalise_url"]


def normalise_url(url: str | URL) -> URL:
    """Parse ``url`` and pick our drivers: ``postgresql://`` → psycopg 3; ``sqlite:///file`` stays.

    :raises ConfigError: for a malformed URL or an unsupported database.
    """
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception as err:  # sqlalchemy raises ArgumentError with the URL in it
        raise ConfigError(f"invalid database_url: {err}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ConfigError(f"unsupported database {backend!r} in database_url: use postgresql:// or sqlite:///")


def create_store_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite gets real transactions (``BEGIN IMMEDIATE``) and enforced foreign keys."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True, **kwargs)
    engine = sa.create_engine(parsed, **kwargs)
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own implicit transactions start late and skip DDL; take control (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    # IMMEDIATE takes the write lock up front: one writer at a time, no upgrade deadlocks between readers.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
