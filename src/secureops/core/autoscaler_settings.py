"""The autoscaler's settings models, kept in core so that :class:`~secureops.core.config.Settings` can hold them
without core importing the autoscaler package (components above core may import core, never the reverse).

Nested under ``autoscaler`` in the settings (``SECUREOPS_AUTOSCALER__INTERVAL=2``,
``SECUREOPS_AUTOSCALER__SCALING__MIN_WORKERS=0``, or an ``[autoscaler]`` table in ``secureops.toml``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["AutoscalerSettings", "ScalingSettings"]


class ScalingSettings(BaseModel):
    """The autoscaler's knobs. Defaults are the seed's: >100 for 5 min up, <10 for 30 min down, at least 2."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scans_per_worker: int = Field(default=1, ge=1)
    min_workers: int = Field(default=2, ge=0)
    max_workers: int = Field(default=50, ge=1)
    scale_up_depth: int = Field(default=100, ge=0, description="runnable depth that calls for more workers")
    scale_up_window: float = Field(default=300.0, ge=0, description="seconds the depth must stay above it")
    scale_down_depth: int = Field(default=10, ge=0, description="runnable depth under which workers may go")
    scale_down_window: float = Field(default=1800.0, ge=0, description="seconds the depth must stay below it")
    step_up: int = Field(default=10, ge=1, description="most workers added in one decision")
    step_down: int = Field(default=2, ge=1, description="most workers removed in one decision")
    cooldown_up: float = Field(default=60.0, ge=0, description="seconds after a scale-up before the next one")
    cooldown_down: float = Field(default=300.0, ge=0, description="seconds after any change before a scale-down")

    @model_validator(mode="after")
    def _bounds(self) -> ScalingSettings:
        if self.min_workers > self.max_workers:
            raise ValueError("min_workers must not exceed max_workers")
        return self


class AutoscalerSettings(BaseModel):
    """How ``secureops autoscaler`` observes, decides and starts workers (see docs/autoscaler.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scaling: ScalingSettings = Field(default_factory=ScalingSettings)
    interval: float = Field(default=5.0, gt=0, description="seconds between two observe → decide → act loops")
    lease_ttl: float = Field(default=15.0, gt=0, description="seconds the leader lease lasts without renewal")
    metrics_port: int = Field(default=9464, ge=0, le=65535, description="Prometheus port on 127.0.0.1; 0 = off")
    # docker backend
    image: str = Field(default="local/secureops-worker:latest", min_length=1)
    network_mode: str = Field(default="host", description="host (reach Redis/PostgreSQL on loopback), none, or a net")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment of every worker")
    cpus: float = Field(default=2.0, gt=0)
    memory_mb: int = Field(default=4096, ge=64)
    restart_policy: Literal["no", "on-failure", "always", "unless-stopped"] = "on-failure"
    restart_retries: int = Field(default=3, ge=0, description="MaximumRetryCount for on-failure")
    mounts: list[str] = Field(default_factory=list, description="host:container[:ro|rw] bind mounts (ro unless rw)")

    @field_validator("network_mode")
    @classmethod
    def _no_default_bridge(cls, value: str) -> str:
        # The default bridge's 172.17.x addresses are off limits for our traffic (docs/autoscaler.md).
        if value in {"bridge", "default"}:
            raise ValueError("the default bridge network is not allowed; use host, none or a named network")
        return value

    @field_validator("mounts")
    @classmethod
    def _mount_shape(cls, value: list[str]) -> list[str]:
        for mount in value:
            parts = mount.split(":")
            if len(parts) not in (2, 3) or not parts[0].startswith("/") or not parts[1].startswith("/"):
                raise ValueError(f"mount {mount!r} is not /host/path:/container/path[:ro|rw]")
            if len(parts) == 3 and parts[2] not in {"ro", "rw"}:
                raise ValueError(f"mount {mount!r}: mode must be ro or rw")
        return value
