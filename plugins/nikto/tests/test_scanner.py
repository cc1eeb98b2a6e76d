"""The Nikto command specs: exact argv, option validation, and hostile targets refused before any process starts.

Nikto cannot be installed on this machine (it is in neither Debian, PyPI nor npm; production runs its Docker
image), so these tests check the exact command lines instead of running them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from secureops_nikto import NiktoScanner

from secureops import CommandSpec, ConfigError, Target, TargetError
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner

NO_PHONE_HOME = ["-nointeractive", "-nocheck", "-ask", "no"]


def spec(target: str, kind: str | None = None, **options: object) -> CommandSpec:
    scanner = NiktoScanner()
    return scanner.command(Target.parse(target, kind), scanner.parse_options(options))


def test_default_json_scan_of_a_url() -> None:
    result = spec("http://127.0.0.1:8080/app/")
    args = [
        "-host",
        "http://127.0.0.1:8080/app/",
        "-Format",
        "json",
        "-output",
        "{output}",
        "-maxtime",
        "3600s",
        "-timeout",
        "10",
        *NO_PHONE_HOME,
    ]
    assert result.argv == ["nikto", *args]
    assert result.image == "ghcr.io/sullo/nikto:2.6.1"
    assert result.image_argv == args  # the image's entrypoint is nikto.pl
    assert result.output_file == "nikto.json"
    assert result.timeout == 3900  # -maxtime plus time to write the report
    assert result.resources.cpus == 2.0 and result.resources.memory_mb == 4096
    assert NiktoScanner.report_format == "nikto"  # JSON or XML: the importer tells them apart


def test_every_option_reaches_argv() -> None:
    result = spec(
        "https://127.0.0.1/",
        output="xml",
        tuning="x6",
        max_time=600,
        request_timeout=5,
        follow_redirects=True,
        resolve_names=False,
    )
    assert result.argv == [
        "nikto",
        "-host",
        "https://127.0.0.1/",
        "-Format",
        "xml",
        "-output",
        "{output}",
        "-maxtime",
        "600s",
        "-timeout",
        "5",
        *NO_PHONE_HOME,
        "-Tuning",
        "x6",
        "-followredirects",
        "-nolookup",
    ]
    assert result.output_file == "nikto.xml"
    assert result.timeout == 900


def test_no_update_or_telemetry_switch_is_ever_used() -> None:
    for output in ("json", "xml"):
        argv = spec("127.0.0.1:8443", "service", output=output).argv or []
        assert "-update" not in argv and "-check6" not in argv
        assert argv[argv.index("-ask") + 1] == "no"
        assert "-nocheck" in argv and "-nointeractive" in argv


@pytest.mark.parametrize(
    ("target", "kind", "options", "url"),
    [
        ("127.0.0.1:8080", "service", {}, "http://127.0.0.1:8080/"),
        ("127.0.0.1:443", "service", {}, "https://127.0.0.1:443/"),
        ("127.0.0.1:8443", "service", {}, "https://127.0.0.1:8443/"),
        ("127.0.0.1:8443", "service", {"ssl": False}, "http://127.0.0.1:8443/"),
        ("127.0.0.1:9000", "service", {"ssl": True}, "https://127.0.0.1:9000/"),
        ("localhost", "host", {}, "http://localhost/"),
        ("localhost", "host", {"ssl": True}, "https://localhost/"),
        ("::1", "host", {}, "http://[::1]/"),
        ("http://[::1]:8080/x?a=1&b=2", "url", {}, "http://[::1]:8080/x?a=1&b=2"),
    ],
)
def test_hosts_and_services_are_passed_as_one_url(target: str, kind: str, options: dict[str, object], url: str) -> None:
    argv = spec(target, kind, **options).argv or []
    assert argv[1:3] == ["-host", url]
    assert "-port" not in argv and "-ssl" not in argv


@pytest.mark.parametrize(
    "options",
    [
        {"output": "html"},
        {"tuning": "1;id"},
        {"tuning": "-update"},
        {"tuning": "123 -o x"},
        {"tuning": "z"},
        {"tuning": "1\n"},
        {"max_time": 10},
        {"max_time": 10**9},
        {"request_timeout": 0},
        {"update": True},  # unknown keys are refused, not ignored
    ],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        NiktoScanner().parse_options(options)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("-update", "host"),
        ("-host", "host"),
        ("http://127.0.0.1/ -update", "url"),
        ("http://127.0.0.1/;id", "url"),
        ("http://127.0.0.1/$(id)", "url"),
        ("http://127.0.0.1/`id`", "url"),
        ("file:///etc/passwd", "url"),
        ("javascript:alert(1)", "url"),
        ("http://127.0.0.1/\n-update", "url"),
        ("127.0.0.1:99999", "service"),
    ],
)
def test_hostile_targets_are_refused_when_built(value: str, kind: str) -> None:
    with pytest.raises(TargetError):
        Target.parse(value, kind)


def test_a_comma_in_a_url_is_refused_because_nikto_splits_on_it() -> None:
    target = Target.parse("http://127.0.0.1/a,/etc/hosts")  # a valid URL, but Nikto would read two targets
    with pytest.raises(TargetError, match="comma"):
        NiktoScanner().command(target, NiktoScanner().parse_options({}))


@pytest.mark.parametrize(
    "target",
    [
        Target.parse("127.0.0.0/30"),
        Target.parse("alpine:3.19", "image"),
        Target.parse("/etc", "path"),
        Target.parse("http://127.0.0.1/a,/etc/hosts"),
    ],
)
def test_refused_targets_never_start_a_process(target: Target, tmp_path: Path) -> None:
    workdir = tmp_path / "scan"
    with pytest.raises(TargetError):
        run_scanner(NiktoScanner(), target, {}, LocalRuntime(), workdir)
    assert not workdir.exists()  # the runtime creates it first thing: nothing ran


def test_bad_options_never_start_a_process(tmp_path: Path) -> None:
    workdir = tmp_path / "scan"
    with pytest.raises(ConfigError, match="tuning"):
        run_scanner(NiktoScanner(), Target.parse("http://127.0.0.1/"), {"tuning": "1;id"}, LocalRuntime(), workdir)
    assert not workdir.exists()
