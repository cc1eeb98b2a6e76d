"""One ZAP alert, accumulated instance by instance, and its mapping to a :class:`secureops.Finding`.

Every report format (traditional XML, XML with requests and responses, traditional JSON, the API's alerts
JSON) is read into :class:`AlertBuilder` objects, so all of them produce the same findings and the same
identities. Following DefectDojo, one alert of one site is one finding and its instances become the finding's
endpoints. Instances are consumed as they are read and only what the finding keeps is retained (distinct
endpoints, a bounded number of request/response pairs and instance lines), so one alert with tens of thousands
of instances does not hold them all in memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from secureops import Endpoint, Finding, ReportParseError, RequestResponse, Severity
from secureops_zap.text import html_to_text, shorten

__all__ = [
    "MAX_INSTANCE_LINES",
    "MAX_MESSAGE_CHARS",
    "MAX_REQ_RESP",
    "AlertBuilder",
    "origin_of_site",
    "origin_of_url",
]

MAX_REQ_RESP = 10
"""Request/response pairs kept per finding (ZAP's "plus" reports carry one per instance)."""
MAX_MESSAGE_CHARS = 256 * 1024
"""Characters kept of one request or one response (headers and body)."""
MAX_INSTANCE_LINES = 20
"""Instances listed in the description (method, URL, parameter, attack, evidence); the rest are counted."""
_INSTANCE_FIELD_CHARS = 200

RISK_SEVERITY = {0: Severity.INFO, 1: Severity.LOW, 2: Severity.MEDIUM, 3: Severity.HIGH}
# ZAP confidence -> DefectDojo's scanner_confidence scale (1 Certain, 4 Firm, 7 Tentative); 0 is "False Positive".
CONFIDENCE_SCALE = {1: 7, 2: 4, 3: 1, 4: 1}
_RISK_WORDS = {"informational": 0, "info": 0, "low": 1, "medium": 2, "high": 3}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MANY = object()  # marker: more than one distinct value seen


def risk_code(value: str | None) -> int | None:
    """ZAP's risk as 0-3 from a riskcode (``"2"``) or a risk word (``"Medium"``, ``"Medium (High)"``)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        code = int(text)
        return code if code in RISK_SEVERITY else None
    return _RISK_WORDS.get(text.split(" ", 1)[0].lower()) if text else None


def origin_of_url(url: str | None) -> str | None:
    """``scheme://host:port`` of ``url`` (port made explicit), or ``None`` when it has no host."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    port = port if port is not None else _DEFAULT_PORTS.get(scheme)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{scheme}://{host.lower()}" + (f":{port}" if port is not None else "")


def origin_of_site(name: str | None, host: str | None, port: str | None, ssl: str | None) -> str | None:
    """The origin of a report's ``<site name host port ssl>``, written like :func:`origin_of_url`'s."""
    origin = origin_of_url(name)
    if origin is not None:
        return origin
    if not host:
        return None
    scheme = "https" if (ssl or "").strip().lower() == "true" else "http"
    return origin_of_url(f"{scheme}://{host}" + (f":{port}" if port and port.strip().isdigit() else ""))


def instance_endpoint(uri: str) -> Endpoint:
    """The endpoint of one instance: query and fragment dropped (as DefectDojo does — ZAP generates them on the
    fly, which would make every request a new location), the scheme's default port made explicit. A URI that
    cannot be split is kept as a path, like :meth:`Endpoint.from_url` does."""
    uri = uri.strip()
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return Endpoint(path=uri)
    if not parts.scheme and not parts.netloc:
        return Endpoint(path=parts.path or None)
    protocol = parts.scheme or None
    if port is None and parts.hostname and protocol in _DEFAULT_PORTS:
        port = _DEFAULT_PORTS[protocol]
    return Endpoint(protocol=protocol, host=parts.hostname or None, port=port, path=parts.path or None)


@dataclass
class AlertBuilder:
    """Accumulates one alert of one site. ``fields`` holds the alert's own values under their XML names."""

    site: str | None
    fields: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    req_resp: list[RequestResponse] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    instances: int = 0
    first_otherinfo: str = ""
    confidence: int | None = None
    tags: list[str] = field(default_factory=list)
    _param: object = None
    _seen: set[str] = field(default_factory=set)
    _attack: object = None

    def add_instance(self, values: dict[str, str]) -> None:
        """Take in one instance (``uri``, ``method``, ``param``, ``attack``, ``evidence``, ``otherinfo`` and, in
        the "plus" formats, ``requestheader``/``requestbody``/``responseheader``/``responsebody``)."""
        self.instances += 1
        uri = values.get("uri") or ""
        if uri.strip():
            # Instances often repeat a page (one per parameter or evidence): key on the URI without its query
            # and fragment first, so only new pages pay for building an Endpoint.
            key = uri.strip().partition("#")[0].partition("?")[0]
            if key not in self._seen:
                self._seen.add(key)
                endpoint = instance_endpoint(uri)
                self.endpoints.setdefault(str(endpoint), endpoint)
            if self.site is None:
                self.site = origin_of_url(uri)
        self._param = _one_value(self._param, values.get("param"))
        self._attack = _one_value(self._attack, values.get("attack"))
        if not self.first_otherinfo and values.get("otherinfo"):
            self.first_otherinfo = values["otherinfo"]
        if values.get("requestheader") is not None and len(self.req_resp) < MAX_REQ_RESP:
            request = (values.get("requestheader") or "") + (values.get("requestbody") or "")
            response = (values.get("responseheader") or "") + (values.get("responsebody") or "")
            self.req_resp.append(
                RequestResponse(req=shorten(request, MAX_MESSAGE_CHARS), resp=shorten(response, MAX_MESSAGE_CHARS))
            )
        if len(self.lines) < MAX_INSTANCE_LINES:
            self.lines.append(_instance_line(values))

    def finding(self, scan_date: dt.date | None = None) -> Finding:
        """The finding for this alert.

        :raises ReportParseError: when the alert lacks what every ZAP version writes (plugin id, name, risk).
        """
        fields = self.fields
        plugin_id = (fields.get("pluginid") or "").strip()
        title = " ".join((fields.get("alert") or fields.get("name") or "").split())
        if not plugin_id:
            raise ReportParseError(f"ZAP alert {title or '(unnamed)'!r} has no plugin id")
        if not title:
            raise ReportParseError(f"ZAP alert of plugin {plugin_id} has no name")
        code = risk_code(fields.get("riskcode"))
        if code is None:
            code = risk_code(fields.get("riskdesc"))
        if code is None:
            raise ReportParseError(f"ZAP alert {title!r} has no valid risk (riskcode {fields.get('riskcode')!r})")
        confidence = self.confidence if self.confidence is not None else _int(fields.get("confidence"))
        cwe = _int(fields.get("cweid"))
        cwe = cwe if cwe is not None and cwe > 0 else None
        # ZAP 2.10+ names each alert variant with an alertRef that never changes, whatever risk a release gives
        # it. Older reports only have the plugin id, shared by a rule's variants, which their risk tells apart.
        alert_ref = (fields.get("alertRef") or "").strip() or plugin_id
        count = _int(fields.get("count"))
        false_positive = confidence == 0
        return Finding(
            title=title[:1000],
            severity=RISK_SEVERITY[code],
            description=self._description(),
            mitigation=html_to_text(fields.get("solution")) or None,
            references=html_to_text(fields.get("reference")) or None,
            cwe=cwe,
            cwes=[cwe] if cwe is not None else [],
            endpoints=list(self.endpoints.values()),
            param=self._param if isinstance(self._param, str) else None,
            payload=self._attack if isinstance(self._attack, str) else None,
            req_resp=self.req_resp,
            vuln_id_from_tool=plugin_id,
            unique_id_from_tool=f"{alert_ref}@{self.site or 'unknown-site'}",
            scanner_confidence=CONFIDENCE_SCALE.get(confidence) if confidence is not None else None,
            dynamic_finding=True,
            static_finding=False,
            nb_occurences=count if count is not None and count >= self.instances else self.instances,
            date=scan_date,
            tags=self.tags,
            false_p=false_positive,
            active=not false_positive,
        )

    def _description(self) -> str:
        parts = [html_to_text(self.fields.get("desc"))]
        other = html_to_text(self.fields.get("otherinfo") or self.first_otherinfo)
        if other:
            parts.append(f"Other information:\n{other}")
        if self.lines:
            listed = "\n".join(f"- {line}" for line in self.lines)
            more = self.instances - len(self.lines)
            suffix = f"\n- … and {more:,} more" if more > 0 else ""
            parts.append(f"Instances ({self.instances:,}):\n{listed}{suffix}")
        return "\n\n".join(part for part in parts if part)


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 10 else None


def _one_value(seen: object, value: str | None) -> object:
    """Track whether all instances share one non-empty value (then the finding carries it)."""
    if not value or seen is _MANY:
        return seen
    if seen is None:
        return value
    return seen if seen == value else _MANY


def _instance_line(values: dict[str, str]) -> str:
    text = f"{values.get('method') or ''} {values.get('uri') or ''}".strip()
    for name in ("param", "attack", "evidence"):
        value = " ".join((values.get(name) or "").split())
        if value:
            cut = value if len(value) <= _INSTANCE_FIELD_CHARS else value[:_INSTANCE_FIELD_CHARS] + "…"
            text += f" | {name}: {cut}"
    return text
