"""The document model shared by every stage: text, metadata and an exact edit record.

Every stage returns its new text together with the edits that turn its input
into that text. Edits come in *batches*: the edits of one batch do not
overlap and their positions refer to the text as it was before the batch.
Applying the batches in order rebuilds the output; reverting them in reverse
order rebuilds the input. That is what makes `pipeline verify` possible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import regex


@dataclass(frozen=True)
class Edit:
    """One change: text[start:end] (== before) was replaced by after."""

    start: int
    end: int
    before: str
    after: str
    rule: str
    stage: str = ""
    batch: int = 0
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edit:
        """An edit from its record (a `note` key, always empty in records of earlier versions, is dropped)."""
        return cls(**{k: v for k, v in data.items() if k != "note"})


@dataclass
class StageResult:
    """What a stage returns: new text, the edits that made it, updated metadata."""

    text: str
    edits: list[Edit] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def _check_batch(text: str, edits: list[Edit]) -> list[Edit]:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    last_end = -1
    for e in ordered:
        if e.start < last_end:
            raise ValueError(f"overlapping edits in one batch at {e.start} ({e.rule})")
        if text[e.start:e.end] != e.before:
            raise ValueError(f"edit {e.rule} at {e.start} does not match the text")
        last_end = e.end
    return ordered


def apply_batch(text: str, edits: list[Edit]) -> str:
    """Apply one batch of non-overlapping edits (positions in `text`)."""
    parts, cursor = [], 0
    for e in _check_batch(text, edits):
        parts.append(text[cursor:e.start])
        parts.append(e.after)
        cursor = e.end
    parts.append(text[cursor:])
    return "".join(parts)


def revert_batch(text: str, edits: list[Edit]) -> str:
    """Undo one batch: `text` is the batch's output; positions refer to its input."""
    parts, cursor, shift = [], 0, 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out_start = e.start + shift
        if text[out_start:out_start + len(e.after)] != e.after:
            raise ValueError(f"cannot revert {e.stage}/{e.rule} at {e.start}: text differs")
        parts.append(text[cursor:out_start])
        parts.append(e.before)
        cursor = out_start + len(e.after)
        shift += len(e.after) - (e.end - e.start)
    parts.append(text[cursor:])
    return "".join(parts)


def group_batches(edits: Iterable[Edit]) -> list[list[Edit]]:
    """Split an ordered edit list into its batches, keeping their order."""
    batches: list[list[Edit]] = []
    key = None
    for e in edits:
        if (e.stage, e.batch) != key:
            batches.append([])
            key = (e.stage, e.batch)
        batches[-1].append(e)
    return batches


def revert_all(text: str, edits: Iterable[Edit]) -> str:
    """Rebuild the text before all `edits` (as recorded, in application order)."""
    for batch in reversed(group_batches(edits)):
        text = revert_batch(text, batch)
    return text


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


class Recorder:
    """Accumulates a stage's text and edits, one batch at a time.

    Stage code calls `sub`, `replace_spans` or `set_text`; each call is one
    batch, so later rules see the text left by earlier ones.
    """

    def __init__(self, text: str, stage: str) -> None:
        self.text = text
        self.stage = stage
        self.edits: list[Edit] = []
        self._batch = 0

    def replace_spans(self, spans: Iterable[tuple[int, int, str, str]]) -> int:
        """Replace (start, end, after, rule) spans of the current text as one batch."""
        batch = []
        for start, end, after, rule in spans:
            before = self.text[start:end]
            if before == after:
                continue
            batch.append(Edit(start, end, before, after, rule, self.stage, self._batch,
                              line_of(self.text, start)))
        if not batch:
            return 0
        self.text = apply_batch(self.text, batch)
        self.edits.extend(sorted(batch, key=lambda e: e.start))
        self._batch += 1
        return len(batch)

    def sub(self, rule: str, pattern: str | regex.Pattern[str],
            repl: str | Callable[[regex.Match[str]], str | None], flags: int = 0) -> int:
        """Regex substitution as one batch; a callable returning None keeps the match."""
        compiled = regex.compile(pattern, flags) if isinstance(pattern, str) else pattern
        spans = []
        for m in compiled.finditer(self.text):
            after = repl(m) if callable(repl) else m.expand(repl)
            if after is not None:
                spans.append((m.start(), m.end(), after, rule))
        return self.replace_spans(spans)

    def set_text(self, new_text: str, rule: str) -> int:
        """Replace the text wholesale, recording the smallest line-level differences."""
        return self.replace_spans(line_diff_spans(self.text, new_text, rule))

    def result(self, meta: dict[str, Any]) -> StageResult:
        return StageResult(self.text, self.edits, meta)


def line_diff_spans(old: str, new: str, rule: str) -> list[tuple[int, int, str, str]]:
    """Spans turning `old` into `new`, found by a line-level diff (for whole-text tools)."""
    import difflib

    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    offsets = [0]
    for line in old_lines:
        offsets.append(offsets[-1] + len(line))
    spans = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            spans.append((offsets[i1], offsets[i2], "".join(new_lines[j1:j2]), rule))
    return spans


def add_flag(meta: dict[str, Any], flag: str) -> None:
    """Add a document flag (something the pipeline could not repair) once.

    The list is replaced, never edited in place: a stage works on a copy of
    the metadata it was given, and the caller's flags stay as they were.
    """
    flags = meta.get("flags", [])
    if flag not in flags:
        meta["flags"] = [*flags, flag]
