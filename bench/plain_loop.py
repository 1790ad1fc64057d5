"""The same stage functions and files as the pipeline, in a plain loop without Luigi.

Used by bench.py as the baseline that Luigi's overhead is measured against:
`python bench/plain_loop.py INPUT OUTPUT PROCESSES`.
"""

from __future__ import annotations

import sys
from multiprocessing import Pool
from pathlib import Path

from pipeline import execute, runner
from pipeline.stages import STAGES


def clean_one(args: tuple[tuple[str, str, str], str]) -> bool:
    """Every stage of one document, as the Luigi tasks would run them."""
    triple, output = args
    doc = runner.Doc(*triple)
    try:
        for stage in STAGES:
            execute.run_stage(stage, doc, Path(output))
    except execute.DocumentFailed:
        return False
    return True


def main(input_dir: str, output_dir: str, processes: int) -> int:
    docs, _ = runner.discover(Path(input_dir))
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    jobs = [(d.as_tuple(), output_dir) for d in docs]
    if processes == 1:
        results = [clean_one(job) for job in jobs]
    else:
        with Pool(processes) as pool:
            results = pool.map(clean_one, jobs, chunksize=8)
    print(f"plain loop: {sum(results)} cleaned, {len(results) - sum(results)} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
