"""Stage 5, reassemble: put fragments back together (order, splits, duplicates).

Works on the report's lines (one paragraph a line). Three steps, each one
recorded batch: move a glossary printed first to the end (F4), restore reading
order from the outline numbering and continuation links (F1), join paragraphs
and words cut by a column, page or link break (F2). (Repeated copies, F3, are
dropped before strip looks for the body: pipeline/repeats.py.) Evidence comes from the document itself: its
outline markers, its punctuation, and its own character statistics, and the
jump markers strip removed (meta["jump_markers"], read here and dropped).
"""

from __future__ import annotations

from collections import Counter
from functools import cache, cached_property, lru_cache
from typing import Any, NamedTuple

import numpy as np
import regex

from . import reorder, rules, shape  # reorder reads this module's line predicates at call time
from .model import (
    PAIR_MASK,
    PAIR_SHIFT,
    Recorder,
    StageResult,
    add_flag,
    code_points,
    compiled_pattern,
    longest_increasing_indices,
    pair_number,
    pair_numbers,
)
from .shape import opens_with_address, outline_marker

STAGE = "reassemble"
RULE_FILES = ("reassemble.toml", "reorder.toml")
EXTRA_MODULES = ("reorder",)
JUMP_KEY = "jump_markers"  # strip's jump markers: [[line offset, "up" | "down", page], ...]

TERMINAL = "。！？；：!?;:…"
CLOSERS = "”’）)」』》】"
CONTINUATION_START = "，、。；：！？）》」』”,;:!?)"
SENTENCE_PUNCT = "。！？；："
CLAUSE_PUNCT = "，、。；：！？,;:!?"
SENTENCE_MARKS = frozenset(SENTENCE_PUNCT)
DASH_START = regex.compile(r"^[—－―]")
FIRST_CLAUSE = regex.compile(rf"[^{CLAUSE_PUNCT}]*")


class Line(NamedTuple):
    """A non-blank line of the text: its content span (a tuple: a listing makes 200,000 of them)."""

    start: int
    end: int
    text: str


@cache
def rule(table: str, rule_id: str | None = None) -> dict[str, Any]:
    """One entry of reassemble.toml (the first of its table unless an id is given)."""
    entries = rules.load("reassemble.toml")[table]
    return next(e for e in entries if rule_id is None or e["id"] == rule_id)


def split_lines(text: str) -> list[Line]:
    """The text's non-blank lines (each step of the stage asks again, mostly of the same text)."""
    return list(_lines_of(text))


@lru_cache(maxsize=2)  # the text as it is and as the last step left it
def _lines_of(text: str) -> tuple[Line, ...]:
    lines, offset = [], 0
    for raw in text.split("\n"):
        if raw.strip():
            lines.append(Line(offset, offset + len(raw), raw))
        offset += len(raw) + 1
    return tuple(lines)


def separator(text: str, lines: list[Line]) -> str:
    """The usual gap between two lines of this text ("\\n" or "\\n\\n")."""
    gaps = Counter(text[a.end:b.start] for a, b in zip(lines, lines[1:], strict=False))
    return gaps.most_common(1)[0][0] if gaps else "\n"


# --- what a line is -----------------------------------------------------------

def ends_sentence(s: str) -> bool:
    """The line ends at a sentence end (closing quotes and brackets allowed after it)."""
    core = s.rstrip(CLOSERS)
    if core and core[-1] in TERMINAL:
        return True
    return s[:1] in "（(" and s[-1:] in "）)"  # a parenthesised note


def is_heading_like(s: str) -> bool:
    """Short line without sentence punctuation: a heading, title or byline, not a paragraph."""
    return len(s) <= 50 and SENTENCE_MARKS.isdisjoint(s)


def is_piece(s: str) -> bool:
    """A short unpunctuated piece: what a link or a subscript leaves on its own line."""
    return (len(s) <= rule("join", "F2-split-paragraph")["max_piece_chars"]
            and outline_marker(s) is None and not any(c in CLAUSE_PUNCT for c in s))


def is_dangling(s: str) -> bool:
    """A paragraph cut mid-sentence: sentence text that does not end a sentence."""
    return not ends_sentence(s) and not is_heading_like(s)


