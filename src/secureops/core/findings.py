"""The normalised finding every importer yields, in DefectDojo's vocabulary.

DefectDojo's field names are kept on purpose (``false_p``, ``nb_occurences`` included) so that reports, API
consumers and people moving from DefectDojo recognise every field. The host fills in ``fingerprint``; plugins
never do.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["Endpoint", "Finding", "RequestResponse", "Severity"]


class Severity(enum.StrEnum):
    """Finding severity, from most to least severe. ``Info`` covers "informational" and "none"."""

    CRITICAL = "Critical"
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"
    INFO = "Info"

    @property
    def rank(self) -> int:
        """4 for Critical down to 0 for Info, for sorting and thresholds."""
        return _RANK[self]

    @classmethod
    def parse(cls, value: object) -> Severity:
        """Map a scanner's severity word (any case, common synonyms) to a :class:`Severity`.

        :raises ValueError: for a word that is not a severity, so a parser bug is not silently "Info".
        """
        if isinstance(value, Severity):
            return value
        word = str(value).strip().lower()
        try:
            return _SYNONYMS[word]
        except KeyError:
            raise ValueError(f"unknown severity {value!r}") from None


_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}
_SYNONYMS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
    "informational": Severity.INFO,
    "information": Severity.INFO,
    "none": Severity.INFO,
}


class Endpoint(BaseModel):
    """Where a finding was observed on the network: ``protocol://host:port/path?query#fragment``.

    Every part is optional because scanners report different subsets (Nmap: host and port; ZAP: full URLs).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol: str | None = None
    host: str | None = None
    port: int | None = Field(default=None, ge=0, le=65535)
    path: str | None = None
    query: str | None = None
    fragment: str | None = None

    @classmethod
    def from_url(cls, url: str) -> Endpoint:
        """Split ``url`` into an endpoint; a URL that cannot be split becomes a path-only endpoint.

        Scanners report strings like ``/[script]`` or ``http://host:99999`` — they are kept, never dropped.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return cls(path=url)
        if not parts.scheme and not parts.netloc:
            return cls(path=url or None)
        return cls(
            protocol=parts.scheme or None,
            host=parts.hostname or None,
            port=port,
            path=parts.path or None,
            query=parts.query or None,
            fragment=parts.fragment or None,
        )

    def __str__(self) -> str:
        text = f"{self.protocol}://" if self.protocol else ""
        text += self.host or ""
        text += f":{self.port}" if self.port is not None else ""
        if self.path:
            text += self.path if self.path.startswith("/") or not text else "/" + self.path
        text += f"?{self.query}" if self.query else ""
        text += f"#{self.fragment}" if self.fragment else ""
        return text


class RequestResponse(BaseModel):
    """One HTTP request/response pair that demonstrates a finding (DAST scanners)."""

    model_config = ConfigDict(extra="forbid")

    req: str
    resp: str


class Finding(BaseModel):
    """One normalised finding, as an importer yields it and as the store keeps it.

    Only ``title`` and ``severity`` are required. Importers set what their report carries and leave the rest at
    the defaults. Unknown fields are rejected (a typo is a bug, not extra data): put tool-specific data the
    schema has no field for into ``description`` or ``tags``.

    Identity: each importer declares ``identity_fields`` (see :class:`secureops.Importer`); the host hashes
    those fields into ``fingerprint``, which import, reimport and deduplication use to recognise the same
    finding across scans. Plugins leave ``fingerprint`` unset.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=False)

    # What it is
    title: str = Field(min_length=1, max_length=1000)
    severity: Severity
    description: str = ""
    mitigation: str | None = None
    impact: str | None = None
    references: str | None = None
    severity_justification: str | None = None
    steps_to_reproduce: str | None = None

    # Classification
    cwe: int | None = Field(default=None, ge=0)
    cwes: list[int] = Field(default_factory=list)
    vulnerability_ids: list[str] = Field(default_factory=list)
    cvssv3: str | None = None
    cvssv3_score: float | None = Field(default=None, ge=0.0, le=10.0)

    # Where it is
    component_name: str | None = None
    component_version: str | None = None
    file_path: str | None = None
    line: int | None = Field(default=None, ge=0)
    endpoints: list[Endpoint] = Field(default_factory=list)
    service: str | None = None
    param: str | None = None
    payload: str | None = None
    req_resp: list[RequestResponse] = Field(default_factory=list)

    # What the tool said about it
    unique_id_from_tool: str | None = None
    vuln_id_from_tool: str | None = None
    scanner_confidence: int | None = None
    static_finding: bool = False
    dynamic_finding: bool = False
    date: dt.date | None = None
    tags: list[str] = Field(default_factory=list)
    nb_occurences: int | None = Field(default=None, ge=0)
    fix_available: bool | None = None
    fix_version: str | None = None

    # Status as reported (a store's triage state may later differ)
    active: bool = True
    verified: bool = False
    is_mitigated: bool = False
    false_p: bool = False
    out_of_scope: bool = False
    risk_accepted: bool = False

    # Set by the host
    fingerprint: str | None = Field(default=None, description="Stable identity hash, set by the host.")

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_words(cls, value: object) -> Severity:
        return Severity.parse(value)

    def to_json_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data — the documented shape of ``secureops parse --json``."""
        return self.model_dump(mode="json")
