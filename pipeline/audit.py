"""Seeing and checking every change: diffs annotated with rule ids, and `verify`.

The change record (<stem>.changes.jsonl) lists every edit of every stage in
application order. Reverting it batch by batch from the cleaned Markdown must
give back the decoded source byte for byte; `verify_document` checks exactly
that, and `document_diff` shows the changes as a unified diff whose hunks name
the rules that made them.
"""

from __future__ import annotations

import bisect
import difflib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import store
from .execute import raw_text_from_source, source_text
from .listing import printable
from .model import Edit, group_batches, revert_batch
from .runner import discover
from .stages import STAGES
from .store import Doc

# (start, end, new length) of every edit of one batch, sorted: enough to map positions through it.
Shape = list[tuple[int, int, int]]
Span = tuple[int, int, Edit]


class AuditError(RuntimeError):
    """A document cannot be audited (unknown stem, not cleaned, not up to date); str() says why."""


# ---------------------------------------------------------------- finding a document's records

def find_doc(input_dir: Path, stem: str, output_dir: Path | None = None) -> Doc:
    """The input document of this name: its path relative to the input folder, without or with its extension,
    as the summary and `status` print it (control characters escaped), or its path as given with --input."""
    docs, _ = discover(Path(input_dir), output_dir)
    wanted = stem.replace("\\", "/").removeprefix("./")
    for doc in docs:
        relative = Path(doc.path).relative_to(Path(input_dir)).as_posix()
        if stem in (doc.path, printable(doc.stem), printable(doc.path)) or wanted in (doc.stem, relative):
            return doc
    known = ", ".join(d.stem for d in docs[:10]) or "none"
    raise AuditError(f"{stem}: no such document in {input_dir} (known: {known})")


def load_state(output_dir: Path, doc: Doc, stage: str, need_text: bool = True) -> dict[str, Any]:
    """A stage's current result for the document, or a clear error when it is not up to date (or, with
    `need_text`, when its text cannot be rebuilt: a published state's comes from the report and record)."""
    path = store.state_path(Path(output_dir), doc, stage)
    if not path.exists():
        raise AuditError(f"{doc.stem}: its {stage} result is not up to date in {output_dir} "
                         f"(run `gwr-clean clean` first; `status` says why)")
    state = store.read_json(path, source_text(doc), want_raw=stage == "decode")
    if state.get("raw_text") is None and raw_text_from_source(stage, state):
        raise AuditError(f"{doc.stem}: its source {doc.path} cannot be read as it was cleaned "
                         f"(run `gwr-clean clean` first; `status` says why)")
    if "text" not in state and need_text:
        raise AuditError(f"{doc.stem}: its {stage} result is rebuilt from its report and change record, and "
                         f"they were edited or removed since they were written (run `gwr-clean clean` first)")
    return state


def read_changes(output_dir: Path, stem: str) -> list[Edit]:
    """The published change record of a document, in application order."""
    path = store.changes_path(Path(output_dir), stem)
    text = read_output(path, stem, "change record")
    return [Edit.from_json(json.loads(line)) for line in text.splitlines() if line]


def read_report(output_dir: Path, stem: str) -> str:
    return read_output(store.report_path(Path(output_dir), stem), stem, "cleaned report")


def read_output(path: Path, stem: str, what: str) -> str:
    """A report or record as the tool wrote it; missing, or anything but a regular file, is an AuditError."""
    if not path.exists() and not path.is_symlink():
        raise AuditError(f"{stem}: no {what} {path}")
    try:
        return store.read_own_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"{stem}: its {what} cannot be read: {getattr(exc, 'strerror', None) or exc} "
                         f"(run `gwr-clean clean` to write it again)") from exc


# ---------------------------------------------------------------- verify

@dataclass
class Verdict:
    stem: str
    ok: bool
    message: str


def first_mismatch(expected: str, actual: str) -> int:
    """Index of the first character where the two texts differ (len of the shorter if one is a prefix)."""
    for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
        if a != b:
            return i
    return min(len(expected), len(actual))


def describe_position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    byte = len(text[:pos].encode("utf-8"))
    return f"character {pos} (byte {byte}, line {line}, column {column})"


def revert_record(text: str, edits: Sequence[Edit]) -> str:
    """Undo every batch of the record, newest first (raises ValueError naming the edit that does not fit)."""
    for batch in reversed(group_batches(edits)):
        text = revert_batch(text, batch)
    return text