def can_continue(s: str) -> bool:
    """The line may be the rest of an earlier paragraph (no marker, dash item or address)."""
    return (outline_marker(s) is None and not DASH_START.match(s) and not opens_with_address(s)
            and not is_glossary_heading(s))


def is_glossary_heading(s: str) -> bool:
    return bool(compiled_pattern(rule("glossary")["heading"]).match(s))


def front_end(lines: list[Line]) -> int:
    """Index of the first body line: after the title, byline and the address (各位代表：)."""
    return front_end_of([line.text for line in lines])


def front_end_of(texts: list[str]) -> int:
    for i, text in enumerate(texts):
        if opens_with_address(text) and len(text) <= 8:
            return i + 1
        if i > 0 and (outline_marker(text) or not is_heading_like(text) or is_glossary_heading(text)):
            return i
    return len(texts)


# --- document statistics: does a cut look like it splits one sentence? --------

class PairIndex:
    """Where each two characters of the text occur.

    Every adjacent pair of the text is one number (model.pair_numbers), sorted once in C
    (stably: the places of one pair stay ascending), so the places of a pair, or the characters
    that follow one, are a slice. A long or hard-wrapped report asks for thousands of pairs:
    finding each first character's places in Python was most of its link search.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[str, list[int]] = {}
        self.after: dict[str, set[str]] = {}  # first character -> the characters that follow it

    @cached_property
    def points(self) -> np.ndarray:
        return code_points(self.text).astype(np.int64)

    @cached_property
    def sorted_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(the pair numbers sorted, the place each starts at)."""
        keys = pair_numbers(self.text)
        order = np.argsort(keys, kind="stable")
        return keys[order], order

    def span(self, low: int, high: int) -> tuple[int, int]:
        """Where pair numbers from `low` to before `high` lie among the sorted ones."""
        lo, hi = np.searchsorted(self.sorted_pairs[0], (low, high))
        return int(lo), int(hi)

    def places(self, pair: str) -> np.ndarray:
        """Every start of the two characters `pair`, ascending, overlapping ones included."""
        if len(pair) != 2:
            return np.zeros(0, dtype=np.int64)
        key = pair_number(pair)
        lo, hi = self.span(key, key + 1)
        return self.sorted_pairs[1][lo:hi]

    def first_span(self, first: str) -> tuple[int, int]:
        """Where the pairs that begin with the character `first` lie among the sorted ones."""
        if len(first) != 1:
            return 0, 0
        return self.span(ord(first) << PAIR_SHIFT, (ord(first) + 1) << PAIR_SHIFT)

    def first_places(self, first: str) -> list[int]:
        """Every place of the character `first` that another character follows."""
        lo, hi = self.first_span(first)
        return self.sorted_pairs[1][lo:hi].tolist()

    def get(self, pair: str, default: tuple[()] = ()) -> list[int] | tuple[()]:
        """places() as a list, remembered (empty: default)."""
        found = self.found.get(pair)
        if found is None:
            found = self.found[pair] = self.places(pair).tolist()
        return found or default

    def followers(self, first: str) -> set[str]:
        """The characters that follow `first` anywhere in the text."""
        if first not in self.after:
            lo, hi = self.first_span(first)
            seconds = np.unique(self.sorted_pairs[0][lo:hi] & PAIR_MASK).tolist()
            self.after[first] = {chr(c) for c in seconds}
        return self.after[first]


