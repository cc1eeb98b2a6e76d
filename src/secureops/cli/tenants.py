"""``secureops tenants``: create, list and suspend tenants (platform-admin operations, audited)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.table import Table

from secureops.cli.app import app, console
from secureops.cli.db import DatabaseUrl, open_store
from secureops.core.store.models import ClientStatus
from secureops.core.store.tenants import create_tenant, list_tenants, set_tenant_status

tenants_app = typer.Typer(help="Manage tenants (platform admin; every action is audited).", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")

Actor = Annotated[str | None, typer.Option("--actor", help="Who is acting, for the audit log (default: OS user).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


@tenants_app.command("create")
def create(
    ctx: typer.Context,
    tenant_id: Annotated[str, typer.Argument(help="Slug id, e.g. client_acme.")],
    company: Annotated[str, typer.Option("--company", help="Company name.")],
    tier: Annotated[str, typer.Option("--tier", help="basic, pro, enterprise or a configured tier.")] = "basic",
    billing_email: Annotated[str | None, typer.Option("--billing-email")] = None,
    actor: Actor = None,
    as_json: AsJson = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a tenant and its default product."""
    store = open_store(ctx.obj, database_url)
    try:
        row = create_tenant(
            store,
            tenant_id,
            company_name=company,
            tier=tier,
            billing_email=billing_email,
            actor=_actor(actor),
            app_settings=ctx.obj.settings,
        )
    finally:
        store.dispose()
    typer.echo(json.dumps(row)) if as_json else console.print(f"created tenant {row['id']} ({row['tier']})")


@tenants_app.command("list")
def list_(ctx: typer.Context, actor: Actor = None, as_json: AsJson = False, database_url: DatabaseUrl = None) -> None:
    """List every tenant."""
    store = open_store(ctx.obj, database_url)
    try:
        rows = list_tenants(store, actor=_actor(actor))
    finally:
        store.dispose()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="SecureOps tenants")
    for column in ("id", "company", "tier", "status", "created"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["company_name"], row["tier"], row["status"], row["created_at"][:19])
    console.print(table)


@tenants_app.command("suspend")
def suspend(
    ctx: typer.Context,
    tenant_id: Annotated[str, typer.Argument(help="The tenant to suspend.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the audit log).")],
    actor: Actor = None,
    as_json: AsJson = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Suspend a tenant: it can no longer import or scan; its data stays."""
    store = open_store(ctx.obj, database_url)
    try:
        row = set_tenant_status(store, tenant_id, ClientStatus.SUSPENDED, actor=_actor(actor), reason=reason)
    finally:
        store.dispose()
    typer.echo(json.dumps(row)) if as_json else console.print(f"suspended tenant {row['id']}")
