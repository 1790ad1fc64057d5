"""The stages chained in memory over a folder: the cleaning rate without files, Luigi or start-up.

    python bench/inmemory.py INPUT [--profile FILE]

Prints one JSON line: documents, bytes, wall and CPU seconds of the cleaning itself (dictionaries
and rule files are loaded before the clock starts), seconds per stage, failures.
bench.py runs it on the generated corpus and on each pathological shape, in a
child process with a time limit, so a shape that stalls cannot stall the benchmark.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import chain  # noqa: E402
from pipeline.stages import STAGES  # noqa: E402


def clean_timed(raw: bytes, source: str, stage_seconds: dict[str, float]) -> None:
    """chain.clean_bytes, step by step, adding each stage's time to `stage_seconds`."""
    start = time.perf_counter()
    extracted_from, extracted = chain.extract_step(raw)
    middle = time.perf_counter()
    _, result = chain.decode_step(raw, source, "", extracted, extracted_from)
    end = time.perf_counter()
    stage_seconds["extract"] += middle - start
    stage_seconds["decode"] += end - middle
    for stage in STAGES[2:]:
        start = time.perf_counter()
        result = chain.text_step(stage, result.text, result.meta)
        stage_seconds[stage] += time.perf_counter() - start


def run(folder: Path) -> dict:
    paths = sorted(p for p in folder.iterdir() if p.is_file())
    chain.warm_up()
    stage_seconds: dict[str, float] = defaultdict(float)
    size, failed = 0, 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for path in paths:
        raw = path.read_bytes()
        size += len(raw)
        try:
            clean_timed(raw, str(path), stage_seconds)
        except Exception:  # noqa: BLE001 - a failing document is counted, the rest still timed
            failed += 1
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return {"docs": len(paths), "bytes": size, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "failed": failed, "stages": dict(stage_seconds)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", type=Path)
    ap.add_argument("--profile", type=Path, help="also write a cProfile of the run here")
    args = ap.parse_args(argv)
    if args.profile:
        profiler = cProfile.Profile()
        data = profiler.runcall(run, args.input)
        profiler.dump_stats(str(args.profile))
    else:
        data = run(args.input)
    print(json.dumps(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