class Stats:
    """The document's own character statistics, each computed when first used."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = PairIndex(text)

    @cached_property
    def count(self) -> Counter[str]:
        return Counter(self.text)


def document_stats(text: str) -> Stats:
    return Stats(text)


def spanning_match(stats: Stats, a: str, b: str, longest: int = 6) -> int:
    """Length of the longest string across the cut (end of a + start of b, at most `longest`
    characters of each) found elsewhere in the text.

    Every such string holds the two characters at the cut, so it is found at one of their
    places: how far the text there agrees with a going back and with b going on, for all
    places at once.
    """
    left, right = a[-longest:], b[:longest]
    if not left or not right:
        return 0
    places = stats.at.places(left[-1] + right[0])
    if not len(places):
        return 0
    if len(places) <= FEW_PLACES:  # most cuts: a loop over a few places beats numpy's call overhead
        return max(agreement(stats.text, q, left, right) for q in places.tolist())
    points = stats.at.points
    back = agreeing(points, places[:, None] - np.arange(len(left)), [ord(c) for c in reversed(left)])
    on = agreeing(points, places[:, None] + 1 + np.arange(len(right)), [ord(c) for c in right])
    return int((back + on).max())


FEW_PLACES = 8


def agreement(text: str, place: int, left: str, right: str) -> int:
    """How many characters of `left` (back from its end) and of `right` (on from its start) the text
    holds around `place`, where left's last and right's first character stand."""
    back = 1
    while back < len(left) and place - back >= 0 and text[place - back] == left[-1 - back]:
        back += 1
    on = 1
    while on < len(right) and place + 1 + on < len(text) and text[place + 1 + on] == right[on]:
        on += 1
    return back + on


def agreeing(points: np.ndarray, at: np.ndarray, wanted: list[int]) -> np.ndarray:
    """For each row of positions `at`, how many of them from the first on hold the `wanted` code points."""
    inside = (at >= 0) & (at < len(points))
    same = inside & (points[np.clip(at, 0, len(points) - 1)] == np.asarray(wanted))
    return np.logical_and.accumulate(same, axis=1).sum(axis=1)


def bigram_affinity(stats: Stats, x: str, y: str) -> float:
    """How much more often y follows x in this document than chance would have it."""
    # str.count counts without overlaps: it differs from the index only for a doubled character
    pair = stats.text.count(x + y) if x == y else len(stats.at.places(x + y))
    if pair < 2:  # one sighting is chance
        return 0.0
    return pair * len(stats.text) / max(1, stats.count[x] * stats.count[y])


def join_score(stats: Stats, a: str, b: str, adjacent: bool = True) -> int:
    """Evidence that b continues the sentence a leaves open (0 = none).

    A clause mark opening b or closing a says a sentence goes on, not which one:
    it counts only for lines printed next to each other.
    """
    if not b or not a:
        return 0
    cfg = rule("join", "F2-split-paragraph")
    if adjacent and (b[0] in CONTINUATION_START or a[-1] in cfg["open_end"]):
        return 10
    score = 0
    span = spanning_match(stats, a, b)
    if span >= 3 or span == 2 and bigram_affinity(stats, a[-1], b[0]) >= cfg["min_affinity"]:
        score += 2 * (span - 1) + 1
    if a[-1] in cfg["no_final"]:
        score += 3
    first_clause = FIRST_CLAUSE.match(b).group(0)
    if len(first_clause) <= 2 and len(first_clause) < len(b):
        score += 1
    return score


# --- recording: deletions, moves and joins as exact batches -------------------

def delete_spans(lines: list[Line], drop: set[int], rule_id: str) -> list[tuple[int, int, str, str]]:
    """Spans deleting the given lines with their gaps (runs merged so spans never overlap)."""
    spans, i = [], 0
    while i < len(lines):
        if i not in drop:
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and j + 1 in drop:
            j += 1
        if j + 1 < len(lines):
            spans.append((lines[i].start, lines[j + 1].start, "", rule_id))
        elif i > 0:
            spans.append((lines[i - 1].end, lines[j].end, "", rule_id))
        i = j + 1
    return spans


def longest_increasing(seq: list[int]) -> set[int]:
    """Values of one longest increasing subsequence (the lines that can stay in place)."""
    return {seq[k] for k in longest_increasing_indices(seq)}


def move_spans(text: str, lines: list[Line], order: list[int],
               rule_id: str) -> list[tuple[int, int, str, str]]:
    """One batch of delete + insert spans that puts the lines in `order`."""
    keep = longest_increasing(order)
    moved = set(order) - keep
    if not moved:
        return []
    sep = separator(text, lines)
    spans = delete_spans(lines, moved, rule_id)
    pending: list[str] = []
    for idx in order:
        if idx in moved:
            pending.append(lines[idx].text)
        elif pending:
            spans.append((lines[idx].start, lines[idx].start, sep.join(pending) + sep, rule_id))
            pending = []
    if pending:
        last = max(keep)
        spans.append((lines[last].end, lines[last].end, sep + sep.join(pending), rule_id))
    return spans


def apply_order(rec: Recorder, lines: list[Line], order: list[int], rule_id: str) -> None:
    """Reorder the lines as one recorded batch and check the result."""
    spans = move_spans(rec.text, lines, order, rule_id)
    if not spans:
        return
    rec.replace_spans(spans)
    got = [line.text for line in split_lines(rec.text)]
    if got != [lines[i].text for i in order]:  # pragma: no cover - a bug, not a document
        raise AssertionError("reassemble: reordering did not give the planned order")


# --- F4: glossary printed first --------------------------------------------------

def glossary_block(lines: list[Line]) -> tuple[int, int] | None:
    """(start, end) of a glossary heading with its entries, if one is found."""
    return glossary_span([line.text for line in lines])


def glossary_span(texts: list[str]) -> tuple[int, int] | None:
    """[start, end) of the glossary: its heading (and the appendix label over it), its entries,
    and the definition under a term printed on a line of its own (1.“四上”企业：)."""
    entry = compiled_pattern(rule("glossary")["entry"])
    for i, text in enumerate(texts):
        if is_glossary_heading(text):
            j = i + 1
            while j < len(texts) and (entry.match(texts[j]) or shape.is_term_alone(texts[j - 1])
                                      and can_continue(texts[j]) and not shape.is_appendix_heading(texts[j])):
                j += 1
            start = i - 1 if i > 0 and shape.is_appendix_heading(texts[i - 1]) else i  # 附件2 over its 名词解释
            return (start, j) if j > i + 1 else None
    return None


def move_glossary(rec: Recorder) -> list[int] | None:
    """Move a glossary printed first to the end; the order of the lines applied, if any."""
    cfg = rule("glossary")
    lines = split_lines(rec.text)
    block = glossary_block(lines)
    if block is None:
        return None
    start, end = block
    after = [line.text for line in lines[end:]]
    body_after = [t for t in after if not is_heading_like(t) and not compiled_pattern(cfg["entry"]).match(t)]
    sections_after = any(opens_with_address(t) or (outline_marker(t) or (9,))[0] <= 2 for t in after)
    if len(body_after) < cfg["min_body_after"] or not sections_after:
        return None
    order = [*range(start), *range(end, len(lines)), *range(start, end)]
    apply_order(rec, lines, order, cfg["id"])
    return order


def jump_marks(text: str, meta: dict[str, Any]) -> reorder.Marks:
    """The jump markers strip removed (meta, by line offset), by line of `text`."""
    at = {line.start: k for k, line in enumerate(split_lines(text))}
    ups: dict[int, str] = {}
    downs: dict[int, str] = {}
    for pos, way, page in meta.get(JUMP_KEY, []):
        if pos in at:
            (ups if way == "up" else downs)[at[pos]] = page
    return reorder.Marks(ups, downs)


def moved_marks(marks: reorder.Marks, order: list[int] | None) -> reorder.Marks:
    """The markers' lines once the lines are put in `order`; where the move parted lines
    printed together (the glossary taken out from between them), a fragment starts."""
    if order is None:
        return marks
    position = {line: k for k, line in enumerate(order)}
    seams = frozenset(k for k in range(1, len(order)) if order[k] != order[k - 1] + 1)
    return reorder.Marks({position[i]: p for i, p in marks.ups.items()},
                         {position[i]: p for i, p in marks.downs.items()}, seams)


# --- F1: reading order ------------------------------------------------------------

def body_range(lines: list[Line]) -> tuple[int, int]:
    """[start, end) of the report body: after the front lines, before a glossary."""
    return body_range_of([line.text for line in lines])


def body_range_of(texts: list[str]) -> tuple[int, int]:
    start = front_end_of(texts)
    block = glossary_span(texts)
    end = block[0] if block and block[0] >= start else len(texts)
    return start, end


def find_links(texts: list[str], start: int, end: int, stats: Stats,
               meta: dict[str, Any]) -> dict[int, int]:
    """Continuation links: dangling paragraph index -> index of the line that continues it.

    A line that the next line may continue jumps elsewhere only once that next line is
    taken by another: its other partners are scored only then (select_links again, with
    them), which leaves the links what scoring every partner of every line up front gives
    and makes a hard-wrapped report, every line continued by the next, cost one score a line.
    """
    dangling, free = open_lines(texts, start, end)
    partners = LinkIndex(texts, free, stats)
    followed = {d for d in dangling if d + 1 < end and can_continue(texts[d + 1])}
    candidates = {d: link_candidates(texts, d, end, partners, d not in followed) for d in dangling}
    while True:
        links, taken = select_links(texts, end, sorted((c for cs in candidates.values() for c in cs), reverse=True))
        jumping = {d for d in followed if d + 1 in taken and links.get(d) != d + 1}
        if not jumping:
            break
        followed -= jumping
        candidates.update((d, link_candidates(texts, d, end, partners, True)) for d in jumping)
    link_by_elimination(texts, dangling, free, links, taken, end, meta)
    return links


def open_lines(texts: list[str], start: int, end: int) -> tuple[list[int], list[int]]:
    """The lines left open (dangling) and the lines that may continue one (free) of the body."""
    dangling = [i for i in range(start, end) if is_dangling(texts[i])]
    free = [j for j in range(start, end) if can_continue(texts[j]) and not is_heading_like(texts[j])
            and (j == start or is_dangling(texts[j - 1]) or opens_with_address(texts[j - 1]))]
    return dangling, free


Candidate = tuple[int, bool, int, int]  # (score, adjacent, dangling line, line continuing it)


def link_candidates(texts: list[str], d: int, end: int, partners: LinkIndex, jumps: bool) -> list[Candidate]:
    """The lines that may continue dangling line d with their scores: the next line, and with
    `jumps` every other line the text's n-grams propose."""
    min_join = rule("join", "F2-split-paragraph")["min_score"]
    out = []
    if d + 1 < end and d + 1 not in partners.free_set and can_continue(texts[d + 1]):
        score = join_score(partners.stats, texts[d], texts[d + 1])
        if score >= min_join:
            out.append((score + 3, True, d, d + 1))
    for f, score in partners.scored(d, only_next=not jumps):
        adjacent = f == d + 1
        out.append((score + (3 if adjacent else 0), adjacent, d, f))
    return out


