"""Typed, validated scan targets.

A :class:`Target` is checked when it is built, long before any process starts: a value that looks like a
command-line option, carries whitespace, control characters or shell metacharacters, or is not of the declared
kind is refused with :class:`~secureops.TargetError`. Scanners receive only targets that passed. Arguments never
reach a shell (runtimes use argv lists); the checks are a second wall, so that a value can never become an
option of the scanner program either.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from secureops.core.errors import TargetError

__all__ = ["Target", "TargetKind"]

_MAX_LENGTH = 2048
_HOSTNAME = re.compile(
    r"^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
# Docker image reference: [registry[:port]/]name[/name...][:tag][@sha256:digest]
_IMAGE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
_PATH = re.compile(r"^[A-Za-z0-9._/+@,=:-]+$")
# Characters a shell, or a program's own argument parser, could give meaning to.
_FORBIDDEN = set(";|`$<>(){}[]\\'\"!*?~^\n\r\t\x00 ")
# A URL's own syntax: "?" starts the query, "&" separates its parameters, "~" is common in paths
# (argv never reaches a shell, so these cannot be interpreted by one).
_URL_SYNTAX = frozenset("?&~")


class TargetKind(enum.StrEnum):
    """What a target names. Scanners declare which kinds they accept."""

    HOST = "host"  # a hostname or an IP address
    SERVICE = "service"  # host:port
    CIDR = "cidr"  # an IP network, e.g. 127.0.0.0/29
    URL = "url"  # an http(s) URL
    IMAGE = "image"  # a container image reference
    PATH = "path"  # a file or directory on the worker
    REPO = "repo"  # a git repository URL (https)


class Target(BaseModel):
    """A validated scan target: its ``kind`` and its ``value``.

    Build one with ``Target(kind="host", value="127.0.0.1")`` or let :meth:`parse` guess the kind.
    Construction raises :class:`~secureops.TargetError` (a ``ValueError``) for anything refused.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: TargetKind
    value: str

    def __init__(self, **data: Any) -> None:
        # Direct construction raises TargetError itself (not pydantic's wrapper), so callers can catch the one
        # error type everywhere. Inside another model, pydantic reports the same message as a field error.
        try:
            super().__init__(**data)
        except ValidationError as err:
            first = err.errors()[0]
            original = first.get("ctx", {}).get("error")
            raise TargetError(str(original) if original else f"{first['loc']}: {first['msg']}") from None

    @model_validator(mode="before")
    @classmethod
    def _check(cls, data: Any) -> Any:
        if isinstance(data, dict):
            kind, value = data.get("kind"), data.get("value")
            if isinstance(value, str) and kind is not None:
                try:
                    kind = TargetKind(kind)
                except ValueError:
                    raise TargetError(f"unknown target kind {kind!r}") from None
                _validate(kind, value)
        return data

    @classmethod
    def parse(cls, value: str, kind: TargetKind | str | None = None) -> Target:
        """Build a target from ``value``, guessing the kind when ``kind`` is ``None``.

        Guessing recognises URLs (``scheme://``), networks (``a.b.c.d/n``), ``host:port`` services and plain
        hosts; images and paths must be named explicitly because they look like hostnames.

        :raises TargetError: when the value is refused or its kind cannot be guessed.
        """
        if kind is not None:
            return cls(kind=TargetKind(kind), value=value)
        if "://" in value:  # clearly meant as a URL: give the URL's own reason when it is refused
            return cls(kind=TargetKind.URL, value=value)
        for guess in (TargetKind.URL, TargetKind.CIDR, TargetKind.HOST, TargetKind.SERVICE):
            try:
                _validate(guess, value)
            except TargetError:
                continue
            return cls(kind=guess, value=value)
        _check_characters(value)  # the most specific reason, when that is why
        raise TargetError(f"cannot tell what kind of target {value!r} is; name the kind explicitly")

    @property
    def host(self) -> str | None:
        """The host part of HOST, SERVICE, URL and REPO targets; ``None`` for the others."""
        if self.kind is TargetKind.HOST:
            return self.value
        if self.kind is TargetKind.SERVICE:
            return _split_service(self.value)[0]
        if self.kind in (TargetKind.URL, TargetKind.REPO):
            return urlsplit(self.value).hostname
        return None

    @property
    def port(self) -> int | None:
        """The port of SERVICE and URL targets (a URL's scheme default when it names none)."""
        if self.kind is TargetKind.SERVICE:
            return _split_service(self.value)[1]
        if self.kind is TargetKind.URL:
            parts = urlsplit(self.value)
            return parts.port or (443 if parts.scheme == "https" else 80)
        return None

    def __str__(self) -> str:
        return self.value


def _check_characters(value: str, allowed: frozenset[str] = frozenset()) -> None:
    if not value:
        raise TargetError("target is empty")
    if len(value) > _MAX_LENGTH:
        raise TargetError(f"target is longer than {_MAX_LENGTH} characters")
    if value.startswith("-"):
        raise TargetError(f"target {value!r} looks like a command-line option")
    bad = sorted({c for c in value if (c in _FORBIDDEN or not c.isprintable()) and c not in allowed})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise TargetError(f"target {value!r} contains forbidden characters: {shown}")


def _is_host(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]") if value.startswith("[") else value)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(value)) and not value.replace(".", "").isdigit()


def _split_service(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise TargetError(f"service target {value!r} must be host:port with a port from 1 to 65535")
    return host.strip("[]"), int(port)


def _validate(kind: TargetKind, value: str) -> None:
    if kind in (TargetKind.URL, TargetKind.REPO):
        _validate_url(kind, value)
        return
    _check_characters(value)
    if kind is TargetKind.HOST:
        if not _is_host(value):
            raise TargetError(f"{value!r} is not a hostname or IP address")
    elif kind is TargetKind.SERVICE:
        host, _ = _split_service(value)
        if not _is_host(host):
            raise TargetError(f"{value!r}: {host!r} is not a hostname or IP address")
    elif kind is TargetKind.CIDR:
        if "/" not in value:
            raise TargetError(f"{value!r} is not a network: write it as address/prefix")
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as err:
            raise TargetError(f"{value!r} is not a network: {err}") from None
    elif kind is TargetKind.IMAGE:
        if not _IMAGE.match(value):
            raise TargetError(f"{value!r} is not a container image reference")
    elif kind is TargetKind.PATH and (not _PATH.match(value) or "\x00" in value):
        raise TargetError(f"{value!r} is not an acceptable path")


def _validate_url(kind: TargetKind, value: str) -> None:
    parts = urlsplit(value)
    # An IPv6 literal host is written in brackets: http://[::1]:8080/
    brackets = frozenset("[]") if parts.netloc.startswith("[") and parts.netloc.count("[") == 1 else frozenset()
    _check_characters(value, allowed=brackets | _URL_SYNTAX)
    schemes = ("http", "https") if kind is TargetKind.URL else ("https", "http", "git", "ssh")
    if parts.scheme not in schemes:
        raise TargetError(f"{value!r}: scheme must be one of {', '.join(schemes)}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise TargetError(f"{value!r} has an invalid port") from None
    if not parts.hostname or not _is_host(parts.hostname):
        raise TargetError(f"{value!r} has no valid host")
