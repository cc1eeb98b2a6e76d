"""``secureops plugins``: what is installed, what each plugin provides, and what failed to load."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from secureops.cli.app import State, app, console

plugins_app = typer.Typer(help="Inspect installed plugins.", no_args_is_help=True)
app.add_typer(plugins_app, name="plugins")


def plugin_rows(state: State) -> list[dict[str, Any]]:
    """One object per plugin — the documented shape of ``plugins list --json``.

    Keys: ``name``, ``kinds`` (sorted list of scanner/importer/notifier/triager), ``version``,
    ``distribution``, ``module``, ``objects`` (``{"scanner": [names], …}``), ``formats`` (report-format ids
    it parses) and ``error`` (``null``, or why it failed to load).
    """
    registry = state.registry
    rows = []
    for name, record in sorted(state.pm.records.items()):
        objects: dict[str, list[str]] = {}
        for kind, obj_name in registry.objects_of(name):
            objects.setdefault(kind, []).append(obj_name)
        formats = sorted(fmt for fmt, reg in registry.formats.items() if reg.plugin == name)
        rows.append(
            {
                "name": name,
                "kinds": sorted(objects),
                "version": record.version,
                "distribution": record.distribution,
                "module": record.module,
                "objects": objects,
                "formats": formats,
                "error": record.error or registry.errors.get(name),
            }
        )
    return rows


@plugins_app.command("list")
def list_plugins(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array (stable, documented shape).")] = False,
) -> None:
    """List installed plugins: name, kinds, version, distribution and load errors."""
    rows = plugin_rows(ctx.obj)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="SecureOps plugins")
    for column in ("name", "kinds", "provides", "version", "distribution", "status"):
        table.add_column(column)
    for row in rows:
        provides = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in row["objects"].items())
        status = f"[red]failed: {row['error']}[/red]" if row["error"] else "[green]loaded[/green]"
        table.add_row(
            row["name"], ", ".join(row["kinds"]), provides, row["version"] or "-", row["distribution"] or "-", status
        )
    console.print(table)