def select_links(texts: list[str], end: int, candidates: list[Candidate]) -> tuple[dict[int, int], set[int]]:
    """The links taken best first, none into a line already taken or closing a loop; a jump
    only once the next line is known not to continue d (taken by another)."""
    links: dict[int, int] = {}
    taken: set[int] = set()
    paths = Paths()
    changed = True
    while changed:
        changed = False
        for _, adjacent, d, f in candidates:
            if d in links or f in taken or paths.closes_loop(d, f):
                continue
            if not adjacent and d + 1 < end and can_continue(texts[d + 1]) and d + 1 not in taken:
                continue
            links[d] = f
            taken.add(f)
            paths.join(d, f)
            changed = True
    return links, taken


class Paths:
    """The chains the links form (each line has at most one link out and one in): a link
    d -> f closes a loop when f starts the chain d ends. Constant time per link."""

    def __init__(self) -> None:
        self.start_of: dict[int, int] = {}  # chain end -> its start
        self.end_of: dict[int, int] = {}    # chain start -> its end

    def closes_loop(self, d: int, f: int) -> bool:
        return self.start_of.get(d, d) == f

    def join(self, d: int, f: int) -> None:
        head, tail = self.start_of.pop(d, d), self.end_of.pop(f, f)
        self.end_of.pop(head, None)
        self.start_of.pop(tail, None)
        self.end_of[head], self.start_of[tail] = tail, head


