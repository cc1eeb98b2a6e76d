"""SecureOps plugin for Nikto: the ``nikto`` scanner and the ``nikto-xml`` / ``nikto-json`` importer.

Installed through the ``secureops`` entry-point group (``nikto = "secureops_nikto"``); this module only registers.
"""

from __future__ import annotations

from collections.abc import Callable

import secureops
from secureops_nikto.importer import NiktoImporter
from secureops_nikto.scanner import NiktoScanner

__all__ = ["NiktoImporter", "NiktoScanner", "register_importers", "register_scanners"]


@secureops.hookimpl
def register_scanners(register: Callable[[secureops.Scanner], None]) -> None:
    """Register the ``nikto`` scanner."""
    register(NiktoScanner())


@secureops.hookimpl
def register_importers(register: Callable[[secureops.Importer], None]) -> None:
    """Register the importer for ``nikto-xml``, ``nikto-json`` and ``nikto`` (either)."""
    register(NiktoImporter())
