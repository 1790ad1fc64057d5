"""Which documents are up to date, stale, new, failed or gone, and why.

A stage result is current when a state file with the stage's current key
exists. When it does not, the result left by the previous run (same stage,
older key) says what changed: its source_sha256 differs when the source was
edited; otherwise the stage's code or rule files changed, and those newer than
the old result are named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import rules, store
from .listing import list_inputs
from .runner import failure_reason
from .stages import SHARED_MODULES, STAGES, stage_module
from .store import Doc

STATES = ("up-to-date", "stale", "new", "failed", "gone", "skipped")


@dataclass
class DocStatus:
    stem: str
    state: str  # one of STATES
    why: str


def stage_inputs(stage: str) -> list[Path]:
    """The files a stage's fingerprint hashes: its module, the shared modules, its rule files."""
    module = stage_module(stage)
    names = (stage, *SHARED_MODULES, *getattr(module, "EXTRA_MODULES", ()))
    return [Path(stage_module(n).__file__) for n in names] + [rules.RULES_DIR / f for f in module.RULE_FILES]


def previous_result(output_dir: Path, doc: Doc, stage: str) -> Path | None:
    """The state file an earlier run left for this stage (under an older key), if any."""
    old = [p for p in store.doc_dir(output_dir, doc.stem).glob(f"{stage}-*.json")
           if not p.name.endswith(".error.json")]
    return max(old, key=lambda p: p.stat().st_mtime) if old else None


def changed_files(stage: str, since: float) -> list[str]:
    """Files of the stage's fingerprint modified after `since` (a modification time)."""
    root = Path(stage_module(stage).__file__).parent.parent
    out = []
    for path in stage_inputs(stage):
        try:
            if path.stat().st_mtime > since:
                out.append(str(path.relative_to(root)) if path.is_relative_to(root) else str(path))
        except OSError:
            out.append(f"{path} (missing)")
    return out


def stale_reason(output_dir: Path, doc: Doc, stage: str) -> str:
    """Why `stage` (the first stage without a current result) must run again."""
    old = previous_result(output_dir, doc, stage)
    if old is None:
        return f"stage '{stage}' has no result (an earlier run stopped before it); reruns from '{stage}' on"
    old_state = store.read_json(old)
    old_sha = old_state.get("source_sha256", "")
    if old_sha != doc.sha256:
        return (f"source changed (sha256 {old_sha[:12]}… → {doc.sha256[:12]}…); reruns every stage")
    old_source = old_state.get("meta", {}).get("source", doc.path)
    if stage == STAGES[-1] and old_source != doc.path:
        return f"source moved ({old_source} → {doc.path}); reruns '{stage}' (its front matter states the source)"
    files = changed_files(stage, old.stat().st_mtime)
    what = f" ({', '.join(files)} changed since its last result)" if files else ""
    return f"code or rules of stage '{stage}' changed{what}; reruns from '{stage}' on"


def doc_status(output_dir: Path, doc: Doc) -> DocStatus:
    reason = failure_reason(output_dir, doc)
    if reason:
        return DocStatus(doc.stem, "failed", reason)
    if not store.doc_dir(output_dir, doc.stem).exists():
        return DocStatus(doc.stem, "new", "never cleaned")
    missing = [s for s in STAGES if not store.state_path(output_dir, doc, s).exists()]
    if missing:
        return DocStatus(doc.stem, "stale", stale_reason(output_dir, doc, missing[0]))
    if not store.outputs_in_place(output_dir, doc.stem):
        return DocStatus(doc.stem, "stale", f"{doc.stem}.md or its record is missing (or not a regular file); "
                                            f"the next run writes both again")
    if not store.published_path(output_dir, doc).exists():
        return DocStatus(doc.stem, "stale", f"{doc.stem}.md and its record are not known to be written together "
                                            f"(a run stopped while writing them); the next run writes both again")
    return DocStatus(doc.stem, "up-to-date", f"all {len(STAGES)} stages current")


def document_status(input_dir: Path, output_dir: Path) -> list[DocStatus]:
    output_dir = Path(output_dir)
    listing = list_inputs(Path(input_dir), output_dir)
    rows = [DocStatus(p.name or p.path, "failed", p.reason) for p in listing.problems]
    rows += [doc_status(output_dir, doc) for doc in listing.docs]
    current = {store.safe_name(d.stem) for d in listing.docs} | {store.safe_name(p.name) for p in listing.problems}
    gone = sorted(store.name_of_state(output_dir, folder) for folder in store.state_folders(output_dir)
                  if folder not in current)
    rows += [DocStatus(name, "gone", "source no longer in the input folder; the next run removes its outputs")
             for name in gone]
    rows += [DocStatus(s.path, "skipped", s.reason) for s in listing.skipped]
    return rows
