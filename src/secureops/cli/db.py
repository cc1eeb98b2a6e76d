"""``secureops db``: create or migrate the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from secureops.cli.app import State, app, console
from secureops.core.drivers import load_driver
from secureops.core.store import Store
from secureops.core.store.migrate import head_revision

__all__ = ["DatabaseUrl", "open_store"]

db_app = typer.Typer(
    help="Create or migrate the database (PostgreSQL or the embedded SQLite file).", no_args_is_help=True
)
app.add_typer(db_app, name="db")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="postgresql://… or sqlite:///file (default: the database_url setting)."),
]


def open_store(state: State, database_url: str | None) -> Store:
    """The configured store driver, connected to ``database_url`` or the settings' ``database_url``."""
    kwargs = {"url": database_url} if database_url else {}
    store: Store = load_driver("store", state.settings, **kwargs)
    return store


@db_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    database_url: DatabaseUrl = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the schema migrations. On PostgreSQL run it as the schema owner (it also creates the app roles)."""
    store = open_store(ctx.obj, database_url)
    try:
        store.upgrade(revision)
        console.print(f"database at revision {store.revision()} ({store.dialect})", highlight=False)
    finally:
        store.dispose()


@db_app.command("current")
def current(ctx: typer.Context, database_url: DatabaseUrl = None) -> None:
    """Print the database's schema revision and the newest one this version ships."""
    store = open_store(ctx.obj, database_url)
    try:
        console.print(f"current: {store.revision() or 'none'}; head: {head_revision()}", highlight=False)
    finally:
        store.dispose()
