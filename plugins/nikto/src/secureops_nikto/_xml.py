"""Nikto's XML reports, every layout: ``<niktoscan><scandetails>`` (old), ``<niktoscan><niktoscan>…`` (2.1.6) and
``<niktoscans><niktoscan>…`` (2.5+). Items are read one at a time with defusedxml's ``iterparse``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse

from secureops import Finding, ReportParseError
from secureops_nikto._findings import Drafts, Place, first_sentence, osvdb_severity, report_date

__all__ = ["ROOTS", "read_xml"]

log = logging.getLogger(__name__)

ROOTS = frozenset({"niktoscan", "niktoscans"})
_CONTAINERS = frozenset({"niktoscan", "niktoscans", "scandetails"})


def read_xml(stream: BinaryIO, scan_date: dt.date | None) -> Iterator[Finding]:
    """Yield the findings of a Nikto XML report (after reading it all: identical items are merged).

    :raises ReportParseError: when the root element is not Nikto's; XML errors propagate to the caller.
    """
    drafts = Drafts()
    stack: list[Element] = []
    details: dict[str, str] = {}
    for event, elem in iterparse(stream, events=("start", "end"), forbid_dtd=False):
        if event == "start":
            if not stack and elem.tag not in ROOTS:
                raise ReportParseError(f"not a Nikto XML report: the root element is <{elem.tag}>, not <niktoscan>")
            if elem.tag == "scandetails":
                details = dict(elem.attrib)
            stack.append(elem)
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        if parent is None or parent.tag not in _CONTAINERS:
            continue  # inside an item: its parts are read when the item ends
        if elem.tag == "item" and parent.tag == "scandetails":
            _item(elem, details, drafts, report_date(details.get("starttime")) or scan_date)
        parent.remove(elem)  # done with it: memory stays flat however many items there are
    if stack:
        raise ReportParseError("Nikto XML report is truncated")
    yield from drafts.findings()


def _item(item: Element, details: dict[str, str], drafts: Drafts, date: dt.date | None) -> None:
    text = (item.findtext("description") or "").strip()
    method = (item.get("method") or "").strip()
    iplink = (item.findtext("iplink") or "").strip()
    uri = (item.findtext("uri") or "").strip()
    osvdb = item.get("osvdbid")
    severity = osvdb_severity(osvdb)
    medium = severity.rank > 0
    references = [ref for ref in ((item.get("osvdblink") if medium else None), item.findtext("references")) if ref]
    where = iplink or details.get("siteip") or ""
    fields: dict[str, Any] = {
        "title": first_sentence(text) or f"Nikto check {item.get('id', '?')}",
        "severity": severity,
        "vuln_id_from_tool": item.get("id") or None,
        "unique_id_from_tool": f"OSVDB-{osvdb}" if medium else None,
        "references": "\n".join(r.strip() for r in references) or None,
        "payload": f"{method} {where or uri}".strip() or None,
        "date": date,
    }
    section = "\n".join(
        [f"**Host:** `{where}`", f"**Description:** `{text}`", f"**HTTP Method:** `{method}`", f"**URI:** `{uri}`"]
    )
    # A URI Nikto could not make sense of ("/[script]…", "http://:/x") still yields an endpoint (path only).
    place: Place | None = ("url", iplink) if iplink else (("path", uri) if uri else None)
    drafts.add(fields, place, section)
