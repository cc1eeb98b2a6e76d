"""``secureops autoscaler`` as a real process against real Redis, and its metrics endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.integration


def _env(prefix: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECUREOPS_")}
    env.update(
        SECUREOPS_QUEUE_BACKEND="redis", SECUREOPS_QUEUE_PREFIX=prefix, SECUREOPS_DISABLE_PLUGIN_AUTOLOAD="true",
        SECUREOPS_AUTOSCALER__SCALING__MIN_WORKERS="0", **extra,
    )  # fmt: skip
    return env


def test_once_prints_the_decision_as_json() -> None:
    prefix = f"cli{uuid.uuid4().hex[:8]}"
    out = subprocess.run(
        [sys.executable, "-m", "secureops", "autoscaler", "--once"], env=_env(prefix),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout.strip().splitlines()[-1])
    assert (line["leader"], line["outcome"], line["desired"], line["started"]) == (True, "hold", 0, [])
    assert "steady" in line["reason"]


def test_the_loop_serves_metrics_and_stops_on_sigterm() -> None:
    prefix = f"cli{uuid.uuid4().hex[:8]}"
    port = 19000 + int(uuid.uuid4().int % 1000)
    process = subprocess.Popen(
        [sys.executable, "-m", "secureops", "autoscaler", "--interval", "0.2", "--metrics-port", str(port)],
        env=_env(prefix), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline, body = time.monotonic() + 30, ""
        while time.monotonic() < deadline and "secureops_autoscaler_decisions_total{" not in body:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                    body = response.read().decode()
            except OSError:
                time.sleep(0.2)
        assert 'secureops_autoscaler_decisions_total{outcome="hold"}' in body
        assert "secureops_autoscaler_leader 1.0" in body
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert '"outcome": "hold"' in output  # the structured decision line