def revert_leniently(text: str, edits: Sequence[Edit]) -> str:
    """Undo every batch without checking that each edit's text is there, to locate the first damage."""
    for batch in reversed(group_batches(edits)):
        parts, cursor, shift = [], 0, 0
        for e in sorted(batch, key=lambda e: (e.start, e.end)):
            out_start = max(cursor, e.start + shift)
            parts += [text[cursor:out_start], e.before]
            cursor = out_start + len(e.after)
            shift += len(e.after) - (e.end - e.start)
        parts.append(text[cursor:])
        text = "".join(parts)
    return text


def mismatch_message(stem: str, expected: str, rebuilt: str, what: str) -> str:
    pos = first_mismatch(expected, rebuilt)
    return (f"{stem}: MISMATCH: {what} differs from the decoded source at {describe_position(expected, pos)}: "
            f"expected {expected[pos:pos + 20]!r}, rebuilt {rebuilt[pos:pos + 20]!r}")


def stage_at_fault(states: dict[str, dict[str, Any]]) -> str | None:
    """The first stage whose own edits do not turn its output back into its input."""
    previous = states["decode"]["raw_text"]
    for stage in STAGES:
        state = states[stage]
        if "text" not in state:  # rebuilt from the report and record under test: no witness of its own
            return None
        if state["text"] is None:  # extract passed plain text through untouched
            continue
        try:
            back = revert_record(state["text"], [Edit.from_json(e) for e in state["edits"]])
        except ValueError:
            return stage
        if back != previous:
            return stage
        previous = state["text"]
    return None


def verify_document(output_dir: Path, doc: Doc) -> Verdict:
    """Rebuild the decoded source from <stem>.md and <stem>.changes.jsonl and compare byte for byte."""
    try:
        states = {stage: load_state(output_dir, doc, stage, need_text=False) for stage in STAGES}
        report = read_report(output_dir, doc.stem)
        edits = read_changes(output_dir, doc.stem)
    except AuditError as exc:
        return Verdict(doc.stem, False, f"{exc}")
    raw = states["decode"]["raw_text"]
    try:
        rebuilt, misfit = revert_record(report, edits), ""
    except ValueError as exc:
        rebuilt, misfit = revert_leniently(report, edits), f"; the record does not fit the text ({exc})"
    if misfit or rebuilt.encode("utf-8") != raw.encode("utf-8"):
        fault = stage_at_fault(states)
        where = f"; first stage whose own record does not rebuild its input: '{fault}'" if fault else ""
        return Verdict(doc.stem, False, mismatch_message(doc.stem, raw, rebuilt, "the rebuilt text") + misfit + where)
    size = len(raw.encode("utf-8"))
    return Verdict(doc.stem, True, f"{doc.stem}: OK: {len(edits)} edits rebuild the decoded source "
                                   f"({size} bytes) byte for byte")


def verify_folder(input_dir: Path, output_dir: Path, stems: Iterable[str] | None = None) -> list[Verdict]:
    """Verify the named documents (all documents of the input folder when stems is None)."""
    docs, problems = discover(Path(input_dir), Path(output_dir))
    if stems is None:
        verdicts = [Verdict(p.name or p.path, False, f"not verified: {p.reason}") for p in problems]
        return verdicts + [verify_document(output_dir, d) for d in docs]
    return [verify_document(output_dir, find_doc(input_dir, stem, output_dir)) for stem in stems]


# ---------------------------------------------------------------- where each edit ended up

def batch_shape(batch: Iterable[Edit]) -> Shape:
    return sorted((e.start, e.end, len(e.after)) for e in batch)


def inverse_shape(shape: Shape) -> Shape:
    """The shape of undoing a batch: output spans back to input lengths."""
    inverse, shift = [], 0
    for start, end, new_len in shape:
        inverse.append((start + shift, start + shift + new_len, end - start))
        shift += new_len - (end - start)
    return inverse


class ShapeMap:
    """Maps positions of a batch's input text to its output text."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.starts = [s for s, _, _ in shape]
        self.shifts = [0]
        for start, end, new_len in shape:
            self.shifts.append(self.shifts[-1] + new_len - (end - start))

    def map(self, pos: int, right: bool) -> int:
        """Position after the batch; strictly inside a replaced span, its output start (left) or end (right)."""
        i = bisect.bisect_right(self.starts, pos) - 1
        if i < 0:
            return pos
        start, end, new_len = self.shape[i]
        out_start = start + self.shifts[i]
        if pos >= end:
            return pos + self.shifts[i + 1]
        if pos == start:
            return out_start
        return out_start + new_len if right else out_start


def map_spans(spans: list[Span], shape: Shape) -> list[Span]:
    mapper = ShapeMap(shape)
    return [(mapper.map(s, False), max(mapper.map(s, False), mapper.map(e, True)), edit) for s, e, edit in spans]


def output_spans(edits: Sequence[Edit]) -> list[Span]:
    """Where every edit's result lies in the final text (zero-length for deletions)."""
    spans: list[Span] = []
    for batch in group_batches(edits):
        shape = batch_shape(batch)
        spans = map_spans(spans, shape)
        ordered = sorted(batch, key=lambda e: (e.start, e.end))
        spans += [(start, end, edit) for (start, end, _), edit in zip(inverse_shape(shape), ordered, strict=True)]
    return spans


