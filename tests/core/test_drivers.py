"""Infrastructure drivers are chosen by name from settings, through their entry-point groups."""

from __future__ import annotations

import pytest

from secureops import ConfigError
from secureops.core.config import load_settings
from secureops.core.drivers import available_drivers, load_driver
from secureops.core.runtimes.local import LocalRuntime


def test_runtime_driver_from_settings() -> None:
    runtime = load_driver("runtime", load_settings(max_report_bytes=4096))
    assert isinstance(runtime, LocalRuntime)
    assert runtime.max_output_bytes == 4096
    assert "local" in available_drivers("runtime")


def test_unknown_driver_lists_the_installed_ones() -> None:
    with pytest.raises(
        ConfigError, match=r"no runtime driver named 'kubernetes' \(setting runtime\); available: .*local"
    ):
        load_driver("runtime", load_settings(runtime="kubernetes"))


def test_unknown_driver_kind() -> None:
    with pytest.raises(ConfigError, match="unknown driver kind"):
        load_driver("database", load_settings())  # type: ignore[arg-type]
