"""The store's tables, as SQLModel models shared by PostgreSQL and the embedded SQLite file.

Every tenant-owned table carries ``client_id`` (the tenant's slug, e.g. ``client_acme``). Child rows point to
their parent through a composite foreign key ``(client_id, parent_id)``, so a row can never reference another
tenant's row even where row-level security does not reach (foreign-key checks bypass RLS). The migration in
``migrations/versions`` creates these tables and, on PostgreSQL, the RLS policies; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

__all__ = [
    "TENANT_TABLES",
    "ApiKey",
    "AuditLog",
    "Client",
    "ClientStatus",
    "Engagement",
    "Finding",
    "FindingEndpoint",
    "FindingEvent",
    "Product",
    "Scan",
    "Test",
    "TestImport",
    "UsageEvent",
    "User",
    "utcnow",
]

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite only auto-increments INTEGER keys
Json = sa.JSON().with_variant(JSONB(), "postgresql")
Stamp = sa.DateTime(timezone=True)


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC (every stored timestamp is UTC)."""
    return dt.datetime.now(dt.UTC)


def _id() -> Any:
    return Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))


def _tenant(index: bool = True, references: bool = True) -> Any:
    # High-volume children (findings, endpoints, events) skip the direct clients FK: their composite FK to the
    # parent already implies the tenant exists, and each FK is a check per inserted row.
    keys = (sa.ForeignKey("clients.id"),) if references else ()
    return Field(sa_column=sa.Column(sa.String(50), *keys, nullable=False, index=index))


def _stamp() -> Any:
    return Field(default_factory=utcnow, sa_column=sa.Column(Stamp, nullable=False))


def _json(default: Any = dict) -> Any:
    return Field(default_factory=default, sa_column=sa.Column(Json, nullable=False))


def _parent(table: str, column: str) -> sa.ForeignKeyConstraint:
    """``(client_id, column)`` references ``table(client_id, id)``: same-tenant references only."""
    return sa.ForeignKeyConstraint(["client_id", column], [f"{table}.client_id", f"{table}.id"], ondelete="CASCADE")


class ClientStatus(enum.StrEnum):
    """A tenant's lifecycle state. Only active tenants may import or scan."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


class Client(SQLModel, table=True):
    """A tenant ("client"): a company using the platform."""

    __tablename__ = "clients"

    id: str = Field(sa_column=sa.Column(sa.String(50), primary_key=True))
    company_name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    status: str = Field(default=ClientStatus.ACTIVE.value, sa_column=sa.Column(sa.String(20), nullable=False))
    tier: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    billing_email: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    settings: dict[str, Any] = _json()
    created_at: dt.datetime = _stamp()


class User(SQLModel, table=True):
    """A person who signs in for a tenant."""

    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("client_id", "email"), sa.UniqueConstraint("client_id", "id"))

    id: int | None = _id()
    client_id: str = _tenant()
    email: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    password_hash: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    role: str = Field(default="client_user", sa_column=sa.Column(sa.String(50), nullable=False))
    mfa_enabled: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    last_login: dt.datetime | None = Field(default=None, sa_column=sa.Column(Stamp))
    created_at: dt.datetime = _stamp()


class ApiKey(SQLModel, table=True):
    """An API key; only its hash is stored (the prefix identifies it in lists and logs)."""

    __tablename__ = "api_keys"

    id: int | None = _id()
    client_id: str = _tenant()
    user_id: int | None = Field(default=None, sa_column=sa.Column(BigId, sa.ForeignKey("users.id")))
    name: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    prefix: str = Field(sa_column=sa.Column(sa.String(16), nullable=False))
    key_hash: str = Field(sa_column=sa.Column(sa.String(255), nullable=False, unique=True))
    scopes: list[str] = _json(list)
    created_at: dt.datetime = _stamp()
    expires_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(Stamp))
    revoked_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(Stamp))
    last_used_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(Stamp))


class Product(SQLModel, table=True):
    """Something a tenant secures (an application, a host group); every tenant has one default product."""

    __tablename__ = "products"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "name"),
        sa.UniqueConstraint("client_id", "id"),
        sa.Index(
            "uq_products_one_default",
            "client_id",
            unique=True,
            postgresql_where=sa.text("is_default"),
            sqlite_where=sa.text("is_default"),
        ),
    )

    id: int | None = _id()
    client_id: str = _tenant()
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    is_default: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    created_at: dt.datetime = _stamp()


class Engagement(SQLModel, table=True):
    """A period or pipeline of testing of a product; tests belong to one."""

    __tablename__ = "engagements"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "product_id", "name"),
        sa.UniqueConstraint("client_id", "id"),
        _parent("products", "product_id"),
    )

    id: int | None = _id()
    client_id: str = _tenant()
    product_id: int = Field(sa_column=sa.Column(BigId, nullable=False))
    name: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    dedupe_on_engagement: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    created_at: dt.datetime = _stamp()


class Test(SQLModel, table=True):
    """One import or scan's worth of findings; reimports update it in place."""

    __tablename__ = "tests"
    __table_args__ = (sa.UniqueConstraint("client_id", "id"), _parent("engagements", "engagement_id"))

    id: int | None = _id()
    client_id: str = _tenant()
    engagement_id: int = Field(sa_column=sa.Column(BigId, nullable=False))
    product_id: int = Field(sa_column=sa.Column(BigId, nullable=False))
    format: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    importer: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    title: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    created_at: dt.datetime = _stamp()
    updated_at: dt.datetime = _stamp()


