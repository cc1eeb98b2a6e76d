"""The Docker runtime against a real engine: reports, placeholders, limits, isolation, timeouts, caps."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from secureops import CommandSpec, Resources, ScanError
from secureops.core.config import load_settings
from secureops.core.runtimes.docker import LABEL, DockerRuntime
from tests.docker_support import BUSYBOX_IMAGE, docker_client, ensure_busybox_image

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client() -> Any:
    client = docker_client()
    ensure_busybox_image(client)
    return client


@pytest.fixture
def runtime(client: Any) -> DockerRuntime:
    return DockerRuntime(load_settings(max_report_bytes=1_000_000), client=client)


def spec(*argv: str, **kwargs: Any) -> CommandSpec:
    return CommandSpec(image=BUSYBOX_IMAGE, image_argv=list(argv), **kwargs)


def no_scan_containers_left(client: Any) -> bool:
    return not client.containers.list(all=True, filters={"label": LABEL})


def test_stdout_is_the_report(runtime: DockerRuntime, client: Any, tmp_path: Path) -> None:
    result = runtime.execute(spec("echo", "hello from a container"), tmp_path)
    assert result.exit_code == 0
    assert result.report_path.read_text() == "hello from a container\n"
    assert no_scan_containers_left(client)


def test_output_placeholder_writes_into_the_mounted_workdir(runtime: DockerRuntime, tmp_path: Path) -> None:
    result = runtime.execute(spec("sh", "-c", 'echo "$0" > {output}', "{workdir}", output_file="r.txt"), tmp_path)
    assert result.exit_code == 0
    assert result.report_path == tmp_path.resolve() / "r.txt"
    assert result.report_path.read_text() == "/work\n"


def test_container_workdir_can_be_chosen_by_the_spec(runtime: DockerRuntime, tmp_path: Path) -> None:
    custom = spec("sh", "-c", "pwd > {output}", output_file="where.txt", container_workdir="/zap/wrk")
    assert runtime.execute(custom, tmp_path).report_path.read_text() == "/zap/wrk\n"


def test_limits_and_lockdown_are_applied(runtime: DockerRuntime, client: Any, tmp_path: Path) -> None:
    cancel = threading.Event()
    running = threading.Thread(
        target=runtime.execute,
        args=(spec("sleep", "30", resources=Resources(cpus=1.5, memory_mb=256)), tmp_path),
        kwargs={"cancel": cancel},
    )
    running.start()
    try:
        for _ in range(100):
            containers = client.containers.list(filters={"label": LABEL})
            if containers:
                break
            time.sleep(0.1)
        host_config = containers[0].attrs["HostConfig"]
    finally:
        cancel.set()
        running.join()
    assert host_config["NanoCpus"] == 1_500_000_000
    assert host_config["Memory"] == host_config["MemorySwap"] == 256 * 1024 * 1024
    assert host_config["CapDrop"] == ["ALL"]
    assert host_config["SecurityOpt"] == ["no-new-privileges"]
    assert host_config["NetworkMode"] == "none"
    assert host_config["Init"] is True
    assert host_config["PidsLimit"] == 1024


def test_only_the_specs_environment_reaches_the_container(
    runtime: DockerRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECUREOPS_SECRET_TOKEN", "do-not-leak")
    report = runtime.execute(spec("env", env={"SCAN_MODE": "quick"}), tmp_path).report_path.read_text()
    assert "SCAN_MODE=quick" in report
    assert "SECUREOPS_SECRET_TOKEN" not in report


def test_timeout_kills_the_container(runtime: DockerRuntime, client: Any, tmp_path: Path) -> None:
    started = time.monotonic()
    result = runtime.execute(spec("sleep", "60", timeout=1), tmp_path)
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 20
    assert no_scan_containers_left(client)


def test_cancel_kills_the_container(runtime: DockerRuntime, tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    assert runtime.execute(spec("sleep", "60"), tmp_path, cancel=cancel).cancelled


def test_flooding_stdout_is_capped(runtime: DockerRuntime, tmp_path: Path) -> None:
    result = runtime.execute(spec("yes", "flood"), tmp_path)
    assert result.truncated
    assert result.report_path.stat().st_size <= 1_000_000


def test_exit_code_and_stderr(runtime: DockerRuntime, tmp_path: Path) -> None:
    result = runtime.execute(spec("sh", "-c", "echo broken >&2; exit 3"), tmp_path)
    assert result.exit_code == 3
    assert "broken" in result.stderr_tail


def test_missing_image_and_local_only_specs(runtime: DockerRuntime, tmp_path: Path) -> None:
    assert not runtime.can_run(CommandSpec(image="local/does-not-exist:1"))
    assert runtime.can_run(spec("true"))
    assert not runtime.can_run(CommandSpec(argv=["nmap"]))
    with pytest.raises(ScanError, match="is not available"):
        runtime.execute(CommandSpec(image="local/does-not-exist:1"), tmp_path)
    with pytest.raises(ScanError, match="needs the local runtime"):
        runtime.execute(CommandSpec(argv=["nmap"]), tmp_path)
