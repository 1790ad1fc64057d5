"""Time the reassemble stage on the shapes that made it slow (issue 17), built from tests/gold.

- many similar lines: sentences left open (no final punctuation), all alike;
- hard-wrapped reports: the report wrapped at 38 characters a line, 47 KB and 127 KB;
- a page whose report sits on a few long lines;
- a report cut at 8 places and shuffled (the fragment search at its largest).

Prints seconds and KB/s per shape; `--out DIR` also writes each output, to compare
two versions byte for byte.

    .venv/bin/python bench/bench_reassemble.py [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.reassemble import reassemble  # noqa: E402

GOLD = ROOT / "tests" / "gold"


def gold(prefix: str) -> str:
    return next(GOLD.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def body_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if len(line) > 60]


def similar_lines(n: int) -> str:
    """n open sentences that differ in a number only (a table printed as lines)."""
    base = body_lines(gold("002"))[3].split("。")[0]
    return "政府工作报告\n\n各位代表：\n\n" + "\n\n".join(f"{base[:40]}第{i}项{base[40:80]}" for i in range(n)) + "\n"


def hard_wrapped(size: int, width: int = 38) -> str:
    """The reports' body wrapped at `width` characters a line, repeated to about `size` characters."""
    flat = "".join(body_lines(gold("000")) + body_lines(gold("002")))
    while len(flat) < size:
        flat += flat
    flat = flat[:size]
    return "政府工作报告\n各位代表：\n" + "\n".join(flat[i:i + width] for i in range(0, len(flat), width)) + "\n"


def long_lines(parts: int = 3) -> str:
    """A page whose report is printed on a few long lines."""
    paras = body_lines(gold("002")) + body_lines(gold("001"))
    step = -(-len(paras) // parts)
    return "政府工作报告\n\n" + "\n\n".join("".join(paras[i:i + step]) for i in range(0, len(paras), step)) + "\n"


def cut_report() -> str:
    from tests.cutting import cut_and_shuffle

    return cut_and_shuffle(gold("002"), seed=7, markers=False, cuts=8).text


SHAPES: dict[str, Callable[[], str]] = {
    "similar-lines-100": lambda: similar_lines(100),
    "similar-lines-200": lambda: similar_lines(200),
    "similar-lines-400": lambda: similar_lines(400),
    "hard-wrapped-47k": lambda: hard_wrapped(47_000),
    "hard-wrapped-127k": lambda: hard_wrapped(127_000),
    "long-lines": long_lines,
    "cut-8-shuffled": cut_report,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write each shape's output here")
    args = parser.parse_args(argv)
    reassemble("政府工作报告\n\n各位代表：\n\n现在，我代表", {})  # load the word list and rules once
    print(f"{'shape':20} {'KB':>7} {'lines':>6} {'seconds':>8} {'KB/s':>8}")
    for name, make in SHAPES.items():
        text = make()
        start = time.perf_counter()
        result = reassemble(text, {})
        seconds = time.perf_counter() - start
        kb = len(text.encode("utf-8")) / 1024
        print(f"{name:20} {kb:7.1f} {text.count(chr(10)):6d} {seconds:8.3f} {kb / max(seconds, 1e-9):8.0f}")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{name}.txt").write_text(result.text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
