"""Running one stage on one document: read the previous result, call the stage, write.

This is the glue the Luigi tasks (and the plain-loop benchmark) call; it
knows files but not Luigi. A failure is written to an error record naming
the file and the reason, and raised as DocumentFailed.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from . import budget, chain, statefile, store
from .decode import DecodeError, decode_bytes
from .listing import SourceError, read_source
from .model import Edit, StageResult, revert_all
from .stages import STAGES
from .store import Doc


class DocumentFailed(RuntimeError):
    """A stage could not process a document; str() is a one-line reason naming the file."""


class ReportTaken(OSError):
    """The report's path holds a file the tool did not write; it is never overwritten."""


# The stage whose text is stored in full, the base the later ones' texts derive from (see statefile).
STORED_WHOLE = "normalise"


def previous_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index - 1] if index else None


def is_done(output_dir: Path, doc: Doc, stage: str) -> bool:
    return store.state_path(output_dir, doc, stage).exists()


def _call_stage(stage: str, doc: Doc, output_dir: Path) -> dict[str, Any]:
    if stage == "extract":
        extracted_from, result = chain.extract_step(read_source(doc.path, doc.sha256))
        state = _state(doc, stage, result, raw_text=extracted_from)
        if extracted_from is None:  # plain text: nothing extracted, decode reads the bytes
            state["text"] = None
        return state
    if stage == "decode":
        prev = _previous_state(stage, doc, output_dir)
        extracted = StageResult(prev["text"] or "", [Edit.from_json(e) for e in prev["edits"]], prev["meta"])
        raw = read_source(doc.path, doc.sha256) if chain.passes_through(extracted) else b""
        raw_text, result = chain.decode_step(raw, doc.path, doc.sha256, extracted, prev["raw_text"])
        return _state(doc, stage, result, raw_text=raw_text)
    text, meta = _previous_text(stage, doc, output_dir)
    meta = meta if stage != STAGES[-1] else {**meta, "source": doc.path}  # where it is now
    return _state(doc, stage, chain.text_step(stage, text, meta))


def _previous_state(stage: str, doc: Doc, output_dir: Path) -> dict[str, Any]:
    return read_state(previous_stage(stage), doc, output_dir)


def _previous_text(stage: str, doc: Doc, output_dir: Path) -> tuple[str, dict[str, Any]]:
    """The previous stage's text and metadata: as this process just wrote them, else read back."""
    kept = statefile.remembered(store.state_path(output_dir, doc, previous_stage(stage)))
    if kept is not None:
        return kept
    state = _previous_state(stage, doc, output_dir)
    return state["text"], state["meta"]


def read_state(stage: str, doc: Doc, output_dir: Path, want_raw: bool = False) -> dict[str, Any]:
    """A stage's stored state; one torn by a crash (not fsynced, see statefile) or gone is made again."""
    path = store.state_path(output_dir, doc, stage)
    try:
        state = store.read_json(path, source_text(doc), want_raw)
        if "text" in state:  # else its text's base is gone (statefile): as good as torn
            return state
    except (statefile.StateCorrupt, FileNotFoundError):
        pass
    path.unlink(missing_ok=True)
    run_stage(stage, doc, output_dir)
    return store.read_json(path, source_text(doc), want_raw)


def source_text(doc: Doc) -> Callable[[], str | None]:
    """What decodes a plain-text source again: its raw text, which decode's state does not store
    (None when the source is gone, changed or unreadable: the state is then made again)."""
    def decoded() -> str | None:
        try:
            return decode_bytes(read_source(doc.path, doc.sha256))[0]
        except (SourceError, DecodeError, OSError):
            return None

    return decoded


def raw_text_from_source(stage: str, state: dict[str, Any]) -> bool:
    """Decode's raw text of a plain-text source is the source decoded again: not stored twice."""
    return stage == "decode" and chain.is_plain_text(state["meta"])


