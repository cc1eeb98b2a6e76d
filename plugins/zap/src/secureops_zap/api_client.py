"""A ``zapv2`` client that talks to one ZAP daemon directly, with timeouts, and fails loudly.

``zapv2.ZAPv2`` reaches the API by sending ``http://zap/…`` requests through ZAP as an HTTP proxy, waits forever
on a daemon that stops answering (no timeout), and — unless ``validate_status_code=True`` — hands back the
string ``"bad_api_key"`` as if it were a result. Its one transport method, ``_request_api``, is replaced here:
every generated API wrapper (``spider.scan``, ``ascan.status``, ``core.alerts`` …) is still zapv2's, but requests
go straight to the daemon's URL with the API key header, a timeout, and any error status becomes a
:class:`secureops.ScanError` that says what ZAP said (``bad_api_key`` gets its own message).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
from zapv2 import ZAPv2  # type: ignore[import-untyped]  # ships no type information

from secureops import ScanError

__all__ = ["ZapClient"]

log = logging.getLogger(__name__)

_API_PREFIX = "http://zap/"


class ZapClient(ZAPv2):  # type: ignore[misc]  # zapv2 ships no type hints
    """ZAP API client bound to ``api_url`` (e.g. ``http://127.0.0.1:8080``)."""

    def __init__(self, api_url: str, api_key: str | None, *, timeout: float, verify_tls: bool = True) -> None:
        super().__init__(proxies={"http": api_url, "https": api_url}, apikey=api_key, validate_status_code=True)
        self.api_url = api_url.rstrip("/")
        self._key = api_key
        self._timeout = timeout
        self._verify = verify_tls
        self._session = requests.Session()
        self._session.trust_env = False  # never route the daemon's traffic (or key) through an env-configured proxy

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._session.close()

    def _request_api(
        self, url: str, query: Any = None, method: str = "GET", body: Any = None
    ) -> requests.Response:  # zapv2's transport hook
        if not url.startswith(_API_PREFIX):
            raise ScanError(f"refusing a non-API ZAP request {url!r}")  # never send the key anywhere else
        target = f"{self.api_url}/{url[len(_API_PREFIX) :]}"
        headers = {"X-ZAP-API-Key": self._key} if self._key else {}
        where = f"the ZAP daemon at {self.api_url}"
        try:
            response = self._session.request(
                method, target, params=query, data=body, headers=headers, timeout=self._timeout, verify=self._verify
            )
        except requests.Timeout:
            raise ScanError(f"{where} did not answer within {self._timeout:g}s") from None
        except requests.RequestException as err:
            raise ScanError(f"cannot reach {where}: {type(err).__name__}") from None
        if response.status_code >= 300:
            raise ScanError(_error_message(where, response))
        return response


def _error_message(where: str, response: requests.Response) -> str:
    code, message = "", ""
    try:
        payload = response.json()
        if isinstance(payload, dict):
            code, message = str(payload.get("code", "")), str(payload.get("message", ""))
    except (ValueError, json.JSONDecodeError):
        pass
    if code == "bad_api_key":
        return f"{where} refused the API key (bad_api_key): check the scanner's api_key option"
    detail = f"{code}: {message}" if code else response.text[:200].strip() or "no details"
    return f"{where} answered HTTP {response.status_code} ({detail})"