class LinkIndex:
    """Lines that may continue a dangling line, found through the text's n-grams, not by trying all.

    join_score (not adjacent) reaches min_link_score only with a string across the cut
    found elsewhere, unless the line ends on a no_final character: the string's first
    pair, triple or its last triple is looked up where the text has it.
    """

    def __init__(self, texts: list[str], free: list[int], stats: Stats) -> None:
        self.texts, self.free, self.stats = texts, free, stats
        self.free_set = set(free)
        self.seen: dict[tuple[str, int], set[str]] = {}
        self.by_first: dict[str, list[int]] = {}
        self.by_two: dict[str, list[int]] = {}
        for f in free:
            self.by_first.setdefault(texts[f][:1], []).append(f)
            self.by_two.setdefault(texts[f][:2], []).append(f)

    def following(self, s: str, n: int) -> set[str]:
        """The n characters that follow s wherever the text has it (s of one or two characters)."""
        if (s, n) not in self.seen:
            text, at = self.stats.text, self.stats.at
            starts = at.get(s, ()) if len(s) == 2 else at.first_places(s)
            self.seen[s, n] = {text[p + len(s):p + len(s) + n] for p in starts}
        return self.seen[s, n]

    def candidates(self, d: int) -> set[int]:
        a = self.texts[d]
        cfg = rule("join", "F2-split-paragraph")
        if a[-1] in cfg["no_final"] or rule("order")["min_link_score"] <= 1:
            return set(self.free)
        found = {f for y in self.stats.at.followers(a[-1])
                 if bigram_affinity(self.stats, a[-1], y) >= cfg["min_affinity"] for f in self.by_first.get(y, ())}
        if len(a) >= 2:
            found.update(f for y in self.following(a[-2:], 1) for f in self.by_first.get(y, ()))
        found.update(f for yz in self.following(a[-1], 2) for f in self.by_two.get(yz, ()))
        if d + 1 in self.free_set:
            found.add(d + 1)  # the next line is weighed on its own terms (clause marks count there)
        return found

    def scored(self, d: int, only_next: bool = False) -> list[tuple[int, int]]:
        """(line, join score) of every line that may continue line d, in line order (`only_next`:
        of the next line alone, when it is one of the lines that may continue another)."""
        min_join = rule("join", "F2-split-paragraph")["min_score"]
        min_link = rule("order")["min_link_score"]
        out = []
        lines = ({d + 1} & self.free_set) if only_next else self.candidates(d)
        for f in sorted(lines):
            if f == d:
                continue
            adjacent = f == d + 1
            score = join_score(self.stats, self.texts[d], self.texts[f], adjacent)
            if score >= (min_join if adjacent else min_link):
                out.append((f, score))
        return out


