"""The Finding contract: DefectDojo's vocabulary, strict validation, severity words, endpoints."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from secureops import Endpoint, Finding, Severity


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("CRITICAL", Severity.CRITICAL),
        ("high", Severity.HIGH),
        ("Moderate", Severity.MEDIUM),
        ("informational", Severity.INFO),
        ("None", Severity.INFO),
        (" low ", Severity.LOW),
    ],
)
def test_severity_words(word: str, severity: Severity) -> None:
    assert Finding(title="t", severity=word).severity is severity


def test_unknown_severity_is_an_error_not_info() -> None:
    with pytest.raises(ValidationError, match="unknown severity"):
        Finding(title="t", severity="urgent")


def test_severity_rank_orders_findings() -> None:
    assert [s.rank for s in Severity] == [4, 3, 2, 1, 0]


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="titel"):
        Finding(title="t", severity="Low", titel="typo")  # type: ignore[call-arg]


def test_blank_title_and_bad_scores_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Finding(title="", severity="Low")
    with pytest.raises(ValidationError):
        Finding(title="t", severity="Low", cvssv3_score=11.0)


def test_json_shape_uses_defectdojo_names() -> None:
    finding = Finding(
        title="CVE-2021-44228 log4j-core 2.14.1",
        severity="Critical",
        vulnerability_ids=["CVE-2021-44228"],
        component_name="log4j-core",
        component_version="2.14.1",
        endpoints=[Endpoint.from_url("https://127.0.0.1:8443/api?x=1")],
        static_finding=True,
    )
    data = finding.to_json_dict()
    assert data["severity"] == "Critical"
    assert data["endpoints"] == [
        {"protocol": "https", "host": "127.0.0.1", "port": 8443, "path": "/api", "query": "x=1", "fragment": None}
    ]
    for field in ("false_p", "nb_occurences", "unique_id_from_tool", "vuln_id_from_tool", "cvssv3", "fingerprint"):
        assert field in data


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1/a", "http://127.0.0.1/a"),
        ("/[script]", "/[script]"),
        ("http://127.0.0.1:99999/x", "http://127.0.0.1:99999/x"),
        ("%22;}", "%22;}"),
    ],
)
def test_endpoints_keep_unparsable_urls(url: str, expected: str) -> None:
    endpoint = Endpoint.from_url(url)
    assert str(endpoint) == expected or endpoint.path == expected
