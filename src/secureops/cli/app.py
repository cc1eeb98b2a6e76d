"""The Typer application, its global options, and the one place errors become exit codes."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from secureops import __version__
from secureops.core.config import Settings, load_settings
from secureops.core.errors import SecureopsError
from secureops.core.plugins import SecureopsPluginManager, get_plugin_manager
from secureops.core.registry import Registry, build_registry

__all__ = ["State", "app", "fail", "main", "print_error"]

app = typer.Typer(
    name="secureops",
    help="Multi-tenant security-scanner orchestration: run scanners, import and deduplicate findings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

EXIT_BAD_INPUT = 2


class State:
    """Settings and plugins for one CLI invocation, built lazily so ``--help`` stays fast."""

    def __init__(self, config: Path | None) -> None:
        self.config = config
        self._settings: Settings | None = None
        self._pm: SecureopsPluginManager | None = None
        self._registry: Registry | None = None

    @property
    def settings(self) -> Settings:
        """The settings, from the ``--config`` file, the environment and defaults."""
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    @property
    def pm(self) -> SecureopsPluginManager:
        """The plugin manager (plugins load on first use)."""
        if self._pm is None:
            self._pm = get_plugin_manager(self.settings)
        return self._pm

    @property
    def registry(self) -> Registry:
        """What the loaded plugins registered."""
        if self._registry is None:
            self._registry = build_registry(self.pm)
        return self._registry


def print_error(message: str) -> None:
    """Print ``secureops: error: message`` as one line on stderr."""
    one_line = " ".join(str(message).split())
    err_console.print(f"secureops: error: {one_line}", markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Inside a command: print the error as one line and exit with ``code``."""
    print_error(message)
    raise typer.Exit(code)


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="TOML settings file (default: ./secureops.toml).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details to stderr.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="secureops: %(levelname)s: %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = State(config)


@app.command()
def version() -> None:
    """Print the SecureOps version."""
    console.print(f"secureops {__version__}", highlight=False)


def main() -> None:
    """Entry point of the ``secureops`` script: SecureOps errors become one line and exit code 2."""
    try:
        app()
    except SecureopsError as err:
        print_error(str(err))
        sys.exit(EXIT_BAD_INPUT)
    except ValidationError as err:  # invalid settings
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        print_error(f"invalid settings: {problems}")
        sys.exit(EXIT_BAD_INPUT)
