"""Turn one Trivy result item (a vulnerability, misconfiguration, secret or licence) into a :class:`Finding`.

Field choices follow DefectDojo's Trivy parser so that titles, counts and values match its expectations
(see ``docs/scanners/trivy.md`` for the few deliberate differences). Identity (see
:attr:`TrivyJsonImporter.identity_fields`) rests on ``vuln_id_from_tool``, ``component_name``, ``file_path``
and ``service``; these converters make sure none of them carries a description or an installed version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from secureops import Finding, ReportParseError, Severity

__all__ = [
    "ResultContext",
    "canonical_check_id",
    "license_finding",
    "misconfiguration_finding",
    "secret_finding",
    "vulnerability_finding",
]

_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "UNKNOWN": Severity.INFO,
}
# Where the CVSS figures come from when the vulnerability's own SeveritySource has none (DefectDojo's order).
_CVSS_SOURCES = ("nvd", "ghsa", "redhat", "bitnami")
_CWE = re.compile(r"^CWE-(\d+)$")
_CHECK_ID = re.compile(r"^(?:AVD-)?([A-Z]+)-?(\d+)$")
_TITLE_MAX = 1000
# Trivy's VEX-style package statuses → finding status flags (DefectDojo's mapping).
_STATUS_FLAGS: dict[str, dict[str, bool]] = {
    "unknown": {"verified": False},
    "not_affected": {"active": False, "verified": True, "is_mitigated": True},
    "affected": {"active": True, "verified": True},
    "fixed": {"active": True, "verified": True},
    "under_investigation": {"active": True, "verified": False},
    "will_not_fix": {"active": True, "verified": True},
    "fix_deferred": {"active": True, "verified": True},
    "end_of_life": {"active": True, "verified": True},
}


@dataclass
class ResultContext:
    """What a finding inherits from its enclosing Result (and, in ``trivy k8s`` reports, its resource)."""

    target: str | None = None
    klass: str | None = None  # Trivy's "Class": os-pkgs, lang-pkgs, config, secret, license …
    type: str | None = None  # Trivy's "Type": debian, pip, dockerfile, kubernetes …
    service: str | None = None  # "namespace / Kind / name" in cluster reports
    _tags: list[str] | None = field(default=None, repr=False)

    @property
    def type_class_tags(self) -> list[str]:
        """``[Type, Class]`` without empty entries (legacy reports have no Class)."""
        if self._tags is None:
            self._tags = [tag for tag in (self.type, self.klass) if tag]
        return self._tags


def text(item: dict[str, Any], key: str) -> str | None:
    """``item[key]`` as text: ``None`` when absent or null, numbers as their text; anything else is an error."""
    value = item.get(key)
    if value is None or type(value) is str:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ReportParseError(f"{key!r} is a {_kind(value)}, expected text")


def _kind(value: object) -> str:
    return {dict: "object", list: "list", bool: "boolean"}.get(type(value), type(value).__name__)


def _mapping(item: dict[str, Any], key: str) -> dict[str, Any]:
    value = item.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReportParseError(f"{key!r} is a {_kind(value)}, expected an object")
    return value


def _strings(item: dict[str, Any], key: str) -> list[str]:
    value = item.get(key)
    if value is None:
        return []
    # set(map(type, …)) is the quick way to check a whole list's element types in C.
    if type(value) is not list or not set(map(type, value)) <= {str}:
        raise ReportParseError(f"{key!r} must be a list of strings")
    return value


def _number(entry: dict[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
        raise ReportParseError(f"CVSS {key} {value!r} is not a score from 0 to 10")
    return float(value)


def _line(value: object, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReportParseError(f"{key!r} {value!r} is not a line number")
    return value


def severity_of(word: str | None, default: Severity = Severity.INFO) -> Severity:
    """Trivy's severity word → :class:`Severity`; an unknown word is Info rather than a lost finding."""
    if word is None:
        return default
    found = _SEVERITIES.get(word)
    if found is not None:
        return found
    try:
        return Severity.parse(word)
    except ValueError:
        return default


def _severity_from_score(score: float | None) -> Severity:
    if not score:
        return Severity.INFO
    if score < 4.0:
        return Severity.LOW
    if score < 7.0:
        return Severity.MEDIUM
    if score < 9.0:
        return Severity.HIGH
    return Severity.CRITICAL


