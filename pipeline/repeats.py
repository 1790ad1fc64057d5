"""Repeated copies (F3): a report body, or part of it, printed more than once is kept once.

Scraped pages print the report k times (a portal dump with page chrome between
the copies), twice on one line, or a paragraph first cut short and then whole.
Copies are found on the text without whitespace, so a copy whose line breaks
differ (a body on one line, a heading glued to its paragraph) still matches:

1. runs: greedy, left to right, the longest earlier text that the text at each
   position repeats (at least `min_run_chars`, far longer than the formulas a
   report legitimately repeats);
2. copies: the runs of each later copy, chained while the text they repeat
   moves forward; every position maps to its first occurrence;
3. which copy stays: the more complete one — the copy whose line goes on
   where the other's line ends (that one was cut short), then the one with more of its own prose
   between its repeated parts, then the one whose text continues before or
   after the repeat, then the first;
4. what goes: whole lines of the other copies, or whole sentences of a line
   that also holds text of its own (a repeat that starts or ends inside a
   sentence is a formula the report uses twice: it stays).

Pure functions; the strip stage calls `drop_repeated_copies` before it looks
for the report's body, so it sees one copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import regex

from . import rules
from .model import Recorder, code_points, line_breaks, window_numbers

RULE_FILE = "repeats.toml"


@dataclass(frozen=True)
class Run:
    """Stream positions [later, later + length) repeat [earlier, earlier + length)."""

    earlier: int
    later: int
    length: int


@dataclass
class Stream:
    """The text without whitespace, with the offset of each character in the text."""

    chars: str
    offsets: list[int]
    line_of: list[int]  # index of the text line each stream character is on


@cache
def settings() -> dict[str, Any]:
    return rules.load(RULE_FILE)["repeat"][0]


@cache
def _sentence_end() -> regex.Pattern[str]:
    return regex.compile(settings()["sentence_end"])


def ends_sentence(text: str) -> bool:
    """The text ends a sentence (a copy cut there is not cut short; a drop may end there)."""
    return bool(_sentence_end().search(text))


SPACE = regex.compile(r"\s")


def stream_of(text: str) -> Stream:
    """The text without its white space (what `\\s` matches), each character's offset and line."""
    codes = code_points(text)
    distinct = np.unique(codes)
    spaces = [c for c in distinct.tolist() if SPACE.match(chr(c))]  # the few the text has, asked of regex
    kept = np.flatnonzero(~np.isin(codes, spaces))
    lines_before = np.cumsum(codes == ord("\n"))[kept]  # a kept character is never a line break itself
    return Stream(SPACE.sub("", text), kept.tolist(), lines_before.tolist())


def has_long_repeat(s: str, min_chars: int, anchor: int) -> bool:
    """A cheap screen: does any text of `min_chars` occur twice?

    The earlier copy of such a text holds an anchor at a position divisible by
    the stride; the later copy is found by looking every position up among those.
    """
    stride = max(1, min_chars - anchor)
    sampled: dict[str, list[int]] = {}
    for p in range(0, len(s) - anchor + 1, stride):
        sampled.setdefault(s[p:p + anchor], []).append(p)
    if not sampled:
        return False
    hashes = window_hashes(s, anchor)
    for q in np.flatnonzero(np.isin(hashes, hashes[::stride])).tolist():  # the only q an anchor can match
        for p in sampled.get(s[q:q + anchor], ()):
            if p + anchor > q:
                break
            back = 0
            while back < min(p, min_chars) and s[p - back - 1] == s[q - back - 1]:
                back += 1
            if back + common_prefix(s, p, q, limit=q - p) >= min_chars:
                return True
    return False


def window_hashes(s: str, width: int) -> np.ndarray:
    """A hash of the `width` characters from every position (equal texts, equal hashes), computed in C:
    has_long_repeat compares its anchors with every position through these, not one slice at a time."""
    return window_numbers(s, width, 1_000_003)


def repeated_runs(s: str, line_of: list[int], min_chars: int, anchor: int, max_candidates: int) -> list[Run]:
    """Left to right, the longest earlier occurrence (not overlapping) of the text at each position.

    An anchor of `anchor` characters indexes the candidates; a position whose
    run is shorter than `min_chars` moves on by one, a run moves on past itself.
    A run that begins with the last marks of a line begins on the next line
    (a copy printed right after the text it repeats starts there).
    """
    index = AnchorIndex(s, anchor)
    runs: list[Run] = []
    j = index.next_repeat(0)
    while j <= len(s) - anchor:
        best_len, best_i = 0, -1
        for i in index.earlier(j, max_candidates):
            length = common_prefix(s, i, j, limit=j - i)
            if length > best_len:
                best_len, best_i = length, i
        if best_len >= min_chars:
            lead = line_tail(line_of, best_i, j)
            if lead:
                best_i, j = best_i + lead, j + lead
                best_len = common_prefix(s, best_i, j, limit=j - best_i)
            runs.append(Run(best_i, j, best_len))
            j += best_len
        else:
            j += 1
        j = index.next_repeat(j)
    return runs


