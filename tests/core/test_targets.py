"""Targets are refused at construction when they are option-like, carry metacharacters or are of the wrong kind."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secureops import Target, TargetError, TargetKind

HOSTILE = [
    "-oX",
    "--script=evil",
    "127.0.0.1;id",
    "127.0.0.1 && id",
    "$(id)",
    "`id`",
    "127.0.0.1|nc",
    "127.0.0.1\nid",
    "a>b",
    "host\x00",
    "",
    " 127.0.0.1",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("kind", list(TargetKind))
def test_hostile_values_are_refused_for_every_kind(value: str, kind: TargetKind) -> None:
    with pytest.raises(TargetError):
        Target(kind=kind, value=value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("127.0.0.1", TargetKind.HOST),
        ("localhost", TargetKind.HOST),
        ("::1", TargetKind.HOST),
        ("127.0.0.0/29", TargetKind.CIDR),
        ("127.0.0.1:8080", TargetKind.SERVICE),
        ("http://127.0.0.1:8080/login?next=/a&b=1", TargetKind.URL),
        ("https://[::1]:8443/~user/", TargetKind.URL),
    ],
)
def test_kinds_are_guessed(value: str, kind: TargetKind) -> None:
    assert Target.parse(value).kind is kind


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (TargetKind.IMAGE, "alpine:3.19"),
        (TargetKind.IMAGE, "registry.local:5000/team/app@sha256:" + "a" * 64),
        (TargetKind.PATH, "/srv/app/src"),
        (TargetKind.PATH, "relative/dir"),
        (TargetKind.REPO, "https://git.local/team/app.git"),
    ],
)
def test_explicit_kinds_accept_valid_values(kind: TargetKind, value: str) -> None:
    assert Target(kind=kind, value=value).value == value


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        (TargetKind.HOST, "not_a_host!", "forbidden"),
        (TargetKind.HOST, "127.0.0.1/8", "not a hostname"),
        (TargetKind.CIDR, "127.0.0.1", "address/prefix"),
        (TargetKind.CIDR, "127.0.0.1/33", "not a network"),
        (TargetKind.URL, "ftp://127.0.0.1/", "scheme"),
        (TargetKind.URL, "http://127.0.0.1:99999/", "invalid port"),
        (TargetKind.URL, "http:///path", "no valid host"),
        (TargetKind.SERVICE, "127.0.0.1:0", "port"),
        (TargetKind.IMAGE, "Alpine:Latest!", "forbidden"),
        (TargetKind.IMAGE, "UPPER/case", "image reference"),
        (TargetKind.PATH, "dir with space", "forbidden"),
    ],
)
def test_invalid_values_say_why(kind: TargetKind, value: str, reason: str) -> None:
    with pytest.raises(TargetError, match=reason):
        Target(kind=kind, value=value)


def test_target_error_is_a_value_error_for_pydantic_callers() -> None:
    assert issubclass(TargetError, ValueError)


def test_host_and_port_accessors() -> None:
    assert Target.parse("127.0.0.1:8080").host == "127.0.0.1"
    assert Target.parse("127.0.0.1:8080").port == 8080
    assert Target.parse("https://127.0.0.1/").port == 443
    assert Target.parse("http://localhost/").host == "localhost"
    assert Target(kind=TargetKind.PATH, value="/tmp").host is None


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(TargetError, match="unknown target kind"):
        Target(kind="planet", value="earth")  # type: ignore[arg-type]


@given(st.text(min_size=1, max_size=40))
def test_accepted_targets_never_carry_shell_or_option_syntax(value: str) -> None:
    try:
        target = Target.parse(value)
    except TargetError:
        return
    assert not target.value.startswith("-")
    assert not set(target.value) & set(";|`$<>(){}\\'\"!* \t\r\n\x00")
