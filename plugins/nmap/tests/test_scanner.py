"""The Nmap command specs: exact argv per profile, option validation, and hostile targets refused before any process."""

from __future__ import annotations

from pathlib import Path

import pytest
from secureops_nmap import NmapScanner, Profile

from secureops import CommandSpec, ConfigError, ScanError, Target, TargetError
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner

COMMON = ["--noninteractive", "--no-stylesheet", "-oX", "{output}", "-T3"]


def spec(target: str, kind: str | None = None, **options: object) -> CommandSpec:
    scanner = NmapScanner()
    return scanner.command(Target.parse(target, kind), scanner.parse_options(options))


@pytest.mark.parametrize(
    ("profile", "middle"),
    [
        ("quick", ["-sT", "--top-ports", "100"]),
        ("service", ["-sT", "-sV"]),
        ("full-tcp", ["-sT", "-p", "1-65535", "-sV"]),
        ("udp", ["-sU", "--top-ports", "100"]),
        ("vulners", ["-sT", "-sV", "--script", "vulners"]),
        ("vuln", ["-sT", "-sV", "--script", "vuln and safe and not external"]),
    ],
)
def test_each_profile_has_its_exact_argv(profile: str, middle: list[str]) -> None:
    result = spec("127.0.0.1", profile=profile)
    assert result.argv == ["nmap", *COMMON, *middle, "--", "127.0.0.1"]
    assert result.image == "instrumentisto/nmap:7.95"
    assert result.image_argv == result.argv[1:]  # the image's entrypoint is nmap
    assert result.output_file == "nmap.xml"
    assert result.resources.cpus == 2.0 and result.resources.memory_mb == 4096


def argv(target: str, kind: str | None = None, **options: object) -> list[str]:
    result = spec(target, kind, **options).argv
    assert result is not None
    return result


def test_profiles_have_increasing_default_timeouts() -> None:
    assert spec("127.0.0.1", profile="quick").timeout == 900
    assert spec("127.0.0.1", profile="service").timeout == 3600
    assert spec("127.0.0.1", profile="full-tcp").timeout == 4 * 3600
    assert NmapScanner.default_timeout >= max(spec("127.0.0.1", profile=p.value).timeout for p in Profile)


def test_every_option_reaches_argv() -> None:
    result = spec(
        "127.0.0.0/29",
        profile="service",
        ports="22,80,8000-8100",
        timing=4,
        tcp_scan="syn",
        exclude=["127.0.0.5", "127.0.0.6/31"],
        skip_host_discovery=True,
        resolve_names=False,
        host_timeout=120,
    )
    assert result.argv == [
        "nmap",
        "--noninteractive",
        "--no-stylesheet",
        "-oX",
        "{output}",
        "-T4",
        "-sS",
        "-sV",
        "-p",
        "22,80,8000-8100",
        "-Pn",
        "-n",
        "--host-timeout",
        "120s",
        "--exclude",
        "127.0.0.5,127.0.0.6/31",
        "--",
        "127.0.0.0/29",
    ]


def test_ports_replace_the_profiles_own_port_selection() -> None:
    assert argv("127.0.0.1", profile="quick", ports="22")[-5:] == ["-sT", "-p", "22", "--", "127.0.0.1"]
    assert "1-65535" not in argv("127.0.0.1", profile="full-tcp", ports="T:80,U:53")
    assert argv("127.0.0.1", profile="udp", ports="53")[6:9] == ["-sU", "-p", "53"]


def test_a_service_target_scans_its_port() -> None:
    assert argv("127.0.0.1:8080", "service")[-5:] == ["-sT", "-p", "8080", "--", "127.0.0.1"]
    with pytest.raises(ScanError, match="already names its port"):
        spec("127.0.0.1:8080", "service", ports="22")


def test_ipv6_targets_get_dash_6() -> None:
    assert argv("::1", "host")[-3:] == ["-6", "--", "::1"]
    assert argv("::1/128", "cidr")[-3:] == ["-6", "--", "::1/128"]


@pytest.mark.parametrize(
    "options",
    [
        {"ports": "22;rm -rf /"},
        {"ports": "-p-"},
        {"ports": "1-70000"},
        {"ports": "100-1"},
        {"ports": "22,,80"},
        {"ports": "--script=evil"},
        {"ports": "\u0663\u0663"},  # Arabic-Indic digits: \d would take them
        {"ports": "22\n"},
        {"timing": 6},
        {"timing": -1},
        {"tcp_scan": "xmas"},
        {"profile": "everything"},
        {"exclude": ["-iL/etc/passwd"]},
        {"exclude": ["127.0.0.1 127.0.0.2"]},
        {"exclude": ["http://127.0.0.1/"]},
        {"exclude": ["127.0.0.1:80"]},
        {"exclude": ["$(reboot)"]},
        {"host_timeout": 0},
        {"script": "vulners"},  # unknown keys are refused, not ignored
    ],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        NmapScanner().parse_options(options)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("-iL/etc/passwd", "host"),
        ("--script=http-shellshock", "host"),
        ("127.0.0.1;reboot", "host"),
        ("127.0.0.1 -oN /tmp/x", "host"),
        ("$(id)", "host"),
        ("`id`", "host"),
        ("127.0.0.1\n-sV", "host"),
        ("127.0.0.1|nc", "host"),
        ("127.0.0.0/33", "cidr"),
        ("-1.0.0.0/8", "cidr"),
        ("127.0.0.1:0", "service"),
        ("-x:80", "service"),
    ],
)
def test_hostile_targets_are_refused_when_built(value: str, kind: str) -> None:
    with pytest.raises(TargetError):
        Target.parse(value, kind)


@pytest.mark.parametrize(
    "target",
    [Target.parse("http://127.0.0.1/"), Target.parse("alpine:3.19", "image"), Target.parse("/etc", "path")],
)
def test_targets_of_other_kinds_are_refused_before_any_process_starts(target: Target, tmp_path: Path) -> None:
    workdir = tmp_path / "scan"
    with pytest.raises(TargetError, match="nmap"):
        run_scanner(NmapScanner(), target, {}, LocalRuntime(), workdir)
    assert not workdir.exists()  # the runtime creates it first thing: nothing ran


def test_bad_options_are_refused_before_any_process_starts(tmp_path: Path) -> None:
    workdir = tmp_path / "scan"
    with pytest.raises(ConfigError, match="ports"):
        run_scanner(NmapScanner(), Target.parse("127.0.0.1"), {"ports": "1;id"}, LocalRuntime(), workdir)
    assert not workdir.exists()