def canonical_check_id(check_id: str | None) -> str | None:
    """One spelling for a misconfiguration check across Trivy versions: ``DS002``/``AVD-DS-0002`` → ``DS-0002``.

    Older Trivy reports ``ID: DS002`` with ``AVDID: AVD-DS-0002``; 0.76 reports only ``ID: DS-0002``. Using the
    canonical form as the identity keeps a finding the same finding when the scanner is upgraded.
    """
    if check_id is None:
        return None
    match = _CHECK_ID.match(check_id)
    return f"{match[1]}-{int(match[2]):04d}" if match else check_id


def _title(title: str) -> str:
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1] + "…"


def _cvss(item: dict[str, Any], preferred: str | None) -> tuple[str | None, float | None, str | None, float | None]:
    """``(v3 vector, v3 score, v4 vector, v4 score)`` from the preferred CVSS source."""
    cvss = _mapping(item, "CVSS")
    if not cvss:
        return None, None, None, None
    entry: Any = cvss.get(preferred) if preferred else None
    if entry is None:
        for source in _CVSS_SOURCES:
            entry = cvss.get(source)
            if entry is not None:
                break
    if entry is None:
        return None, None, None, None
    if not isinstance(entry, dict):
        raise ReportParseError(f"CVSS entry is a {_kind(entry)}, expected an object")
    return text(entry, "V3Vector"), _number(entry, "V3Score"), text(entry, "V40Vector"), _number(entry, "V40Score")


def _cwes(item: dict[str, Any]) -> list[int]:
    # "NVD-CWE-Other" and "NVD-CWE-noinfo" are placeholders, not weaknesses.
    return [int(cwe[4:]) for cwe in _strings(item, "CweIDs") if _CWE.match(cwe)]


# The text fields of a vulnerability, fetched in one pass (this is the hot loop of big reports).
_VULN_TEXT = (
    "PkgName",
    "VulnerabilityID",
    "InstalledVersion",
    "FixedVersion",
    "Status",
    "Severity",
    "SeveritySource",
    "PkgPath",
    "Title",
    "Description",
)
_TEXT_TYPES = {str, type(None)}


def vulnerability_finding(item: dict[str, Any], ctx: ResultContext) -> Finding | None:
    """A finding for one entry of a Result's ``Vulnerabilities``; ``None`` when it names no package."""
    values = list(map(item.get, _VULN_TEXT))
    if not set(map(type, values)) <= _TEXT_TYPES:  # a number to turn into text, or an error to raise
        values = [text(item, key) for key in _VULN_TEXT]
    package, vuln_id, version, fixed, status, word, source, pkg_path, title, summary = values
    if package is None:  # DefectDojo's rule: nothing to attach the vulnerability to
        return None
    version = version or ""
    fixed = fixed or ""
    v3_vector, v3_score, v4_vector, v4_score = _cvss(item, source)
    # No Severity: fall back on the CVSS score, v4 first.
    fallback = v4_score if v4_score is not None else v3_score
    severity = severity_of(word) if word else _severity_from_score(fallback)
    if ctx.klass in ("os-pkgs", "lang-pkgs", None):
        file_path = pkg_path or ctx.target
    elif ctx.klass == "config":
        file_path = ctx.target
    else:
        file_path = None
    cwes = _cwes(item)
    references = _strings(item, "References")
    description = (
        f"{title or ''}\n**Target:** {ctx.target or ''}\n**Type:** {ctx.type or ''}\n"
        f"**Fixed version:** {fixed}\n\n{summary or ''}\n"
    )
    if v4_vector or v4_score is not None:
        description += f"\n**CVSS v4:** {v4_vector or ''} {'' if v4_score is None else v4_score}\n"
    return Finding(
        title=_title(f"{vuln_id or '0'} {package} {version}"),
        severity=severity,
        description=description,
        mitigation=fixed or None,
        impact=status,
        references="\n".join(references) or None,
        cwe=cwes[0] if cwes else None,
        cwes=cwes,
        vulnerability_ids=[vuln_id] if vuln_id else [],
        cvssv3=v3_vector,
        cvssv3_score=v3_score,
        component_name=package,
        component_version=version or None,
        file_path=file_path,
        service=ctx.service,
        vuln_id_from_tool=vuln_id,
        static_finding=True,
        tags=ctx.type_class_tags,
        fix_available=bool(fixed),
        fix_version=fixed or None,
        **_STATUS_FLAGS.get(status or "", {}),
    )


