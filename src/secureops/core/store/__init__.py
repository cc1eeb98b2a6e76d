"""The findings store: SQLModel tables, migrations, tenant-scoped sessions (PostgreSQL RLS or embedded SQLite)."""

from __future__ import annotations

from secureops.core.store.errors import NotFoundError, StoreError, TenantInactiveError, TenantMismatchError
from secureops.core.store.session import ADMIN_ROLE, APP_ROLE, AdminSession, Store, TenantSession, valid_tenant_id

__all__ = [
    "ADMIN_ROLE",
    "APP_ROLE",
    "AdminSession",
    "NotFoundError",
    "Store",
    "StoreError",
    "TenantInactiveError",
    "TenantMismatchError",
    "TenantSession",
    "valid_tenant_id",
]