def creates_cycle(links: dict[int, int], d: int, f: int) -> bool:
    """Linking d -> f would close a loop of links."""
    cur, steps = f, 0
    while cur in links and steps <= len(links):
        cur, steps = links[cur], steps + 1
    return cur == d


def link_by_elimination(texts: list[str], dangling: list[int], free: list[int],
                        links: dict[int, int], taken: set[int], end: int,
                        meta: dict[str, Any]) -> None:
    """One paragraph left open with nowhere to go and one orphan start: they belong together."""
    open_ends = [d for d in dangling if d not in links
                 and (d + 1 >= end or not can_continue(texts[d + 1]))]
    orphans = [f for f in free if f not in taken and f - 1 not in dangling]
    if len(open_ends) == 1 and len(orphans) == 1 and orphans[0] != open_ends[0] + 1:
        d, f = open_ends[0], orphans[0]
        if not creates_cycle(links, d, f) and any(g != k + 1 for k, g in links.items()):
            links[d] = f
            taken.add(f)
            add_flag(meta, "uncertain-join")


def section_keys(texts: list[str], start: int, end: int) -> dict[int, tuple[int, int]]:
    """Line index -> (一、 number, （一） number) for every section marker of the body."""
    keys, l1 = {}, 0
    for i in range(start, end):
        marker = outline_marker(texts[i])
        if marker and marker[0] == 1:
            l1 = marker[1]
            keys[i] = (l1, 0)
        elif marker and marker[0] == 2:
            keys[i] = (l1, marker[1])
    return keys


def outline_cuts(texts: list[str], start: int, end: int) -> set[int]:
    """Section starts, when the sections are printed out of sequence (each number once)."""
    keys = list(section_keys(texts, start, end).items())
    values = [k for _, k in keys]
    if len(set(values)) < len(values) or values == sorted(values):
        return set()
    return {i for i, _ in keys}


def chunks_of(start: int, end: int, links: dict[int, int], extra_cuts: set[int],
              markers: set[int]) -> list[list[int]]:
    """Cut the body where a link leaves or enters out of sequence, and at the given lines.

    A fragment printed before the paragraph it continues is cut off at the next marker line.
    """
    jumps = {d: f for d, f in links.items() if f != d + 1}
    cuts = {d + 1 for d in jumps} | set(jumps.values()) | extra_cuts
    for d, f in jumps.items():
        if f < d and not any(f < c <= d for c in cuts):  # the rest printed before its start
            cuts.add(next((i for i in range(f + 1, d + 1) if i in markers), f + 1))
    chunks: list[list[int]] = []
    for i in range(start, end):
        if not chunks or i in cuts:
            chunks.append([])
        chunks[-1].append(i)
    return chunks


