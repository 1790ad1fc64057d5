"""Reading order from column cuts: clean cut-and-shuffled reports and score them.

Each gold text of a folder (default ../shared/corpus/gold, read at run time and
never copied) is cut at 2–8 random places, its pieces printed out of order with
and without jump markers (tests/cutting.py), cleaned by the whole pipeline and
scored with ../shared/eval/score.py's measures. Targets: order >= .995,
similarity >= .98, recall >= .998.

    .venv/bin/python bench/eval_cuts.py [--gold DIR] [--score PATH] [--seeds 6]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.api import clean  # noqa: E402
from tests.cutting import cut_and_shuffle  # noqa: E402


def load_scorer(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("score", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "corpus" / "gold")
    parser.add_argument("--score", type=Path, default=ROOT.parent / "shared" / "eval" / "score.py")
    parser.add_argument("--seeds", type=int, default=6, help="cut-and-shuffle variants per report")
    parser.add_argument("--verbose", action="store_true", help="one line per variant")
    args = parser.parse_args(argv)
    scorer = load_scorer(args.score)
    totals = {"order": 0.0, "sim": 0.0, "recall": 0.0, "raw_order": 0.0}
    weight = 0
    print(f"{'document':28} {'variants':>8} {'raw order':>9} {'order':>7} {'sim':>7} {'recall':>7}")
    for path in sorted(args.gold.glob("*.txt")):
        gold = path.read_text(encoding="utf-8")
        doc = {k: 0.0 for k in totals}
        for seed in range(args.seeds):
            cut = cut_and_shuffle(gold, seed, markers=seed % 2 == 0)
            raw = scorer.score_doc(gold, cut.text)
            got = scorer.score_doc(gold, clean(cut.text, path.name).markdown)
            for name in ("order", "sim", "recall"):
                doc[name] += got[name] or 0.0
            doc["raw_order"] += raw["order"]
            if args.verbose:
                print(f"  {path.stem} seed {seed}: pieces {len(cut.pieces)} order {got['order']:.4f} "
                      f"sim {got['sim'] or 0:.4f} recall {got['recall']:.4f}")
        n = len(gold)
        for name in totals:
            totals[name] += doc[name] / args.seeds * n
        weight += n
        print(f"{path.stem:28} {args.seeds:>8} {doc['raw_order'] / args.seeds:9.4f} "
              f"{doc['order'] / args.seeds:7.4f} {doc['sim'] / args.seeds:7.4f} {doc['recall'] / args.seeds:7.4f}")
    if weight:
        print(f"{'ALL (char-weighted)':28} {'':>8} {totals['raw_order'] / weight:9.4f} {totals['order'] / weight:7.4f} "
              f"{totals['sim'] / weight:7.4f} {totals['recall'] / weight:7.4f}")
        print("targets: order >= .995, sim >= .98, recall >= .998")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
