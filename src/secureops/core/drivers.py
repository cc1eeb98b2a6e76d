"""One-of-N infrastructure, chosen by name from settings: queue backend, worker runtime, store, autoscaler.

Each kind is an entry-point group (``secureops.queue``, ``secureops.runtime``, ``secureops.store``,
``secureops.autoscaler``) whose entries name a class; :func:`load_driver` picks one by name through stevedore
and instantiates it with the settings. A later component adds a driver by adding an entry point — the host does
not change. Drivers are infrastructure, not plugins: they do not go through the plugin hooks.
"""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Any, Literal

from stevedore import driver as stevedore_driver
from stevedore.exception import NoMatches

from secureops.core.config import Settings
from secureops.core.errors import ConfigError

__all__ = ["DRIVER_KINDS", "available_drivers", "load_driver"]

log = logging.getLogger(__name__)

DriverKind = Literal["queue", "runtime", "store", "autoscaler"]

# driver kind -> (entry-point group, the settings field holding the chosen name)
DRIVER_KINDS: dict[str, tuple[str, str]] = {
    "queue": ("secureops.queue", "queue_backend"),
    "runtime": ("secureops.runtime", "runtime"),
    "store": ("secureops.store", "store_backend"),
    "autoscaler": ("secureops.autoscaler", "autoscaler_backend"),
}


def available_drivers(kind: DriverKind) -> list[str]:
    """The names of the installed drivers of ``kind``."""
    group = DRIVER_KINDS[kind][0]
    return sorted({ep.name for ep in importlib.metadata.entry_points(group=group)})


def load_driver(kind: DriverKind, settings: Settings, driver: str | None = None, **kwargs: Any) -> Any:
    """Instantiate the ``kind`` driver named ``driver`` (default: the one chosen in ``settings``).

    The driver class is called as ``cls(settings=settings, **kwargs)``.

    :raises ConfigError: when no such driver is installed (listing the ones that are) or it fails to load.
    """
    if kind not in DRIVER_KINDS:
        raise ConfigError(f"unknown driver kind {kind!r}; kinds: {', '.join(DRIVER_KINDS)}")
    group, setting = DRIVER_KINDS[kind]
    chosen = driver or str(getattr(settings, setting))
    try:
        manager: Any = stevedore_driver.DriverManager(
            namespace=group,
            name=chosen,
            invoke_on_load=True,
            invoke_kwds={"settings": settings, **kwargs},
            on_load_failure_callback=_raise_load_failure,
        )
    except NoMatches:
        known = ", ".join(available_drivers(kind)) or "none installed"
        raise ConfigError(f"no {kind} driver named {chosen!r} (setting {setting}); available: {known}") from None
    except ConfigError:
        raise
    except Exception as err:
        raise ConfigError(f"{kind} driver {chosen!r} failed to start: {type(err).__name__}: {err}") from err
    return manager.driver


def _raise_load_failure(manager: Any, entrypoint: Any, err: BaseException) -> None:
    raise ConfigError(f"driver {entrypoint.name!r} in {manager.namespace} failed to load: {err}") from err
