"""Walk a Trivy JSON report of any shape, streaming, and yield one finding per reported issue.

Shapes (all read by :func:`iter_findings`):

- the literal ``null`` — an old Trivy's "nothing found";
- a list of Results — the legacy (pre-SchemaVersion) report;
- ``{"SchemaVersion": 2, …, "Results": [...]}`` — ``trivy image|fs|repo|config|sbom --format json``;
- ``{"ClusterName": …, "Vulnerabilities"|"Misconfigurations"|"Resources": [{Namespace, Kind, Name,
  Results}]}`` — ``trivy k8s --format json``.

Trivy writes the context keys of an object (``Target``, ``Class``, ``Type``; ``Namespace``, ``Kind``, ``Name``)
before its finding lists, so findings stream straight through. A hand-edited report with another key order
still parses correctly: that one object's lists are held until the object ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from secureops import Finding, ReportParseError
from secureops_trivy.convert import (
    ResultContext,
    license_finding,
    misconfiguration_finding,
    secret_finding,
    text,
    vulnerability_finding,
)
from secureops_trivy.jsonstream import JsonCursor

__all__ = ["iter_findings"]

Converter = Callable[[dict[str, Any], ResultContext], Finding | None]

_LISTS: dict[str, Converter] = {
    "Vulnerabilities": vulnerability_finding,
    "Misconfigurations": misconfiguration_finding,
    "Secrets": secret_finding,
    "Licenses": license_finding,
}
_CLUSTER_LISTS = ("Vulnerabilities", "Misconfigurations", "Resources")


def iter_findings(cursor: JsonCursor) -> Iterator[Finding]:
    """Yield the findings of the report under ``cursor``.

    :raises ReportParseError: for JSON that is malformed, truncated, or not a Trivy report.
    """
    try:
        yield from _walk(cursor)
    except ReportParseError as err:
        if str(err).startswith(cursor.name):
            raise
        raise ReportParseError(f"{cursor.name}: {err}") from None


def _walk(cursor: JsonCursor) -> Iterator[Finding]:
    first = cursor.peek()
    if first == "[":
        yield from _results(cursor, "", None)
    elif first == "{":
        yield from _document(cursor)
    elif first == "n":
        if cursor.value() is not None:
            raise cursor.error("not a Trivy report")
    else:
        shown = repr(first) if first else "nothing"
        raise cursor.error(f"not a Trivy JSON report: it starts with {shown}")
    if not cursor.at_end():
        raise cursor.error("unexpected data after the end of the report")


def _document(cursor: JsonCursor) -> Iterator[Finding]:
    seen_trivy_key = False
    cluster = False
    for key in cursor.iter_object():
        if key == "SchemaVersion":
            version = cursor.value()
            if not isinstance(version, int) or isinstance(version, bool):
                raise cursor.error(f"SchemaVersion {version!r} is not a number")
            seen_trivy_key = True
        elif key == "ClusterName":
            cursor.value()
            cluster = seen_trivy_key = True
        elif key == "Results" and not cluster:
            seen_trivy_key = True
            yield from _results(cursor, "Results", None)
        elif key in _CLUSTER_LISTS:
            seen_trivy_key = True
            yield from _resources(cursor, key)
        else:
            cursor.skip()
    if not seen_trivy_key:
        raise ReportParseError(
            f"{cursor.name} is not a Trivy JSON report: it has no SchemaVersion, Results or ClusterName"
        )


def _expect_list(cursor: JsonCursor, where: str) -> bool:
    """True when an array follows; False for ``null`` (consumed); an error for anything else."""
    char = cursor.peek()
    if char == "[":
        return True
    if char == "n" and cursor.value() is None:
        return False
    raise cursor.error(f"{where} must be a list")


def _resources(cursor: JsonCursor, section: str) -> Iterator[Finding]:
    """``trivy k8s``: a list of ``{Namespace, Kind, Name, Results}`` objects."""
    if not _expect_list(cursor, section):
        return
    for index in cursor.iter_array():
        where = f"{section}[{index}]"
        if cursor.peek() != "{":
            raise cursor.error(f"{where} must be an object")
        names: dict[str, str | None] = {}
        held: list[Any] | None = None
        for key in cursor.iter_object():
            if key in ("Namespace", "Kind", "Name"):
                names[key] = _scalar_text(cursor, f"{where}.{key}")
            elif key == "Results":
                if "Name" in names:  # the usual order: the resource is known, so stream
                    yield from _results(cursor, f"{where}.Results", _service(names))
                else:
                    held = cursor.value()
            else:
                cursor.skip()
        if held is not None:
            yield from _held_results(held, f"{where}.Results", _service(names))


def _service(names: dict[str, str | None]) -> str | None:
    """``namespace / Kind / name`` (DefectDojo's service name for cluster resources)."""
    parts = [names.get(key) for key in ("Namespace", "Kind", "Name")]
    return " / ".join(part for part in parts if part) or None


def _scalar_text(cursor: JsonCursor, where: str) -> str | None:
    value = cursor.value()
    try:
        return text({"v": value}, "v")
    except ReportParseError:
        raise cursor.error(f"{where} must be text") from None


def _results(cursor: JsonCursor, where: str, service: str | None) -> Iterator[Finding]:
    """A list of Result objects, each ``{Target, Class, Type, Vulnerabilities, Misconfigurations, …}``."""
    if not _expect_list(cursor, where or "the report"):
        return
    for index in cursor.iter_array():
        here = f"{where}[{index}]"
        if cursor.peek() != "{":
            raise cursor.error(f"{here} must be an object")
        ctx = ResultContext(service=service)
        has_target = False
        held: list[tuple[str, Any]] = []
        for key in cursor.iter_object():
            if key in _LISTS:
                if has_target:
                    yield from _stream_list(cursor, f"{here}.{key}", _LISTS[key], ctx)
                else:  # unusual key order: keep the list until Target is known
                    held.append((key, cursor.value()))
            elif key == "Target":
                ctx.target = _scalar_text(cursor, f"{here}.Target")
                has_target = True
            elif key == "Class":
                ctx.klass = _scalar_text(cursor, f"{here}.Class")
            elif key == "Type":
                ctx.type = _scalar_text(cursor, f"{here}.Type")
            else:
                cursor.skip()
        if not has_target:  # DefectDojo's rule: a Result without a Target is not one
            continue
        for key, items in held:
            yield from _convert_list(items, f"{here}.{key}", _LISTS[key], ctx)


def _held_results(results: Any, where: str, service: str | None) -> Iterator[Finding]:
    """Results that were decoded whole (see the module docstring): the same rules as :func:`_results`."""
    if results is None:
        return
    if not isinstance(results, list):
        raise ReportParseError(f"{where} must be a list")
    for index, result in enumerate(results):
        here = f"{where}[{index}]"
        if not isinstance(result, dict):
            raise ReportParseError(f"{here} must be an object")
        if "Target" not in result:
            continue
        try:
            ctx = ResultContext(
                target=text(result, "Target"), klass=text(result, "Class"), type=text(result, "Type"), service=service
            )
        except ReportParseError as err:
            raise ReportParseError(f"{here}: {err}") from None
        for key, converter in _LISTS.items():
            yield from _convert_list(result.get(key), f"{here}.{key}", converter, ctx)


def _stream_list(cursor: JsonCursor, where: str, converter: Converter, ctx: ResultContext) -> Iterator[Finding]:
    if not _expect_list(cursor, where):
        return
    for index, item in enumerate(cursor.iter_values()):
        finding = _convert(item, where, index, converter, ctx)
        if finding is not None:
            yield finding


def _convert_list(items: Any, where: str, converter: Converter, ctx: ResultContext) -> Iterator[Finding]:
    if items is None:
        return
    if not isinstance(items, list):
        raise ReportParseError(f"{where} must be a list")
    for index, item in enumerate(items):
        finding = _convert(item, where, index, converter, ctx)
        if finding is not None:
            yield finding


def _convert(item: Any, where: str, index: int, converter: Converter, ctx: ResultContext) -> Finding | None:
    # The location string is only built on the error paths: this runs once per finding.
    if type(item) is not dict:
        raise ReportParseError(f"{where}[{index}] must be an object, not {type(item).__name__}")
    try:
        return converter(item, ctx)
    except ReportParseError as err:
        raise ReportParseError(f"{where}[{index}]: {err}") from None
    except ValueError as err:  # pydantic's ValidationError among them: a value the schema refuses
        first = str(err).splitlines()
        raise ReportParseError(f"{where}[{index}]: invalid value ({' '.join(first[:3])})") from None
