"""SecureOps plugin for OWASP ZAP: packaged scans, a daemon-driven scan, and an importer for ZAP's reports.

Scanners: ``zap-baseline``, ``zap-full``, ``zap-api`` (the Docker image's scripts, see :mod:`.scripts`) and
``zap-daemon`` (a running ZAP driven through its API, see :mod:`.api_scanner`). Importer: ``zap`` with the
formats ``zap-xml``, ``zap-xml-plus``, ``zap-json`` and ``zap-alerts-json`` (see :mod:`.importer`).
"""

from __future__ import annotations

from collections.abc import Callable

import secureops
from secureops_zap.api_scanner import ZapApiScanner
from secureops_zap.importer import ZapImporter
from secureops_zap.scripts import ZapApiScriptScanner, ZapBaselineScanner, ZapFullScanner

__all__ = ["register_importers", "register_scanners"]


@secureops.hookimpl
def register_scanners(register: Callable[[secureops.Scanner], None]) -> None:
    """Register the baseline, full, API-definition and daemon-driven ZAP scanners."""
    for scanner in (ZapBaselineScanner(), ZapFullScanner(), ZapApiScriptScanner(), ZapApiScanner()):
        register(scanner)


@secureops.hookimpl
def register_importers(register: Callable[[secureops.Importer], None]) -> None:
    """Register the importer for ZAP's XML, JSON and alerts-JSON reports."""
    register(ZapImporter())