def input_spans(edits: Sequence[Edit]) -> list[Span]:
    """Where every edit's original text lies in the first text (zero-length for insertions)."""
    batches = group_batches(edits)
    spans: list[Span] = []
    for batch in reversed(batches):
        spans = map_spans(spans, inverse_shape(batch_shape(batch)))
        spans += [(e.start, e.end, e) for e in batch]
    return spans


# ---------------------------------------------------------------- diff

RED, GREEN, CYAN, YELLOW, BOLD, RESET = "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[33m", "\x1b[1m", "\x1b[0m"


def line_offsets(lines: Sequence[str]) -> list[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def rules_in(spans: Sequence[Span], start: int, end: int) -> Counter[str]:
    """stage/rule of every edit whose result touches [start, end] (inclusive, so deletions count)."""
    return Counter(f"{e.stage}/{e.rule}" for s, t, e in spans if s <= end and t >= start)


def format_rules(counts: Counter[str]) -> str:
    return " ".join(f"{rule}×{n}" if n > 1 else rule for rule, n in counts.most_common())


def unified_diff(old: str, new: str, edits: Sequence[Edit], old_label: str, new_label: str,
                 color: bool = False, context: int = 3) -> str:
    """A unified diff of old → new; each hunk header names the rules whose edits fall in it."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    new_offsets = line_offsets(new_lines)
    old_offsets = line_offsets(old_lines)
    out_spans, in_spans = output_spans(edits), input_spans(edits)
    paint = (lambda code, s: f"{code}{s}{RESET}") if color else (lambda code, s: s)
    out = [paint(BOLD, f"--- {old_label}"), paint(BOLD, f"+++ {new_label}")]
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        changed = Counter[str]()
        for op, a1, a2, b1, b2 in group:
            if op != "equal":
                changed |= rules_in(out_spans, new_offsets[b1], new_offsets[b2])
                changed |= rules_in(in_spans, old_offsets[a1], old_offsets[a2])
        header = f"@@ -{_range(i1, i2)} +{_range(j1, j2)} @@"
        out.append(paint(CYAN, header) + (" " + paint(YELLOW, format_rules(changed)) if changed else ""))
        for op, a1, a2, b1, b2 in group:
            if op == "equal":
                out += [" " + _show(line) for line in old_lines[a1:a2]]
                continue
            out += [paint(RED, "-" + _show(line)) for line in old_lines[a1:a2]]
            out += [paint(GREEN, "+" + _show(line)) for line in new_lines[b1:b2]]
    return "\n".join(out) + "\n" if len(out) > 2 else ""


def _range(start: int, stop: int) -> str:
    length = stop - start
    return f"{start + 1 if length else start},{length}" if length != 1 else f"{start + 1}"


def _show(line: str) -> str:
    return line[:-1] if line.endswith("\n") else line + "\n\\ No newline at end of file"


def document_diff(input_dir: Path, output_dir: Path, stem: str, stage: str | None = None,
                  color: bool = False) -> str:
    """Raw decoded source → cleaned Markdown (or one stage's input → output), annotated with rules."""
    doc = find_doc(input_dir, stem, output_dir)
    stem, label = doc.stem, printable(doc.stem)  # a name with a newline would break the diff's header lines
    if stage is None:
        raw = load_state(output_dir, doc, "decode")["raw_text"]
        report, edits = read_report(output_dir, stem), read_changes(output_dir, stem)
        return unified_diff(raw, report, edits, f"{label} (decoded source)", f"{label}.md (cleaned)", color)
    if stage not in STAGES:
        raise AuditError(f"unknown stage '{stage}' (stages: {', '.join(STAGES)})")
    state = load_state(output_dir, doc, stage)
    index = STAGES.index(stage)
    previous = load_state(output_dir, doc, STAGES[index - 1]) if index else {}
    # the previous stage's text; the record's start where extract passed plain text through
    before = previous["text"] if previous.get("text") is not None else state["raw_text"] or ""
    if state["text"] is None:
        state["text"] = before
    edits = [Edit.from_json(e) for e in state["edits"]]
    return unified_diff(before, state["text"], edits, f"{label} before {stage}", f"{label} after {stage}", color)