def chain_chunks(chunks: list[list[int]], links: dict[int, int]) -> list[list[int]]:
    """Follow links from chunk to chunk; each chain is a run of text in reading order."""
    by_first = {c[0]: k for k, c in enumerate(chunks)}
    nxt = {}
    for k, c in enumerate(chunks):
        f = links.get(c[-1])
        if f is not None and f in by_first and by_first[f] != k:
            nxt[k] = by_first[f]
    targets = set(nxt.values())
    heads = [k for k in range(len(chunks)) if k not in targets]
    chains, seen = [], set()
    for k in [*heads, *range(len(chunks))]:  # then whatever a loop left unvisited
        chain: list[int] = []
        cur: int | None = k
        while cur is not None and cur not in seen:
            seen.add(cur)
            chain.extend(chunks[cur])
            cur = nxt.get(cur)
        if chain:
            chains.append(chain)
    return chains


def chain_key(texts: list[str], chain: list[int]) -> tuple[int, int] | None:
    """(一、 number, （一） number) of the chain's first section marker; None without one.

    A （一） with no 一、 before it in its chain takes the 一、 printed last before the chain.
    """
    l1 = next((m[1] for m in map(outline_marker, reversed(texts[:chain[0]])) if m and m[0] == 1), 0)
    for i in chain:
        marker = outline_marker(texts[i])
        if marker and marker[0] == 1:
            return marker[1], 0
        if marker and marker[0] == 2:
            return l1, marker[1]
    return None


def order_chains(texts: list[str], chains: list[list[int]], meta: dict[str, Any]) -> list[list[int]]:
    """Sort chains by their outline position; items of a missing section go first."""
    keyed: list[tuple[tuple[float, ...], int, list[int]]] = []
    previous: tuple[float, ...] = (-1.0,)
    for n, chain in enumerate(chains):
        key = chain_key(texts, chain)
        first = outline_marker(texts[chain[0]])
        if key is not None:
            previous = tuple(float(k) for k in key)
            keyed.append((previous, n, chain))
        elif first and first[0] >= 3 and first[1] == 1:
            keyed.append(((-2.0,), n, chain))  # items whose section heading is missing
        else:
            keyed.append((previous + (0.5,), n, chain))
            add_flag(meta, "uncertain-order")
    keys = [k for k, _, _ in keyed]
    if len(set(keys)) < len(keys):
        add_flag(meta, "uncertain-order")
    return [chain for _, _, chain in sorted(keyed)]


def linked_order(texts: list[str], stats: Stats, meta: dict[str, Any]) -> tuple[list[int], dict[int, int]]:
    """Order from continuation links and section numbers (a page cut at a few places).

    Returns the order of the lines and the lines (by index) a link says the next one continues.
    """
    start, end = body_range_of(texts)
    links = find_links(texts, start, end, stats, meta)
    sections = outline_cuts(texts, start, end)
    if all(f == d + 1 for d, f in links.items()) and not sections:
        return list(range(len(texts))), links
    chains = order_chains(texts, chain_chunks(chunks_of(
        start, end, links, sections, {i for i in range(start, end) if outline_marker(texts[i])}), links), meta)
    return [*range(start), *(i for chain in chains for i in chain), *range(end, len(texts))], links


def restore_order(rec: Recorder, meta: dict[str, Any], marks: reorder.Marks | None = None) -> set[int]:
    """Reorder out-of-sequence fragments; returns the lines (by position after the move) to join.

    The links and section numbers settle a page cut at a few places. The whole-report
    search over the fragments (pipeline/reorder.py) replaces their order only when it
    has fewer faults no uncut report shows and scores higher on all the evidence.
    """
    lines = split_lines(rec.text)
    texts = [line.text for line in lines]
    stats = document_stats(rec.text)
    own_meta: dict[str, Any] = {}
    order, links = linked_order(texts, stats, own_meta)
    marks = marks or reorder.Marks()
    faults = reorder.sure_faults(texts, order, marks)
    moved = order != sorted(order)  # the links found a cut: the whole-report search may read it better
    # nor where a sentence's rest was printed elsewhere (misplaced_rest); it must fault less, or not at all
    plan = reorder.plan_fragments(texts, stats, marks) if faults or moved or reorder.misplaced_rest(texts) else None
    if plan is not None and reorder.sure_faults(texts, plan.lines, marks) < max(faults, 1) \
            and reorder.better_order(texts, stats, plan.lines, order, marks):
        order, links = plan.lines, plan.joins
        own_meta = {"flags": plan.flags}
    for flag in own_meta.get("flags", []):
        add_flag(meta, flag)
    if order != sorted(order):
        apply_order(rec, lines, order, rule("order")["id"])
    position = {line: pos for pos, line in enumerate(order)}
    return {position[d] for d, f in links.items() if position[f] == position[d] + 1} | cut_joins(texts, order)


