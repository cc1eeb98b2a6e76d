"""SecureOps plugin ``custom_example``: an HTTP security-headers scanner and the importer for its reports.

This module holds only the hook implementations; the scanner and the importer live in their own modules.
SecureOps finds it through the entry point in ``pyproject.toml``::

    [project.entry-points.secureops]
    custom_example = "secureops_custom_example"
"""

from __future__ import annotations

from collections.abc import Callable

import secureops

from .importer import HeadersImporter
from .scanner import HeadersScanner

__all__ = ["HeadersImporter", "HeadersScanner", "register_importers", "register_scanners"]


@secureops.hookimpl
def register_scanners(register: Callable[[secureops.Scanner], None]) -> None:
    """Register the ``headers`` scanner."""
    register(HeadersScanner())


@secureops.hookimpl
def register_importers(register: Callable[[secureops.Importer], None]) -> None:
    """Register the ``headers-json`` importer."""
    register(HeadersImporter())
