"""Stable finding identity: a hash of the fields the finding's importer declares as its identity."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable

from secureops.core.findings import Endpoint, Finding

__all__ = ["fingerprint"]

# Separators that cannot occur in canonical text (control characters are not part of any identity field).
_FIELD, _ITEM, _NONE = "\x1e", "\x1f", "\x00"


def _canonical(value: object) -> str:
    """An order-independent text form of a field value, so equal findings hash equally.

    Whitespace runs count as one space (tool versions re-wrap text), list order does not matter, endpoints are
    compared case-insensitively, and ``None`` differs from the empty string.
    """
    if value is None:
        return _NONE
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, Endpoint):
        return str(value).lower()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + _ITEM.join(sorted(_canonical(item) for item in value)) + "]"
    return repr(value)


def fingerprint(finding: Finding, identity_fields: Iterable[str], *, namespace: str) -> str:
    """The hex SHA-256 of ``namespace`` (the importer's name) and the canonical values of ``identity_fields``.

    The namespace keeps two tools' findings apart even when their identity fields happen to agree; field names
    are part of the hashed text, so values cannot shift from one field into the next.
    """
    values = finding.__dict__
    text = _FIELD.join([namespace, *(f"{name}={_canonical(values[name])}" for name in identity_fields)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
