"""Which documents are up to date, stale, new or failed, and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import store
from .runner import discover, failure_reason
from .stages import STAGES


@dataclass
class DocStatus:
    stem: str
    state: str  # up-to-date | stale | new | failed
    why: str


def document_status(input_dir: Path, output_dir: Path) -> list[DocStatus]:
    docs, problems = discover(Path(input_dir))
    output_dir = Path(output_dir)
    rows = [DocStatus(Path(p.path).name, "failed", p.reason) for p in problems]
    for doc in docs:
        reason = failure_reason(output_dir, doc)
        if reason:
            rows.append(DocStatus(doc.stem, "failed", reason))
            continue
        missing = [s for s in STAGES if not store.state_path(output_dir, doc, s).exists()]
        if not missing:
            rows.append(DocStatus(doc.stem, "up-to-date", f"all {len(STAGES)} stages current"))
        elif not store.doc_dir(output_dir, doc.stem).exists():
            rows.append(DocStatus(doc.stem, "new", "never cleaned"))
        else:
            rows.append(DocStatus(doc.stem, "stale", f"source, code or rules changed from stage '{missing[0]}' on"))
    return rows