def _state(doc: Doc, stage: str, result: StageResult, **extra: Any) -> dict[str, Any]:
    return {"stem": doc.stem, "stage": stage, "source_sha256": doc.sha256, **extra,
            "text": result.text, "meta": result.meta, "edits": [e.to_json() for e in result.edits]}


def run_stage(stage: str, doc: Doc, output_dir: Path, again: bool = False) -> bool:
    """Bring one document's `stage` up to date (run it `again` even when it is); return True when it ran."""
    output_dir = Path(output_dir)
    if not again and is_done(output_dir, doc, stage):
        return False
    try:
        with budget.limit(budget.seconds_for(_source_size(doc))):
            state = _call_stage(stage, doc, output_dir)
    except SourceError as exc:
        reason = str(exc)
        _record_failure(output_dir, doc, stage, exc, reason)
        raise DocumentFailed(reason) from exc
    except OSError as exc:
        reason = f"{doc.path}: cannot read: {exc.strerror or exc}"
        _record_failure(output_dir, doc, stage, exc, reason)
        raise DocumentFailed(reason) from exc
    except Exception as exc:  # noqa: BLE001 - any failure becomes a recorded, named error
        reason = f"{doc.path}: {stage} failed: {exc}"
        _record_failure(output_dir, doc, stage, exc, reason)
        raise DocumentFailed(reason) from exc
    try:
        if stage == STAGES[-1]:
            publish(output_dir, doc, state)  # and its state, as a stub the report and record rebuild
        else:
            base = store.state_path(output_dir, doc, previous_stage(stage)) if previous_stage(stage) else None
            statefile.write(store.state_path(output_dir, doc, stage), state, durable=False, base=base,
                            raw_from_source=raw_text_from_source(stage, state), whole=stage == STORED_WHOLE,
                            raw_from=base if stage == "decode" else None)  # an extracted text: extract's
        store.error_path(output_dir, doc, stage).unlink(missing_ok=True)
        store.remove_stale(output_dir, doc, stage)
    except ReportTaken as exc:
        reason = str(exc)
        _record_failure(output_dir, doc, stage, exc, reason)
        raise DocumentFailed(reason) from exc
    except OSError as exc:
        reason = f"{doc.path}: cannot write its {stage} output in {output_dir}: {exc.strerror or exc}"
        _record_failure(output_dir, doc, stage, exc, reason)
        raise DocumentFailed(reason) from exc
    return True


def _source_size(doc: Doc) -> int:
    try:
        return Path(doc.path).stat().st_size
    except OSError:
        return 0  # the stage itself reports the unreadable file


def _record_failure(output_dir: Path, doc: Doc, stage: str, exc: Exception, reason: str) -> None:
    """Write the error record; if even that cannot be written, the raised error still says why."""
    with contextlib.suppress(OSError):
        store.write_json_atomic(store.error_path(output_dir, doc, stage),
                                {"stem": doc.stem, "source": doc.path, "stage": stage,
                                 "error": exc.__class__.__name__, "reason": reason,
                                 "traceback": "".join(traceback.format_exception(exc))})


def earlier_states(output_dir: Path, doc: Doc) -> dict[str, dict[str, Any]]:
    """The stored state of every stage before the last (its edits and metadata, no text), in order."""
    states = {}
    for stage in STAGES[:-1]:
        path = store.state_path(output_dir, doc, stage)
        if path.exists():
            try:
                state = store.read_json(path, want_text=False)  # the edits only: no text rebuilt
            except statefile.StateCorrupt:
                state = None
            if not isinstance(state, dict) or state.get("edits") is None:
                state = read_state(stage, doc, output_dir)  # torn by a crash, or its record gone: made again
            states[stage] = state
    return states