class Finding(SQLModel, table=True):
    """A stored finding: the normalised :class:`secureops.Finding` plus its triage and lifecycle state.

    ``fingerprint`` is the importer-declared stable identity; ``content_hash`` covers everything else the report
    said, so a reimport can tell "same issue, same text" (untouched) from "same issue, new text" (updated).
    """

    __tablename__ = "findings"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "id"),
        sa.UniqueConstraint("test_id", "fingerprint", name="uq_findings_test_fingerprint"),
        sa.Index("ix_findings_product_fingerprint", "product_id", "fingerprint"),
        _parent("tests", "test_id"),
    )

    id: int | None = _id()
    client_id: str = _tenant(index=False, references=False)  # the unique (client_id, id) index serves lookups
    test_id: int = Field(sa_column=sa.Column(BigId, nullable=False))
    engagement_id: int = Field(sa_column=sa.Column(BigId, nullable=False))
    product_id: int = Field(sa_column=sa.Column(BigId, nullable=False))
    fingerprint: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    content_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    title: str = Field(sa_column=sa.Column(sa.String(1000), nullable=False))
    severity: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    description: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    cwe: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    cvssv3_score: float | None = Field(default=None, sa_column=sa.Column(sa.Float))
    vulnerability_ids: list[str] = _json(list)
    component_name: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    component_version: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    file_path: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    line: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    vuln_id_from_tool: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    unique_id_from_tool: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    date: dt.date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    nb_occurences: int = Field(default=1, sa_column=sa.Column(sa.BigInteger, nullable=False))
    details: dict[str, Any] = _json()
    # Lifecycle and triage
    active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False))
    verified: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    is_mitigated: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    mitigated_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(Stamp))
    mitigated_by: str | None = Field(default=None, sa_column=sa.Column(sa.String(255)))
    mitigated_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    false_p: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    out_of_scope: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    risk_accepted: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    duplicate: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    duplicate_of_id: int | None = Field(default=None, sa_column=sa.Column(BigId))
    created_at: dt.datetime = _stamp()
    updated_at: dt.datetime = _stamp()


