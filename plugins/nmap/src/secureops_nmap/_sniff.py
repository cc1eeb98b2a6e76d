"""Cheap format sniffing: the name of an XML document's root element, read from its first bytes."""

from __future__ import annotations

import re

__all__ = ["xml_root_name"]

# The prolog may hold an XML declaration, processing instructions, comments and one DOCTYPE (whose internal
# subset, in brackets, may contain '>' characters), separated by whitespace.
_PROLOG_ITEM = re.compile(
    rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>)",
    re.DOTALL,
)
_ROOT = re.compile(rb"\s*<([A-Za-z_][A-Za-z0-9_.:-]*)")
_MAX_PROLOG_ITEMS = 64


def xml_root_name(head: bytes) -> str | None:
    """The root element's name if ``head`` starts like an XML document, else ``None``. Never raises."""
    data = head.removeprefix(b"\xef\xbb\xbf")
    position = 0
    for _ in range(_MAX_PROLOG_ITEMS):
        match = _PROLOG_ITEM.match(data, position)
        if match is None:
            break
        position = match.end()
    root = _ROOT.match(data, position)
    return root.group(1).decode("ascii") if root else None
