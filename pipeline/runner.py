"""Running the whole pipeline over a folder with Luigi, and summarising what happened."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import store
from .rules import validate_all
from .stages import STAGES
from .store import Doc

# A temporary file this old has no live writer (a write takes milliseconds).
STALE_TMP_SECONDS = 600.0
# Folders up to this size get one Luigi task per document and stage by default.
SMALL_FOLDER = 100
UNITS_PER_WORKER = 8


@dataclass
class Problem:
    """An input that could not even be scheduled (unreadable, duplicate stem)."""

    path: str
    reason: str


@dataclass
class RunSummary:
    docs: list[Doc] = field(default_factory=list)
    ran: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    failed: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    luigi_status: str = ""
    luigi_ran: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    catalogue: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict:
        return {"documents": len(self.docs), "ran": dict(self.ran), "up_to_date": dict(self.skipped),
                "failed": self.failed, "removed": self.removed, "luigi_status": self.luigi_status,
                "luigi_ran": [[family, list(stems)] for family, stems in self.luigi_ran]}

    def write_json(self, path: Path) -> None:
        store.write_text_atomic(Path(path), json.dumps(self.to_json(), ensure_ascii=False, indent=1))

    def lines(self) -> list[str]:
        out = [f"documents: {len(self.docs)}, failed: {len(self.failed)}, removed (source gone): {len(self.removed)}"]
        for stage in STAGES:
            out.append(f"  {stage:<11} ran {self.ran[stage]:>5}   up to date {self.skipped[stage]:>5}")
        out += [f"FAILED {reason}" for reason in self.failed.values()]
        out += [f"removed outputs of vanished source: {stem}" for stem in self.removed]
        out += [f"catalogue: {self.catalogue}"] if self.catalogue else []
        return out


def discover(input_dir: Path) -> tuple[list[Doc], list[Problem]]:
    """Every regular file in the folder (not hidden) is a document, named by its stem."""
    if not input_dir.is_dir():
        raise FileNotFoundError(f"{input_dir}: input folder does not exist")
    docs, problems, seen = [], [], {}
    for path in sorted(input_dir.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        stem = path.stem
        if stem in seen:
            problems.append(Problem(str(path), f"{path}: same output name '{stem}.md' as {seen[stem]}; skipped"))
            continue
        try:
            digest = store.sha256_file(path)
        except OSError as exc:
            problems.append(Problem(str(path), f"{path}: cannot read: {exc.strerror or exc}"))
            continue
        seen[stem] = path
        docs.append(Doc(stem, str(path), digest))
    return docs, problems


def prune(output_dir: Path, docs: list[Doc]) -> list[str]:
    """Remove the outputs of documents whose source is gone; return their stems."""
    current = {d.stem for d in docs}
    gone = sorted(store.known_stems(output_dir) - current)
    for stem in gone:
        store.remove_document(output_dir, stem)
    return gone


def auto_shard_size(n_docs: int, workers: int) -> int:
    """One document per task for small folders (easy to follow and debug); for large
    ones, shards that give each worker about UNITS_PER_WORKER tasks per stage, since
    Luigi's scheduling costs ~10 ms per task (see docs in README, Scale)."""
    if n_docs <= SMALL_FOLDER:
        return 1
    return max(1, -(-n_docs // (max(1, workers) * UNITS_PER_WORKER)))


def republish_missing_reports(output_dir: Path, docs: list[Doc]) -> int:
    """A report deleted by hand is written again from its stored final state (no stage reruns).

    Done here rather than in a task's complete(), which stays one stat.
    """
    from .execute import publish

    count = 0
    for doc in docs:
        state = store.state_path(output_dir, doc, STAGES[-1])
        if not store.report_path(output_dir, doc.stem).exists() and state.exists():
            publish(output_dir, doc, store.read_json(state))
            count += 1
    return count


def make_units(docs: list[Doc], shard_size: int) -> tuple[tuple[tuple[str, str, str], ...], ...]:
    """Group documents into units of work of `shard_size` documents each."""
    size = max(1, shard_size)
    triples = [d.as_tuple() for d in docs]
    return tuple(tuple(triples[i:i + size]) for i in range(0, len(triples), size))


def snapshot(output_dir: Path, docs: list[Doc]) -> dict[tuple[str, str], bool]:
    """Which (document, stage) results exist now."""
    return {(d.stem, s): store.state_path(output_dir, d, s).exists() for d in docs for s in STAGES}


def failure_reason(output_dir: Path, doc: Doc) -> str | None:
    """The recorded reason when some stage of this document failed for its current keys."""
    for stage in STAGES:
        path = store.error_path(output_dir, doc, stage)
        if path.exists():
            return store.read_json(path)["reason"]
        if not store.state_path(output_dir, doc, stage).exists():
            return None
    return None


def completed_tasks(result) -> list[tuple[str, tuple[str, ...]]]:
    """(task family, document stems) of every task that ran in a Luigi build.

    Read from the detailed summary (`luigi.build(..., detailed_summary=True)`).
    """
    from luigi.execution_summary import _summary_dict

    done = _summary_dict(result.worker)["completed"]
    return sorted((t.get_task_family(), tuple(d[0] for d in getattr(t, "docs", ()))) for t in done)


def quiet_luigi() -> None:
    for name in ("luigi", "luigi-interface"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build(units, output_dir: Path, workers: int, scheduler_url: str | None = None, warm: bool = True):
    """Run CleanReports under Luigi (local scheduler unless a luigid URL is given)."""
    import luigi

    from tasks import CleanReports

    from .chain import warm_up

    quiet_luigi()
    if workers > 1 and warm:
        warm_up()
    task = CleanReports(units=units, output_dir=str(output_dir))
    options = {"workers": workers, "detailed_summary": True, "log_level": "WARNING"}
    if scheduler_url:
        # Stay until every document is done, also those another machine is running,
        # so that this worker's summary covers the whole folder.
        luigi.configuration.get_config().set("worker", "keep_alive", "true")
        options["scheduler_url"] = scheduler_url
    else:
        options["local_scheduler"] = True
    return luigi.build([task], **options)


class Progress:
    """A background thread printing, every `seconds`, how many documents each stage has done."""

    def __init__(self, output_dir: Path, docs: list[Doc], seconds: float, stream=None) -> None:
        self.output_dir, self.docs, self.seconds = output_dir, docs, seconds
        self.stream = stream or sys.stderr
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._start = time.monotonic()

    def __enter__(self) -> Progress:
        if self.seconds > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.seconds > 0:
            self._stop.set()
            self._thread.join()
            self.report()

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            self.report()

    def report(self) -> None:
        done = Counter(s for (_, s), exists in snapshot(self.output_dir, self.docs).items() if exists)
        failed = sum(1 for d in self.docs if failure_reason(self.output_dir, d))
        elapsed = int(time.monotonic() - self._start)
        counts = " · ".join(f"{s} {done[s]}/{len(self.docs)}" for s in STAGES)
        print(f"[{elapsed // 60:02d}:{elapsed % 60:02d}] {counts} · failed {failed}", file=self.stream, flush=True)


class OutputError(OSError):
    """The output folder cannot be written (read-only, full, missing permissions)."""


def check_writable(output_dir: Path) -> None:
    """Fail early, with the reason, when the output folder cannot take a file."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / f".write-probe-{os.getpid()}.tmp"
        store.write_bytes_atomic(probe, b"x" * 4096)
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{output_dir}: output folder is not writable: {exc.strerror or exc}") from exc


def sweep_temporary_files(output_dir: Path, older_than: float | None = None) -> int:
    """Remove temporary files left by a killed run (older than any live write)."""
    older_than = STALE_TMP_SECONDS if older_than is None else older_than
    now, removed = time.time(), 0
    for path in output_dir.rglob(".*.tmp"):
        try:
            if now - path.stat().st_mtime >= older_than:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def clean(input_dir: Path, output_dir: Path, workers: int = 1, shard_size: int | None = None,
          scheduler_url: str | None = None, progress_seconds: float = 0,
          catalogue_parquet: bool = False) -> RunSummary:
    """Clean every document of input_dir into output_dir; only what changed runs.

    shard_size None picks one automatically (auto_shard_size); progress_seconds > 0
    prints a line of counts to stderr at that interval while Luigi runs.
    """
    validate_all()  # a malformed rule file stops the run before any document is processed
    docs, problems = discover(Path(input_dir))
    output_dir = Path(output_dir)
    check_writable(output_dir)
    sweep_temporary_files(output_dir)
    summary = RunSummary(docs=docs, removed=prune(output_dir, docs))
    republish_missing_reports(output_dir, docs)
    before = snapshot(output_dir, docs)
    if docs:
        size = shard_size or auto_shard_size(len(docs), workers)
        with Progress(output_dir, docs, progress_seconds):
            result = build(make_units(docs, size), output_dir, workers, scheduler_url,
                           warm=not all(before.values()))
        summary.luigi_status = result.status.name
        summary.luigi_ran = completed_tasks(result)
    after = snapshot(output_dir, docs)
    for (stem, stage), existed in before.items():
        if existed:
            summary.skipped[stage] += 1
        elif after[(stem, stage)]:
            summary.ran[stage] += 1
    for doc in docs:
        reason = failure_reason(output_dir, doc)
        if reason:
            summary.failed[doc.stem] = reason
        elif not after[(doc.stem, STAGES[-1])]:
            summary.failed[doc.stem] = f"{doc.path}: did not finish (Luigi status {summary.luigi_status})"
    for problem in problems:
        summary.failed[problem.path] = problem.reason
    from . import catalogue  # the corpus-level step over the finished documents

    catalogue.add_to_summary(summary, Path(input_dir), output_dir, problems, parquet=catalogue_parquet)
    return summary
