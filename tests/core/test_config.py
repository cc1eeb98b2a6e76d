"""Settings: defaults, environment (prefix, nesting, comma lists), TOML file, priority, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from secureops import ConfigError
from secureops.core.config import load_settings


def test_defaults_are_the_embedded_mode() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert (settings.queue_backend, settings.runtime) == ("memory", "local")
    assert settings.tier_table.concurrency("pro") == 10


def test_environment_with_prefix_and_nesting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECUREOPS_QUEUE_BACKEND", "redis")
    monkeypatch.setenv("SECUREOPS_TIERS__PRO__MAX_CONCURRENT_SCANS", "12")
    monkeypatch.setenv("SECUREOPS_TIERS__BASIC__MAX_CONCURRENT_SCANS", "2")
    settings = load_settings()
    assert settings.queue_backend == "redis"
    assert settings.tier_table.concurrency("pro") == 12


def test_toml_file_and_priority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "secureops.toml"
    config.write_text(
        'runtime = "docker"\nqueue_backend = "redis"\ndisable_plugins = ["zap"]\n'
        "[tiers.gold]\nmax_concurrent_scans = 99\n"
        '[plugin_options.nmap]\ntiming = "T3"\n'
    )
    monkeypatch.setenv("SECUREOPS_QUEUE_BACKEND", "memory")  # the environment beats the file
    settings = load_settings(config)
    assert settings.runtime == "docker"
    assert settings.queue_backend == "memory"
    assert settings.disable_plugins == ["zap"]
    assert settings.tier_table.concurrency("gold") == 99
    assert settings.plugin_options["nmap"] == {"timing": "T3"}
    assert load_settings(config, runtime="local").runtime == "local"  # explicit values beat both


def test_config_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "other.toml"
    config.write_text('log_level = "DEBUG"\n')
    monkeypatch.setenv("SECUREOPS_CONFIG_FILE", str(config))
    assert load_settings().log_level == "DEBUG"
    monkeypatch.setenv("SECUREOPS_CONFIG_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings()


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_unknown_and_invalid_settings_are_rejected(tmp_path: Path) -> None:
    config = tmp_path / "secureops.toml"
    config.write_text("queue_backnd = 'redis'\n")
    with pytest.raises(ValidationError, match="queue_backnd"):
        load_settings(config)
    with pytest.raises(ValidationError):
        load_settings(tiers={"basic": {"max_concurrent_scans": 0}})
