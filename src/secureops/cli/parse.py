"""``secureops parse FILE``: print a report's normalised findings."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from secureops.cli.app import app, console, fail
from secureops.core.errors import ReportParseError
from secureops.core.findings import Finding
from secureops.importer.parse import AUTO, parse_report


@app.command()
def parse(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The report file to parse.", dir_okay=False)],
    format: Annotated[str, typer.Option("--format", "-f", help="Report-format id, or 'auto'.")] = AUTO,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of findings.")] = False,
) -> None:
    """Parse a scanner report and print its normalised findings (exit code 2 on malformed input)."""
    state = ctx.obj
    if not file.is_file():
        fail(f"{str(file)!r} is not a readable file")
    try:
        parsed = parse_report(state.registry, file, format=format, max_bytes=state.settings.max_report_bytes)
        if as_json:
            _print_json(parsed.findings)
        else:
            findings = list(parsed.findings)
            _print_table(findings, f"{file.name}: {len(findings)} findings ({parsed.format})")
    except ReportParseError as err:
        fail(str(err))


def _print_json(findings: Iterable[Finding]) -> None:
    # Spooled to a temporary file, one finding at a time: memory stays bounded for a 100k-finding report, and
    # a report that turns out malformed halfway prints no half-written JSON — only the error.
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+", encoding="utf-8") as spool:
        spool.write("[")
        count = 0
        for finding in findings:
            spool.write(("," if count else "") + "\n  " + json.dumps(finding.to_json_dict()))
            count += 1
        spool.write("\n]\n" if count else "]\n")
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout)


def _print_table(findings: list[Finding], title: str) -> None:
    table = Table(title=title)
    for column in ("severity", "title", "where", "fingerprint"):
        table.add_column(column, overflow="fold")
    for finding in sorted(findings, key=lambda f: -f.severity.rank):
        where = (
            str(finding.endpoints[0])
            if finding.endpoints
            else finding.file_path or " ".join(filter(None, [finding.component_name, finding.component_version]))
        )
        table.add_row(finding.severity.value, finding.title, where or "-", (finding.fingerprint or "")[:12])
    console.print(table)
