"""The documentation keeps up with the code: every hookspec, setting and CLI command is documented."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from secureops.cli import app
from secureops.core import hookspecs
from secureops.core.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def hookspec_functions() -> list[str]:
    return [name for name, obj in vars(hookspecs).items() if inspect.isfunction(obj) and hasattr(obj, "secureops_spec")]


def test_there_are_four_hookspecs() -> None:
    assert sorted(hookspec_functions()) == [
        "register_importers",
        "register_notifiers",
        "register_scanners",
        "register_triagers",
    ]


@pytest.mark.parametrize("name", hookspec_functions())
def test_every_hookspec_is_documented_with_its_signature(name: str) -> None:
    params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
    text = (DOCS / "plugins" / "plugin-hooks.md").read_text()
    assert f"## {name}({params})" in text
    assert getattr(hookspecs, name).__doc__, f"{name} has no docstring"


@pytest.mark.parametrize("setting", sorted(Settings.model_fields))
def test_every_setting_is_documented(setting: str) -> None:
    assert f"| `{setting}` |" in (DOCS / "configuration.md").read_text()


def _command_paths() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    paths = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        paths.extend(f"{name} {s}" for s in sub) if sub else paths.append(name)
    return sorted(paths)


@pytest.mark.parametrize("command", _command_paths())
def test_every_cli_command_is_documented(command: str) -> None:
    assert f"## secureops {command}" in (DOCS / "cli.md").read_text()
