"""Import and reimport statistics in DefectDojo's shape: each outcome counted by severity, plus a total."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from secureops.core.findings import Severity

__all__ = ["OUTCOMES", "ImportStatistics", "SeverityCounts"]

OUTCOMES = ("created", "closed", "reactivated", "untouched", "updated", "suppressed")
"""What can happen to a finding in an import: DefectDojo's four, then ours.

- ``updated``: seen again with a changed severity/description/…; the finding is updated in place (the change is
  recorded) instead of closed and re-created. DefectDojo has no such outcome.
- ``suppressed``: seen again, but a person closed it as false positive, out of scope or risk accepted, so it stays
  closed. DefectDojo counts these nowhere; we count them so the outcomes add up to the report.
"""


class SeverityCounts(BaseModel):
    """How many findings of each severity (DefectDojo's lower-case keys) and in all."""

    model_config = ConfigDict(extra="forbid")

    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    info: int = 0
    total: int = 0

    def add(self, severity: str | Severity, count: int = 1) -> None:
        """Count ``count`` findings of ``severity``."""
        key = Severity(severity).value.lower()
        setattr(self, key, getattr(self, key) + count)
        self.total += count


class ImportStatistics(BaseModel):
    """The result of :func:`~secureops.importer.imports.import_report` / ``reimport_report``.

    ``test_id`` is the test the findings went into; ``test_import_id`` the history entry for this run.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str
    tenant_id: str
    test_id: int
    test_import_id: int
    product_id: int
    engagement_id: int
    format: str
    importer: str
    findings_in_report: int = 0
    duplicates: int = 0
    """How many of the findings created in this run were marked as duplicates of an earlier finding."""
    created: SeverityCounts = Field(default_factory=SeverityCounts)
    closed: SeverityCounts = Field(default_factory=SeverityCounts)
    reactivated: SeverityCounts = Field(default_factory=SeverityCounts)
    untouched: SeverityCounts = Field(default_factory=SeverityCounts)
    updated: SeverityCounts = Field(default_factory=SeverityCounts)
    suppressed: SeverityCounts = Field(default_factory=SeverityCounts)

    def totals(self) -> dict[str, int]:
        """``{"created": n, "closed": n, …}`` — the numbers DefectDojo's tests compare."""
        return {outcome: getattr(self, outcome).total for outcome in OUTCOMES}

    def to_json_dict(self) -> dict[str, Any]:
        """The documented JSON shape (``secureops import --json``)."""
        return self.model_dump(mode="json")
