"""`make bench`: how fast the pipeline is, against the peer and against itself, side by side.

Generates N messy documents (bench/generate.py), then measures in one run:
the full pipeline with 1 and 2 workers; the same stage functions in a plain
loop without Luigi (1 and 2 processes); a plain read-and-write copy of the
same bytes (the I/O floor); a no-op rerun; a rerun after one source changed;
peak memory at N and at N/4; the peer, Data-Juicer's Chinese text recipe
(../shared/eval/peer_datajuicer.py, in its own virtual environment
bench/.peer-venv, made on first use), one process on the same corpus; the
size of the output folder (state included); and the in-memory cleaning rate
on the corpus and on each pathological shape (bench/shapes.py), each shape
in a child process with a time limit. Prints docs/s, MB/s and the ratios, and
writes them to a JSON file. Targets (ratios, so they hold on any machine):
ours / Data-Juicer per core >= 1.5, every shape >= half the corpus rate,
output folder <= 3x the input, Luigi overhead (pipeline 2 workers / plain
loop 2 processes) <= 1.3, no-op rerun <= 3% of the full run, peak memory
independent of N and below the peer's.
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
from bench.shapes import write_shapes  # noqa: E402

# Upper bounds (a ratio must stay at or below) and lower bounds (at or above).
TARGETS = {"luigi_overhead": 1.3, "noop_share": 0.03, "memory_growth": 1.5, "state_over_input": 3.0,
           "peak_over_peer": 1.0}
FLOORS = {"ours_over_peer_per_core": 1.5, "slowest_shape_over_corpus": 0.5}
PEER_VENV = ROOT / "bench" / ".peer-venv"
PEER_PACKAGES = ("py-data-juicer", "aiohttp", "chardet")
SHAPE_SECONDS = 300  # default: a shape still running after this many seconds is reported as stalled


def measured(cmd: list[str]) -> dict[str, float]:
    """Run a command; its wall time, CPU time and the peak RSS of it and its children (MB)."""
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
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                      "peak_mb": usage.ru_maxrss / 1024}))


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


def peer_python() -> Path | None:
    """The peer's interpreter, its virtual environment made on first use (None if it cannot be)."""
    python = PEER_VENV / "bin" / "python"
    marker = PEER_VENV / ".installed"
    if marker.exists():
        return python
    print(f"making the peer's virtual environment {PEER_VENV} ({', '.join(PEER_PACKAGES)}) …", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  the peer cannot be installed ({exc}); its rows are left out", flush=True)
        return None
    marker.touch()
    return python


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def inmemory_rate(folder: Path, limit: float) -> dict:
    """bench/inmemory.py on a folder in a child process: MB per CPU second of the cleaning, or stalled."""
    cmd = [sys.executable, str(ROOT / "bench" / "inmemory.py"), str(folder)]
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True, timeout=limit)
    except subprocess.TimeoutExpired:
        size = folder_bytes(folder)
        return {"bytes": size, "seconds": limit, "cpu_seconds": limit, "stalled": True, "mb_per_s": size / 1e6 / limit}
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["mb_per_s"] = data["bytes"] / 1e6 / max(data["cpu_seconds"], 1e-9)
    return data


def shape_rates(work: Path, corpus: Path | None, limit: float) -> dict[str, dict]:
    """In-memory rate on the generated corpus and on every pathological shape."""
    rates = {"corpus": inmemory_rate(work / "raw", limit)}
    for name, folder in write_shapes(ROOT / "seeds", corpus, work / "shapes").items():
        print(f"  shape {name} …", end=" ", flush=True)
        rates[name] = inmemory_rate(folder, limit)
        print(f"{rates[name]['mb_per_s']:.2f} MB/s{' (stalled)' if rates[name].get('stalled') else ''}", flush=True)
    return rates


INPUT_MARK = b"<input>"  # the input folder in saved outputs: runs in different folders compare equal


def _portable(data: bytes, src: Path) -> bytes:
    return data.replace(str(src).encode(), INPUT_MARK)


def compare_outputs(out: Path, baseline: Path, src: Path) -> list[str]:
    """Reports, change records and the catalogue that differ from a saved run's (input folder aside)."""
    names = sorted({p.name for p in out.iterdir() if p.is_file()} | {p.name for p in baseline.iterdir()
                                                                    if p.is_file()})
    return [name for name in names
            if not (out / name).is_file() or not (baseline / name).is_file()
            or _portable((out / name).read_bytes(), src) != (baseline / name).read_bytes()]


