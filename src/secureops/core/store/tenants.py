"""Platform-admin operations on tenants: create (with its default product), list, change status.

All go through :meth:`Store.admin`, so each is audited with who did it and why.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from secureops.core.config import Settings
from secureops.core.errors import ConfigError
from secureops.core.store.errors import NotFoundError, StoreError
from secureops.core.store.models import AuditLog, Client, ClientStatus, Product
from secureops.core.store.session import Store, valid_tenant_id

__all__ = ["DEFAULT_PRODUCT", "create_tenant", "list_tenants", "set_tenant_status", "tenant_dict"]

DEFAULT_PRODUCT = "Default"


def tenant_dict(client: Client) -> dict[str, Any]:
    """A tenant as JSON-ready data (the shape of ``secureops tenants list --json``)."""
    return {
        "id": client.id,
        "company_name": client.company_name,
        "status": client.status,
        "tier": client.tier,
        "billing_email": client.billing_email,
        "settings": client.settings,
        "created_at": client.created_at.isoformat(),
    }


def create_tenant(
    store: Store,
    tenant_id: str,
    *,
    company_name: str,
    tier: str = "basic",
    billing_email: str | None = None,
    settings: dict[str, Any] | None = None,
    actor: str,
    app_settings: Settings | None = None,
) -> dict[str, Any]:
    """Create tenant ``tenant_id`` and its default product, in one audited transaction.

    :raises ConfigError: bad id or unknown tier (checked against ``app_settings`` tiers when given).
    :raises StoreError: the tenant already exists.
    """
    valid_tenant_id(tenant_id)
    if app_settings is not None:
        app_settings.tier_table[tier]  # raises ConfigError naming the known tiers
    if not company_name.strip():
        raise ConfigError("a tenant needs a company name")
    with store.admin(actor=actor, reason=f"create tenant {tenant_id}", tenant_id=None) as session:
        if session.get(Client, tenant_id) is not None:
            raise StoreError(f"tenant {tenant_id!r} already exists")
        client = Client(
            id=tenant_id, company_name=company_name, tier=tier, billing_email=billing_email, settings=settings or {}
        )
        session.add(client)
        session.flush()
        session.add(Product(client_id=tenant_id, name=DEFAULT_PRODUCT, is_default=True))
        session.add(
            AuditLog(
                client_id=tenant_id,
                actor=actor,
                action="tenant.create",
                resource_type="client",
                resource_id=tenant_id,
                details={"tier": tier},
            )
        )
        session.flush()
        return tenant_dict(client)


def list_tenants(store: Store, *, actor: str) -> list[dict[str, Any]]:
    """Every tenant, by id."""
    with store.admin(actor=actor, reason="list tenants") as session:
        return [tenant_dict(c) for c in session.exec(select(Client).order_by(sa.asc(Client.id)))]


def set_tenant_status(store: Store, tenant_id: str, status: ClientStatus, *, actor: str, reason: str) -> dict[str, Any]:
    """Suspend, cancel or reactivate a tenant, recording why.

    :raises NotFoundError: no such tenant.
    """
    with store.admin(actor=actor, reason=reason, tenant_id=valid_tenant_id(tenant_id)) as session:
        client = session.get(Client, tenant_id)
        if client is None:
            raise NotFoundError(f"no tenant {tenant_id!r}")
        previous = client.status
        client.status = ClientStatus(status).value
        session.add(
            AuditLog(
                client_id=tenant_id,
                actor=actor,
                action=f"tenant.{client.status}",
                resource_type="client",
                resource_id=tenant_id,
                reason=reason,
                details={"from": previous, "to": client.status},
            )
        )
        session.flush()
        return tenant_dict(client)
