"""SecureOps plugin for Nmap: the ``nmap`` scanner and the ``nmap-xml`` importer.

Installed through the ``secureops`` entry-point group (``nmap = "secureops_nmap"``); this module only registers.
"""

from __future__ import annotations

from collections.abc import Callable

import secureops
from secureops_nmap.importer import NmapXmlImporter
from secureops_nmap.scanner import NmapScanner, Profile

__all__ = ["NmapScanner", "NmapXmlImporter", "Profile", "register_importers", "register_scanners"]


@secureops.hookimpl
def register_scanners(register: Callable[[secureops.Scanner], None]) -> None:
    """Register the ``nmap`` scanner."""
    register(NmapScanner())


@secureops.hookimpl
def register_importers(register: Callable[[secureops.Importer], None]) -> None:
    """Register the ``nmap-xml`` importer."""
    register(NmapXmlImporter())
