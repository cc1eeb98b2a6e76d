"""Scans end to end: a validated request, submission onto the queue, and the worker's handler."""

from secureops.core.scans.request import ScanRequest, tenant_scope
from secureops.core.scans.submit import submit_scan

__all__ = ["ScanRequest", "submit_scan", "tenant_scope"]
