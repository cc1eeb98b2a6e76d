"""Scope checks: networks, host names with resolution, images, paths; out-of-scope targets say why."""

from __future__ import annotations

import pytest

from secureops import Target, TargetError, TargetKind
from secureops.core.scope import LOOPBACK_SCOPE, Scope


def resolver_for(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    return lambda name: table[name]


@pytest.mark.parametrize(
    "value",
    ["127.0.0.1", "127.0.0.53:8080", "http://127.0.0.1:8080/x", "127.0.0.0/29", "http://[::1]/", "localhost"],
)
def test_loopback_scope_allows_this_machine(value: str) -> None:
    LOOPBACK_SCOPE.check(Target.parse(value))


@pytest.mark.parametrize("value", ["10.0.0.1", "http://192.168.1.1/", "127.0.0.0/7", "0.0.0.0/0", "example.com"])
def test_loopback_scope_refuses_everything_else(value: str) -> None:
    with pytest.raises(TargetError, match="out of scope"):
        LOOPBACK_SCOPE.check(Target.parse(value), resolver=resolver_for({"example.com": ["93.184.216.34"]}))


def test_host_names_must_be_listed_and_resolve_inside_networks() -> None:
    scope = Scope(networks=["127.0.0.0/8"], hostnames=["*.lab.internal"])  # type: ignore[list-item]
    good = resolver_for({"app.lab.internal": ["127.0.0.5"], "evil.lab.internal": ["127.0.0.9", "203.0.113.7"]})
    scope.check(Target.parse("https://app.lab.internal/"), resolver=good)
    with pytest.raises(TargetError, match="resolves to 203.0.113.7"):
        scope.check(Target.parse("evil.lab.internal"), resolver=good)
    with pytest.raises(TargetError, match="not an allowed host name"):
        scope.check(Target.parse("lab.internal.attacker.test"), resolver=good)


def test_images_and_paths() -> None:
    scope = Scope(images=["registry.local/team/"], paths=["/srv/code"])
    scope.check(Target(kind=TargetKind.IMAGE, value="registry.local/team/app:1"))
    scope.check(Target(kind=TargetKind.PATH, value="/srv/code/app"))
    with pytest.raises(TargetError, match="image not under"):
        scope.check(Target(kind=TargetKind.IMAGE, value="registry.local/other/app:1"))
    with pytest.raises(TargetError, match="path not under"):
        scope.check(Target(kind=TargetKind.PATH, value="/srv/code/../../etc"))
    with pytest.raises(TargetError, match="path not under"):
        scope.check(Target(kind=TargetKind.PATH, value="/srv/codebase"))


def test_empty_scope_allows_nothing() -> None:
    with pytest.raises(TargetError):
        Scope().check(Target.parse("127.0.0.1"))
