"""Recognise the four ZAP report formats from the first bytes of a report; cheap, and never raises."""

from __future__ import annotations

import re

__all__ = ["detect_format"]

_BOM = b"\xef\xbb\xbf"
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_TRADITIONAL_JSON = re.compile(rb'^\{\s*"@(?:programName|version|generated)"\s*:')
_ALERTS_EMPTY = re.compile(rb'^\{\s*"alerts"\s*:\s*\[\s*\]\s*\}\s*$')
_ALERTS_OBJECT = re.compile(rb'^\{\s*"alerts"\s*:\s*\[\s*\{')
_ALERTS_LIST = re.compile(rb"^\[\s*\{")
_API_KEYS = (b'"pluginId"', b'"alertRef"', b'"messageId"')


def detect_format(head: bytes) -> str | None:
    """``"zap-xml"``, ``"zap-xml-plus"``, ``"zap-json"``, ``"zap-alerts-json"`` or ``None``."""
    text = head.removeprefix(_BOM).lstrip()
    if text.startswith(b"<"):
        return _detect_xml(text)
    if _TRADITIONAL_JSON.match(text) and b'"site"' in text:
        return "zap-json"
    if _ALERTS_EMPTY.match(text) or (_ALERTS_OBJECT.match(text) and _API_KEYS[0] in text):
        return "zap-alerts-json"
    if _ALERTS_LIST.match(text) and _API_KEYS[0] in text and any(key in text for key in _API_KEYS[1:]):
        return "zap-alerts-json"
    return None


def _detect_xml(text: bytes) -> str | None:
    body = _COMMENT.sub(b"", text[:8192])
    for match in _FIRST_ELEMENT.finditer(body):
        start = match.start()
        if body[start + 1 : start + 2] in (b"?", b"!"):
            continue
        if match.group(1) != b"OWASPZAPReport":
            return None
        return "zap-xml-plus" if b"<requestheader" in text else "zap-xml"
    return None