def cut_joins(texts: list[str], order: list[int]) -> set[int]:
    """Positions where the order brings a line left open next to one that may go on with it:
    the cut the move mends (the lines were not printed together)."""
    return {k for k, (a, b) in enumerate(zip(order, order[1:], strict=False))
            if b != a + 1 and is_dangling(texts[a]) and can_continue(texts[b]) and not is_heading_like(texts[b])}


# --- F2: joins ------------------------------------------------------------------------

def plan_joins(texts: list[str], start: int, linked: set[int], stats: Stats) -> dict[int, str]:
    """Line index -> rule id for every line to be joined with the next one."""
    join_cfg = rule("join", "F2-split-paragraph")
    byline = rule("join", "F2-byline-wrap")
    joins: dict[int, str] = {}
    for i in range(1, min(start, len(texts) - 1)):
        if compiled_pattern(byline["open"]).search(texts[i]) and compiled_pattern(byline["close"]).match(texts[i + 1]) \
                and not texts[i].endswith("上"):
            joins[i] = byline["id"]
    first = max(start, 1)
    current = texts[first] if first < len(texts) else ""  # the paragraph built so far
    piece_open = False  # a piece cut out of a sentence was just joined: its sentence goes on
    for i in range(first, len(texts) - 1):
        b = texts[i + 1]
        if not ends_sentence(current) and can_continue(b) and (
                piece_open or i in linked
                or (is_dangling(current) or "，" in current) and is_piece(b)
                or is_dangling(current) and join_score(stats, current, b) >= join_cfg["min_score"]):
            joins[i] = join_cfg["id"]
            current += b
            piece_open = is_piece(b) and not ends_sentence(b)
        else:
            current, piece_open = b, False
    return joins


def join_lines(rec: Recorder, linked: set[int], meta: dict[str, Any]) -> None:
    lines = split_lines(rec.text)
    texts = [line.text for line in lines]
    start, end = body_range(lines)
    joins = plan_joins(texts, start, linked, document_stats(rec.text))
    rec.replace_spans([(lines[i].end, lines[i + 1].start, "", rid) for i, rid in joins.items()])
    flag_leftovers(rec.text, meta)


def flag_leftovers(text: str, meta: dict[str, Any]) -> None:
    """Flag what stays broken: a paragraph left dangling, a report whose start is missing."""
    lines = split_lines(text)
    texts = [line.text for line in lines]
    start, end = body_range(lines)
    if any(is_dangling(t) for t in texts[start:end]):
        add_flag(meta, "dangling-fragment")
    if start_missing(texts, start, end):
        add_flag(meta, "start-missing")


def start_missing(texts: list[str], start: int, end: int) -> bool:
    """The report opens with neither its address (各位代表) nor its first section."""
    opening = texts[:min(start + 2, end)]
    if start >= end or any(opens_with_address(t) or "我代表" in t for t in opening):
        return False
    first = outline_marker(texts[start])
    return first is None or first[1] != 1 or first[0] >= 3 and any(
        (outline_marker(t) or (9,))[0] <= 2 for t in texts[start:end])


def reassemble(text: str, meta: dict[str, Any]) -> StageResult:
    meta = dict(meta)
    if "flags" in meta:
        meta["flags"] = list(meta["flags"])
    rec = Recorder(text, STAGE)
    if "front_matter_in" in meta:  # a report we rendered: already in one piece and in order
        return rec.result(meta)
    marks = jump_marks(text, meta)
    meta.pop(JUMP_KEY, None)  # read here: the lines it names are moved and joined below
    linked = restore_order(rec, meta, moved_marks(marks, move_glossary(rec)))
    join_lines(rec, linked, meta)
    return rec.result(meta)
