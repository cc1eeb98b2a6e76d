"""Stable finding identity: a hash of the fields the finding's importer declares as its identity."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from secureops.core.findings import Endpoint, Finding

__all__ = ["fingerprint"]


def _canonical(value: Any) -> Any:
    """A JSON-able, order-independent form of a field value, so equal findings hash equally."""
    if isinstance(value, Endpoint):
        return str(value).lower()
    if isinstance(value, str):
        return " ".join(value.split())  # whitespace differences between tool versions are not changes
    if isinstance(value, list | tuple | set):
        return sorted((_canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def fingerprint(finding: Finding, identity_fields: Iterable[str], *, namespace: str) -> str:
    """The hex SHA-256 of ``namespace`` (the importer's name) and the canonical values of ``identity_fields``.

    The namespace keeps two tools' findings apart even when their identity fields happen to agree.
    """
    payload = {"ns": namespace, **{name: _canonical(getattr(finding, name)) for name in identity_fields}}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()
