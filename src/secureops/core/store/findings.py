"""Triage a stored finding: set false positive / out of scope / risk accepted / mitigated, recording who and why.

Reimports respect what is set here (see :mod:`secureops.importer.imports`).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from secureops.core.store.errors import NotFoundError
from secureops.core.store.models import Finding, FindingEvent, utcnow
from secureops.core.store.session import TenantSession

__all__ = ["TRIAGE_FLAGS", "triage_finding"]

TRIAGE_FLAGS = frozenset({"active", "verified", "is_mitigated", "false_p", "out_of_scope", "risk_accepted"})


def triage_finding(session: TenantSession, finding_id: int, *, actor: str, reason: str, **flags: bool) -> Finding:
    """Set triage ``flags`` on finding ``finding_id`` of the session's tenant and record the change.

    Mitigating records ``mitigated_at``/``mitigated_by``/``mitigated_reason``; un-mitigating clears them.

    :raises NotFoundError: no such finding for this tenant. :raises ValueError: an unknown flag.
    """
    unknown = set(flags) - TRIAGE_FLAGS
    if unknown:
        raise ValueError(f"unknown triage flags {sorted(unknown)}; allowed: {sorted(TRIAGE_FLAGS)}")
    finding = session.exec(select(Finding).where(Finding.id == finding_id)).first()
    if finding is None:
        raise NotFoundError(f"tenant {session.tenant_id!r} has no finding {finding_id}")
    changes: dict[str, Any] = {}
    for name, value in flags.items():
        if getattr(finding, name) != value:
            changes[name] = [getattr(finding, name), value]
            setattr(finding, name, value)
    if "is_mitigated" in changes:
        now = utcnow()
        finding.mitigated_at = now if finding.is_mitigated else None
        finding.mitigated_by = actor if finding.is_mitigated else None
        finding.mitigated_reason = reason if finding.is_mitigated else None
    finding.updated_at = utcnow()
    session.add(finding)
    session.add(
        FindingEvent(
            client_id=session.tenant_id,
            finding_id=finding_id,
            kind="triaged",
            actor=actor,
            reason=reason,
            changes=changes,
        )
    )
    session.flush()
    return finding
