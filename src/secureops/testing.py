"""Helpers and pytest fixtures for plugin authors (and for SecureOps' own tests).

Installed as a pytest plugin (entry point ``pytest11: secureops``), so any test suite that has SecureOps
installed gets the fixtures below without importing anything:

- ``secureops_pm``: a fresh plugin manager with no entry points loaded (register your plugin on it);
- ``secureops_registry_for``: a factory ``secureops_registry_for(*plugins) -> Registry``.

And plain helpers:

- :func:`plugin_registry` — a registry built from just the given plugin modules/objects;
- :func:`assert_valid_findings` — every item is a schema-valid :class:`~secureops.Finding`;
- :func:`check_importer_conformance` — the importer's output is valid, deterministic, and its fingerprints are
  stable and (by default) distinct: parsing the same report twice yields the same identities.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from secureops.core.config import Settings, load_settings
from secureops.core.contracts import Importer
from secureops.core.findings import Finding
from secureops.core.plugins import SecureopsPluginManager, get_plugin_manager
from secureops.core.registry import Registry, build_registry
from secureops.core.reports import ParseContext
from secureops.importer.parse import normalise, parse_report

__all__ = [
    "ConformanceResult",
    "assert_valid_findings",
    "check_importer_conformance",
    "isolated_settings",
    "parse_with",
    "plugin_manager",
    "plugin_registry",
]


def isolated_settings(**values: Any) -> Settings:
    """Settings that ignore entry points (only explicitly given plugins load) unless overridden."""
    values.setdefault("disable_plugin_autoload", True)
    return load_settings(**values)


def plugin_manager(*plugins: object, strict: bool = True, **settings: Any) -> SecureopsPluginManager:
    """A fresh manager with only the host defaults and ``plugins`` (modules, objects or ``(name, obj)``)."""
    return get_plugin_manager(isolated_settings(**settings), plugins=plugins, strict=strict)


def plugin_registry(*plugins: object, **settings: Any) -> Registry:
    """The registry that ``plugins`` (plus the host defaults) produce."""
    return build_registry(plugin_manager(*plugins, **settings))


def assert_valid_findings(findings: Iterable[object]) -> list[Finding]:
    """Assert every item is a :class:`Finding` that re-validates against the schema; return them as a list."""
    result = []
    for index, item in enumerate(findings):
        assert isinstance(item, Finding), f"item {index} is {type(item).__name__}, not a Finding"
        Finding.model_validate(item.model_dump())
        assert item.title.strip(), f"finding {index} has a blank title"
        result.append(item)
    return result


@dataclass(frozen=True)
class ConformanceResult:
    """What :func:`check_importer_conformance` saw; returned so tests can assert more."""

    findings: list[Finding]
    fingerprints: list[str]


def check_importer_conformance(
    importer: Importer,
    report: bytes | Path,
    *,
    format: str | None = None,
    filename: str | None = None,
    expect_distinct: bool = True,
) -> ConformanceResult:
    """Parse ``report`` twice and assert the importer behaves as the host needs.

    Checks: findings are schema-valid; the output is identical both times (deterministic); fingerprints are
    identical both times (stable); with ``expect_distinct``, no two findings of one report share a fingerprint
    (so the identity fields really identify); ``detect()`` recognises the report as ``format``.
    """
    data = report.read_bytes() if isinstance(report, Path) else report
    filename = filename or (report.name if isinstance(report, Path) else None)
    format_id = format or importer.formats[0]
    detected = importer.detect(data[:65536], filename)
    assert detected == format_id, f"{importer.name}.detect() said {detected!r}, expected {format_id!r}"
    runs = []
    for _ in range(2):
        context = ParseContext(format=format_id, filename=filename)
        runs.append(assert_valid_findings(normalise(importer, io.BufferedReader(io.BytesIO(data)), context)))
    first, second = runs
    assert [f.model_dump() for f in first] == [f.model_dump() for f in second], "output is not deterministic"
    prints = [f.fingerprint or "" for f in first]
    assert all(prints), "a finding has no fingerprint"
    if expect_distinct:
        duplicates = sorted({p for p in prints if prints.count(p) > 1})
        assert not duplicates, f"{len(duplicates)} fingerprints are shared by several findings: {duplicates[:3]}"
    return ConformanceResult(first, prints)


def parse_with(registry: Registry, report: bytes | Path, format: str = "auto") -> list[Finding]:
    """Parse ``report`` through the host's full path (detection, normalisation) and return the findings."""
    return list(parse_report(registry, report, format=format).findings)


# --- pytest fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def secureops_pm() -> SecureopsPluginManager:
    """A fresh plugin manager with no entry points loaded."""
    return plugin_manager()


@pytest.fixture
def secureops_registry_for() -> Callable[..., Registry]:
    """A factory: ``secureops_registry_for(my_plugin_module) -> Registry``."""

    def factory(*plugins: object, **settings: Any) -> Registry:
        return plugin_registry(*plugins, **settings)

    return factory
