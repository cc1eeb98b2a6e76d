"""Benchmark: importer throughput (findings/s) and peak memory on generated large reports.

For every generator in ``bench/generators/*.py`` (a module with ``FORMAT: str`` and
``generate(path: Path, count: int) -> None``; optionally ``baseline(path: Path) -> int``) and every size, it
writes a report and measures, each in a fresh interpreter pinned to one CPU core:

- ``pipeline``: ``secureops.importer.parse.parse_report`` with the format named — the host's full path
  (importer, schema validation, fingerprints), which is what an import costs;
- ``importer``: the importer's own ``parse()`` alone;
- ``baseline``: the naive way in the same run — the generator's ``baseline()`` (for Trivy: ``json.load`` the
  whole file, then convert), or, without one, loading the whole document (``json.load`` / ElementTree).

Throughput is reported per wall-clock second and per CPU second of the child (the goal is judged on the
latter, so a busy shared machine does not decide it). Peak RSS is the child's ``ru_maxrss``; "growth" is
its increase over the interpreter with everything imported, i.e. what parsing itself added. Ratios compare
against the baseline of the same size in the same run, so they hold across machines. Human-readable lines
go first; the last line of output is one JSON object.

    python bench/parse.py                      # sizes 10k, 50k, 100k; every generator
    python bench/parse.py --sizes 1000,20000 --formats trivy-json
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as ``python bench/<name>.py``, Python puts bench/ first on sys.path, where bench/queue.py would shadow the
# standard library's ``queue`` (imported by concurrent.futures, redis, urllib3 …). Drop it before anything else.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import tempfile
import time
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
GOALS = {"trivy-json": 50_000}  # findings per CPU second on one core, through the full pipeline
MODES = ("pipeline", "importer", "baseline")


def load_generators(folder: Path) -> dict[str, tuple[Path, ModuleType]]:
    """``{format id: (module file, module)}`` for every generator module in ``folder``."""
    found: dict[str, tuple[Path, ModuleType]] = {}
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = _import(path)
        if not isinstance(getattr(module, "FORMAT", None), str) or not callable(getattr(module, "generate", None)):
            print(f"skipping {path.name}: no FORMAT/generate()", file=sys.stderr)
            continue
        found[module.FORMAT] = (path, module)
    return found


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_generator_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- child: one measurement in a fresh interpreter ---------------------------------------------------------------


def _max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(mode: str, format_id: str, report: Path, generator_file: Path) -> dict[str, Any]:
    """Measure one mode; runs in its own process so that peak RSS belongs to this measurement alone."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    from secureops.core.plugins import get_plugin_manager
    from secureops.core.registry import build_registry
    from secureops.core.reports import ParseContext
    from secureops.importer.parse import parse_report

    generator = _import(generator_file)
    registry = build_registry(get_plugin_manager())  # settings and entry points as the CLI loads them
    importer = registry.importer_for(format_id)
    importer_name = importer.name
    before = _max_rss_kib()
    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "pipeline":
        count = sum(1 for _ in parse_report(registry, report, format=format_id).findings)
    elif mode == "importer":
        with report.open("rb") as stream:
            count = sum(1 for _ in importer.parse(stream, ParseContext(format=format_id, filename=report.name)))
    elif hasattr(generator, "baseline"):
        count = generator.baseline(report)
    else:
        count = _load_whole(report)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    after = _max_rss_kib()
    return {
        "importer": importer_name,
        "findings": count,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_kib": after,
        "growth_kib": max(0, after - before),
    }


def _load_whole(report: Path) -> int:
    """The generic naive baseline: load the whole document; returns -1 (it does not count findings)."""
    with report.open("rb") as handle:
        first = handle.read(256).lstrip()[:1]
        handle.seek(0)
        if first in (b"{", b"["):
            json.load(handle)
        else:
            import xml.etree.ElementTree as ElementTree

            ElementTree.parse(handle)
    return -1


def run_child(mode: str, format_id: str, report: Path, generator_file: Path) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter and return its figures (or the error it reported)."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", mode, format_id, str(report), str(generator_file)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": tail}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- parent -------------------------------------------------------------------------------------------------------


