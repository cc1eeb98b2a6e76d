"""``docs/plugins/tutorial.md`` quotes this plugin's files: every quoted excerpt must still be in the file.

This test belongs to the SecureOps repository (it reads ``docs/`` two levels up); delete it in your own copy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[1]
TUTORIAL = PLUGIN.parents[1] / "docs" / "plugins" / "tutorial.md"
_BLOCK = re.compile(r'^```\w+ title="([^"]+)"\n(.*?)^```$', re.S | re.M)


def excerpts() -> list[tuple[str, str]]:
    """``(file, excerpt)`` for every titled code block, split at ``...`` gap lines."""
    if not TUTORIAL.is_file():
        pytest.fail(f"{TUTORIAL} is missing")
    found = []
    for path, body in _BLOCK.findall(TUTORIAL.read_text()):
        for chunk in re.split(r"^\.\.\.\n", body, flags=re.M):
            found.append((path, chunk))
    return found


def test_the_tutorial_quotes_files() -> None:
    quoted = {path for path, _ in excerpts()}
    assert {"pyproject.toml", "src/secureops_custom_example/scanner.py", "tests/test_scanner.py"} <= quoted


@pytest.mark.parametrize(("path", "chunk"), excerpts())
def test_every_excerpt_matches_the_real_file(path: str, chunk: str) -> None:
    assert chunk.strip(), f"empty excerpt of {path}"
    text = (PLUGIN / path).read_text()
    assert chunk in text, f"the tutorial's excerpt of {path} is not in the file:\n{chunk}"


def test_every_file_in_the_tutorials_tree_exists() -> None:
    tree = TUTORIAL.read_text().split("```text\n", 1)[1].split("```", 1)[0]
    names = re.findall(r"[\w.]+\.(?:py|toml|md)", tree)
    assert len(names) >= 12
    for name in names:
        assert list(PLUGIN.rglob(name)), f"the tutorial lists {name}, which the plugin does not have"