def publish(output_dir: Path, doc: Doc, final_state: dict[str, Any]) -> None:
    """Write the report and its complete change record together (both or neither), then mark them ours.

    A file at either path that the tool did not write (or that was edited since) is left alone and the
    document fails; one holding exactly what would be written (a concurrent run's) is not in the way.
    The states the report and record rebuild then keep only their metadata (keep_stubs).
    """
    report, record = store.report_path(output_dir, doc.stem), store.changes_path(output_dir, doc.stem)
    store.check_real_folders(output_dir, report)
    states = {**earlier_states(output_dir, doc), final_state["stage"]: final_state}
    edits = [record_form(e) for state in states.values() for e in state["edits"]]
    encoded = [orjson.dumps(e) for e in edits]  # compact JSON, UTF-8 as it is
    files = [(record, b"".join(line + b"\n" for line in encoded)), (report, final_state["text"].encode("utf-8"))]
    taken = [p for p, data in reversed(files) if (p.exists() or p.is_symlink()) and not store.holds(p, data)]
    if taken and not store.owns_report(output_dir, doc.stem):
        raise ReportTaken(f"{doc.path}: {taken[0]} exists and was not written by gwr-clean (or was edited since); "
                          f"it is left as it is (move it away, or choose another --output)")
    store.write_together(files)
    entry = catalogue_entry(output_dir, doc, final_state, edits)
    store.mark_published(output_dir, doc, files[1][1], files[0][1], entry)
    keep_stubs(output_dir, doc, states, final_state["text"], edits, encoded)


def record_form(edit: dict[str, Any]) -> dict[str, Any]:
    """A stored edit as the change record holds it (Edit.to_json), as it is when it already is."""
    return edit if tuple(edit) == RECORD_FIELDS else Edit.from_json(edit).to_json()


RECORD_FIELDS = tuple(Edit(0, 0, "", "", "").to_json())  # in their order, which the record's bytes keep


def catalogue_entry(output_dir: Path, doc: Doc, final_state: dict[str, Any],
                    edits: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's catalogue row and copy signature, made here, in the document's own task (in parallel)
    from what is in memory, rather than by the run's catalogue step from the files afterwards."""
    from . import catalogue

    report = catalogue.relative_path(store.report_path(output_dir, doc.stem), output_dir)
    entry = catalogue.entry_of(doc, report, final_state["text"],
                               (e for e in edits if e["stage"] in catalogue.REMOVAL_STAGES))
    return {**entry, "version": catalogue.version()}


def keep_stubs(output_dir: Path, doc: Doc, states: dict[str, dict[str, Any]], text: str,
               edits: list[dict[str, Any]], encoded: list[bytes]) -> None:
    """Replace the states of the stages from STORED_WHOLE on by stubs (statefile.published_stub): the report
    and record just written hold their texts and edits. The last stage's is always written (the durable mark
    of the run); an earlier one only where its state is larger than STUB_GAIN stubs (a few edits are not
    worth a write)."""
    stubbed = STAGES[STAGES.index(STORED_WHOLE):]
    own: dict[str, list[tuple[dict[str, Any], bytes]]] = {stage: [] for stage in stubbed}
    for edit, line in zip(edits, encoded, strict=True):
        if edit["stage"] in own:
            own[edit["stage"]].append((edit, line))
    for stage in reversed(stubbed):
        if stage not in states:
            return
        stub = statefile.published_stub(states[stage], text, [line for _, line in own[stage]])
        path = store.state_path(output_dir, doc, stage)
        statefile.forget(path)  # published: no later stage reads its text from memory
        if stage == STAGES[-1] or stored_size(path) > STUB_GAIN * len(statefile.dumps(stub)):
            statefile.write_stub(path, stub, durable=stage == STAGES[-1])
        if stage != stubbed[0]:  # the text before this stage: the next one's
            try:
                text = revert_all(text, [Edit.from_json(e) for e, _ in own[stage]])
            except ValueError:  # a record that does not rebuild (never seen): the earlier states stay whole
                return


STUB_GAIN = 4


def stored_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
