"""The registry: every scanner, importer, notifier and triager the loaded plugins registered, by name.

:func:`build_registry` calls each plugin's registration hooks separately, so an object is always attributed to
its plugin, a clash names both plugins, and one plugin's failing hook skips only that plugin's objects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from secureops.core.contracts import Importer, Notifier, Scanner, Triager
from secureops.core.errors import PluginError, UnknownFormatError
from secureops.core.plugins import SecureopsPluginManager

__all__ = ["KINDS", "Registered", "Registry", "build_registry"]

log = logging.getLogger(__name__)

T = TypeVar("T", Scanner, Importer, Notifier, Triager)

# kind name -> (hook name, base class)
KINDS: dict[str, tuple[str, type[Any]]] = {
    "scanner": ("register_scanners", Scanner),
    "importer": ("register_importers", Importer),
    "notifier": ("register_notifiers", Notifier),
    "triager": ("register_triagers", Triager),
}


@dataclass(frozen=True)
class Registered(Generic[T]):
    """A registered object and the name of the plugin that registered it."""

    obj: T
    plugin: str


@dataclass
class Registry:
    """Lookups over what the plugins registered."""

    scanners: dict[str, Registered[Scanner]] = field(default_factory=dict)
    importers: dict[str, Registered[Importer]] = field(default_factory=dict)
    notifiers: dict[str, Registered[Notifier]] = field(default_factory=dict)
    triagers: dict[str, Registered[Triager]] = field(default_factory=dict)
    formats: dict[str, Registered[Importer]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    """Plugin name -> why some of its objects were refused."""

    def scanner(self, name: str) -> Scanner:
        """The scanner called ``name``. :raises KeyError: naming the installed scanners."""
        return _lookup(self.scanners, name, "scanner").obj

    def notifier(self, name: str) -> Notifier:
        """The notifier called ``name``. :raises KeyError: naming the installed notifiers."""
        return _lookup(self.notifiers, name, "notifier").obj

    def triager(self, name: str) -> Triager:
        """The triager called ``name``. :raises KeyError: naming the installed triagers."""
        return _lookup(self.triagers, name, "triager").obj

    def importer_for(self, format_id: str) -> Importer:
        """The importer that parses ``format_id``.

        :raises UnknownFormatError: naming the installed formats.
        """
        try:
            return self.formats[format_id].obj
        except KeyError:
            known = ", ".join(sorted(self.formats)) or "none"
            raise UnknownFormatError(f"no importer for format {format_id!r}; installed formats: {known}") from None

    def _tables(self) -> dict[str, dict[str, Registered[Any]]]:
        return {
            "scanner": self.scanners,
            "importer": self.importers,
            "notifier": self.notifiers,
            "triager": self.triagers,
        }

    def kinds_of(self, plugin: str) -> list[str]:
        """The kinds of object ``plugin`` registered, e.g. ``["importer", "scanner"]``."""
        return [kind for kind, table in self._tables().items() if any(r.plugin == plugin for r in table.values())]

    def objects_of(self, plugin: str) -> Iterator[tuple[str, str]]:
        """``(kind, name)`` of every object ``plugin`` registered."""
        for kind, table in self._tables().items():
            for name, registered in sorted(table.items()):
                if registered.plugin == plugin:
                    yield kind, name


def _lookup(table: dict[str, Registered[T]], name: str, kind: str) -> Registered[T]:
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table)) or "none"
        raise KeyError(f"no {kind} named {name!r}; installed: {known}") from None


def build_registry(pm: SecureopsPluginManager) -> Registry:
    """Call every plugin's registration hooks and collect the objects, refusing clashes and wrong types."""
    registry = Registry()
    for kind, (hook_name, base) in KINDS.items():
        caller = getattr(pm.hook, hook_name)
        for impl in caller.get_hookimpls():  # registration order (pluggy *calls* them LIFO)
            if impl.plugin_name in registry.errors:
                continue
            register = _make_register(registry, kind, base, impl.plugin_name)
            kwargs = {"register": register} if "register" in impl.argnames else {}
            try:
                impl.function(**kwargs)
            except Exception as err:
                registry.errors[impl.plugin_name] = f"{hook_name} failed: {type(err).__name__}: {err}"
                _forget(registry, impl.plugin_name)
                log.error("Plugin %r: %s failed: %s", impl.plugin_name, hook_name, err)
    return registry


def _make_register(registry: Registry, kind: str, base: type[Any], plugin: str) -> Callable[[Any], None]:
    table: dict[str, Registered[Any]] = getattr(registry, f"{kind}s")

    def register(obj: Any) -> None:
        if not isinstance(obj, base):
            raise PluginError(plugin, f"register() for {kind}s got {obj!r}, not a {base.__name__} instance")
        existing = table.get(obj.name)
        if existing is not None:
            raise PluginError(plugin, f"{kind} {obj.name!r} is already registered by plugin {existing.plugin!r}")
        if isinstance(obj, Importer):
            for format_id in obj.formats:
                owner = registry.formats.get(format_id)
                if owner is not None:
                    raise PluginError(plugin, f"format {format_id!r} is already parsed by plugin {owner.plugin!r}")
            for format_id in obj.formats:
                registry.formats[format_id] = Registered(obj, plugin)
        table[obj.name] = Registered(obj, plugin)

    return register


def _forget(registry: Registry, plugin: str) -> None:
    for table in (registry.scanners, registry.importers, registry.notifiers, registry.triagers, registry.formats):
        for name in [name for name, registered in table.items() if registered.plugin == plugin]:
            del table[name]
