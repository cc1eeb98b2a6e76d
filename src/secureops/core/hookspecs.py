"""The hooks a SecureOps plugin may implement.

Every hook only *registers objects*; the objects do the work. A plugin module implements any subset of these
hooks, marked with ``@secureops.hookimpl``, and is found through the ``secureops`` entry-point group::

    [project.entry-points.secureops]
    headers = "secureops_headers"

Hooks are called once, after all plugins are loaded, with keyword arguments. They must not do I/O.
Each hook's full reference, with examples, is in ``docs/plugins/plugin-hooks.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from secureops.core.contracts import Importer, Notifier, Scanner, Triager

__all__ = [
    "hookimpl",
    "hookspec",
    "register_importers",
    "register_notifiers",
    "register_scanners",
    "register_triagers",
]

PROJECT = "secureops"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marker for plugin hook implementations: ``@secureops.hookimpl``."""


# ---------------------------------------------------------------------------------------------------------------
# registration hooks
# ---------------------------------------------------------------------------------------------------------------


@hookspec
def register_scanners(register: Callable[[Scanner], None]) -> None:
    """Register the scanners this plugin provides.

    Call ``register(scanner)`` once per :class:`secureops.Scanner` instance. ``scanner.name`` must be unique
    across installed plugins; a clash raises :class:`secureops.PluginError` naming both plugins, and the
    plugin that registered second is skipped.

    :param register: callback that accepts a ``Scanner`` instance.
    """


@hookspec
def register_importers(register: Callable[[Importer], None]) -> None:
    """Register the report parsers (importers) this plugin provides.

    Call ``register(importer)`` once per :class:`secureops.Importer` instance. Each format id in
    ``importer.formats`` may belong to only one importer; a clash raises :class:`secureops.PluginError`.

    :param register: callback that accepts an ``Importer`` instance.
    """


@hookspec
def register_notifiers(register: Callable[[Notifier], None]) -> None:
    """Register the notifiers (webhook, e-mail, chat …) this plugin provides.

    Call ``register(notifier)`` once per :class:`secureops.Notifier` instance; names are unique.

    :param register: callback that accepts a ``Notifier`` instance.
    """


@hookspec
def register_triagers(register: Callable[[Triager], None]) -> None:
    """Register the triagers (EPSS, CISA KEV, learned rules …) this plugin provides.

    Call ``register(triager)`` once per :class:`secureops.Triager` instance; names are unique. The order in
    which triagers run is set in settings (``triage_order``), never by plugin load order.

    :param register: callback that accepts a ``Triager`` instance.
    """
