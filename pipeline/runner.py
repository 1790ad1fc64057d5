"""Running the whole pipeline over a folder with Luigi, and summarising what happened."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import store
from .listing import Listing, Problem, Skipped, list_inputs
from .rules import rules_digest, validate_all
from .stages import STAGES
from .store import Doc

# While another run holds the output folder, a temporary file this old has no live writer
# (a write takes milliseconds); when no other run holds it, every temporary is stale.
STALE_TMP_SECONDS = 600.0
SCHEDULER_TIMEOUT = 3.0
UP_TO_DATE = "UP_TO_DATE"  # luigi_status of a run that found every document done and left Luigi out
# Folders up to this size get one Luigi task per document and stage by default.
SMALL_FOLDER = 100
# Tasks per stage per worker for larger folders: each task is a process Luigi forks (~50 ms of
# CPU each, and the texts of the previous stage read back from disk), so few and large on one
# machine; more where a central scheduler spreads them over several machines.
UNITS_PER_WORKER = 2
UNITS_PER_WORKER_SHARED = 8


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
    problems: list[Problem] = field(default_factory=list)
    not_inputs: list[Skipped] = field(default_factory=list)
    cleaned: int = 0
    up_to_date: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def documents(self) -> int:
        """Every input: the documents listed and the inputs that could not be read."""
        return len(self.docs) + len(self.problems)

    @property
    def failed_documents(self) -> int:
        return self.documents - self.cleaned - self.up_to_date

    def to_json(self) -> dict:
        return {"documents": self.documents, "cleaned": self.cleaned, "up_to_date_documents": self.up_to_date,
                "failed_documents": self.failed_documents, "ran": dict(self.ran), "up_to_date": dict(self.skipped),
                "failed": self.failed, "skipped": {s.path: s.reason for s in self.not_inputs},
                "removed": self.removed, "luigi_status": self.luigi_status,
                "luigi_ran": [[family, list(stems)] for family, stems in self.luigi_ran]}

    def write_json(self, path: Path) -> None:
        store.write_text_atomic(Path(path), json.dumps(self.to_json(), ensure_ascii=False, indent=1))

    def lines(self) -> list[str]:
        out = [f"documents: {self.documents}, cleaned: {self.cleaned}, up to date: {self.up_to_date}, "
               f"failed: {self.failed_documents}; not inputs (skipped): {len(self.not_inputs)}, "
               f"removed (source gone): {len(self.removed)}"]
        for stage in STAGES:
            out.append(f"  {stage:<11} ran {self.ran[stage]:>5}   up to date {self.skipped[stage]:>5}")
        out += [f"FAILED {reason}" for reason in self.failed.values()]
        out += [f"SKIPPED {s.reason}" for s in self.not_inputs]
        out += [f"removed outputs of vanished source: {stem}" for stem in self.removed]
        out += [f"catalogue: {self.catalogue}"] if self.catalogue else []
        return out


class SummaryTargetError(ValueError):
    """--summary-json names a file that is not a summary of ours, or a path inside the input folder."""


def check_summary_target(path: Path, input_dir: Path) -> None:
    """Refuse to write the summary over a file the tool did not write, or where the next run would read it."""
    path = Path(path)
    if path.resolve().is_relative_to(Path(input_dir).resolve()):
        raise SummaryTargetError(f"--summary-json {path} lies inside the input folder {input_dir}: the next run "
                                 f"would read it as a report; write it elsewhere")
    if not (path.exists() or path.is_symlink()):
        return
    try:
        data = json.loads(store.read_own_bytes(path))
    except (OSError, ValueError):
        data = None
    if not (isinstance(data, dict) and {"documents", "luigi_status"} <= set(data)):
        raise SummaryTargetError(f"--summary-json {path}: exists and is not a run summary of gwr-clean; "
                                 f"not overwritten (name a new file)")


def discover(input_dir: Path, output_dir: Path | None = None) -> tuple[list[Doc], list[Problem]]:
    """The documents of the input folder and the inputs that cannot be read (see pipeline.listing)."""
    listing = list_inputs(Path(input_dir), output_dir)
    return listing.docs, listing.problems


def prune(output_dir: Path, docs: list[Doc], problems: list[Problem] = ()) -> list[str]:
    """Remove the outputs of documents whose source is gone (only files the tool wrote); return the names
    of those whose report and record went (a document that never got a report leaves only its state).

    An input that is still there but cannot be read now (`problems`) is not gone: its outputs stay, as
    `status` says (failed, not gone).
    """
    names = {d.stem for d in docs} | {p.name for p in problems if p.name}
    current = {store.safe_name(name) for name in names}
    gone = []
    for folder in store.state_folders(output_dir):
        if folder in current:
            continue
        name = store.name_of_state(output_dir, folder)
        if name in names:  # a state folder of an older naming: the document itself is still here
            store.remove_document(output_dir, folder, None)
            continue
        if store.remove_document(output_dir, folder, name):
            gone.append(name)
    return gone


def auto_shard_size(n_docs: int, workers: int, shared_scheduler: bool = False) -> int:
    """One document per task for small folders (easy to follow and debug); for large
    ones, shards that give each worker about UNITS_PER_WORKER tasks per stage (with a
    central scheduler, UNITS_PER_WORKER_SHARED: other machines' workers take some)."""
    if n_docs <= SMALL_FOLDER:
        return 1
    units = UNITS_PER_WORKER_SHARED if shared_scheduler else UNITS_PER_WORKER
    return max(1, -(-n_docs // (max(1, workers) * units)))


def republish_missing_reports(output_dir: Path, docs: list[Doc]) -> int:
    """A report or record deleted by hand (or replaced by a link, FIFO or device) is written again from its
    stored final state. Once published that state is a stub the report and record rebuild, so with either
    gone the document's stages from normalise on (whose states are such stubs too) run again: in the run,
    with the others, when the published mark says the outputs were ours; here, when there is none.

    Done here rather than in a task's complete(), which stays one stat.
    """
    from .execute import DocumentFailed, publish, run_stage, source_text
    from .statefile import StateCorrupt

    count = 0
    for doc in docs:
        if store.published_path(output_dir, doc).exists() and store.outputs_in_place(output_dir, doc.stem):
            continue
        path = store.state_path(output_dir, doc, STAGES[-1])
        if path.exists():
            # a path taken by another file, or a document that fails: its render reports why
            with contextlib.suppress(OSError, StateCorrupt, DocumentFailed):
                state = store.read_json(path, source_text(doc))
                if "text" in state:
                    publish(output_dir, doc, state)
                elif store.published_path(output_dir, doc).exists():
                    # a stub whose report or record is gone, still ours by its mark: the run renders it
                    # again, in parallel with the rest (its stages from normalise on, stubs too, run again)
                    path.unlink()
                    continue
                else:  # a stub, and no mark to tell whose the outputs are: its stages run again here
                    try:
                        run_stage(STAGES[-1], doc, output_dir, again=True)
                    except DocumentFailed:
                        path.unlink(missing_ok=True)  # not done: the run renders it and reports why
                        raise
                count += 1
    return count


def retry_failed_shards(output_dir: Path, units, present: dict[tuple[str, str], bool]) -> int:
    """Forget the done-marker of every shard in which a document failed, or whose result of that stage is
    gone (`present`: the snapshot), so that this run does that stage again.

    A shard writes its marker even when a document failed (the later stages of
    the same run still run for the others), listing the failed documents in it.
    A result goes when a run under other rules replaces it (a rule file changed
    and changed back): the marker of the earlier keys is then still there.
    """
    count = 0
    for unit in units:
        if len(unit) < 2:
            continue
        docs = [Doc(*d) for d in unit]
        for stage in STAGES:
            marker = store.shard_marker(output_dir, docs, stage)
            with contextlib.suppress(OSError):
                if marker.stat().st_size or not all(present[(d.stem, stage)] for d in docs):
                    marker.unlink()
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
    # Not named like a temporary: a run starting beside this one sweeps those (sweep_temporary_files).
    probe = output_dir / f"{store.TMP_PREFIX}probe-{os.getpid()}"
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(f"{output_dir}: output folder is not writable: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def holding_folder(output_dir: Path):
    """Hold the output folder (a shared lock) for the run, after removing the temporaries killed runs left.

    With no other run holding the folder, every temporary is stale and goes while the lock is still
    exclusive (a run starting meanwhile waits, so none of its temporaries can be taken); else only old ones.
    Yields True when no other run held the folder.
    """
    path = store.lock_path(output_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, store.file_mode())
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except OSError:
            alone = False
        sweep_temporary_files(output_dir, 0.0 if alone else None)
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield alone
    finally:
        os.close(fd)


def sweep_temporary_files(output_dir: Path, older_than: float | None = None) -> int:
    """Remove temporary files of the tool's own naming left by a killed run (those older than any live write)."""
    older_than = STALE_TMP_SECONDS if older_than is None else older_than
    now, removed = time.time(), 0
    for path in output_dir.rglob(f"{store.TMP_PREFIX}*{store.TMP_SUFFIX}"):
        try:
            if store.is_temporary(path) and now - path.lstat().st_mtime >= older_than:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


class SchedulerUnreachable(OSError):
    """--scheduler-url names no scheduler that answers."""


def check_scheduler(url: str, timeout: float = SCHEDULER_TIMEOUT) -> None:
    """Fail within seconds, with one line, when the scheduler cannot be reached (Luigi would retry for a minute)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise SchedulerUnreachable(f"--scheduler-url {url}: not a URL (e.g. http://host:8082/)")
    port = parts.port or (443 if parts.scheme == "https" else 8082)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as exc:
        raise SchedulerUnreachable(f"--scheduler-url {url}: cannot reach the scheduler: "
                                   f"{exc.strerror or exc}") from exc


# Luigi warns of every target path holding `*?[{`, as in a scraped title `[2021]`; our paths are literal.
WILDCARD_WARNING = "Using wildcards in path"


class ExpectedFailures(logging.Filter):
    """Drops Luigi's traceback of a document that failed for a reason the summary states in one line,
    and its warning about file names with wildcard characters (they are never expanded)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .execute import DocumentFailed

        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DocumentFailed) and not str(record.msg).startswith(WILDCARD_WARNING)


def quiet_failures(debug: bool) -> None:
    """Expected failures print one line each (in the summary); --debug keeps Luigi's tracebacks."""
    logger = logging.getLogger("luigi-interface")
    for old in [f for f in logger.filters if isinstance(f, ExpectedFailures)]:
        logger.removeFilter(old)
    if not debug:
        logger.addFilter(ExpectedFailures())


def count_documents(summary: RunSummary, output_dir: Path, before, after) -> None:
    """Stage counts, and each document as cleaned now, up to date already, or failed."""
    for (stem, stage), existed in before.items():
        if existed:
            summary.skipped[stage] += 1
        elif after[(stem, stage)]:
            summary.ran[stage] += 1
    for doc in summary.docs:
        final = (doc.stem, STAGES[-1])
        reason = None if after[final] else failure_reason(output_dir, doc)  # a stage's result clears its error
        if reason:
            summary.failed[doc.stem] = reason
        elif before[final]:
            summary.up_to_date += 1
        elif after[final]:
            summary.cleaned += 1
        else:
            summary.failed[doc.stem] = (f"{doc.path}: did not finish and left no error record (a full or "
                                        f"unwritable output folder?); Luigi status {summary.luigi_status}")
    for problem in summary.problems:
        summary.failed[problem.path] = problem.reason


def clean(input_dir: Path, output_dir: Path, workers: int = 1, shard_size: int | None = None,
          scheduler_url: str | None = None, progress_seconds: float = 0,
          catalogue_parquet: bool = False, debug: bool = False) -> RunSummary:
    """Clean every document of input_dir into output_dir; only what changed runs.

    shard_size None picks one automatically (auto_shard_size); progress_seconds > 0
    prints a line of counts to stderr at that interval while Luigi runs.
    """
    output_dir = Path(output_dir)
    rules_now = rules_digest()
    if not rules_checked(output_dir, rules_now):
        validate_all()  # a malformed rule file stops the run before any document is processed
    listing: Listing = list_inputs(Path(input_dir), output_dir)
    if scheduler_url:
        check_scheduler(scheduler_url)
    check_writable(output_dir)
    docs = listing.docs
    with holding_folder(output_dir):
        summary = RunSummary(docs=docs, problems=listing.problems, not_inputs=listing.skipped,
                             removed=prune(output_dir, docs, listing.problems))
        republish_missing_reports(output_dir, docs)
        before = snapshot(output_dir, docs)
        if docs and all(before.values()):
            summary.luigi_status = UP_TO_DATE  # every stage of every document done: nothing for Luigi to run
        elif docs:
            units = make_units(docs, shard_size or auto_shard_size(len(docs), workers, bool(scheduler_url)))
            retry_failed_shards(output_dir, units, before)
            quiet_failures(debug)
            with Progress(output_dir, docs, progress_seconds):
                result = build(units, output_dir, workers, scheduler_url)
            summary.luigi_status = result.status.name
            summary.luigi_ran = completed_tasks(result)
        after = before if summary.luigi_status == UP_TO_DATE else snapshot(output_dir, docs)
        count_documents(summary, output_dir, before, after)
        from . import catalogue  # the corpus-level step over the finished documents

        catalogue.add_to_summary(summary, Path(input_dir), output_dir, listing.problems, parquet=catalogue_parquet)
        mark_rules_checked(output_dir, rules_now)
    return summary


def rules_checked(output_dir: Path, digest: str) -> bool:
    """The rule files are the ones an earlier run in this folder validated: a no-op rerun
    need not parse and check them all again (a changed file, schema.toml too, changes the digest)."""
    try:
        return store.read_own_text(store.rules_checked_path(output_dir)) == digest
    except (OSError, UnicodeDecodeError):
        return False


def mark_rules_checked(output_dir: Path, digest: str) -> None:
    with contextlib.suppress(OSError):
        store.write_bytes_atomic(store.rules_checked_path(output_dir), digest.encode(), durable=False)
