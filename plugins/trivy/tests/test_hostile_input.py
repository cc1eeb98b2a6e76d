"""Malformed, truncated, foreign, deep and huge input ends in ReportParseError with a useful message."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import secureops_trivy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secureops_trivy import TrivyJsonImporter
from secureops_trivy.jsonstream import JsonCursor
from secureops_trivy.walk import iter_findings

from secureops import ParseContext, ReportParseError
from secureops.importer.parse import normalise, parse_report
from secureops.testing import plugin_registry

REGISTRY = plugin_registry(secureops_trivy)
IMPORTER = TrivyJsonImporter()


def parse_as_trivy(data: bytes, filename: str = "report.json") -> int:
    """Parse ``data`` with the explicit format (no detection), through the host's normalisation."""
    context = ParseContext(format="trivy-json", filename=filename)
    return sum(1 for _ in normalise(IMPORTER, io.BufferedReader(io.BytesIO(data)), context))


def error_of(data: bytes) -> str:
    with pytest.raises(ReportParseError) as caught:
        parse_as_trivy(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [{"PkgName": "a"', "malformed JSON"),
        (b'{"SchemaVersion": 2, "Results": [', "truncated?"),
        (b'{"SchemaVersion": 2, "Results": [{"Target": "x"}] , }', "string key"),
        (b'{"SchemaVersion": 2, "Results": "many"}', "Results must be a list"),
        (
            b'{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [7]}]}',
            "Vulnerabilities[0] must be an object",
        ),
        (b'{"SchemaVersion": "two"}', "SchemaVersion 'two' is not a number"),
        (b'{"site": [], "@version": "2.11"}', "not a Trivy JSON report"),
        (b"<?xml version='1.0'?><nmaprun/>", "not a Trivy JSON report"),
        (b"null null", "unexpected data after the end"),
        (b"\xff\xfe{}", "not UTF-8"),
        (
            b'{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": '
            b'[{"PkgName": "a", "CVSS": {"nvd": {"V3Score": 99}}}]}]}',
            "not a score from 0 to 10",
        ),
        (
            b'{"SchemaVersion": 2, "Results": [{"Target": "x", "Secrets": '
            b'[{"Title": "t", "Severity": "HIGH", "StartLine": -4}]}]}',
            "not a line number",
        ),
        (b'[{"Target": ["x"]}]', "Target must be text"),
    ],
    ids=[
        "truncated-item",
        "truncated-list",
        "trailing-comma",
        "results-not-list",
        "item-not-object",
        "schema-version",
        "zap-json",
        "xml",
        "trailing-data",
        "not-utf8",
        "cvss-range",
        "line",
        "target-type",
    ],
)
def test_bad_reports_say_what_is_wrong(data: bytes, message: str) -> None:
    assert message in error_of(data)


def test_error_names_the_file_and_the_place() -> None:
    with pytest.raises(ReportParseError, match=r"^'scan\.json': Results\[1\]\.Vulnerabilities\[0\]"):
        data = json.dumps(
            {
                "SchemaVersion": 2,
                "Results": [{"Target": "a"}, {"Target": "b", "Vulnerabilities": [{"PkgName": "p", "Severity": []}]}],
            }
        )
        context = ParseContext(format="trivy-json", filename="scan.json")
        list(normalise(IMPORTER, io.BufferedReader(io.BytesIO(data.encode())), context))


def test_every_truncation_of_a_fixture_fails_cleanly(shared_fixtures: Path) -> None:
    """Cut a real report at many points: a ReportParseError every time (never another exception)."""
    data = (shared_fixtures / "trivy" / "misconfigurations_and_secrets.json").read_bytes()
    for cut in range(1, len(data) - 10, 37):
        with pytest.raises(ReportParseError):
            parse_as_trivy(data[:cut])


def test_deep_nesting() -> None:
    deep = b'{"SchemaVersion": 2, "Metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b', "Results": []}'
    assert "nested too deeply" in error_of(deep)


def test_single_value_larger_than_the_limit() -> None:
    """A value that never ends (or is absurdly big) stops at the cap instead of filling memory."""
    data = b'{"SchemaVersion": 2, "Results": [{"Target": "' + b"a" * 3_000_000
    cursor = JsonCursor(io.BytesIO(data), max_value_chars=1_000_000, name="'big.json'")
    with pytest.raises(ReportParseError, match="larger than 1,000,000 characters"):
        list(iter_findings(cursor))


def test_report_over_the_host_size_limit() -> None:
    data = json.dumps({"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [{"PkgName": "p"}] * 5000}]})
    parsed = parse_report(REGISTRY, data.encode(), max_bytes=10_000)
    with pytest.raises(ReportParseError, match="larger than the 10,000-byte limit"):
        list(parsed.findings)


def test_empty_and_whitespace_reports() -> None:
    for data in (b"", b"   \n"):
        with pytest.raises(ReportParseError):
            parse_as_trivy(data)


def test_empty_shapes_are_zero_findings() -> None:
    for data in (b"null", b"[]", b' {"SchemaVersion": 2, "Results": null}', b'{"ClusterName": "c"}'):
        assert parse_as_trivy(data) == 0


# --- property test over mutated fixtures -----------------------------------------------------------------------

_SEEDS = ["misconfigurations_and_secrets.json", "kubernetes.json", "legacy_trivy_mix.json", "all_statuses.json"]


_CACHE: dict[Path, bytes] = {}


def _read(path: Path) -> bytes:
    if path not in _CACHE:
        _CACHE[path] = path.read_bytes()
    return _CACHE[path]


def _mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, where, value in ops:
        if not buf:
            break
        at = where % len(buf)
        if kind == 0:
            buf[at] = value
        elif kind == 1:
            del buf[at : at + 1 + value % 64]
        elif kind == 2:
            buf[at:at] = bytes([value]) * (1 + value % 5)
        else:
            buf[at:at] = b'{"[",:"]}0-e.9nulltrue'[value % 22 : value % 22 + 3]
    return bytes(buf)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(_SEEDS),
    ops=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1 << 20), st.integers(0, 255)), min_size=1, max_size=6),
    auto=st.booleans(),
)
def test_mutated_fixtures_parse_or_fail_cleanly(
    shared_fixtures: Path, seed: str, ops: list[tuple[int, int, int]], auto: bool
) -> None:
    """Any mutation of a real report either parses into valid findings or raises ReportParseError."""
    data = _mutate(_read(shared_fixtures / "trivy" / seed), ops)
    try:
        if auto:  # through detection too: a mutated file may no longer look like Trivy (UnknownFormatError)
            list(parse_report(REGISTRY, data, filename=seed).findings)
        else:
            parse_as_trivy(data, seed)
    except ReportParseError:
        pass
