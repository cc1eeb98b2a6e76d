"""The store driver: tenant-scoped and platform-admin sessions over PostgreSQL (RLS) or SQLite.

``with store.tenant("client_acme") as s:`` is one transaction in which

- on PostgreSQL, every transaction the session begins first runs ``SET LOCAL ROLE secureops_app`` (a
  non-owner, non-superuser role, so row-level security applies even when the login role is more powerful) and
  ``set_config('app.current_client_id', tenant, true)``, which the RLS policies compare against;
- every ORM query gets ``client_id = tenant`` added (defence in depth, and the only guard on SQLite);
- every new tenant-owned row gets the tenant's id, and a row for another tenant is refused.

``with store.admin(actor=…, reason=…) as s:`` is the separate, explicit platform-admin path: it runs as
``secureops_admin`` (BYPASSRLS) and writes an audit-log entry before anything else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy.engine import Engine
from sqlmodel import Session

from secureops.core.config import Settings
from secureops.core.errors import ConfigError
from secureops.core.store import migrate
from secureops.core.store.engine import create_store_engine, normalise_url
from secureops.core.store.errors import StoreError, TenantMismatchError
from secureops.core.store.models import TENANT_TABLES, AuditLog, Client

__all__ = ["ADMIN_ROLE", "APP_ROLE", "AdminSession", "Store", "TenantSession", "valid_tenant_id"]

log = logging.getLogger(__name__)

APP_ROLE = "secureops_app"
ADMIN_ROLE = "secureops_admin"
_TENANT_ID_PATTERN = r"^[a-z][a-z0-9_]{1,49}$"


def valid_tenant_id(tenant_id: str) -> str:
    """Return ``tenant_id`` if it is a slug like ``client_acme`` (lowercase, digits, ``_``; 2 to 50 chars).

    :raises ConfigError: otherwise.
    """
    if not isinstance(tenant_id, str) or not re.fullmatch(_TENANT_ID_PATTERN, tenant_id):
        raise ConfigError(f"invalid tenant id {tenant_id!r}: use a slug like 'client_acme' (a-z, 0-9, _)")
    return tenant_id


class TenantSession(Session):
    """A session bound to one tenant; see the module docstring for what it guarantees."""

    def __init__(self, bind: Engine, tenant_id: str) -> None:
        super().__init__(bind=bind, expire_on_commit=False)
        self.tenant_id = tenant_id


class AdminSession(Session):
    """A platform-admin session: sees every tenant. Only :meth:`Store.admin` creates one (and audits it)."""

    def __init__(self, bind: Engine, actor: str) -> None:
        super().__init__(bind=bind, expire_on_commit=False)
        self.actor = actor


@event.listens_for(TenantSession, "after_begin")
def _tenant_begin(session: TenantSession, _transaction: Any, connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
        connection.execute(
            sa.text("SELECT set_config('app.current_client_id', :tenant, true)"), {"tenant": session.tenant_id}
        )


@event.listens_for(AdminSession, "after_begin")
def _admin_begin(_session: AdminSession, _transaction: Any, connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL ROLE {ADMIN_ROLE}")


@event.listens_for(TenantSession, "do_orm_execute")
def _tenant_filter(state: orm.ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant = state.session.tenant_id  # type: ignore[attr-defined]
    options = [
        orm.with_loader_criteria(model, model.client_id == tenant, include_aliases=True)  # type: ignore[attr-defined]
        for model in TENANT_TABLES
    ]
    options.append(orm.with_loader_criteria(Client, Client.id == tenant, include_aliases=True))
    state.statement = state.statement.options(*options)


@event.listens_for(TenantSession, "before_flush")
def _tenant_rows(session: TenantSession, _context: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Client):
            if obj.id != session.tenant_id:
                raise TenantMismatchError(f"tenant {session.tenant_id!r} cannot write tenant {obj.id!r}")
            continue
        if not isinstance(obj, TENANT_TABLES):
            continue
        owner = getattr(obj, "client_id", None)
        if owner is None:
            obj.client_id = session.tenant_id
        elif owner != session.tenant_id:
            raise TenantMismatchError(
                f"tenant {session.tenant_id!r} cannot write a {type(obj).__name__} of tenant {owner!r}"
            )


class Store:
    """The ``sql`` store driver (entry point ``secureops.store: sql``): PostgreSQL or SQLite by URL.

    :param settings: ``database_url`` comes from here unless ``url`` is given.
    :param url: overrides the settings (the CLI's ``--database-url``).
    """

    def __init__(self, settings: Settings | None = None, *, url: str | None = None, **engine_options: Any) -> None:
        chosen = url or (settings.database_url if settings is not None else None)
        if not chosen:
            raise ConfigError("no database_url configured")
        self.url = normalise_url(chosen)
        self.engine: Engine = create_store_engine(self.url, **engine_options)

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``."""
        return self.engine.dialect.name

    @property
    def has_rls(self) -> bool:
        """True when the database itself enforces tenant isolation (PostgreSQL)."""
        return self.dialect == "postgresql"

    def upgrade(self, revision: str = "head") -> None:
        """Apply the packaged migrations (needs the schema owner's privileges on PostgreSQL).

        :raises StoreError: when the database refuses, with its reason.
        """
        try:
            migrate.upgrade(self.engine, revision)
        except sa.exc.SQLAlchemyError as err:
            raise StoreError(f"migration failed: {_reason(err)}") from err

    def revision(self) -> str | None:
        """The schema revision the database is at (``None`` when not migrated)."""
        return migrate.current_revision(self.engine)

    @contextmanager
    def tenant(self, tenant_id: str) -> Iterator[TenantSession]:
        """One transaction as ``tenant_id``: commits when the block ends, rolls back if it raises."""
        session = TenantSession(self.engine, valid_tenant_id(tenant_id))
        with _translated(), session, session.begin():
            yield session

    @contextmanager
    def admin(self, *, actor: str, reason: str, tenant_id: str | None = None) -> Iterator[AdminSession]:
        """One platform-admin transaction, audited first: who (``actor``), why (``reason``), about which tenant.

        Use only for platform operations (creating or suspending tenants, support); it bypasses tenant isolation.
        The audit entry commits with the transaction, so an admin action and its record stand or fall together.
        """
        if not actor or not reason:
            raise ConfigError("platform-admin access needs an actor and a reason")
        session = AdminSession(self.engine, actor)
        with _translated(), session, session.begin():
            session.add(
                AuditLog(
                    client_id=tenant_id,
                    actor=actor,
                    action="platform_admin.session",
                    reason=reason,
                    resource_type="client" if tenant_id else None,
                    resource_id=tenant_id,
                )
            )
            session.flush()
            yield session

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


@contextmanager
def _translated() -> Iterator[None]:
    """Turn driver errors into :class:`StoreError` with the database's one-line reason."""
    try:
        yield
    except sa.exc.SQLAlchemyError as err:
        raise StoreError(_reason(err)) from err


def _reason(err: sa.exc.SQLAlchemyError) -> str:
    original = getattr(err, "orig", None)
    text = str(original) if original is not None else str(err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__
