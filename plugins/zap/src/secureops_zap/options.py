"""Validated value types shared by the ZAP scanners' options: nothing that could become an option of its own."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from secureops import Target, TargetError

__all__ = ["ConfigKey", "ConfigValue", "HostPort", "ImageRef", "Name", "UrlValue"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,127}$")
_CONFIG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9._\[\]()-]{0,199}$")
_CONFIG_VALUE = re.compile(r"^[A-Za-z0-9._:/@,=+%-]{0,500}$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}(?::[0-9]{1,5})?$")


def _url(value: str) -> str:
    try:
        return Target(kind="url", value=value).value
    except TargetError as err:
        raise ValueError(str(err)) from None


def _image(value: str) -> str:
    try:
        return Target(kind="image", value=value).value
    except TargetError as err:
        raise ValueError(str(err)) from None


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value.startswith("-") or not pattern.match(value):
            raise ValueError(f"{value!r} is not an acceptable {what}")
        return value

    return AfterValidator(check)


UrlValue = Annotated[str, AfterValidator(_url)]
"""An http(s) URL that passed the same checks as a scan target."""
ImageRef = Annotated[str, AfterValidator(_image)]
"""A container image reference."""
Name = Annotated[str, _matching(_NAME, "name (letters, digits, space, . _ @ -)")]
"""A ZAP context, user or scan-policy name."""
ConfigKey = Annotated[str, _matching(_CONFIG_KEY, "ZAP configuration key")]
ConfigValue = Annotated[str, _matching(_CONFIG_VALUE, "ZAP configuration value (no spaces or quotes)")]
HostPort = Annotated[str, _matching(_HOST_PORT, "host[:port]")]
