"""``secureops import`` and ``secureops reimport``: store a report's findings for a tenant, print statistics."""

from __future__ import annotations

import getpass
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from secureops.cli.app import app, console, err_console, fail
from secureops.cli.db import DatabaseUrl, open_store
from secureops.core.errors import ReportParseError
from secureops.importer.imports import import_report, reimport_report
from secureops.importer.parse import AUTO
from secureops.importer.stats import OUTCOMES, ImportStatistics

PROGRESS_FROM_BYTES = 1024 * 1024
"""Files at least this big show a progress bar (on a terminal)."""

Report = Annotated[Path, typer.Argument(help="The report file.", dir_okay=False)]
Tenant = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id, e.g. client_acme.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the statistics as one JSON object.")]
Actor = Annotated[str | None, typer.Option("--actor", help="Who imports (recorded; default: OS user).")]


class _CountingReader(io.RawIOBase):
    """Reads a file and advances a progress bar by the bytes read."""

    def __init__(self, handle: BinaryIO, advance: Any) -> None:
        self._handle = handle
        self._advance = advance

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._handle.readinto(buffer)  # type: ignore[attr-defined]
        self._advance(count or 0)
        return count or 0

    def close(self) -> None:
        self._handle.close()
        super().close()


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    if not path.is_file():
        fail(f"{str(path)!r} is not a readable file")
    size = path.stat().st_size
    if size < PROGRESS_FROM_BYTES or not err_console.is_terminal:
        with path.open("rb") as handle:
            yield handle
        return
    columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as progress, path.open("rb") as handle:
        task = progress.add_task("import", total=size)
        yield io.BufferedReader(_CountingReader(handle, lambda n: progress.advance(task, n)))


def _print(stats: ImportStatistics, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(stats.to_json_dict()))
        return
    table = Table(
        title=f"{stats.kind} into test {stats.test_id} ({stats.format}): "
        f"{stats.findings_in_report} findings in the report, {stats.duplicates} duplicates"
    )
    table.add_column("outcome")
    for column in ("critical", "high", "medium", "low", "info", "total"):
        table.add_column(column, justify="right")
    for outcome in OUTCOMES:
        counts = getattr(stats, outcome).model_dump()
        table.add_row(outcome, *(str(counts[c]) for c in ("critical", "high", "medium", "low", "info", "total")))
    console.print(table)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Report,
    tenant: Tenant,
    product: Annotated[
        str | None, typer.Option("--product", "-p", help="Product name or id (default product).")
    ] = None,
    engagement: Annotated[str | None, typer.Option("--engagement", "-e", help="Engagement name or id.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="Report-format id, or 'auto'.")] = AUTO,
    close_old: Annotated[
        bool, typer.Option("--close-old", help="Close the engagement's findings not in this report.")
    ] = False,
    dedupe_on_engagement: Annotated[bool, typer.Option(help="New engagement: deduplicate within it only.")] = False,
    actor: Actor = None,
    as_json: AsJson = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Import a report as a new test of a tenant's product (one transaction) and print the statistics."""
    state = ctx.obj
    store = open_store(state, database_url)
    try:
        with _opened(file) as stream:
            stats = import_report(
                tenant,
                product,
                engagement,
                stream,
                format,
                close_old,
                store=store,
                registry=state.registry,
                actor=actor or f"cli:{getpass.getuser()}",
                filename=file.name,
                dedupe_on_engagement=dedupe_on_engagement,
                max_bytes=state.settings.max_report_bytes,
            )
    except ReportParseError as err:
        fail(f"{err} (nothing was imported)")
    finally:
        store.dispose()
    _print(stats, as_json)


@app.command("reimport")
def reimport(
    ctx: typer.Context,
    file: Report,
    tenant: Tenant,
    test: Annotated[int, typer.Option("--test", help="The test to reimport into.")],
    close_old: Annotated[
        bool, typer.Option("--close-old/--no-close-old", help="Close findings gone from the report.")
    ] = True,
    do_not_reactivate: Annotated[
        bool, typer.Option("--do-not-reactivate", help="Leave mitigated findings closed.")
    ] = False,
    actor: Actor = None,
    as_json: AsJson = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Reimport a report into an existing test (one transaction) and print the statistics."""
    state = ctx.obj
    store = open_store(state, database_url)
    try:
        with _opened(file) as stream:
            stats = reimport_report(
                tenant,
                test,
                stream,
                close_old,
                do_not_reactivate,
                store=store,
                registry=state.registry,
                actor=actor or f"cli:{getpass.getuser()}",
                filename=file.name,
                max_bytes=state.settings.max_report_bytes,
            )
    except ReportParseError as err:
        fail(f"{err} (nothing was changed)")
    finally:
        store.dispose()
    _print(stats, as_json)
