"""Turn a normalised :class:`~secureops.Finding` into the columns the store keeps, and its content hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from secureops.core.findings import Finding

__all__ = ["CONTENT_COLUMNS", "FindingRecord", "content_hash_of", "record_of"]

CONTENT_COLUMNS = (
    "title",
    "severity",
    "description",
    "cwe",
    "cvssv3_score",
    "vulnerability_ids",
    "component_name",
    "component_version",
    "file_path",
    "line",
    "vuln_id_from_tool",
    "unique_id_from_tool",
    "date",
    "nb_occurences",
    "details",
)
"""Finding columns that a reimport may update in place (everything the report says, none of the triage state)."""

# Reported status is a starting point; afterwards the store's triage state rules, so it is not content.
_STATUS = {"fingerprint", "active", "verified", "is_mitigated", "false_p", "out_of_scope", "risk_accepted"}
# Changes every run without the issue changing: the scan date and the captured HTTP traffic.
_VOLATILE = {"date", "req_resp"}
_COLUMNS = {name for name in CONTENT_COLUMNS if name != "details"}


@dataclass(slots=True)
class FindingRecord:
    """One finding ready to store: its identity, content hash, column values and endpoints."""

    fingerprint: str
    content_hash: str
    severity: str
    active: bool
    verified: bool
    values: dict[str, Any]
    """Column name -> value for :data:`CONTENT_COLUMNS`; ``vulnerability_ids`` and ``details`` as JSON text."""
    endpoints: list[dict[str, Any]]


_HASH_EXCLUDE = _STATUS | _VOLATILE
_DETAILS_EXCLUDE = _STATUS | _COLUMNS | {"endpoints"}
_ENDPOINT_PARTS = ("protocol", "host", "port", "path", "query", "fragment")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    return False


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _without_nul(values: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL text and JSONB cannot hold NUL characters: store U+FFFD instead (a hostile report must not
    be able to make a whole import fail)."""
    cleaned: dict[str, Any] = _clean(values)
    for key in ("details", "vulnerability_ids"):
        if key in cleaned:
            cleaned[key] = json.dumps(_clean(json.loads(values[key])))
    return cleaned


def content_hash_of(finding: Finding) -> str:
    """The SHA-256 of everything ``finding`` reports except status flags and volatile data (see :func:`record_of`)."""
    return hashlib.sha256(finding.__pydantic_serializer__.to_json(finding, exclude=_HASH_EXCLUDE)).hexdigest()


def record_of(finding: Finding, content_hash: str | None = None) -> FindingRecord:
    """The record for ``finding`` (which must carry the ``fingerprint`` the parse pipeline set).

    The content hash covers every reported field except the status flags and volatile data (scan date, HTTP
    traffic): an identical finding in the next scan hashes the same, a changed severity or text does not.
    Serialisation is pydantic's (compiled), in field order, so the hash is stable and cheap.
    """
    if not finding.fingerprint:
        raise ValueError("finding has no fingerprint; parse it with secureops.importer.parse.parse_report")
    content_hash = content_hash or content_hash_of(finding)
    # Whatever has no column of its own, without default (empty) values, so the row stays small.
    details = finding.__pydantic_serializer__.to_json(finding, exclude=_DETAILS_EXCLUDE, exclude_defaults=True)
    values: dict[str, Any] = {name: getattr(finding, name) for name in _COLUMNS}
    values["severity"] = finding.severity.value
    values["vulnerability_ids"] = json.dumps(finding.vulnerability_ids)
    values["nb_occurences"] = finding.nb_occurences or 1
    values["details"] = details.decode()
    endpoints = [{part: getattr(endpoint, part) for part in _ENDPOINT_PARTS} for endpoint in finding.endpoints]
    if "\\u0000" in values["details"] + values["vulnerability_ids"] or any(
        _has_nul(v) for v in (*values.values(), *endpoints)
    ):
        values, endpoints = _without_nul(values), [_without_nul(e) for e in endpoints]
    return FindingRecord(
        fingerprint=finding.fingerprint,
        content_hash=content_hash,
        severity=finding.severity.value,
        active=finding.active and not finding.is_mitigated,
        verified=finding.verified,
        values=values,
        endpoints=[e for e in endpoints if any(v is not None for v in e.values())],
    )
