"""Tenant tiers as data: each tier's name and how many scans a tenant on it may run at once.

The defaults are the seed's (basic 2, pro 10, enterprise 50). Operators change them in settings
(``[tiers.pro] max_concurrent_scans = 12``); code asks a :class:`TierTable`, never a constant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import BaseModel, ConfigDict, Field

from secureops.core.errors import ConfigError

__all__ = ["DEFAULT_TIERS", "Tier", "TierTable"]


class Tier(BaseModel):
    """One service tier."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_concurrent_scans: int = Field(ge=1, le=10_000, description="Scans a tenant may run at once.")
    description: str = ""


DEFAULT_TIERS: dict[str, Tier] = {
    "basic": Tier(max_concurrent_scans=2, description="Small clients"),
    "pro": Tier(max_concurrent_scans=10, description="Growing clients"),
    "enterprise": Tier(max_concurrent_scans=50, description="Large clients"),
}


class TierTable(Mapping[str, Tier]):
    """The tiers in force, looked up by name; an unknown tier name is a :class:`ConfigError`."""

    def __init__(self, tiers: Mapping[str, Tier] | None = None) -> None:
        self._tiers = dict(DEFAULT_TIERS if tiers is None else tiers)
        if not self._tiers:
            raise ConfigError("at least one tier must be configured")

    def __getitem__(self, name: str) -> Tier:
        try:
            return self._tiers[name]
        except KeyError:
            known = ", ".join(sorted(self._tiers))
            raise ConfigError(f"unknown tier {name!r}; configured tiers: {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._tiers)

    def __len__(self) -> int:
        return len(self._tiers)

    def concurrency(self, name: str) -> int:
        """How many scans a tenant on tier ``name`` may run at once."""
        return self[name].max_concurrent_scans
