"""Read the ZAP API's alerts list (``/JSON/core/view/alerts/``): ``{"alerts": [alert…]}`` or a bare list.

The API returns one object per *instance* (an alert on one URL/parameter) with ``pluginId``, ``alertRef``,
``name``, ``risk`` ("High" …), ``confidence`` ("Medium" …), ``url``, ``method``, ``param``, ``attack``,
``evidence``, ``other``, ``description``, ``solution``, ``reference``, ``cweid``, ``wascid``, ``tags`` … They are
grouped the way ZAP's traditional report groups them — per site, alert reference and risk — so that an API scan
and a baseline report of the same site produce the same findings. Groups keep only what the finding keeps;
the list itself is streamed with ``ijson``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson  # type: ignore[import-untyped]  # ships no type information

from secureops import ReportParseError
from secureops_zap import jsonstream
from secureops_zap.alerts import AlertBuilder, origin_of_url, risk_code
from secureops_zap.json_report import scalar

__all__ = ["iter_alerts"]

_CONFIDENCE_WORDS = {"false positive": 0, "falsepositive": 0, "low": 1, "medium": 2, "high": 3, "confirmed": 4}
# API key -> the traditional report's field name
_ALERT_FIELDS = {
    "pluginId": "pluginid",
    "alertRef": "alertRef",
    "alert": "alert",
    "name": "name",
    "description": "desc",
    "solution": "solution",
    "reference": "reference",
    "cweid": "cweid",
    "wascid": "wascid",
}


def iter_alerts(stream: BinaryIO) -> Iterator[AlertBuilder]:
    """Yield one :class:`AlertBuilder` per (site, alert reference, risk), in order of first appearance.

    :raises ReportParseError: for malformed JSON, or JSON that is not a ZAP alerts list.
    """
    groups: dict[tuple[str, str, int], AlertBuilder] = {}
    try:
        for index, item in enumerate(_items(jsonstream.events(stream, "ZAP alerts JSON"))):
            _add(groups, index, item)
    except ijson.JSONError as err:
        raise ReportParseError(f"malformed ZAP alerts JSON: {jsonstream.reason(err)}") from None
    except UnicodeDecodeError as err:
        raise ReportParseError(f"ZAP alerts JSON is not valid UTF-8: {err.reason}") from None
    yield from groups.values()


def _items(events: Iterator[tuple[str, str, Any]]) -> Iterator[Any]:
    """The elements of the top-level list, or of the ``alerts`` list of the top-level object."""
    items_prefix: str | None = None
    builder: ijson.ObjectBuilder | None = None
    seen_alerts = False
    for prefix, event, value in events:
        if items_prefix is None:
            if prefix != "" or event not in ("start_map", "start_array"):
                raise ReportParseError("not a ZAP alerts JSON: the document is neither an object nor a list")
            items_prefix = "item" if event == "start_array" else "alerts.item"
            seen_alerts = event == "start_array"
            continue
        if prefix == "" and event == "map_key" and value == "alerts":
            seen_alerts = True
        if builder is not None:
            builder.event(event, value)
            if prefix == items_prefix and event in ("end_map", "end_array"):
                yield builder.value
                builder = None
        elif prefix == items_prefix:
            if event in ("start_map", "start_array"):
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
            else:
                yield value
    if items_prefix is None:
        raise ReportParseError("not a ZAP alerts JSON: the document is empty")
    if not seen_alerts:
        raise ReportParseError("not a ZAP alerts JSON: it has no 'alerts' list")


def _add(groups: dict[tuple[str, str, int], AlertBuilder], index: int, item: Any) -> None:
    if not isinstance(item, dict) or "pluginId" not in item:
        raise ReportParseError(f"not a ZAP alerts JSON: alert #{index} is not an object with a 'pluginId'")
    url = scalar(item.get("url"))
    risk = risk_code(scalar(item.get("risk")))
    if risk is None:
        raise ReportParseError(f"ZAP alert #{index} has no valid risk ({item.get('risk')!r})")
    site = origin_of_url(url) or "unknown-site"
    reference = scalar(item.get("alertRef")) or scalar(item.get("pluginId"))
    key = (site, reference, risk)
    group = groups.get(key)
    if group is None:
        group = groups[key] = AlertBuilder(site=site)
        group.fields = {name: scalar(item.get(api)) for api, name in _ALERT_FIELDS.items() if item.get(api) is not None}
        group.fields["riskcode"] = str(risk)
        tags = item.get("tags")
        group.tags = sorted(str(tag) for tag in tags) if isinstance(tags, dict) else []
    confidence = _CONFIDENCE_WORDS.get(scalar(item.get("confidence")).strip().lower())
    if confidence is not None and (group.confidence is None or confidence > group.confidence):
        group.confidence = confidence  # the group is as certain as its most certain instance
    group.add_instance(
        {
            "uri": url,
            "method": scalar(item.get("method")),
            "param": scalar(item.get("param")),
            "attack": scalar(item.get("attack")),
            "evidence": scalar(item.get("evidence")),
            "otherinfo": scalar(item.get("other")),
        }
    )
