"""Nikto's JSON reports: one host object (``-Format json`` up to 2.1.6) or a list of them (2.5+), streamed with
ijson so a report is never loaded whole."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import ijson  # type: ignore[import-untyped,unused-ignore]
from ijson.common import ObjectBuilder  # type: ignore[import-untyped,unused-ignore]

from secureops import Finding, ReportParseError
from secureops_nikto._findings import Drafts, Place, osvdb_severity, report_date

__all__ = ["read_json"]

log = logging.getLogger(__name__)

_HOST_KEYS = frozenset({"host", "ip", "port", "start_time"})
_PORT = re.compile(r"[0-9]{1,5}")
_BOM = b"\xef\xbb\xbf"
_SCALARS = frozenset({"string", "number", "boolean", "null"})
_KIND = {"start_array": "list", "start_map": "object"}
_MAX_DEPTH = 32  # Nikto's own reports are at most 4 levels deep


class _Host:
    """One host object's scalars, and its vulnerabilities seen before the host's name (kept until it is known)."""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}
        self.pending: list[dict[str, Any]] = []
        self.has_list = False


def read_json(stream: BinaryIO, scan_date: dt.date | None) -> Iterator[Finding]:
    """Yield the findings of a Nikto JSON report; entries with the same severity and message are merged.

    Uses ijson's prefix-free event stream and counts depth itself: ijson's prefixed events build a prefix string
    per nesting level, which a deeply nested hostile document turns into quadratic memory.

    :raises ReportParseError: for JSON that is not shaped like Nikto's; ijson errors propagate to the caller.
    """
    peek = getattr(stream, "peek", None)
    if callable(peek) and peek(3)[:3] == _BOM:
        stream.read(3)  # ijson does not skip a UTF-8 byte-order mark
    events = ijson.basic_parse(stream, use_float=True)
    first = next(events, None)
    if first is None:
        raise ReportParseError("Nikto JSON report is empty")
    event, _ = first
    if event not in ("start_map", "start_array"):
        raise ReportParseError(f"not a Nikto JSON report: the top level is a {event}, not an object or a list")
    listed = event == "start_array"
    level = 2 if listed else 1  # how many containers are open while reading a host entry's keys
    depth = 1
    drafts = Drafts()
    host = _Host()
    key: str | None = None
    in_list = False
    builder: ObjectBuilder | None = None
    for event, value in events:
        if event in ("start_map", "start_array"):
            depth += 1
            if depth > _MAX_DEPTH:
                raise ReportParseError(f"Nikto JSON report is nested deeper than {_MAX_DEPTH} levels")
        elif event in ("end_map", "end_array"):
            depth -= 1
        if builder is not None:  # inside one vulnerability object
            builder.event(event, value)
            if depth == level + 1:
                _vulnerability(builder.value, host, drafts, scan_date)
                builder = None
        elif in_list and depth == level + 2 and event == "start_map":
            builder = ObjectBuilder()
            builder.event(event, value)
        elif in_list and (depth == level + 2 or (depth == level + 1 and event in _SCALARS)):
            raise ReportParseError("not a Nikto JSON report: a vulnerability is not an object")
        elif in_list and depth == level and event == "end_array":
            in_list = False
        elif depth == level and event == "map_key":
            key = value
        elif depth == level + 1 and event == "start_array" and key == "vulnerabilities":
            in_list = host.has_list = True
        elif depth == level and event in _SCALARS and key in _HOST_KEYS:
            host.info[key] = value
        elif listed and depth == level and event == "start_map":
            host = _Host()
        elif depth == level - 1 and event == "end_map":
            _flush(host, drafts, scan_date)
        elif listed and ((depth == 1 and event != "end_array") or (depth == level and event == "start_array")):
            raise ReportParseError(f"not a Nikto JSON report: a host entry is a {_KIND.get(event, event)}")
    yield from drafts.findings()


def _flush(host: _Host, drafts: Drafts, scan_date: dt.date | None) -> None:
    if not host.has_list and not ("host" in host.info or "ip" in host.info):
        raise ReportParseError("not a Nikto JSON report: an entry has neither 'host' nor 'vulnerabilities'")
    pending, host.pending = host.pending, []
    for item in pending:
        _add(item, host.info, drafts, scan_date)


def _vulnerability(item: Any, host: _Host, drafts: Drafts, scan_date: dt.date | None) -> None:
    if not isinstance(item, dict):
        raise ReportParseError("not a Nikto JSON report: a vulnerability is not an object")
    if "host" in host.info or "ip" in host.info:
        _add(item, host.info, drafts, scan_date)
    else:  # the host's name comes later in this object
        host.pending.append(item)


def _add(item: dict[str, Any], info: dict[str, Any], drafts: Drafts, scan_date: dt.date | None) -> None:
    msg = _text(item.get("msg"))
    osvdb = item.get("OSVDB")
    severity = osvdb_severity(osvdb)
    medium = severity.rank > 0
    check = _text(item.get("id")) or None
    method = _text(item.get("method"))
    url = _text(item.get("url"))
    lines = [f"**id:** `{check}`", f"**msg:** `{msg}`", f"**HTTP Method:** `{method}`", f"**URL:** `{url}`"]
    if osvdb is not None:
        lines.append(f"**OSVDB:** `{_text(osvdb)}`")
    fields: dict[str, Any] = {
        "title": msg or f"Nikto check {check or '?'}",
        "severity": severity,
        "vuln_id_from_tool": check,
        "unique_id_from_tool": f"OSVDB-{_text(osvdb)}" if medium else None,
        "references": _text(item.get("references")) or None,
        "date": report_date(info.get("start_time")) or scan_date,
    }
    drafts.add(fields, _place(info, url), "\n".join(lines))


def _place(info: dict[str, Any], url: str) -> Place:
    host = _text(info.get("host")) or _text(info.get("ip")) or None
    port_text = _text(info.get("port"))
    port = int(port_text) if _PORT.fullmatch(port_text) and int(port_text) <= 65535 else None
    try:
        parts = urlsplit(url)
        path, query = parts.path, parts.query
    except ValueError:  # a URL Nikto could not make sense of is kept as the path
        path, query = url, ""
    return ("parts", host, port, path or None, query or None)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)