class AnchorIndex:
    """Where each `width` characters of s occur, grouped through a hash of every position
    (window_hashes, in C; a collision is sorted out by comparing the texts). Only the
    positions a repeat can begin at are ever looked up, so lists are made on demand."""

    def __init__(self, s: str, width: int) -> None:
        self.s, self.width = s, width
        hashes = window_hashes(s, width)
        empty = np.empty(0, dtype=np.int64)
        self.order, self.bounds, self.which, self.after = empty, empty, empty, empty
        if not len(hashes):
            return
        _, first_at, self.which = np.unique(hashes, return_index=True, return_inverse=True)
        self.order = np.argsort(self.which, kind="stable")  # positions by group, ascending in each
        self.bounds = np.searchsorted(self.which[self.order], np.arange(len(first_at) + 1))
        # the first position at or after p whose text occurs wholly before it: the only places a repeat begins
        here = np.arange(len(hashes))
        possible = np.where(first_at[self.which] + width <= here, here, len(s))
        self.after = np.minimum.accumulate(possible[::-1])[::-1]

    def next_repeat(self, p: int) -> int:
        return int(self.after[p]) if p < len(self.after) else len(self.s)

    def earlier(self, j: int, most: int) -> list[int]:
        """The first `most` occurrences of the text at j, as far as they end before j."""
        s, width = self.s, self.width
        if most <= 0:
            return []
        text = s[j:j + width]
        group = self.which[j]
        start, end = int(self.bounds[group]), int(self.bounds[group + 1])
        found: list[int] = []
        while start < end:  # in chunks: a text repeated thousands of times is not listed whole each time
            for i in self.order[start:min(end, start + most)].tolist():
                if s[i:i + width] != text:
                    continue  # another text of the same hash
                if len(found) == most or i + width > j:
                    return found
                found.append(i)
            start += most
        return found


def line_tail(line_of: list[int], i: int, j: int, most: int = 3) -> int:
    """How many characters at i and j (at most `most`) end a line before the run goes on to the next."""
    for t in range(1, most + 1):
        if j + t >= len(line_of):
            return 0
        if line_of[j + t] != line_of[j] and line_of[i + t] != line_of[i]:
            return t
        if line_of[j + t] != line_of[j] or line_of[i + t] != line_of[i]:
            return 0
    return 0


def common_prefix(s: str, i: int, j: int, limit: int) -> int:
    """Length of the common text from i and from j, at most `limit` (compared in blocks)."""
    n, block = 0, 256
    limit = min(limit, len(s) - j)
    while n < limit:
        step = min(block, limit - n)
        if s[i + n:i + n + step] == s[j + n:j + n + step]:
            n += step
            continue
        while n < limit and s[i + n] == s[j + n]:
            n += 1
        break
    return n


def first_occurrence(n: int, runs: list[Run]) -> list[int]:
    """For every stream position, the position of its first occurrence."""
    canon = list(range(n))
    for run in runs:  # in order of `later`: what a run repeats is already resolved
        canon[run.later:run.later + run.length] = canon[run.earlier:run.earlier + run.length]
    return canon


def copies_of(runs: list[Run], canon: list[int]) -> list[list[Run]]:
    """The runs of each later copy: a copy goes on while the text it repeats moves forward."""
    chains: list[list[Run]] = []
    for run in runs:
        if chains:
            last = chains[-1][-1]
            if canon[run.later] > canon[last.later + last.length - 1]:
                chains[-1].append(run)
                continue
        chains.append([run])
    return chains


# --- which copy is the more complete ---------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One copy of a repeated text: its span, and how complete it looks there."""

    start: int
    end: int  # last position, inclusive
    cut_short: bool
    own_inside: int
    continues: int


class Judge:
    """Completeness of copies: what of a copy is its own prose, where it stops, how it goes on."""

    def __init__(self, st: Stream, covered: list[bool], prose_line: list[bool]) -> None:
        self.st, self.covered, self.prose_line = st, covered, prose_line
        # prefix sums of uncovered prose characters (own: on a prose line and not covered; in C, not per character)
        own = np.asarray(prose_line, dtype=bool)[np.asarray(st.line_of, dtype=np.int64)] & ~np.asarray(covered)
        self.own_prose = [0, *np.cumsum(own, dtype=np.int64).tolist()]

    def at_line_end(self, p: int) -> bool:
        return p + 1 >= len(self.st.chars) or self.st.line_of[p + 1] != self.st.line_of[p]

    def goes_on(self, p: int, step: int) -> bool:
        """From p in direction step, skipping chrome, the next text is the copy's own prose."""
        n = len(self.st.chars)
        while 0 <= p < n and not self.covered[p]:
            if self.prose_line[self.st.line_of[p]]:
                return True
            p += step
        return False

    def side(self, start: int, end: int, other_end: int) -> Side:
        cut_short = self.at_line_end(end) and not self.at_line_end(other_end)
        inside = self.own_prose[end + 1] - self.own_prose[start]
        continues = self.goes_on(start - 1, -1) + self.goes_on(end + 1, 1)
        return Side(start, end, cut_short, inside, continues)


