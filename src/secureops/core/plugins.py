"""The plugin host: one explicit :func:`get_plugin_manager` that loads plugins, each in isolation.

Discovery order:

1. plugins named in ``disable_plugins`` are blocked (built-in defaults too);
2. entry points of the ``secureops`` group are loaded one by one — all of them, or only those named in
   ``load_plugins`` — unless ``disable_plugin_autoload`` is set;
3. the host's :data:`DEFAULT_PLUGINS` (internal defaults, blockable like any plugin);
4. plugin objects passed in by the caller (tests, embedding applications).

A plugin that fails to import, or that implements a hook that does not exist (a typo), is unregistered and
reported with one log line naming it; ``strict_plugins`` turns that into an exception for plugin development.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pluggy

from secureops.core import hookspecs
from secureops.core.config import Settings, get_settings
from secureops.core.errors import PluginError

__all__ = ["DEFAULT_PLUGINS", "ENTRY_POINT_GROUP", "PluginLoadRecord", "SecureopsPluginManager", "get_plugin_manager"]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "secureops"
DEFAULT_PLUGINS: dict[str, str] = {"log-notifier": "secureops.core.default_plugins.log_notifier"}
"""The host's own defaults: plugin name -> module. Block one with ``disable_plugins`` like any plugin."""


@dataclass(frozen=True)
class PluginLoadRecord:
    """Where a plugin came from, and why it failed to load when it did."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    error: str | None = None


class SecureopsPluginManager(pluggy.PluginManager):
    """A pluggy manager that also remembers where each plugin came from and which ones failed."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        self.records: dict[str, PluginLoadRecord] = {}

    @property
    def load_errors(self) -> list[PluginLoadRecord]:
        """Plugins that were found but could not be loaded, each with its error message."""
        return [record for record in self.records.values() if record.error]

    def add_plugin(self, plugin: object, name: str, *, strict: bool, record: PluginLoadRecord | None = None) -> bool:
        """Register ``plugin`` and check its hooks; on failure unregister it, record and log why.

        :return: whether the plugin is now registered.
        :raises PluginError: in strict mode, instead of skipping.
        """
        record = record or PluginLoadRecord(name=name, module=getattr(plugin, "__name__", type(plugin).__name__))
        try:
            self.register(plugin, name=name)
            # Every plugin registered before this one passed the same check, so an unknown hook (a typo such
            # as ``register_scaners``) found now is this plugin's.
            self.check_pending()
        except Exception as err:
            if self.is_registered(plugin):
                self.unregister(plugin)
            return self._failed(record, err, strict=strict)
        self.records[name] = record
        return True

    def load_entry_point(self, ep: importlib.metadata.EntryPoint, *, strict: bool) -> bool:
        """Import one entry point of the ``secureops`` group and register it under its name."""
        dist = getattr(ep, "dist", None)
        record = PluginLoadRecord(
            name=ep.name,
            module=ep.value,
            distribution=dist.name if dist is not None else None,
            version=dist.version if dist is not None else None,
        )
        try:
            plugin = ep.load()
        except Exception as err:
            return self._failed(record, err, strict=strict)
        return self.add_plugin(plugin, ep.name, strict=strict, record=record)

    def _failed(self, record: PluginLoadRecord, err: Exception, *, strict: bool) -> bool:
        message = str(err) or type(err).__name__
        self.records[record.name] = PluginLoadRecord(
            record.name, record.module, record.distribution, record.version, error=f"{type(err).__name__}: {message}"
        )
        if strict:
            raise PluginError(record.name, message) from err
        log.error(
            "Could not load plugin %r: %s: %s",
            record.name,
            type(err).__name__,
            message,
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        return False


def get_plugin_manager(
    settings: Settings | None = None,
    *,
    load_entrypoints: bool | None = None,
    plugins: Sequence[object] | Iterable[tuple[str, object]] = (),
    strict: bool | None = None,
) -> SecureopsPluginManager:
    """Build the plugin manager: block, load entry points, add defaults, add ``plugins``.

    :param settings: defaults to :func:`get_settings`.
    :param load_entrypoints: defaults to ``not settings.disable_plugin_autoload``.
    :param plugins: extra plugin objects (modules or instances), or ``(name, plugin)`` pairs.
    :param strict: defaults to ``settings.strict_plugins``; re-raise load errors as :class:`PluginError`.
    """
    settings = settings or get_settings()
    strict = settings.strict_plugins if strict is None else strict
    if load_entrypoints is None:
        load_entrypoints = not settings.disable_plugin_autoload
    pm = SecureopsPluginManager()
    for name in settings.disable_plugins:
        pm.set_blocked(name)
    if load_entrypoints:
        allowed = set(settings.load_plugins) if settings.load_plugins is not None else None
        for ep in _entry_points():
            if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
                continue
            if allowed is not None and ep.name not in allowed:
                continue
            pm.load_entry_point(ep, strict=strict)
    for name, modname in DEFAULT_PLUGINS.items():
        if not pm.is_blocked(name):
            record = PluginLoadRecord(name, modname, "secureops", _host_version())
            pm.add_plugin(importlib.import_module(modname), name, strict=True, record=record)
    for item in plugins:
        name, plugin = item if isinstance(item, tuple) else (_plugin_name(item), item)
        if not pm.is_blocked(name):
            pm.add_plugin(plugin, name, strict=strict)
    if settings.trace_plugins:
        _trace(pm)
    return pm


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    seen: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        seen.setdefault(ep.name, ep)  # the same distribution found twice on sys.path counts once
    return sorted(seen.values(), key=lambda ep: ep.name)


def _host_version() -> str | None:
    try:
        return importlib.metadata.version("secureops")
    except importlib.metadata.PackageNotFoundError:
        return None


def _plugin_name(plugin: object) -> str:
    return str(getattr(plugin, "__name__", None) or getattr(plugin, "name", None) or type(plugin).__name__)


def _trace(pm: pluggy.PluginManager) -> None:
    def before(hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        log.info("hook %s -> %s", hook_name, [impl.plugin_name for impl in impls])

    def after(outcome: Any, hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        log.info("hook %s done", hook_name)

    pm.add_hookcall_monitoring(before, after)
