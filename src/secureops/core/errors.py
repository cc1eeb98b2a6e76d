"""The exception hierarchy every part of SecureOps raises and catches.

Plugin authors raise :class:`ScanError`, :class:`ReportParseError` or :class:`NotifyError`; the host raises
:class:`PluginError` and :class:`ConfigError`. Every one of them derives from :class:`SecureopsError`, so a
caller that only wants "anything SecureOps refused" catches that.
"""

from __future__ import annotations


class SecureopsError(Exception):
    """Base class of every error SecureOps raises on purpose."""


class ConfigError(SecureopsError):
    """Settings, options or a driver name are invalid; the message says which and why."""


class PluginError(SecureopsError):
    """A plugin could not be loaded or registered.

    :param plugin: the plugin's name (its entry-point name, or the registering module's name).
    :param message: what went wrong, for a human.
    """

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"plugin {plugin!r}: {message}")
        self.plugin = plugin
        self.message = message


class TargetError(SecureopsError, ValueError):
    """A scan target was refused before any process started (bad kind, option-like, metacharacters)."""


class ScanError(SecureopsError):
    """Raise from a scanner to fail its scan; the message is shown to the user as the reason."""


class ReportParseError(SecureopsError):
    """A report could not be parsed: it is malformed, truncated, hostile or of another format.

    The message must tell a user what is wrong in one line, e.g. ``"not an Nmap XML report: root element is
    <html>"``. Importers raise it instead of letting ``KeyError``/``ValueError``/XML errors escape.
    """


class UnknownFormatError(ReportParseError):
    """No installed importer recognises the report, or the requested format id is not installed."""


class NotifyError(SecureopsError):
    """A notifier failed to deliver an event. The host records it; it never fails a scan."""
