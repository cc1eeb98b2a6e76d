"""Choose the importer for a report: by explicit format id, or by asking every importer's ``detect()``."""

from __future__ import annotations

import logging

from secureops.core.contracts import Importer
from secureops.core.errors import UnknownFormatError
from secureops.core.registry import Registry

__all__ = ["HEAD_BYTES", "detect_format"]

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
"""How much of a report ``detect()`` sees."""


def detect_format(registry: Registry, head: bytes, filename: str | None) -> tuple[str, Importer]:
    """Return ``(format_id, importer)`` for the one importer that recognises ``head``.

    An importer whose ``detect`` raises is treated as "not mine" (and logged): detection must not let one
    plugin break uploads for every format.

    :raises UnknownFormatError: when no importer, or more than one, recognises the report.
    """
    matches: list[tuple[str, Importer]] = []
    for name, registered in sorted(registry.importers.items()):
        try:
            found = registered.obj.detect(head, filename)
        except Exception:
            log.warning("importer %r raised in detect(); ignoring it for this report", name, exc_info=True)
            continue
        if found is not None:
            if found not in registered.obj.formats:
                log.warning("importer %r detected undeclared format %r; ignoring", name, found)
                continue
            matches.append((found, registered.obj))
    shown = repr(filename) if filename else "the report"
    if not matches:
        raise UnknownFormatError(
            f"cannot tell the format of {shown}: no installed importer recognises it "
            f"(installed formats: {', '.join(sorted(registry.formats)) or 'none'})"
        )
    if len(matches) > 1:
        names = ", ".join(f"{fmt} ({imp.name})" for fmt, imp in matches)
        raise UnknownFormatError(f"{shown} looks like several formats: {names}; name the format explicitly")
    return matches[0]
