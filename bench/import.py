"""Benchmark: import, identical reimport and 10%-changed reimport of a generated Trivy report.

Each phase runs in a fresh interpreter (so its peak RSS, ``VmHWM``, is its own) against a fresh, migrated PostgreSQL
database, connected as the RLS-bound application role (or the embedded SQLite file with ``--store sqlite``):

- ``parse``: the baseline in the same run — parse the report and build the rows, no database;
- ``import``: ``import_report`` into a new test (dedup on, one transaction);
- ``reimport``: ``reimport_report`` of the identical report (expected: everything untouched);
- ``reimport_10pct``: 10% of the findings changed — half get a new vulnerability id (one fixed + one new
  issue each: closed + created), half a new severity (updated in place).

Goals (issue 4; DefectDojo 3.2 on the same kind of machine took 44 s / 17.5 s / 31 s for 10k, peak 352 MB):
10k import < 1 s, identical reimport < 0.5 s, 10%-changed reimport < 1 s, 100k import peak RSS < 300 MB.
Human-readable lines first; the last line of output is one JSON object.

    python bench/import.py --findings 10000
    python bench/import.py --findings 100000 --store sqlite
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Running as a script puts bench/ first on sys.path, where sibling benchmarks (queue.py …) shadow the stdlib.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
GOALS = {"import_s_10k": 1.0, "reimport_s_10k": 0.5, "reimport_10pct_s_10k": 1.0, "import_peak_rss_mb_100k": 300}
TENANT = "client_bench"
_FLIP = {"LOW": "HIGH", "MEDIUM": "LOW", "HIGH": "CRITICAL", "CRITICAL": "MEDIUM", "UNKNOWN": "LOW"}


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("bench_trivy_generator", HERE / "generators" / "trivy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _changed_copy(source: Path, target: Path) -> None:
    """Copy ``source`` changing 10% of the vulnerabilities: 5% new identity, 5% new severity."""
    text = source.read_text()
    ids = iter(range(10**9))
    text = re.sub(
        r'"VulnerabilityID": "([^"]+)"',
        lambda m: f'"VulnerabilityID": "{m[1]}-NEW"' if next(ids) % 20 == 0 else m[0],
        text,
    )
    severities = iter(range(10**9))
    text = re.sub(
        r'"Severity": "([A-Z]+)"',
        lambda m: f'"Severity": "{_FLIP[m[1]]}"' if next(severities) % 20 == 10 else m[0],
        text,
    )
    target.write_text(text)


def _peak_rss_mb() -> float:
    """This process's peak RSS. ``VmHWM`` belongs to the address space, so it starts afresh at ``exec``;
    ``ru_maxrss`` would inherit the parent's high-water mark (the parent generated the report)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- child: one phase in a fresh interpreter ------------------------------------------------------------------


def _child(phase: str, url: str, report: Path, test: int | None) -> None:
    from secureops.core.plugins import get_plugin_manager
    from secureops.core.registry import build_registry
    from secureops.core.store import Store
    from secureops.importer.imports import import_report, reimport_report
    from secureops.importer.parse import parse_report
    from secureops.importer.records import record_of
    from secureops.testing import isolated_settings

    registry = build_registry(get_plugin_manager(isolated_settings(disable_plugin_autoload=False)))
    store = Store(url=url)
    start_rss = _peak_rss_mb()
    started = time.perf_counter()
    result: dict[str, Any] = {}
    if phase == "parse":
        count = sum(1 for f in parse_report(registry, report, format="trivy-json").findings if record_of(f))
        result["findings"] = count
    elif phase == "import":
        stats = import_report(TENANT, None, None, report, "trivy-json", store=store, registry=registry, actor="bench")
        result = {"test_id": stats.test_id, **stats.totals()}
    else:
        assert test is not None
        stats = reimport_report(TENANT, test, report, store=store, registry=registry, actor="bench")
        result = {"test_id": stats.test_id, **stats.totals()}
    seconds = time.perf_counter() - started
    peak = _peak_rss_mb()
    store.dispose()
    print(
        json.dumps({"seconds": seconds, "peak_rss_mb": round(peak, 1), "start_rss_mb": round(start_rss, 1), **result})
    )


def _run_child(phase: str, url: str, report: Path, test: int | None = None) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", phase, "--url", url, "--report", str(report)]
    if test is not None:
        argv += ["--test", str(test)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- parent -----------------------------------------------------------------------------------------------


def _bench(count: int, url: str, admin_url: str, workdir: Path) -> dict[str, Any]:
    from secureops.core.store import Store
    from secureops.core.store.tenants import create_tenant

    base, changed = workdir / "trivy.json", workdir / "trivy-10pct.json"
    _generator().generate(base, count)
    _changed_copy(base, changed)
    admin = Store(url=admin_url)
    create_tenant(admin, TENANT, company_name="Bench", actor="bench")
    admin.dispose()
    phases: dict[str, dict[str, Any]] = {"parse": _run_child("parse", url, base)}
    phases["import"] = _run_child("import", url, base)
    test = phases["import"]["test_id"]
    phases["reimport"] = _run_child("reimport", url, base, test)
    phases["reimport_10pct"] = _run_child("reimport_10pct", url, changed, test)
    for name, phase in phases.items():
        phase["findings_per_s"] = round(count / phase["seconds"]) if phase["seconds"] else None
        phase["seconds"] = round(phase["seconds"], 3)
        phase["ratio_to_parse"] = round(phase["seconds"] / max(phases["parse"]["seconds"], 1e-9), 2)
        outcome = {k: phase[k] for k in ("created", "closed", "untouched", "updated", "reactivated") if k in phase}
        print(
            f"{name:15} {phase['seconds']:8.3f} s {phase['findings_per_s'] or 0:9,} findings/s "
            f"peak {phase['peak_rss_mb']:7.1f} MB  {outcome}",
            flush=True,
        )
    return phases


def main() -> None:
    """Parse arguments; run the phases (or, with ``--child``, one phase); print the JSON summary last."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=10_000, help="report size (default 10000)")
    parser.add_argument("--store", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--server-url", default=None, help="PostgreSQL server to create the bench database on")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--test", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.url, args.report, args.test)
        return
    with tempfile.TemporaryDirectory(prefix="secureops-bench-") as tmp:
        workdir = Path(tmp)
        if args.store == "sqlite":
            from secureops.core.store import Store

            url = f"sqlite:///{workdir / 'bench.db'}"
            store = Store(url=url)
            store.upgrade()
            store.dispose()
            phases = _bench(args.findings, url, url, workdir)
        else:
            from secureops.core.store.testing import temporary_database

            with temporary_database(args.server_url) as database:
                phases = _bench(args.findings, database.app_url, database.admin_url, workdir)
    summary = {
        "benchmark": "import",
        "store": args.store,
        "findings": args.findings,
        "phases": phases,
        "goals": GOALS,
        "defectdojo_10k_s": {"import": 44.0, "reimport": 17.5, "reimport_10pct": 31.0, "peak_rss_mb": 352},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
