"""Stream ZAP's traditional JSON report (``zap-baseline.py -J``, ``/OTHER/core/other/jsonreport/``).

Shape: ``{"@version", "@generated", "site": [{"@name", "@host", "@port", "@ssl", "alerts": [alert…]}]}``
where an alert has the XML report's fields and ``instances: [{uri, method, param, attack, evidence, otherinfo}]``
(the "plus" template adds ``requestheader``/``requestbody``/``responseheader``/``responsebody``). ZAP releases
before the report add-on converted their XML to JSON, so a lone site, alert or instance may be an object instead
of a one-element list, and alerts/instances may sit under ``alertitem``/``instance`` keys: all are accepted.

Events from ``ijson`` drive a small state machine: an alert's scalar fields are collected, each instance is
handed to the :class:`AlertBuilder` as soon as it closes, and nothing else is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson  # type: ignore[import-untyped]  # ships no type information

from secureops import ReportParseError
from secureops_zap import jsonstream
from secureops_zap.alerts import AlertBuilder, origin_of_site

__all__ = ["iter_alerts", "scalar"]

_SITES = ("site.item", "site")
_ALERTS = tuple(f"{site}.alerts{tail}" for site in _SITES for tail in (".item", ".alertitem.item", ".alertitem"))
_SCALARS = frozenset({"string", "number", "boolean", "null"})


def scalar(value: Any) -> str:
    """A JSON scalar as the string ZAP would have written (``null`` → empty, ``true`` → ``"true"``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def iter_alerts(stream: BinaryIO) -> Iterator[AlertBuilder]:
    """Yield one :class:`AlertBuilder` per alert of each site, in report order.

    :raises ReportParseError: for malformed or truncated JSON, or JSON that is not a ZAP traditional report.
    """
    try:
        yield from _walk(jsonstream.events(stream, "ZAP JSON report"))
    except ijson.JSONError as err:
        raise ReportParseError(f"malformed ZAP JSON report: {jsonstream.reason(err)}") from None
    except UnicodeDecodeError as err:
        raise ReportParseError(f"ZAP JSON report is not valid UTF-8: {err.reason}") from None


def _walk(events: Iterator[tuple[str, str, Any]]) -> Iterator[AlertBuilder]:
    site: dict[str, str] = {}
    alert: AlertBuilder | None = None
    alert_prefix = ""
    instance: dict[str, str] | None = None
    instance_prefix = ""
    seen_site = False
    first = True
    for prefix, event, value in events:
        if first:
            if event != "start_map":
                raise ReportParseError("not a ZAP JSON report: the document is not a JSON object")
            first = False
            continue
        if instance is not None:
            if event == "end_map" and prefix == instance_prefix:
                alert.add_instance(instance)  # type: ignore[union-attr]
                instance = None
            elif event in _SCALARS and prefix.startswith(instance_prefix):
                key = prefix[len(instance_prefix) + 1 :]
                if "." not in key:
                    instance[key] = scalar(value)
            continue
        if alert is not None:
            if event == "end_map" and prefix == alert_prefix:
                yield alert
                alert = None
            elif event == "start_map" and prefix in _instance_prefixes(alert_prefix):
                instance, instance_prefix = {}, prefix
            elif event in _SCALARS:
                key = prefix[len(alert_prefix) + 1 :]
                if "." not in key:
                    alert.fields[key] = scalar(value)
            continue
        if prefix == "" and event == "map_key" and value == "site":
            seen_site = True
        elif event == "start_map" and prefix in _SITES:
            site = {}
        elif event in _SCALARS and prefix.rpartition(".")[0] in _SITES:
            site[prefix.rpartition(".")[2].lstrip("@")] = scalar(value)
        elif event == "start_map" and prefix in _ALERTS:
            origin = origin_of_site(site.get("name"), site.get("host"), site.get("port"), site.get("ssl"))
            alert, alert_prefix = AlertBuilder(site=origin), prefix
    if first:
        raise ReportParseError("not a ZAP JSON report: the document is empty")
    if not seen_site:
        raise ReportParseError("not a ZAP JSON report: it has no 'site' list")


def _instance_prefixes(alert_prefix: str) -> tuple[str, str, str]:
    base = f"{alert_prefix}.instances"
    return (f"{base}.item", f"{base}.instance.item", f"{base}.instance")