def later_is_more_complete(earlier: Side, later: Side, tolerance: int) -> bool:
    if earlier.cut_short != later.cut_short:
        return earlier.cut_short
    if abs(later.own_inside - earlier.own_inside) > tolerance:
        return later.own_inside > earlier.own_inside
    return later.continues > earlier.continues


def canon_of(chain: list[Run], canon: list[int]) -> list[int]:
    """The first occurrences of a chain's positions (canon's slices, in order)."""
    return [p for run in chain for p in canon[run.later:run.later + run.length]]


def dropped_positions(st: Stream, runs: list[Run], judge: Judge, tolerance: int) -> list[bool]:
    """Stream positions of every copy but the one that stays."""
    canon = first_occurrence(len(st.chars), runs)
    chains = copies_of(runs, canon)
    winner, best = None, -1
    for k, chain in enumerate(chains):
        first = canon_of(chain, canon)
        last = chain[-1].later + chain[-1].length - 1
        size = sum(run.length for run in chain)
        earlier = judge.side(min(first), max(first), last)
        later = judge.side(chain[0].later, last, max(first))
        if later_is_more_complete(earlier, later, tolerance) and later.own_inside + size > best:
            winner, best = k, later.own_inside + size
    drop = [False] * len(st.chars)
    for k, chain in enumerate(chains):
        if k == winner:
            for p in canon_of(chain, canon):
                drop[p] = True
        else:
            for run in chain:
                drop[run.later:run.later + run.length] = [True] * run.length
    if winner is not None:  # the winner's own positions stay even where another copy repeated them
        for run in chains[winner]:
            drop[run.later:run.later + run.length] = [False] * run.length
    return drop


# --- from dropped positions to edits -----------------------------------------------------------


def line_bounds(text: str) -> tuple[list[int], list[int]]:
    """The start and end offset of every line of the text."""
    breaks = line_breaks(text)
    return [0, *(breaks + 1).tolist()], [*breaks.tolist(), len(text)]


def line_ranges(line_of: list[int]) -> tuple[list[int], list[int], list[int]]:
    """(line, first, end) of the stream positions of each line that has any (line_of never decreases)."""
    lines, first = np.unique(np.asarray(line_of, dtype=np.int64), return_index=True)
    return lines.tolist(), first.tolist(), [*first[1:].tolist(), len(line_of)]


def segments(flags: list[bool], lo: int, hi: int) -> list[tuple[int, int]]:
    """Maximal [a, b) ranges of True in flags[lo:hi]."""
    out, p = [], lo
    while p < hi:
        if flags[p]:
            q = p
            while q < hi and flags[q]:
                q += 1
            out.append((p, q))
            p = q
        else:
            p += 1
    return out


def drop_spans(text: str, st: Stream, drop: list[bool], rule_id: str,
               max_own_share: float, min_copy_chars: int) -> list[tuple[int, int, str, str]]:
    """Edits removing the dropped copies: whole lines, or whole sentences of a line that stays.

    A dropped stretch inside a line that is longer than any sentence
    (`min_copy_chars`) is a copy whatever it starts and ends on.
    """
    starts, ends = line_bounds(text)
    spans: list[tuple[int, int, str, str]] = []
    lines, firsts, lasts = line_ranges(st.line_of)
    flags = np.asarray(drop, dtype=np.int64)
    counts = np.add.reduceat(flags, firsts).tolist() if firsts else []
    for k in np.flatnonzero(counts).tolist():  # only the lines something is dropped from
        index, lo, hi, dropped = lines[k], firsts[k], lasts[k], counts[k]
        start, end = starts[index], ends[index]
        if hi - lo - dropped <= max_own_share * (hi - lo):
            spans.append((start, min(end + 1, len(text)), "", rule_id))
            continue
        for a, b in segments(drop, lo, hi):
            aligned_start = a == lo or ends_sentence(st.chars[lo:a])
            aligned = aligned_start and (b == hi or ends_sentence(st.chars[a:b]))
            if aligned or b - a >= min_copy_chars:
                spans.append((st.offsets[a], st.offsets[b - 1] + 1, "", rule_id))
    return spans


def drop_repeated_copies(rec: Recorder, is_prose: Callable[[str], bool]) -> int:
    """Remove every copy of a repeated text but the most complete one, as one recorded batch."""
    cfg = settings()
    st = stream_of(rec.text)
    if not has_long_repeat(st.chars, cfg["min_run_chars"], cfg["anchor_chars"]):
        return 0
    runs = repeated_runs(st.chars, st.line_of, cfg["min_run_chars"], cfg["anchor_chars"], cfg["max_candidates"])
    if not runs:
        return 0
    covered = [False] * len(st.chars)
    for run in runs:
        for start in (run.earlier, run.later):
            covered[start:start + run.length] = [True] * run.length
    judge = Judge(st, covered, [is_prose(t.strip()) for t in rec.text.split("\n")])
    drop = dropped_positions(st, runs, judge, cfg["tolerance_chars"])
    return rec.replace_spans(drop_spans(rec.text, st, drop, cfg["id"], cfg["max_own_share"],
                                        cfg["min_copy_chars"]))
