"""Reading order from column cuts: clean cut-and-shuffled reports and score them.

Each gold text of a folder (default ../shared/corpus/gold, read at run time and
never copied) is cut at 2–8 random places, its pieces printed out of order with
and without jump markers (tests/cutting.py), cleaned by the whole pipeline and
scored with ../shared/eval/score.py's measures. Targets: order >= .995,
similarity >= .98, recall >= .998.

    .venv/bin/python bench/eval_cuts.py [--gold DIR] [--score PATH] [--seeds 6]
        [--cuts 3-5] [--markers alternate|always|never] [--first-seed 0]

The default mixes reports with markers (even seeds) and without (odd ones), 2–8
cuts; `--cuts 3-5 --markers always` is the held-out kind (3–5 cuts, markers on
most pieces: each cut carries its pair of markers with probability .8).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
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
    parser.add_argument("--cuts", help="cuts per report, MIN-MAX (default: 2-8, as tests/cutting.py draws them)")
    parser.add_argument("--markers", choices=("alternate", "always", "never"), default="alternate",
                        help="jump markers: on even seeds (default), on every variant, or none")
    parser.add_argument("--first-seed", type=int, default=0, help="seed of the first variant (default 0)")
    args = parser.parse_args(argv)
    bounds = tuple(int(x) for x in args.cuts.split("-")) if args.cuts else None
    scorer = load_scorer(args.score)
    totals = {"order": 0.0, "sim": 0.0, "recall": 0.0, "raw_order": 0.0}
    weight = 0
    print(f"{'document':28} {'variants':>8} {'raw order':>9} {'order':>7} {'sim':>7} {'recall':>7}")
    for path in sorted(args.gold.glob("*.txt")):
        gold = path.read_text(encoding="utf-8")
        doc = {k: 0.0 for k in totals}
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            markers = {"alternate": seed % 2 == 0, "always": True, "never": False}[args.markers]
            cuts = random.Random(seed).randint(*bounds) if bounds else None
            cut = cut_and_shuffle(gold, seed, markers=markers, cuts=cuts)
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
