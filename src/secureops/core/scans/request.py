"""A scan request as it travels on the queue, and the scope a tenant's scans must stay in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from secureops.core.config import Settings
from secureops.core.scope import LOOPBACK_SCOPE, Scope
from secureops.core.targets import Target

__all__ = ["ScanRequest", "job_id_for", "tenant_scope", "test_title_for"]


class ScanRequest(BaseModel):
    """What a worker needs to run one scan: the job payload (strict JSON, readable by Node workers too)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scan_id: int = Field(ge=1, description="The scan's row in the store.")
    tenant_id: str
    scanner: str
    target: Target
    options: dict[str, Any] = Field(default_factory=dict)
    product: str | None = None
    engagement: str | None = None
    requested_by: str = "secureops"
    timeout: float | None = Field(default=None, gt=0)


def job_id_for(tenant_id: str, scan_id: int) -> str:
    """The queue job id of a scan: submitting the same scan twice queues it once."""
    return f"scan-{tenant_id}-{scan_id}"


def test_title_for(request: ScanRequest) -> str:
    """The title of the test a scan's findings go to; unique per scan, so a retried scan finds its test again."""
    return f"scan {request.scan_id}: {request.scanner} {request.target}"[:255]


def tenant_scope(client_settings: dict[str, Any], settings: Settings) -> Scope:
    """The tenant's scan scope: its ``scope`` setting; without one, loopback in development and nothing else."""
    configured = client_settings.get("scope")
    if configured is not None:
        return Scope.model_validate(configured)
    return LOOPBACK_SCOPE if settings.environment == "development" else Scope()