def bench_format(
    format_id: str, generator_file: Path, module: ModuleType, sizes: list[int], workdir: Path, repeat: int
) -> list[dict[str, Any]]:
    """Figures for one format at every size."""
    rows = []
    for size in sizes:
        report = workdir / f"{format_id}-{size}.report"
        started = time.perf_counter()
        module.generate(report, size)
        row: dict[str, Any] = {
            "format": format_id,
            "size": size,
            "bytes": report.stat().st_size,
            "generate_seconds": round(time.perf_counter() - started, 3),
        }
        for mode in MODES:
            best: dict[str, Any] | None = None
            for _ in range(repeat):
                result = run_child(mode, format_id, report, generator_file)
                if "error" in result:
                    best = result
                    break
                if best is None or result["seconds"] < best["seconds"]:
                    best = result
            assert best is not None
            if "error" in best:
                row[f"{mode}_error"] = best["error"]
                continue
            row["importer"] = best["importer"]
            if best["findings"] >= 0 and best["findings"] != size:
                row[f"{mode}_error"] = f"counted {best['findings']} findings, generated {size}"
            row[f"{mode}_findings_per_s"] = round(size / best["seconds"]) if best["seconds"] else None
            row[f"{mode}_findings_per_cpu_s"] = round(size / best["cpu_seconds"]) if best["cpu_seconds"] else None
            row[f"{mode}_seconds"] = round(best["seconds"], 3)
            row[f"{mode}_cpu_seconds"] = round(best["cpu_seconds"], 3)
            row[f"{mode}_peak_rss_mb"] = round(best["peak_rss_kib"] / 1024, 1)
            row[f"{mode}_rss_growth_mb"] = round(best["growth_kib"] / 1024, 1)
        if row.get("pipeline_findings_per_s") and row.get("baseline_findings_per_s"):
            row["speed_ratio_vs_baseline"] = round(row["pipeline_findings_per_s"] / row["baseline_findings_per_s"], 2)
            row["importer_speed_ratio_vs_baseline"] = round(
                row["importer_findings_per_s"] / row["baseline_findings_per_s"], 2
            )
        if "pipeline_rss_growth_mb" in row and "baseline_rss_growth_mb" in row:
            row["memory_ratio_baseline_over_pipeline"] = round(
                row["baseline_rss_growth_mb"] / max(row["pipeline_rss_growth_mb"], 0.1), 1
            )
        report.unlink()
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def _line(row: dict[str, Any]) -> str:
    def get(key: str) -> str:
        value = row.get(key)
        return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)

    errors = "; ".join(f"{k}: {v}" for k, v in row.items() if k.endswith("_error"))
    return (
        f"{row['format']:<14} {row['size']:>8,} findings {row['bytes'] / 1e6:8.1f} MB | "
        f"pipeline {get('pipeline_findings_per_s'):>8}/s rss+{get('pipeline_rss_growth_mb'):>6} MB | "
        f"importer {get('importer_findings_per_s'):>8}/s rss+{get('importer_rss_growth_mb'):>6} MB | "
        f"baseline {get('baseline_findings_per_s'):>8}/s rss+{get('baseline_rss_growth_mb'):>7} MB"
        + (f" | ERROR {errors}" if errors else "")
    )


def _memory_flat(rows: list[dict[str, Any]]) -> bool | None:
    """True when the pipeline's RSS growth at the largest size is within 2x (+8 MB) of the smallest's."""
    grown = [row["pipeline_rss_growth_mb"] for row in rows if "pipeline_rss_growth_mb" in row]
    if len(grown) < 2:
        return None
    return bool(grown[-1] <= 2 * grown[0] + 8)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one line per measurement and, last, one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000,100000", help="comma-separated finding counts")
    parser.add_argument("--formats", default="", help="comma-separated format ids (default: every generator)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is kept")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "FORMAT", "REPORT", "GENERATOR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, format_id, report, generator_file = args.child
        print(json.dumps(child(mode, format_id, Path(report), Path(generator_file))))
        return 0
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    generators = load_generators(HERE / "generators")
    wanted = {f.strip() for f in args.formats.split(",") if f.strip()} or set(generators)
    results: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="secureops-bench-") as tmp:
        for format_id in sorted(wanted):
            if format_id not in generators:
                print(f"no generator for {format_id}", file=sys.stderr)
                continue
            path, module = generators[format_id]
            rows = bench_format(format_id, path, module, sizes, Path(tmp), max(1, args.repeat))
            results.extend(rows)
            largest = rows[-1]
            summary[format_id] = {
                "largest_size": largest["size"],
                "pipeline_findings_per_s": largest.get("pipeline_findings_per_s"),
                "pipeline_findings_per_cpu_s": largest.get("pipeline_findings_per_cpu_s"),
                "importer_findings_per_s": largest.get("importer_findings_per_s"),
                "importer_findings_per_cpu_s": largest.get("importer_findings_per_cpu_s"),
                "speed_ratio_vs_baseline": largest.get("speed_ratio_vs_baseline"),
                "memory_ratio_baseline_over_pipeline": largest.get("memory_ratio_baseline_over_pipeline"),
                "memory_flat": _memory_flat(rows),
            }
            goal = GOALS.get(format_id)
            if goal is not None:
                summary[format_id]["goal_findings_per_s"] = goal
                # Judged on CPU time: the machine may be shared, and the goal is about what one core does.
                summary[format_id]["goal_met"] = bool((largest.get("pipeline_findings_per_cpu_s") or 0) >= goal)
    print(
        json.dumps(
            {
                "benchmark": "parse",
                "python": platform.python_version(),
                "cpus_used": 1,
                "sizes": sizes,
                "summary": summary,
                "results": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
