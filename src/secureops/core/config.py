"""Settings: environment variables with the ``SECUREOPS_`` prefix, an optional TOML file, then defaults.

Priority, highest first: values passed to :func:`load_settings`, environment variables
(``SECUREOPS_QUEUE_BACKEND=redis``; nested with ``__``: ``SECUREOPS_TIERS__PRO__MAX_CONCURRENT_SCANS=12``),
the TOML file (``SECUREOPS_CONFIG_FILE``, else ``./secureops.toml`` when present), the defaults below.
Every setting is documented in ``docs/configuration.md`` (a test keeps that true).
"""

from __future__ import annotations

import contextvars
import functools
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from secureops.core.autoscaler_settings import AutoscalerSettings
from secureops.core.tiers import DEFAULT_TIERS, Tier, TierTable

__all__ = ["Settings", "get_settings", "load_settings"]

_config_file: contextvars.ContextVar[Path | None] = contextvars.ContextVar("secureops_config_file", default=None)
CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """All of SecureOps' settings. Build with :func:`load_settings` or :func:`get_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="SECUREOPS_",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="forbid",
    )

    environment: Literal["development", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Plugins
    disable_plugins: CommaList = Field(default_factory=list)
    load_plugins: CommaList | None = None
    disable_plugin_autoload: bool = False
    strict_plugins: bool = False
    trace_plugins: bool = False
    plugin_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    triage_order: CommaList = Field(default_factory=list)

    # Infrastructure drivers (by name; see docs/drivers.md)
    queue_backend: str = "memory"
    runtime: str = "local"
    store_backend: str = "sql"
    autoscaler_backend: str = "local"

    # Services
    database_url: str = "sqlite:///secureops.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    queue_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_-]*$")
    queue_visibility_ms: int = Field(default=30_000, ge=100)
    work_dir: Path = Path(".secureops")
    docker_network_mode: str = "none"

    # Limits
    max_report_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    tiers: dict[str, Tier] = Field(default_factory=lambda: dict(DEFAULT_TIERS))

    # Autoscaler (policy knobs, loop, worker containers; see docs/autoscaler.md)
    autoscaler: AutoscalerSettings = Field(default_factory=AutoscalerSettings)

    @field_validator("disable_plugins", "load_plugins", "triage_order", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def tier_table(self) -> TierTable:
        """The configured tiers as a :class:`TierTable`."""
        return TierTable(self.tiers)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file.get() or _default_config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def _default_config_file() -> Path | None:
    named = os.environ.get("SECUREOPS_CONFIG_FILE")
    if named:
        path = Path(named)
        if not path.is_file():
            from secureops.core.errors import ConfigError

            raise ConfigError(f"SECUREOPS_CONFIG_FILE={named!r} does not exist")
        return path
    local = Path("secureops.toml")
    return local if local.is_file() else None


def load_settings(config_file: Path | None = None, **values: Any) -> Settings:
    """Build settings from ``values``, the environment and ``config_file`` (or the default file).

    :raises ConfigError: when the file is missing; pydantic's ``ValidationError`` for invalid values.
    """
    if config_file is not None and not Path(config_file).is_file():
        from secureops.core.errors import ConfigError

        raise ConfigError(f"config file {str(config_file)!r} does not exist")
    token = _config_file.set(Path(config_file) if config_file else None)
    try:
        return Settings(**values)
    finally:
        _config_file.reset(token)


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, built once. Tests and the API override this dependency."""
    return load_settings()
