"""Throwaway plugins for the host's tests: real classes, registered the way any plugin registers."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import BinaryIO

import secureops

SAMPLE_SOURCE = """
import json
import secureops


class SampleImporter(secureops.Importer):
    name = "sample"
    formats = ("sample-json",)
    identity_fields = ("vuln_id_from_tool", "component_name")

    def detect(self, head, filename):
        return "sample-json" if b'"sample-report"' in head else None

    def parse(self, stream, context):
        data = json.load(stream)
        for item in data["sample-report"]:
            yield secureops.Finding(
                title=item["title"], severity=item["severity"],
                vuln_id_from_tool=item["id"], component_name=item.get("component"),
                description=item.get("description", ""),
            )


@secureops.hookimpl
def register_importers(register):
    register(SampleImporter())
"""


class EchoScanner(secureops.Scanner):
    """Runs ``/bin/echo`` with the target: the smallest real command-spec scanner."""

    name = "echo"
    report_format = "echo-text"
    target_kinds = frozenset({secureops.TargetKind.HOST})
    default_timeout = 10.0

    class Options(secureops.Options):
        prefix: str = "scanned"

    def command(self, target: secureops.Target, options: EchoScanner.Options) -> secureops.CommandSpec:
        return secureops.CommandSpec(argv=["echo", options.prefix, target.value])


class LineImporter(secureops.Importer):
    """Parses 'echo-text': one Info finding per line of text."""

    name = "lines"
    formats = ("echo-text",)
    identity_fields = ("title",)

    def detect(self, head: bytes, filename: str | None) -> str | None:
        return "echo-text" if head.startswith(b"scanned ") else None

    def parse(self, stream: BinaryIO, context: secureops.ParseContext) -> Iterator[secureops.Finding]:
        for line in io.TextIOWrapper(stream, encoding="utf-8"):
            if line.strip():
                yield secureops.Finding(title=line.strip(), severity="info")


class EchoPlugin:
    """A plugin object (not a module) providing a scanner and an importer."""

    @secureops.hookimpl
    def register_scanners(self, register: Callable[[secureops.Scanner], None]) -> None:
        register(EchoScanner())

    @secureops.hookimpl
    def register_importers(self, register: Callable[[secureops.Importer], None]) -> None:
        register(LineImporter())


def sample_report(items: list[dict[str, str]]) -> bytes:
    """A report in the 'sample-json' format."""
    return json.dumps({"sample-report": items}).encode()
