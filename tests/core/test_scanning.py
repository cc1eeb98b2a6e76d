"""run_scanner: targets and options are checked before anything runs; failures become ScanError."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import secureops
from secureops import ConfigError, ScanError, Target, TargetError
from secureops.core.runtimes.local import LocalRuntime
from secureops.core.scanning import run_scanner
from tests.core.plugin_samples import EchoScanner


class ApiScanner(secureops.Scanner):
    name = "api"
    report_format = "api-json"
    target_kinds = frozenset({secureops.TargetKind.URL})

    class Options(secureops.Options):
        delay: float = 0.0
        fail: bool = False

    async def run(
        self, target: Target, options: ApiScanner.Options, context: secureops.ScanContext
    ) -> secureops.RawReport:
        await asyncio.sleep(options.delay)
        if options.fail:
            raise RuntimeError("daemon said no")
        context.progress(100.0, "done")
        return secureops.RawReport(format=self.report_format, data=f'{{"url": "{target}"}}'.encode())


def test_command_scanner_runs_through_the_runtime(tmp_path: Path) -> None:
    report = run_scanner(EchoScanner(), Target.parse("127.0.0.1"), {"prefix": "hello"}, LocalRuntime(), tmp_path)
    assert report.format == "echo-text"
    assert report.open().read() == b"hello 127.0.0.1\n"


def test_checks_happen_before_anything_runs(tmp_path: Path) -> None:
    workdir = tmp_path / "never-created"
    with pytest.raises(TargetError):
        run_scanner(EchoScanner(), Target.parse("http://127.0.0.1/"), {}, LocalRuntime(), workdir)
    with pytest.raises(ConfigError):
        run_scanner(EchoScanner(), Target.parse("127.0.0.1"), {"bogus": 1}, LocalRuntime(), workdir)
    assert not workdir.exists()


def test_api_scanner_run_and_its_failures(tmp_path: Path) -> None:
    target = Target.parse("http://127.0.0.1:1/")
    report = run_scanner(ApiScanner(), target, {}, LocalRuntime(), tmp_path)
    assert report.data == b'{"url": "http://127.0.0.1:1/"}'
    with pytest.raises(ScanError, match="scanner 'api' failed: RuntimeError: daemon said no"):
        run_scanner(ApiScanner(), target, {"fail": True}, LocalRuntime(), tmp_path)
    with pytest.raises(ScanError, match="timed out after 0.2s"):
        run_scanner(ApiScanner(), target, {"delay": 5}, LocalRuntime(), tmp_path, timeout=0.2)


def test_failing_command_reports_exit_status(tmp_path: Path) -> None:
    class Failing(EchoScanner):
        name = "failing"

        def command(self, target: Target, options: EchoScanner.Options) -> secureops.CommandSpec:
            return secureops.CommandSpec(argv=["sh", "-c", "echo broken >&2; exit 4"])

    with pytest.raises(ScanError, match="exited with status 4: broken"):
        run_scanner(Failing(), Target.parse("127.0.0.1"), {}, LocalRuntime(), tmp_path)
