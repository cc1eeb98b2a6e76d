"""The parse pipeline: format choice, streaming normalisation, fingerprints, and one error type for bad input."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

import secureops
from secureops import ReportParseError, UnknownFormatError
from secureops.core.registry import Registry
from secureops.importer.parse import parse_report
from secureops.testing import check_importer_conformance, plugin_registry
from tests.core.plugin_samples import SAMPLE_SOURCE, EchoPlugin, sample_report

SAMPLE = [
    {"id": "V-1", "title": "first", "severity": "High", "component": "openssl"},
    {"id": "V-2", "title": "second", "severity": "low", "component": "zlib"},
]


@pytest.fixture
def registry(make_distribution: Callable[..., Path]) -> Registry:
    """The sample-json importer (from a real module file) and the echo plugin's importer."""
    make_distribution("secureops-sample", {"sample": "sample_mod"}, {"sample_mod": SAMPLE_SOURCE})
    return plugin_registry(("sample", importlib.import_module("sample_mod")), ("echo", EchoPlugin()))


def test_auto_detection_and_fingerprints(registry: Registry) -> None:
    parsed = parse_report(registry, sample_report(SAMPLE), filename="scan.json")
    findings = list(parsed.findings)
    assert parsed.format == "sample-json"
    assert [f.title for f in findings] == ["first", "second"]
    assert all(f.fingerprint and len(f.fingerprint) == 64 for f in findings)


def test_identity_ignores_fields_outside_identity(registry: Registry) -> None:
    changed = [dict(SAMPLE[0], description="now with more words", severity="Critical"), SAMPLE[1]]
    before = [f.fingerprint for f in parse_report(registry, sample_report(SAMPLE)).findings]
    after = [f.fingerprint for f in parse_report(registry, sample_report(changed)).findings]
    assert before == after
    moved = [dict(SAMPLE[0], component="libressl"), SAMPLE[1]]
    assert next(f.fingerprint for f in parse_report(registry, sample_report(moved)).findings) != before[0]


def test_explicit_and_unknown_formats(registry: Registry) -> None:
    assert parse_report(registry, b"scanned 127.0.0.1\n", format="echo-text").format == "echo-text"
    with pytest.raises(UnknownFormatError, match="no importer for format 'nmap-xml'"):
        parse_report(registry, b"<nmaprun/>", format="nmap-xml")
    with pytest.raises(UnknownFormatError, match="cannot tell the format of 'x.bin'"):
        parse_report(registry, b"\x00\x01binary", filename="x.bin")


def test_ambiguous_detection_asks_for_a_format(registry: Registry) -> None:
    class Greedy(secureops.Importer):
        name = "greedy"
        formats = ("greedy",)
        identity_fields = ("title",)

        def detect(self, head: bytes, filename: str | None) -> str | None:
            return "greedy"

        def parse(self, stream: BinaryIO, context: secureops.ParseContext) -> Iterator[secureops.Finding]:
            return iter(())

    class GreedyPlugin:
        @secureops.hookimpl
        def register_importers(self, register):  # type: ignore[no-untyped-def]
            register(Greedy())

    both = plugin_registry(("greedy", GreedyPlugin()), ("echo", EchoPlugin()))
    with pytest.raises(UnknownFormatError, match="looks like several formats"):
        parse_report(both, b"scanned 127.0.0.1\n")


def test_empty_and_oversized_reports(registry: Registry) -> None:
    with pytest.raises(ReportParseError, match="is empty"):
        parse_report(registry, b"  \n")
    big = sample_report([{**SAMPLE[0], "description": "x" * 200_000}])
    with pytest.raises(ReportParseError, match="larger than the 100,000-byte limit"):
        list(parse_report(registry, big, max_bytes=100_000).findings)


@pytest.mark.parametrize(
    "data",
    [
        b'{"sample-report": [{"id": "V-1", "title": "t"',  # truncated
        b'{"sample-report": [{"title": "t", "severity": "High"}]}',  # missing id -> KeyError in the plugin
        b'{"sample-report": [{"id": "V", "title": "t", "severity": "urgent"}]}',  # invalid severity
        b'{"sample-report": [{"id": "V", "title": "", "severity": "Low"}]}',  # blank title
    ],
)
def test_malformed_reports_become_report_parse_errors(registry: Registry, data: bytes) -> None:
    with pytest.raises(ReportParseError):
        list(parse_report(registry, data, filename="bad.json").findings)


def test_non_finding_items_are_refused() -> None:
    class Sloppy(secureops.Importer):
        name = "sloppy"
        formats = ("sloppy",)
        identity_fields = ("title",)

        def parse(self, stream: BinaryIO, context: secureops.ParseContext) -> Iterator[secureops.Finding]:
            yield {"title": "dict, not Finding"}  # type: ignore[misc]

    class SloppyPlugin:
        @secureops.hookimpl
        def register_importers(self, register):  # type: ignore[no-untyped-def]
            register(Sloppy())

    registry = plugin_registry(("sloppy", SloppyPlugin()))
    with pytest.raises(ReportParseError, match="yielded dict #0, not a Finding"):
        list(parse_report(registry, b"anything", format="sloppy").findings)


def test_paths_and_streams_are_accepted(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(sample_report(SAMPLE))
    assert len(list(parse_report(registry, path).findings)) == 2
    assert len(list(parse_report(registry, io.BytesIO(sample_report(SAMPLE))).findings)) == 2
    with pytest.raises(ReportParseError, match="cannot read"):
        parse_report(registry, tmp_path / "missing.json")


def test_conformance_helper_accepts_a_good_importer_and_catches_a_bad_one(registry: Registry) -> None:
    importer = registry.importer_for("sample-json")
    result = check_importer_conformance(importer, sample_report(SAMPLE))
    assert len(result.fingerprints) == 2
    same_identity = [SAMPLE[0], dict(SAMPLE[0], title="again")]
    with pytest.raises(AssertionError, match="shared by several findings"):
        check_importer_conformance(importer, sample_report(same_identity))
