"""What flows between scanners, importers, triagers and notifiers: raw reports, contexts, decisions, events."""

from __future__ import annotations

import datetime as dt
import enum
import io
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, model_validator

from secureops.core.findings import Finding, Severity
from secureops.core.targets import Target

__all__ = ["Decision", "DecisionAction", "Event", "ParseContext", "RawReport", "TriageContext"]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RawReport(BaseModel):
    """A scanner's raw output, in bytes or as a file, labelled with its report-format id.

    Large reports stay on disk (``path``) so that importers can stream them; small ones may travel in
    ``data``. Exactly one of the two is set.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str = Field(description="Report-format id, e.g. 'nmap-xml'; links the report to its importer.")
    data: bytes | None = None
    path: Path | None = None
    filename: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> RawReport:
        if (self.data is None) == (self.path is None):
            raise ValueError("a RawReport holds either data or a path, not both and not neither")
        return self

    def open(self) -> BinaryIO:
        """A binary stream over the report; the caller closes it."""
        if self.path is not None:
            return self.path.open("rb")
        assert self.data is not None
        return io.BytesIO(self.data)


class ParseContext(BaseModel):
    """What an importer may know about the report it parses. Everything is optional: uploads have no target."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str | None = None
    filename: str | None = None
    target: Target | None = None
    scan_date: dt.date | None = None
    tenant_id: str | None = None


class TriageContext(BaseModel):
    """What a triager may know besides the findings: the tenant and the scan that produced them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: str
    scan_id: str | None = None
    product: str | None = None


class DecisionAction(enum.StrEnum):
    """What a triager proposes for one finding."""

    PRIORITISE = "prioritise"  # set a priority score (0-100); the finding stays as it is
    SET_SEVERITY = "set_severity"  # change the severity (``severity`` holds the new one)
    FALSE_POSITIVE = "false_positive"
    RISK_ACCEPTED = "risk_accepted"
    OUT_OF_SCOPE = "out_of_scope"
    ESCALATE = "escalate"  # ask for a notification now (e.g. a CISA KEV entry)


class Decision(BaseModel):
    """A triager's proposal about one finding, with the reason a person will read in the audit log.

    Triagers never change findings themselves: the host applies, records and can undo decisions.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str = Field(description="The fingerprint of the finding the decision is about.")
    action: DecisionAction
    reason: str = Field(min_length=1)
    priority: float | None = Field(default=None, ge=0, le=100)
    severity: Severity | None = None
    triager: str | None = Field(default=None, description="Set by the host to the triager's name.")

    @model_validator(mode="after")
    def _action_arguments(self) -> Decision:
        if self.action is DecisionAction.PRIORITISE and self.priority is None:
            raise ValueError("a 'prioritise' decision needs a priority")
        if self.action is DecisionAction.SET_SEVERITY and self.severity is None:
            raise ValueError("a 'set_severity' decision needs a severity")
        return self


class Event(BaseModel):
    """Something that happened, as notifiers receive it. ``topic`` follows the seed's names.

    Topics: ``scans/queued``, ``scans/assigned``, ``scans/progress/{scan}``, ``scans/completed/{tenant}``,
    ``scans/failed/{scan}``, ``triage/pending/{tenant}``, ``findings/new/{tenant}`` …
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: str = Field(min_length=1)
    tenant_id: str | None = None
    time: dt.datetime = Field(default_factory=_utcnow)
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
