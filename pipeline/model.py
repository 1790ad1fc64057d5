"""The document model shared by every stage: text, metadata and an exact edit record.

Every stage returns its new text together with the edits that turn its input
into that text. Edits come in *batches*: the edits of one batch do not
overlap and their positions refer to the text as it was before the batch.
Applying the batches in order rebuilds the output; reverting them in reverse
order rebuilds the input. That is what makes `pipeline verify` possible.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import regex

# Spans of one rule at most this many characters apart are recorded as one edit (spans_by_line).
MERGE_GAP = 16


class Edit(NamedTuple):
    """One change: text[start:end] (== before) was replaced by after (a tuple: a report makes
    tens of thousands, a listing hundreds of thousands, and a tuple is made four times faster)."""

    start: int
    end: int
    before: str
    after: str
    rule: str
    stage: str = ""
    batch: int = 0
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        """The fields in declaration order (what _asdict gives, as a plain dict)."""
        return {"start": self.start, "end": self.end, "before": self.before, "after": self.after,
                "rule": self.rule, "stage": self.stage, "batch": self.batch, "line": self.line}

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


@cache
def compiled_pattern(pattern: str, flags: int = 0) -> regex.Pattern[str]:
    """A pattern compiled once per process (regex's own cache costs a key build per call)."""
    return regex.compile(pattern, flags)


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def code_points(text: str) -> np.ndarray:
    """The text as an array of its code points (uint32), for comparisons and hashes done in C."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


PAIR_SHIFT = 21  # bits of a code point
PAIR_MASK = (1 << PAIR_SHIFT) - 1


def pair_number(pair: str) -> int:
    """Two characters as one number (first << 21 | second), as pair_numbers gives them."""
    return ord(pair[0]) << PAIR_SHIFT | ord(pair[1])


def pair_numbers(text: str) -> np.ndarray:
    """Every two adjacent characters of the text as one number (int64), from each position."""
    points = code_points(text).astype(np.int64)
    return (points[:-1] << PAIR_SHIFT) | points[1:]


def line_breaks(text: str) -> np.ndarray:
    """The positions of the text's line breaks (found in C: a listing has 200,000 lines)."""
    return np.flatnonzero(code_points(text) == ord("\n"))


def window_numbers(text: str, width: int, base: int) -> np.ndarray:
    """The `width` code points from every position read as one number in `base`, modulo 2**64
    (equal texts, equal numbers), computed in C: a hash of every window at once."""
    codes = code_points(text).astype(np.uint64)
    n = len(codes) - width + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    numbers = np.zeros(n, dtype=np.uint64)
    for k in range(width):
        numbers = numbers * np.uint64(base) + codes[k:k + n]
    return numbers


class LineCounter:
    """Line numbers of positions in one text, counted once: O(log n) per position, not O(n)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def line_at(self, pos: int) -> int:
        """Same as line_of(text, pos); the line starts are found on first use."""
        if self._starts is None:
            self._starts = (line_breaks(self.text) + 1).tolist()
        return bisect.bisect_right(self._starts, pos) + 1


def spans_by_line(text: str, spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Sorted, non-overlapping spans, those of one rule close together on one line merged
    into one (the few characters between them kept as they are, in both before and after).

    A character-level rule (script conversion, punctuation or digit width) touches
    most lines many times: one edit per character made the record many times the
    report. Merged, the record says the same (which rule changed what, exactly,
    reversibly) in far fewer bytes. Spans further apart than MERGE_GAP characters
    (an edit's own fields cost more than repeating that much text) or holding a
    line break stay apart.
    """
    merged: list[tuple[int, int, str, str]] = []
    for start, end, after, rule in sorted(spans, key=lambda s: s[0]):
        if merged and merged[-1][3] == rule and start - merged[-1][1] <= MERGE_GAP \
                and "\n" not in after + merged[-1][2] and text.find("\n", merged[-1][0], end) < 0:
            first, last, done, _ = merged[-1]
            merged[-1] = (first, end, done + text[last:start] + after, rule)
        else:
            merged.append((start, end, after, rule))
    return merged


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

    def replace_spans(self, spans: Iterable[tuple[int, int, str, str]], by_line: bool = False) -> int:
        """Replace (start, end, after, rule) spans of the current text as one batch
        (`by_line`: a rule's spans on one line recorded as one edit, see spans_by_line)."""
        if by_line:
            spans = spans_by_line(self.text, list(spans))
        batch = []
        lines = LineCounter(self.text)
        for start, end, after, rule in spans:
            before = self.text[start:end]
            if before == after:
                continue
            batch.append(Edit(start, end, before, after, rule, self.stage, self._batch,
                              lines.line_at(start)))
        if not batch:
            return 0
        self.text = apply_batch(self.text, batch)
        self.edits.extend(sorted(batch, key=lambda e: e.start))
        self._batch += 1
        return len(batch)

    def sub(self, rule: str, pattern: str | regex.Pattern[str],
            repl: str | Callable[[regex.Match[str]], str | None], flags: int = 0, by_line: bool = False) -> int:
        """Regex substitution as one batch; a callable returning None keeps the match."""
        compiled = compiled_pattern(pattern, flags) if isinstance(pattern, str) else pattern
        spans = []
        for m in compiled.finditer(self.text):
            after = repl(m) if callable(repl) else m.expand(repl)
            if after is not None:
                spans.append((m.start(), m.end(), after, rule))
        return self.replace_spans(spans, by_line)

    def set_text(self, new_text: str, rule: str) -> int:
        """Replace the text wholesale, recording the smallest line-level differences."""
        return self.replace_spans(line_diff_spans(self.text, new_text, rule))

    def result(self, meta: dict[str, Any]) -> StageResult:
        return StageResult(self.text, self.edits, meta)


def line_diff_spans(old: str, new: str, rule: str) -> list[tuple[int, int, str, str]]:
    """Spans turning `old` into `new`, found by a line-level diff (for whole-text tools)."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    offsets = [0]
    for line in old_lines:
        offsets.append(offsets[-1] + len(line))
    return [(offsets[i1], offsets[i2], "".join(new_lines[j1:j2]), rule)
            for i1, i2, j1, j2 in changed_ranges(old_lines, new_lines)]


# Up to this many lines (old + new) and line pairs the diff is difflib's exact
# one, as it always was; beyond, unique lines anchor it (patience diff) so the
# cost stays linear and difflib only sees the small windows between anchors.
DIFFLIB_MAX_LINES = 2000
DIFFLIB_MAX_PAIRS = 400_000


def changed_ranges(a: list[str], b: list[str]) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2): a[i1:i2] becomes b[j1:j2]; the ranges not listed are equal."""
    ranges: list[tuple[int, int, int, int]] = []
    _diff_window(a, b, 0, len(a), 0, len(b), ranges)
    return ranges


def _equal_pairs(a: list[str], b: list[str]) -> int:
    """How many (i, j) with a[i] == b[j]: the work of one difflib longest-match pass."""
    counts = Counter(b)
    return sum(counts[x] for x in a)


def _difflib_ranges(a: list[str], b: list[str], i0: int, j0: int) -> list[tuple[int, int, int, int]]:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(i0 + i1, i0 + i2, j0 + j1, j0 + j2)
            for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def _small(a: list[str], b: list[str]) -> bool:
    return len(a) + len(b) <= DIFFLIB_MAX_LINES and _equal_pairs(a, b) <= DIFFLIB_MAX_PAIRS


def _diff_window(a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int,
                 out: list[tuple[int, int, int, int]]) -> None:
    """Diff a[alo:ahi] against b[blo:bhi] into `out`, in order."""
    wa, wb = a[alo:ahi], b[blo:bhi]
    if _small(wa, wb):
        out.extend(_difflib_ranges(wa, wb, alo, blo))
        return
    while alo < ahi and blo < bhi and a[alo] == b[blo]:  # common head
        alo, blo = alo + 1, blo + 1
    tail = 0
    while alo < ahi - tail and blo < bhi - tail and a[ahi - 1 - tail] == b[bhi - 1 - tail]:
        tail += 1
    ahi, bhi = ahi - tail, bhi - tail
    if alo == ahi or blo == bhi:
        if alo < ahi or blo < bhi:
            out.append((alo, ahi, blo, bhi))
        return
    anchors = _anchors(a, b, alo, ahi, blo, bhi)
    if not anchors:
        if _small(a[alo:ahi], b[blo:bhi]):
            out.extend(_difflib_ranges(a[alo:ahi], b[blo:bhi], alo, blo))
        else:  # nothing to anchor on and too big for difflib: one replacement
            out.append((alo, ahi, blo, bhi))
        return
    for i, j in anchors:
        _diff_window(a, b, alo, i, blo, j, out)
        alo, blo = i + 1, j + 1
    _diff_window(a, b, alo, ahi, blo, bhi, out)


def _anchors(a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int]]:
    """Matching lines both windows agree on the order of (longest increasing run).

    Lines occurring once in each window first (patience diff); when there are
    none, lines occurring equally often in both, the k-th with the k-th (text
    repeated whole, where only the blank lines between changed).
    """
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    for unique in (True, False):
        where_b: dict[str, list[int]] = {}
        for j in range(blo, bhi):
            n = count_b[b[j]]
            if (n == 1 if unique else n == count_a[b[j]]):
                where_b.setdefault(b[j], []).append(j)
        seen: Counter[str] = Counter()
        pairs = []
        for i in range(alo, ahi):
            js = where_b.get(a[i])
            if js is not None and count_a[a[i]] == len(js):
                pairs.append((i, js[seen[a[i]]]))
                seen[a[i]] += 1
        if pairs:
            return _longest_increasing(pairs)
    return []


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of `pairs` (sorted by i) whose j increase too."""
    return [pairs[k] for k in longest_increasing_indices([j for _, j in pairs])]


def longest_increasing_indices(values: list[int]) -> list[int]:
    """Indices of one longest strictly increasing subsequence of `values` (patience sorting, n log n)."""
    tops: list[int] = []  # value of the top card of each pile
    top_index: list[int] = []
    back: list[int] = []
    for k, value in enumerate(values):
        pile = bisect.bisect_left(tops, value)
        back.append(top_index[pile - 1] if pile else -1)
        if pile == len(tops):
            tops.append(value)
            top_index.append(k)
        else:
            tops[pile] = value
            top_index[pile] = k
    chain, k = [], top_index[-1] if top_index else -1
    while k >= 0:
        chain.append(k)
        k = back[k]
    return chain[::-1]


def add_flag(meta: dict[str, Any], flag: str) -> None:
    """Add a document flag (something the pipeline could not repair) once.

    The list is replaced, never edited in place: a stage works on a copy of
    the metadata it was given, and the caller's flags stay as they were.
    """
    flags = meta.get("flags", [])
    if flag not in flags:
        meta["flags"] = [*flags, flag]
