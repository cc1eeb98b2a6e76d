"""SecureOps: multi-tenant, plugin-based security-scanner orchestration.

This module is the plugin author's API: everything a plugin needs is importable from ``secureops``::

    import secureops

    @secureops.hookimpl
    def register_scanners(register):
        register(MyScanner())
"""

from importlib.metadata import PackageNotFoundError, version

from secureops.core.contracts import CommandSpec, Importer, Notifier, Options, Resources, ScanContext, Scanner, Triager
from secureops.core.errors import (
    ConfigError,
    NotifyError,
    PluginError,
    ReportParseError,
    ScanError,
    SecureopsError,
    TargetError,
    UnknownFormatError,
)
from secureops.core.findings import Endpoint, Finding, RequestResponse, Severity
from secureops.core.hookspecs import hookimpl
from secureops.core.reports import Decision, DecisionAction, Event, ParseContext, RawReport, TriageContext
from secureops.core.targets import Target, TargetKind
from secureops.core.tiers import Tier, TierTable

try:
    __version__ = version("secureops")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = [
    "CommandSpec",
    "ConfigError",
    "Decision",
    "DecisionAction",
    "Endpoint",
    "Event",
    "Finding",
    "Importer",
    "Notifier",
    "NotifyError",
    "Options",
    "ParseContext",
    "PluginError",
    "RawReport",
    "ReportParseError",
    "RequestResponse",
    "Resources",
    "ScanContext",
    "ScanError",
    "Scanner",
    "SecureopsError",
    "Severity",
    "Target",
    "TargetError",
    "TargetKind",
    "Tier",
    "TierTable",
    "TriageContext",
    "Triager",
    "UnknownFormatError",
    "__version__",
    "hookimpl",
]
