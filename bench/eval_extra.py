"""Two checks `make eval` runs on top of score.py, on any folder (the corpus too).

    python bench/eval_extra.py idempotence OUTPUT_DIR
        clean every OUTPUT_DIR/*.md again and compare byte for byte, except
        the provenance lines (source, source_sha256): those name the file
        actually read, which is now the report itself
    python bench/eval_extra.py no-harm GOLD_DIR SCRATCH_DIR
        clean hand-cleaned gold texts and count what strip, repair and
        reassemble changed in them (they should change nothing)
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import runner  # noqa: E402
from pipeline.render import PROVENANCE_KEYS  # noqa: E402

JUDGED_STAGES = ("strip", "repair", "reassemble")


def without_provenance(report: str) -> str:
    """The report with its front matter's provenance lines left out (they must change on a re-clean)."""
    head, sep, body = report.partition("\n---\n")
    kept = [line for line in head.split("\n") if line.split(":", 1)[0] not in PROVENANCE_KEYS]
    return "\n".join(kept) + sep + body


def idempotence(output_dir: Path) -> int:
    reports = sorted(output_dir.glob("*.md"))
    with tempfile.TemporaryDirectory() as tmp:
        src, again = Path(tmp) / "in", Path(tmp) / "out"
        src.mkdir()
        for report in reports:
            shutil.copy(report, src / report.name)
        runner.clean(src, again, workers=2)
        differ = [r.name for r in reports
                  if without_provenance((again / r.name).read_text(encoding="utf-8"))
                  != without_provenance(r.read_text(encoding="utf-8"))]
    print(f"idempotence: {len(reports) - len(differ)}/{len(reports)} reports unchanged when cleaned again")
    for name in differ:
        print(f"  CHANGED {name}")
    return 1 if differ else 0


def no_harm(gold_dir: Path, scratch: Path) -> int:
    """Text changes (characters) count as harm; joining lines a link or wrap split does not."""
    with tempfile.TemporaryDirectory() as tmp:
        for text in gold_dir.glob("*.txt"):
            shutil.copy(text, Path(tmp) / text.name)
        runner.clean(Path(tmp), scratch, workers=2)
    harmed = 0
    for changes in sorted(scratch.glob("*.changes.jsonl")):
        text_edits, joins = Counter(), Counter()
        for line in changes.read_text(encoding="utf-8").splitlines():
            edit = json.loads(line)
            if edit["stage"] in JUDGED_STAGES:
                layout_only = "".join(edit["before"].split()) == "".join(edit["after"].split())
                (joins if layout_only else text_edits)[f"{edit['stage']}/{edit['rule']}"] += 1
        stem = changes.name.removesuffix(".changes.jsonl")
        print(f"  {stem:32} text changes {sum(text_edits.values()):3} {dict(text_edits) or ''}"
              f"   line joins {sum(joins.values()):3} {dict(joins) or ''}")
        harmed += bool(text_edits)
    print(f"do no harm: {harmed} gold text(s) with text changed by strip/repair/reassemble")
    return 1 if harmed else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["idempotence"] and len(argv) == 2:
        return idempotence(Path(argv[1]))
    if argv[:1] == ["no-harm"] and len(argv) == 3:
        return no_harm(Path(argv[1]), Path(argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
