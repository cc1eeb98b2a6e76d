"""Submitting a scan: every check that can fail happens here, before anything is queued."""

from __future__ import annotations

import logging
from typing import Any

from secureops.core.config import Settings
from secureops.core.errors import ConfigError
from secureops.core.queue.base import QueueBackend
from secureops.core.registry import Registry
from secureops.core.scans.presence import record_tenant_limit
from secureops.core.scans.request import ScanRequest, job_id_for, tenant_scope
from secureops.core.store import Store
from secureops.core.store.errors import NotFoundError, TenantInactiveError
from secureops.core.store.models import Client, Scan
from secureops.core.targets import Target

__all__ = ["submit_scan"]

log = logging.getLogger(__name__)


async def submit_scan(
    *,
    settings: Settings,
    store: Store,
    queue: QueueBackend,
    registry: Registry,
    tenant: str,
    scanner: str,
    target: Target,
    options: dict[str, Any] | None = None,
    product: str | None = None,
    engagement: str | None = None,
    requested_by: str = "secureops",
    timeout: float | None = None,
) -> ScanRequest:
    """Check the request, record the scan (status ``queued``) and put it on the tenant's slot groups.

    Checks, in order: the scanner is installed, it accepts the target's kind, the options are valid, the tenant
    exists and is active, the target is inside the tenant's scope. Scans of one target keep their order (same
    slot group); a tenant never runs more scans at once than its tier allows.

    :raises ConfigError: unknown scanner or invalid options. :raises TargetError: wrong kind or out of scope.
    :raises NotFoundError / TenantInactiveError: the tenant cannot scan.
    """
    try:
        plugin = registry.scanner(scanner)
    except KeyError as err:
        raise ConfigError(str(err.args[0])) from None
    plugin.check_target(target)
    validated = plugin.parse_options(options or {})
    with store.tenant(tenant) as session:
        client = session.get(Client, tenant)
        if client is None:
            raise NotFoundError(f"no tenant {tenant!r}")
        if client.status != "active":
            raise TenantInactiveError(f"tenant {tenant!r} is {client.status}; it cannot scan")
        tenant_scope(client.settings, settings).check(target)
        scan = Scan(
            client_id=tenant,
            scanner=scanner,
            target=target.value,
            options=validated.model_dump(mode="json"),
            requested_by=requested_by,
        )
        session.add(scan)
        session.flush()
        assert scan.id is not None
        tier = client.tier
        request = ScanRequest(
            scan_id=scan.id,
            tenant_id=tenant,
            scanner=scanner,
            target=target,
            options=validated.model_dump(mode="json"),
            product=product,
            engagement=engagement,
            requested_by=requested_by,
            timeout=timeout,
        )
    # The autoscaler needs each tenant's limit beside the queue depth (one Redis round trip, no database).
    await record_tenant_limit(queue, settings.queue_prefix, tenant, settings.tier_table.concurrency(tier))
    # Queued after the row is committed, so a worker always finds the scan it reserves.
    await queue.add(
        data=request.model_dump(mode="json"),
        tenant=tenant,
        tier=tier,
        key=f"{target.kind.value}:{target.value}",
        job_id=job_id_for(tenant, request.scan_id),
    )
    log.info("queued scan %s of %s for %s with %s", request.scan_id, target, tenant, scanner)
    return request
