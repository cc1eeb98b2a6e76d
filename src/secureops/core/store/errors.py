"""Errors the store raises; all are :class:`~secureops.SecureopsError`, so the CLI shows them as one line."""

from __future__ import annotations

from secureops.core.errors import SecureopsError

__all__ = ["NotFoundError", "StoreError", "TenantInactiveError", "TenantMismatchError"]


class StoreError(SecureopsError):
    """The database refused an operation or cannot be reached; the message says which and why."""


class NotFoundError(StoreError):
    """A tenant, product, engagement or test does not exist (or belongs to another tenant: same message)."""


class TenantInactiveError(StoreError):
    """The tenant is suspended or cancelled, so it may not import or scan."""


class TenantMismatchError(StoreError):
    """Code tried to write a row for another tenant through a tenant-scoped session."""