class FindingEndpoint(SQLModel, table=True):
    """Where a finding was observed (``protocol://host:port/path?query#fragment``)."""

    __tablename__ = "finding_endpoints"
    __table_args__ = (_parent("findings", "finding_id"),)

    id: int | None = _id()
    client_id: str = _tenant(references=False)
    finding_id: int = Field(sa_column=sa.Column(BigId, nullable=False, index=True))
    protocol: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    host: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    port: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    path: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    query: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    fragment: str | None = Field(default=None, sa_column=sa.Column(sa.Text))


class FindingEvent(SQLModel, table=True):
    """What happened to a finding and why: created, updated (old → new), closed, reactivated, triaged."""

    __tablename__ = "finding_events"
    __table_args__ = (_parent("findings", "finding_id"),)

    id: int | None = _id()
    client_id: str = _tenant(references=False)
    finding_id: int = Field(sa_column=sa.Column(BigId, nullable=False, index=True))
    test_import_id: int | None = Field(default=None, sa_column=sa.Column(BigId))
    kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    actor: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    changes: dict[str, Any] = _json()
    created_at: dt.datetime = _stamp()


class TestImport(SQLModel, table=True):
    """One import or reimport into a test, with its statistics (DefectDojo's import history)."""

    __tablename__ = "test_imports"
    __table_args__ = (_parent("tests", "test_id"),)

    id: int | None = _id()
    client_id: str = _tenant()
    test_id: int = Field(sa_column=sa.Column(BigId, nullable=False, index=True))
    kind: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    actor: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    statistics: dict[str, Any] = _json()
    created_at: dt.datetime = _stamp()


class Scan(SQLModel, table=True):
    """A scan run for a tenant; its report lands in ``test_id`` once imported."""

    __tablename__ = "scans"

    id: int | None = _id()
    client_id: str = _tenant()
    product_id: int | None = Field(default=None, sa_column=sa.Column(BigId))
    test_id: int | None = Field(default=None, sa_column=sa.Column(BigId))
    scanner: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    target: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(default="queued", sa_column=sa.Column(sa.String(20), nullable=False))
    findings_count: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    started_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(Stamp))
    completed_at: dt.datetime | None = Field(default=None, sa_column=sa.Column(Stamp))
    created_at: dt.datetime = _stamp()
    options: dict[str, Any] = _json()
    requested_by: str = Field(default="secureops", sa_column=sa.Column(sa.String(255), nullable=False))
    artefact_path: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    attempts: int = Field(default=0, sa_column=sa.Column(sa.Integer, nullable=False))


class UsageEvent(SQLModel, table=True):
    """A billable or quota-relevant event: a scan, an import, findings stored."""

    __tablename__ = "usage_events"

    id: int | None = _id()
    client_id: str = _tenant()
    kind: str = Field(sa_column=sa.Column(sa.String(50), nullable=False))
    quantity: int = Field(default=1, sa_column=sa.Column(sa.BigInteger, nullable=False))
    details: dict[str, Any] = _json()
    created_at: dt.datetime = _stamp()


class AuditLog(SQLModel, table=True):
    """Append-only record of who did what. ``client_id`` is NULL for platform-wide entries."""

    __tablename__ = "audit_log"

    id: int | None = _id()
    client_id: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(50), sa.ForeignKey("clients.id"), index=True)
    )
    actor: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    action: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    resource_type: str | None = Field(default=None, sa_column=sa.Column(sa.String(50)))
    resource_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    result: str = Field(default="success", sa_column=sa.Column(sa.String(20), nullable=False))
    details: dict[str, Any] = _json()
    created_at: dt.datetime = _stamp()


TENANT_TABLES: tuple[type[SQLModel], ...] = (
    User,
    ApiKey,
    Product,
    Engagement,
    Test,
    Finding,
    FindingEndpoint,
    FindingEvent,
    TestImport,
    Scan,
    UsageEvent,
    AuditLog,
)
"""Tables whose rows belong to one tenant (``client_id``); ``clients`` itself is isolated by its ``id``."""