def save_outputs(out: Path, dest: Path, src: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for path in out.iterdir():
        if path.is_file():
            (dest / path.name).write_bytes(_portable(path.read_bytes(), src))


def run(n: int, seed: int, shared: Path, keep: bool, baseline: Path | None = None,
        save: Path | None = None, shape_seconds: float = SHAPE_SECONDS) -> dict:
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
        state_bytes = folder_bytes(work / "out1")
        peer = peer_python()
        if peer is not None:
            step("peer_datajuicer_1_process", [str(peer), str(shared / "eval" / "peer_datajuicer.py"),
                                               str(src), str(work / "peer")])
        step("pipeline_2_workers", pipeline_cmd(src, work / "out2", 2))
        step("plain_loop_1_process", plain_cmd(src, work / "plain1", 1))
        step("plain_loop_2_processes", plain_cmd(src, work / "plain2", 2))
        floor = io_floor(src, work / "copy")
        results["io_floor"] = {"seconds": floor, "cpu_seconds": floor, "peak_mb": 0.0}
        step("noop_rerun", pipeline_cmd(src, work / "out2", 2))
        paths = sorted(src.iterdir())
        paths[-1].write_bytes(paths[0].read_bytes())  # one source gets new content
        step("rerun_one_changed", pipeline_cmd(src, work / "out2", 2))
        step("pipeline_2_workers_quarter_n", pipeline_cmd(small, work / "out-small", 2))
        differing = compare_outputs(work / "out1", baseline, src) if baseline else None
        if save:
            save_outputs(work / "out1", save, src)
        rates = shape_rates(work, corpus if corpus.is_dir() else None, shape_seconds)
        data = report(n, megabytes, results, state_bytes / (megabytes * 1e6), rates)
        if differing is not None:
            data["outputs_differing_from_baseline"] = differing
            print(f"\noutputs differing from {baseline}: {len(differing)}"
                  + (f" ({', '.join(differing[:5])} …)" if differing else " (byte-identical)"))
        return data
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def report(n: int, megabytes: float, results: dict[str, dict[str, float]], state_over_input: float,
           rates: dict[str, dict]) -> dict:
    secs = {k: v["seconds"] for k, v in results.items()}
    ratios = {
        "state_over_input": state_over_input,
        "luigi_overhead": secs["pipeline_2_workers"] / secs["plain_loop_2_processes"],
        "luigi_overhead_1_worker": secs["pipeline_1_worker"] / secs["plain_loop_1_process"],
        "pipeline_over_io_floor": secs["pipeline_2_workers"] / max(secs["io_floor"], 1e-9),
        "noop_share": secs["noop_rerun"] / secs["pipeline_2_workers"],
        "one_changed_share": secs["rerun_one_changed"] / secs["pipeline_2_workers"],
        "memory_growth": results["pipeline_2_workers"]["peak_mb"]
        / max(results["pipeline_2_workers_quarter_n"]["peak_mb"], 1e-9),
        "slowest_shape_over_corpus": min(r["mb_per_s"] for k, r in rates.items() if k != "corpus")
        / rates["corpus"]["mb_per_s"],
    }
    if "peer_datajuicer_1_process" in secs:
        # per core: MB per CPU second of the whole process tree (start-up included), so
        # other load on the machine does not count; the wall-clock ratios beside it do.
        cpu = {k: v["cpu_seconds"] for k, v in results.items()}
        ratios["ours_over_peer_per_core"] = cpu["peer_datajuicer_1_process"] / cpu["pipeline_1_worker"]
        ratios["ours_2_workers_over_peer_per_core"] = cpu["peer_datajuicer_1_process"] / cpu["pipeline_2_workers"]
        ratios["ours_over_peer_wall_1_worker"] = secs["peer_datajuicer_1_process"] / secs["pipeline_1_worker"]
        ratios["ours_over_peer_wall_2_workers"] = secs["peer_datajuicer_1_process"] / secs["pipeline_2_workers"]
        ratios["peak_over_peer"] = max(results["pipeline_1_worker"]["peak_mb"],
                                       results["pipeline_2_workers"]["peak_mb"]) / results[
            "peer_datajuicer_1_process"]["peak_mb"]
    print(f"\n{n} documents, {megabytes:.1f} MB")
    print(f"{'run':32} {'seconds':>9} {'docs/s':>9} {'MB/s':>9} {'CPU s':>9} {'MB/CPU s':>9} {'peak MB':>9}")
    for name, r in results.items():
        docs = n if name != "pipeline_2_workers_quarter_n" else max(1, n // 4)
        mb = megabytes if docs == n else megabytes / 4
        cpu = r.get("cpu_seconds", 0.0)
        print(f"{name:32} {r['seconds']:9.2f} {docs / r['seconds']:9.1f} {mb / r['seconds']:9.2f} "
              f"{cpu:9.2f} {mb / cpu if cpu else 0.0:9.2f} {r['peak_mb']:9.0f}")
    print(f"\n{'in memory (per CPU second)':32} {'MB':>9} {'CPU s':>9} {'MB/s':>9} {'÷ corpus':>9}")
    for name, r in rates.items():
        print(f"{name:32} {r['bytes'] / 1e6:9.2f} {r['cpu_seconds']:9.2f} {r['mb_per_s']:9.2f} "
              f"{r['mb_per_s'] / rates['corpus']['mb_per_s']:9.2f}{'  stalled' if r.get('stalled') else ''}")
    print()
    for name, value in ratios.items():
        print(f"{name:32} {value:9.3f}{verdict(name, value)}")
    return {"n": n, "megabytes": megabytes, "results": results, "ratios": ratios, "in_memory": rates,
            "targets": TARGETS, "floors": FLOORS}


def verdict(name: str, value: float) -> str:
    if name in TARGETS:
        return "  ok" if value <= TARGETS[name] else f"  MISSES target <= {TARGETS[name]}"
    if name in FLOORS:
        return "  ok" if value >= FLOORS[name] else f"  MISSES target >= {FLOORS[name]}"
    return ""


def compile_project() -> None:
    """Bytecode for the project's modules as they are now (an editable install compiles none, and with
    PYTHONDONTWRITEBYTECODE set every run would compile them again): the runs measure cleaning, not that."""
    import compileall

    for folder in ("pipeline", "tasks"):
        compileall.compile_dir(ROOT / folder, quiet=1)


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
    ap.add_argument("--save-outputs", type=Path, help="copy the reports, records and catalogue here")
    ap.add_argument("--compare-outputs", type=Path,
                    help="a folder saved by --save-outputs (same N and seed): list every output that differs")
    ap.add_argument("--shape-seconds", type=float, default=SHAPE_SECONDS,
                    help=f"time limit of each in-memory run (default {SHAPE_SECONDS}); past it: stalled")
    args = ap.parse_args(argv)
    compile_project()
    data = run(args.n, args.seed, args.shared, args.keep, args.compare_outputs, args.save_outputs, args.shape_seconds)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
