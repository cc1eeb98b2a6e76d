"""SecureOps plugin for Aqua Security's Trivy: a scanner and the importer for its JSON reports."""

from __future__ import annotations

from collections.abc import Callable

import secureops
from secureops_trivy.importer import TRIVY_JSON, TrivyJsonImporter
from secureops_trivy.scanner import TrivyScanner

__all__ = ["TRIVY_JSON", "TrivyJsonImporter", "TrivyScanner", "register_importers", "register_scanners"]


@secureops.hookimpl
def register_scanners(register: Callable[[secureops.Scanner], None]) -> None:
    """Register the Trivy scanner."""
    register(TrivyScanner())


@secureops.hookimpl
def register_importers(register: Callable[[secureops.Importer], None]) -> None:
    """Register the Trivy JSON importer."""
    register(TrivyJsonImporter())
