"""`make bench`: how fast the pipeline is, and what Luigi costs, measured side by side.

Generates N messy documents (bench/generate.py), then measures in one run:
the full pipeline with 1 and 2 workers; the same stage functions in a plain
loop without Luigi (1 and 2 processes); a plain read-and-write copy of the
same bytes (the I/O floor); a no-op rerun; a rerun after one source changed;
peak memory at N and at N/4. Prints docs/s, MB/s and the ratios, and writes
them to a JSON file. Targets (ratios, so they hold on any machine):
Luigi overhead (pipeline 2 workers / plain loop 2 processes) <= 1.3,
no-op rerun <= 3% of the full run, peak memory independent of N.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

TARGETS = {"luigi_overhead": 1.3, "noop_share": 0.03, "memory_growth": 1.5}


def measured(cmd: list[str]) -> dict[str, float]:
    """Run a command; its wall time and the peak RSS of it and its children (MB)."""
    probe = [sys.executable, __file__, "--measure", "--", *cmd]
    out = subprocess.run(probe, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_child(cmd: list[str]) -> None:
    """Inner half of `measured`: time the command; rusage of children includes its workers."""
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(result.returncode)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def pipeline_cmd(src: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "pipeline", "clean", "--input", str(src), "--output", str(out),
            "--workers", str(workers), "--progress-seconds", "0"]


def plain_cmd(src: Path, out: Path, processes: int) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "plain_loop.py"), str(src), str(out), str(processes)]


def io_floor(src: Path, out: Path) -> float:
    """Read every source and write its bytes: the least any cleaner must do."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for path in sorted(src.iterdir()):
        (out / path.name).write_bytes(path.read_bytes())
    return time.perf_counter() - start


def run(n: int, seed: int, shared: Path, keep: bool) -> dict:
    work = Path(tempfile.mkdtemp(prefix="gwr-bench-"))
    try:
        corpus = shared / "corpus" / "raw"
        src = work / "raw"
        print(f"generating {n} documents (seed {seed}) in {src} …", flush=True)
        generate(n, seed, ROOT / "seeds", corpus if corpus.is_dir() else None, src)
        small = work / "raw-small"
        generate(max(1, n // 4), seed, ROOT / "seeds", corpus if corpus.is_dir() else None, small)
        megabytes = sum(p.stat().st_size for p in src.iterdir()) / 1e6
        results: dict[str, dict[str, float]] = {}

        def step(name: str, cmd: list[str]) -> None:
            print(f"  {name} …", end=" ", flush=True)
            results[name] = measured(cmd)
            print(f"{results[name]['seconds']:.1f} s, peak {results[name]['peak_mb']:.0f} MB", flush=True)

        step("pipeline_1_worker", pipeline_cmd(src, work / "out1", 1))
        step("pipeline_2_workers", pipeline_cmd(src, work / "out2", 2))
        step("plain_loop_1_process", plain_cmd(src, work / "plain1", 1))
        step("plain_loop_2_processes", plain_cmd(src, work / "plain2", 2))
        results["io_floor"] = {"seconds": io_floor(src, work / "copy"), "peak_mb": 0.0}
        step("noop_rerun", pipeline_cmd(src, work / "out2", 2))
        paths = sorted(src.iterdir())
        paths[-1].write_bytes(paths[0].read_bytes())  # one source gets new content
        step("rerun_one_changed", pipeline_cmd(src, work / "out2", 2))
        step("pipeline_2_workers_quarter_n", pipeline_cmd(small, work / "out-small", 2))
        return report(n, megabytes, results)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def report(n: int, megabytes: float, results: dict[str, dict[str, float]]) -> dict:
    secs = {k: v["seconds"] for k, v in results.items()}
    ratios = {
        "luigi_overhead": secs["pipeline_2_workers"] / secs["plain_loop_2_processes"],
        "luigi_overhead_1_worker": secs["pipeline_1_worker"] / secs["plain_loop_1_process"],
        "pipeline_over_io_floor": secs["pipeline_2_workers"] / max(secs["io_floor"], 1e-9),
        "noop_share": secs["noop_rerun"] / secs["pipeline_2_workers"],
        "one_changed_share": secs["rerun_one_changed"] / secs["pipeline_2_workers"],
        "memory_growth": results["pipeline_2_workers"]["peak_mb"]
        / max(results["pipeline_2_workers_quarter_n"]["peak_mb"], 1e-9),
    }
    print(f"\n{n} documents, {megabytes:.1f} MB")
    print(f"{'run':32} {'seconds':>9} {'docs/s':>9} {'MB/s':>9} {'peak MB':>9}")
    for name, r in results.items():
        docs = n if name != "pipeline_2_workers_quarter_n" else max(1, n // 4)
        mb = megabytes if docs == n else megabytes / 4
        print(f"{name:32} {r['seconds']:9.2f} {docs / r['seconds']:9.1f} {mb / r['seconds']:9.2f} "
              f"{r['peak_mb']:9.0f}")
    print()
    for name, value in ratios.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else ("  ok" if value <= target else f"  MISSES target {target}")
        print(f"{name:32} {value:9.3f}{verdict}")
    return {"n": n, "megabytes": megabytes, "results": results, "ratios": ratios, "targets": TARGETS}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--measure", "--"]:
        measure_child(argv[2:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="documents to generate (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the generated mess (default 1)")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                    help="the shared folder; its corpus/raw pages are used as sources when present")
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "bench.json",
                    help="where to write the measurements (default bench/results/bench.json)")
    ap.add_argument("--keep", action="store_true", help="keep the generated corpus and outputs")
    args = ap.parse_args(argv)
    data = run(args.n, args.seed, args.shared, args.keep)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
