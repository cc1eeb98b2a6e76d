"""The ``headers-json`` report format: what :class:`HeadersScanner` writes and :class:`HeadersImporter` reads.

One JSON object; ``"schema": "secureops-headers/1"`` makes detection unambiguous. Readers ignore keys they do
not know, so adding a key keeps ``/1``; an incompatible change would bump it to ``/2``::

    {
      "schema": "secureops-headers/1",
      "target": "https://127.0.0.1:8443/",
      "started_at": "2026-01-31T12:00:00Z",
      "user_agent": "secureops-headers/1",
      "responses": [
        {
          "requested_url": "https://127.0.0.1:8443/",
          "final_url": "https://127.0.0.1:8443/home",
          "status": 200,
          "reason": "OK",
          "http_version": "HTTP/1.1",
          "headers": [["Server", "nginx/1.25.3"], ["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"]],
          "redirects": [{"url": "https://127.0.0.1:8443/", "status": 302, "location": "/home", "headers": []}],
          "unfollowed_redirect": null
        }
      ]
    }

``headers`` keeps every header in the order received, repeated ones (``Set-Cookie``) included, as
``[name, value]`` pairs. ``redirects`` are the hops followed before ``final_url``. ``unfollowed_redirect`` is
``{"location": ..., "reason": ...}`` when the last response was a redirect the scanner refused to follow
(another host, or following turned off).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import secureops

__all__ = ["FORMAT", "SCHEMA", "HeadersReport", "Hop", "Response", "UnfollowedRedirect", "read_report"]

FORMAT = "headers-json"
SCHEMA: Literal["secureops-headers/1"] = "secureops-headers/1"
MAX_REPORT_BYTES = 16 * 1024 * 1024
"""A headers report is a few KiB; anything this big is not one, and is refused before parsing."""

Header = tuple[str, str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Hop(_Model):
    """A redirect response that was followed."""

    url: str
    status: int = Field(ge=100, le=999)
    location: str
    headers: list[Header] = Field(default_factory=list, max_length=10_000)


class UnfollowedRedirect(_Model):
    """A redirect the scanner saw but did not follow, and why."""

    location: str
    reason: str


class Response(_Model):
    """The response finally obtained for one requested URL."""

    requested_url: str
    final_url: str
    status: int = Field(ge=100, le=999)
    reason: str = ""
    http_version: str = "HTTP/1.1"
    headers: list[Header] = Field(default_factory=list, max_length=10_000)
    redirects: list[Hop] = Field(default_factory=list, max_length=100)
    unfollowed_redirect: UnfollowedRedirect | None = None

    def values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in the order received."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def first(self, name: str) -> str | None:
        """The first value of header ``name``, or ``None`` when the response has none."""
        found = self.values(name)
        return found[0] if found else None


class HeadersReport(_Model):
    """A whole ``headers-json`` report."""

    schema_: Literal["secureops-headers/1"] = Field(default=SCHEMA, alias="schema")
    target: str
    started_at: dt.datetime | None = None
    user_agent: str | None = None
    responses: list[Response] = Field(default_factory=list, max_length=10_000)

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    def to_json_bytes(self) -> bytes:
        """The report as the documented JSON, ``schema`` first."""
        return self.model_dump_json(by_alias=True, indent=2).encode()


def read_report(stream: BinaryIO) -> HeadersReport:
    """Read and validate a ``headers-json`` report.

    :raises ReportParseError: with a one-line reason for anything that is not a valid report.
    """
    data = stream.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        raise secureops.ReportParseError(f"not a {FORMAT} report: larger than {MAX_REPORT_BYTES // 2**20} MiB")
    try:
        document = json.loads(data)
    except json.JSONDecodeError as err:
        raise secureops.ReportParseError(
            f"not a {FORMAT} report: invalid JSON at line {err.lineno} column {err.colno}: {err.msg}"
        ) from None
    except UnicodeDecodeError:
        raise secureops.ReportParseError(f"not a {FORMAT} report: not UTF-8 text") from None
    except RecursionError:
        raise secureops.ReportParseError(f"not a {FORMAT} report: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise secureops.ReportParseError(
            f"not a {FORMAT} report: the top level is a JSON {type(document).__name__}, expected an object"
        )
    if document.get("schema") != SCHEMA:
        raise secureops.ReportParseError(
            f"not a {FORMAT} report: schema is {document.get('schema')!r}, expected {SCHEMA!r}"
        )
    try:
        return HeadersReport.model_validate(document)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "report"
        more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
        raise secureops.ReportParseError(f"invalid {FORMAT} report: {where}: {first['msg']}{more}") from None
