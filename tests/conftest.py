"""Fixtures for the host's own tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def make_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Create an importable distribution with ``secureops`` entry points on ``sys.path``.

    ``make_distribution("broken", {"broken": "broken_mod"}, {"broken_mod": "import nope"})`` writes the module
    files and a ``.dist-info`` folder, so ``importlib.metadata`` discovers the entry points exactly as it does
    for pip-installed plugins — no fake loader involved.
    """
    root = tmp_path / "site"
    root.mkdir(exist_ok=True)
    monkeypatch.syspath_prepend(str(root))

    def make(dist: str, entry_points: dict[str, str], modules: dict[str, str], version: str = "1.0") -> Path:
        # The folder name must use the normalised name (underscores): importlib.metadata reads the name from
        # it, and "secureops-lab-1.0" would pass for a second "secureops" and hide the real one's entry points.
        info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[secureops]\n{lines}\n")
        for module, source in modules.items():
            (root / f"{module}.py").write_text(textwrap.dedent(source))
        return root

    return make