def _code_table(cause: dict[str, Any]) -> str:
    code = _mapping(cause, "Code")
    lines = code.get("Lines")
    if not lines:
        return ""
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise ReportParseError("'CauseMetadata.Code.Lines' must be a list of objects")
    rows = "".join(f"{line.get('Number', '')}\t{line.get('Content', '')}\n" for line in lines)
    return f"Number\tContent\n{rows}"


def misconfiguration_finding(item: dict[str, Any], ctx: ResultContext) -> Finding | None:
    """A finding for one entry of a Result's ``Misconfigurations``; ``None`` for a passed check."""
    status = text(item, "Status")
    if status == "PASS":  # only present with --include-non-failures: a check that passed is not a finding
        return None
    check_id = text(item, "ID")
    avd_id = text(item, "AVDID") or check_id
    summary = text(item, "Description") or ""
    message = text(item, "Message") or ""
    cause = _mapping(item, "CauseMetadata")
    table = _code_table(cause)
    if table:
        message += "\n" + table
    primary = text(item, "PrimaryURL")
    references = ([primary] if primary else []) + [ref for ref in _strings(item, "References") if ref != primary]
    return Finding(
        title=_title(f"{check_id or avd_id or 'UNKNOWN'} - {text(item, 'Title') or 'Unknown Misconfiguration'}"),
        severity=severity_of(text(item, "Severity")),
        description=f"**Target:** {ctx.target or ''}\n**Type:** {text(item, 'Type') or ''}\n\n{summary}\n{message}\n",
        mitigation=text(item, "Resolution"),
        impact=summary or None,
        references="\n".join(references) or None,
        vulnerability_ids=[avd_id] if avd_id else [],
        vuln_id_from_tool=canonical_check_id(avd_id),
        file_path=ctx.target,
        line=_line(cause.get("StartLine"), "StartLine"),
        service=ctx.service,
        static_finding=True,
        fix_available=True,
        tags=ctx.type_class_tags,
        # EXCEPTION: the check failed but a policy exception covers it.
        risk_accepted=status == "EXCEPTION",
    )


def secret_finding(item: dict[str, Any], ctx: ResultContext) -> Finding:
    """A finding for one entry of a Result's ``Secrets`` (Trivy masks the secret in ``Match``)."""
    title = text(item, "Title")
    match = text(item, "Match")
    return Finding(
        title=_title(f"Secret detected in {ctx.target} - {title}"),
        severity=severity_of(text(item, "Severity")),
        description=f"{title}\n**Category:** {text(item, 'Category')}\n**Match:** {match}\n",
        file_path=ctx.target,
        line=_line(item.get("StartLine"), "StartLine"),
        vuln_id_from_tool=text(item, "RuleID"),
        # The masked line tells two secrets of one rule in one file apart without depending on line numbers.
        payload=match,
        service=ctx.service,
        static_finding=True,
        fix_available=True,
        tags=[ctx.klass] if ctx.klass else [],
    )


def license_finding(item: dict[str, Any], ctx: ResultContext) -> Finding:
    """A finding for one entry of a Result's ``Licenses``."""
    name = text(item, "Name")
    package = text(item, "PkgName")
    confidence = item.get("Confidence")
    if confidence is not None and (isinstance(confidence, bool) or not isinstance(confidence, int | float)):
        raise ReportParseError(f"licence Confidence {confidence!r} is not a number")
    link = text(item, "Link")
    return Finding(
        title=_title(f"License detected in {ctx.target} - {name}"),
        severity=severity_of(text(item, "Severity")),
        description=f"{name}\n**Category:** {text(item, 'Category')}\n**Package:** {package}\n",
        references=link or None,
        component_name=package or None,
        file_path=text(item, "FilePath") or None,
        vuln_id_from_tool=name,
        # Trivy's confidence is 0.0-1.0; findings keep a whole-number percentage.
        scanner_confidence=None if confidence is None else round(float(confidence) * 100),
        service=ctx.service,
        static_finding=True,
        fix_available=True,
        tags=[ctx.klass] if ctx.klass else [],
    )
