"""The ``secureops`` command line (Typer + Rich). Each command group lives in a module of its own."""

from __future__ import annotations

from secureops.cli import autoscaler as _autoscaler  # noqa: F401
from secureops.cli import db as _db  # noqa: F401
from secureops.cli import demo as _demo  # noqa: F401
from secureops.cli import imports as _imports  # noqa: F401
from secureops.cli import parse as _parse  # noqa: F401
from secureops.cli import plugins as _plugins  # noqa: F401  (registers the commands)
from secureops.cli import queue as _queue  # noqa: F401
from secureops.cli import scan as _scan  # noqa: F401
from secureops.cli import tenants as _tenants  # noqa: F401
from secureops.cli.app import app, main

__all__ = ["app", "main"]
