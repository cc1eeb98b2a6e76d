"""Bulk writes without a round trip per row: COPY on PostgreSQL, ``executemany`` in-process on SQLite.

Rows go through the session's own connection, so they are part of the import's single transaction. Every
UPDATE and DELETE also filters on the tenant (defence in depth next to RLS).

SQL here is assembled from our own table and column names only (``# noqa: S608``); every value is bound.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

__all__ = ["BulkWriter"]

_SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for DateTime on SQLite (UTC, naive)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime(_SQLITE_STAMP)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class BulkWriter:
    """Set-based reads and writes for one tenant inside ``session``'s transaction."""

    def __init__(self, session: Session, tenant_id: str) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.tenant_id = tenant_id
        self._raw: Any = self.connection.connection.driver_connection
        self._temp = itertools.count()

    # -- ids ---------------------------------------------------------------------------------------------
    def allocate_ids(self, table: str, count: int) -> list[int]:
        """Reserve ``count`` primary keys of ``table`` in one statement, so children can reference new rows."""
        if count == 0:
            return []
        if self.dialect == "postgresql":
            rows = self.connection.execute(
                sa.text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"),  # noqa: S608
                {"n": count},
            )
            return [row[0] for row in rows]
        # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so max(id) cannot move under us.
        # max over all tenants' rows: ids are global; this is not filtered on purpose.
        top = self.connection.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608
        reserved = getattr(self, f"_top_{table}", 0)
        start = max(int(top), reserved) + 1
        setattr(self, f"_top_{table}", start + count - 1)
        return list(range(start, start + count))

    # -- writes -------------------------------------------------------------------------------------------
    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        constants: Mapping[str, Any] | None = None,
    ) -> int:
        """Insert ``rows`` (values in ``columns`` order) plus ``constants`` (the same in every row); return how many.

        Constants travel once per statement instead of once per row (tenant, test, timestamps …).
        """
        constants = dict(constants or {})
        if self.dialect == "postgresql":
            # COPY straight into a table with row-level security is refused, so COPY into a temporary table
            # (no RLS) and move the rows with one INSERT … SELECT, which the policies check.
            column_list = ", ".join(columns)
            temp = self._copy_to_temp(table, column_list, rows)
            targets = ", ".join((*columns, *constants))
            sources = ", ".join((*columns, *(f":c_{name}" for name in constants)))
            result = self.connection.execute(
                sa.text(f"INSERT INTO {table} ({targets}) SELECT {sources} FROM {temp}"),  # noqa: S608
                {f"c_{name}": value for name, value in constants.items()},
            )
            self.connection.exec_driver_sql(f"DROP TABLE {temp}")
            return int(result.rowcount)
        tail = tuple(_sqlite_value(v) for v in constants.values())
        converted = [(*(_sqlite_value(v) for v in row), *tail) for row in rows]
        names = (*columns, *constants)
        marks = ", ".join("?" for _ in names)
        self._raw.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", converted)  # noqa: S608
        return len(converted)

    def _copy_to_temp(self, table: str, column_list: str, rows: Iterable[Sequence[Any]]) -> str:
        """COPY ``rows`` into a new temporary table shaped like ``table``'s ``column_list``; return its name."""
        temp = f"_bulk_{table}_{next(self._temp)}"
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {column_list} FROM {table} WITH NO DATA"  # noqa: S608
        )
        with self._raw.cursor() as cursor, cursor.copy(f"COPY {temp} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return temp

    def update(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Set ``columns`` of the rows whose ``id`` is each row's first value (``(id, *values)``)."""
        rows = list(rows)
        if not rows:
            return 0
        if self.dialect == "postgresql":
            temp = self._copy_to_temp(table, ", ".join(("id", *columns)), rows)
            assignments = ", ".join(f"{c} = t.{c}" for c in columns)
            result = self.connection.execute(
                sa.text(
                    f"UPDATE {table} AS f SET {assignments} FROM {temp} AS t "  # noqa: S608
                    "WHERE f.id = t.id AND f.client_id = :tenant"
                ),
                {"tenant": self.tenant_id},
            )
            self.connection.exec_driver_sql(f"DROP TABLE {temp}")
            return int(result.rowcount)
        assignments = ", ".join(f"{c} = ?" for c in columns)
        statement = f"UPDATE {table} SET {assignments} WHERE id = ? AND client_id = ?"  # noqa: S608
        self._raw.executemany(
            statement, [(*(_sqlite_value(v) for v in row[1:]), row[0], self.tenant_id) for row in rows]
        )
        return len(rows)

    def ids_clause(self, column: str, ids: Sequence[Any], name: str) -> tuple[str, dict[str, Any]]:
        """A ``column IN (…ids…)`` condition with one bound parameter, whatever the number of ids."""
        if self.dialect == "postgresql":
            return f"{column} = ANY(:{name})", {name: list(ids)}
        return f"{column} IN (SELECT value FROM json_each(:{name}))", {name: json.dumps(list(ids))}  # noqa: S608

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> int:
        """Run a writing statement with ``:tenant`` bound to this writer's tenant; return the rows affected."""
        result = self.connection.execute(sa.text(sql), {"tenant": self.tenant_id, **(params or {})})
        return int(result.rowcount)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a SELECT with ``:tenant`` bound to this writer's tenant; return its rows as tuples."""
        result = self.connection.execute(sa.text(sql), {"tenant": self.tenant_id, **(params or {})})
        return [tuple(row) for row in result]
