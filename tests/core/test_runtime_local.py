"""The local runtime runs real processes: output to a file or stdout, timeouts, cancellation, output caps."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from secureops import CommandSpec, ScanError
from secureops.core.runtimes.local import LocalRuntime

PY = sys.executable


def test_stdout_is_the_report_when_no_output_file(tmp_path: Path) -> None:
    result = LocalRuntime().execute(CommandSpec(argv=["echo", "hello"]), tmp_path)
    assert result.exit_code == 0 and result.ok
    assert result.report_path.read_text() == "hello\n"


def test_output_placeholder_and_env(tmp_path: Path) -> None:
    code = "import os,sys; open(sys.argv[1],'w').write(os.environ['GREETING'] + ' ' + os.environ['HOME'])"
    spec = CommandSpec(argv=[PY, "-c", code, "{output}"], output_file="report.txt", env={"GREETING": "hi"})
    result = LocalRuntime().execute(spec, tmp_path)
    assert result.report_path == tmp_path / "report.txt"
    assert result.report_path.read_text() == f"hi {tmp_path}"


def test_relative_workdir_placeholders_are_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = "import sys; open(sys.argv[1], 'w').write('ok')"
    spec = CommandSpec(argv=[PY, "-c", code, "{output}"], output_file="r.txt")
    result = LocalRuntime().execute(spec, Path("scans/1"))
    assert result.report_path == tmp_path / "scans" / "1" / "r.txt"
    assert result.report_path.read_text() == "ok"


def test_worker_environment_is_not_inherited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECUREOPS_SECRET_TOKEN", "do-not-leak")
    spec = CommandSpec(argv=[PY, "-c", "import os; print(sorted(os.environ))"])
    report = LocalRuntime().execute(spec, tmp_path).report_path.read_text()
    assert "SECUREOPS_SECRET_TOKEN" not in report


def test_timeout_kills_the_whole_process_tree(tmp_path: Path) -> None:
    # The child spawns a grandchild that would outlive a naive kill of the direct child.
    code = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "time.sleep(60)"
    )
    started = time.monotonic()
    result = LocalRuntime().execute(CommandSpec(argv=[PY, "-c", code], timeout=1), tmp_path)
    assert result.timed_out and not result.ok
    assert time.monotonic() - started < 10


def test_cancel_stops_the_command(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    result = LocalRuntime().execute(CommandSpec(argv=["sleep", "30"]), tmp_path, cancel=cancel)
    assert result.cancelled


def test_flooding_output_is_capped(tmp_path: Path) -> None:
    code = "import sys\nwhile True: sys.stdout.write('x' * 65536)"
    result = LocalRuntime(max_output_bytes=1_000_000).execute(CommandSpec(argv=[PY, "-c", code]), tmp_path)
    assert result.truncated
    assert result.report_path.stat().st_size <= 1_000_000


def test_failure_exit_code_and_stderr_tail(tmp_path: Path) -> None:
    code = "import sys; sys.stderr.write('bad things\\n'); sys.exit(3)"
    result = LocalRuntime().execute(CommandSpec(argv=[PY, "-c", code]), tmp_path)
    assert result.exit_code == 3
    assert "bad things" in result.stderr_tail


def test_missing_program_and_image_only_specs(tmp_path: Path) -> None:
    runtime = LocalRuntime()
    with pytest.raises(ScanError, match="not installed"):
        runtime.execute(CommandSpec(argv=["no-such-scanner-binary"]), tmp_path)
    with pytest.raises(ScanError, match="needs the docker runtime"):
        runtime.execute(CommandSpec(image="local/nmap:dev"), tmp_path)
    assert not runtime.can_run(CommandSpec(image="local/nmap:dev"))
    assert runtime.can_run(CommandSpec(argv=["echo"]))
