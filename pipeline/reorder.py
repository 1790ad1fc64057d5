"""Reading order of a report printed across columns and pages (used by reassemble, F1).

A newspaper cuts the report wherever a column ends: mid-paragraph, mid-sentence,
mid-word, and prints the pieces on other pages. The text comes to us as those
fragments in print order. We find the candidate cuts (`fragment_bounds`), score
every junction of two fragments with evidence any report carries (the cut itself:
a line left open wants a continuation, characters across the cut form a word or a
number; the outline numbering; the opening and closing of a report; the jump
markers strip removed (上接/下转 and the pages they name, `Marks`); print
adjacency) and search the order with the best total, exactly for few fragments
and with a bounded beam for more. The printed order is kept unless another
beats it, and its runner-up, by a decisive margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import numpy as np

from . import reassemble as ra
from . import rules, shape
from .model import compiled_pattern
from .shape import outline_marker

State = tuple[tuple[int, int], ...]  # the outline path so far: ((level, number), ...)
Walk = tuple[State, str | None]  # the outline path, and the page the last fragment is printed on (page_of)
START: Walk = ((), None)


@dataclass(frozen=True)
class Marks:
    """The jump markers strip removed, by line: 上接 on a fragment's first line (the page it
    goes on from), 下转 on its last (the page it goes on to). Each is a certain cut."""

    ups: dict[int, str] = field(default_factory=dict)
    downs: dict[int, str] = field(default_factory=dict)
    seams: frozenset[int] = frozenset()  # lines an earlier move put after another than printed

    def cuts(self, start: int, end: int) -> set[int]:
        """Lines a fragment starts at: after a 下转, at a 上接, at a seam."""
        return {i for i in (*self.ups, *(d + 1 for d in self.downs), *self.seams) if start < i < end}


NO_MARKS = Marks()


def same_page(a: str, b: str) -> bool:
    """Two page labels name one page (A3 and 3 alike; A3 and B3 not)."""
    return a == b or a.lstrip(ALPHA) == b.lstrip(ALPHA) and not (a[:1] in ALPHA and b[:1] in ALPHA)


ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@cache
def rule(rule_id: str) -> dict[str, Any]:
    """One entry of reorder.toml by id."""
    data = rules.load("reorder.toml")
    return next(e for entries in data.values() for e in entries if e["id"] == rule_id)


@cache
def word_freqs() -> tuple[dict[str, float], float]:
    """Log frequencies of the words of jieba's dictionary (the word list the package ships),
    and the log frequency given to a character it does not list."""
    counts = word_counts((resources.files("jieba") / "dict.txt").read_text(encoding="utf-8"))
    total = math.log(sum(counts.values()))
    log = math.log
    return {w: log(c) - total for w, c in counts.items() if c > 0}, -total


MAX_WORD = 6


def word_counts(text: str) -> dict[str, int]:
    """The counts of a jieba dictionary's words of up to MAX_WORD characters (`word count [tag]` a line)."""
    tokens = text.split()
    if len(tokens) == 3 * text.count("\n") and all(map(str.isdigit, tokens[1::3])):
        # word, count, tag on every line (the counts where counts belong): split once, not line by line
        return {w: int(c) for w, c in zip(tokens[0::3], tokens[1::3], strict=True) if len(w) <= MAX_WORD}
    pairs = (line.split(" ")[:2] for line in text.splitlines() if line.count(" ") >= 1)
    return {w: int(c) for w, c in pairs if len(w) <= MAX_WORD}


@lru_cache(maxsize=1 << 16)
def segment_score(s: str) -> float:
    """Log probability of the best segmentation of s into dictionary words (unigram model;
    remembered: the same line ends are weighed against many line starts)."""
    logp, unknown = word_freqs()
    best = [0.0] + [-math.inf] * len(s)
    for i in range(len(s)):
        for j in range(i + 1, min(len(s), i + MAX_WORD) + 1):
            w = s[i:j]
            p = logp.get(w, unknown if j == i + 1 else None)
            if p is not None and best[i] + p > best[j]:
                best[j] = best[i] + p
    return best[-1]


def word_across(a: str, b: str) -> float:
    """How much likelier the characters either side of the cut read as words running across it
    than as words ending at it (0: the cut falls between words)."""
    left, right = a[-4:], b[:4]
    return max(0.0, segment_score(left + right) - segment_score(left) - segment_score(right))


# --- evidence at a cut ----------------------------------------------------------------

def number_across(a: str, b: str) -> bool:
    """Digits on both sides of the cut, or a number followed by its unit (2|0|25年, 3|.5%).
    Digits that would make a year of more than four digits are two numbers (规章4 | 2022年)."""
    if not (a and b and a[-1].isdigit()):
        return False
    if b[0] in rule("R2-cut-words")["units"]:
        return True
    digits = compiled_pattern(r"\d+").match(b)
    if digits is None:
        return False
    run = len(a) - len(a.rstrip("0123456789")) + digits.end()
    return not (b[digits.end():digits.end() + 1] == "年" and run > rule("R2-cut-words")["year_digits"])


def shared_strings(stats: ra.Stats, a: str, b: str) -> float:
    """How often the report prints the strings that run across the cut elsewhere (log counts)."""
    total = 0.0
    for i, j in ((1, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3)):
        if len(a) >= i and len(b) >= j:
            s = a[-i:] + b[:j]
            total += math.log1p(sum(1 for p in stats.at.get(s[:2], ()) if stats.text.startswith(s, p)))
    return total


def last_mark(s: str, pair: str) -> str:
    """The pair's mark that comes last in s ("" when s has neither)."""
    at = max(s.rfind(pair[0]), s.rfind(pair[1]))
    return s[at] if at >= 0 else ""


def first_mark(s: str, pair: str) -> str:
    """The pair's mark that comes first in s ("" when s has neither)."""
    found = [k for k in (s.find(pair[0]), s.find(pair[1])) if k >= 0]
    return s[min(found)] if found else ""


def bracket_evidence(a: str, b: str) -> float:
    """Quotes and brackets across the cut: one a leaves open and b closes (+); one a leaves open
    and b opens another first, or one b closes right after a closed its own (−). A line
    with neither mark says nothing (a quoted title may run over several lines)."""
    cfg = rule("R2-cut-words")
    score = 0.0
    for pair in cfg["pairs"]:
        before, after = last_mark(a, pair), first_mark(b, pair)
        if before and after:
            score += cfg["bracket_closed"] if (before, after) == (pair[0], pair[1]) \
                else cfg["bracket_unmatched"] if before == after else 0.0
    return score


def cut_evidence(stats: ra.Stats, a: str, b: str) -> float:
    """How strongly b reads as the rest of the sentence a leaves open."""
    cfg = rule("R2-cut-words")
    score = cfg["word"] * min(cfg["word_cap"], word_across(a, b)) + cfg["shared"] * shared_strings(stats, a, b)
    score += bracket_evidence(a, b)
    if number_across(a, b):
        score += cfg["number"]
    if b[:1] and b[0] in ra.CONTINUATION_START:
        score += cfg["open_start"]
    return score


def opens_mid_sentence(s: str) -> bool:
    return bool(s) and s[0] in ra.CONTINUATION_START


def junction(stats: ra.Stats, a: str, b: str) -> tuple[float, bool]:
    """(score, joined) for fragment end line a followed by fragment start line b."""
    cfg = rule("R2-cut-words")
    if ra.is_dangling(a):
        if not ra.can_continue(b) or ra.is_heading_like(b):
            return cfg["dangling_heading"], False
        return cfg["open_continues"] + cut_evidence(stats, a, b), True
    if opens_mid_sentence(b):  # after a finished sentence, impossible; after a short piece, its rest
        return (cfg["closed_open"], False) if ra.ends_sentence(a) else (cut_evidence(stats, a, b), True)
    if short_open(a, b):  # a few words cut off a paragraph (用忠诚书 | 写初心。), or an unnumbered heading
        score = cut_evidence(stats, a, b)
        return (score, True) if score >= rule("R5-jumps")["min_heading_join"] else (0.0, False)
    return 0.0, False


def short_open(a: str, b: str) -> bool:
    """a is short, unfinished and unnumbered, and b a paragraph that may go on with it."""
    return (not ra.ends_sentence(a) and ra.is_heading_like(a) and outline_marker(a) is None
            and ra.can_continue(b) and not ra.is_heading_like(b))


# --- the outline as a sequence ----------------------------------------------------------

RESET = (0, 0)  # a glossary heading: numbers start from 1 again, no section of the report follows
APPENDIX = (0, 1)  # an appendix heading: numbers start from 1 again


def line_marker(s: str) -> tuple[int, int] | None:
    """The outline marker of a line, RESET for a glossary or appendix heading."""
    if ra.is_glossary_heading(s):
        return RESET
    return APPENDIX if compiled_pattern(rule("R3-outline")["appendix"]).match(s) else outline_marker(s)


def follow(state: State, marker: tuple[int, int]) -> tuple[State, bool]:
    """The outline path after `marker`, and whether the marker follows the path."""
    if marker == RESET:
        return (RESET,), RESET not in state
    if marker == APPENDIX:
        return (), True
    level, number = marker
    parents = tuple(p for p in state if p[0] < level)
    same = next((p[1] for p in state if p[0] == level), None)
    ok = number == 1 if same is None else number == same + 1
    return (*parents, marker), ok and (level > 2 or RESET not in state)  # no sections in the glossary


def outline_walk(markers: list[tuple[int, int]], state: State) -> tuple[float, State]:
    """(penalty, final path) of a fragment's markers read from path `state`."""
    broken = rule("R3-outline")["broken"]
    penalty = 0.0
    for marker in markers:
        state, ok = follow(state, marker)
        if not ok:
            penalty += broken[min(marker[0], len(broken)) - 1]
    return penalty, state


# --- fragments -------------------------------------------------------------------------

@dataclass(frozen=True)
class Fragment:
    """Lines [start, end) printed together, with what the search needs to know of them."""

    start: int
    end: int
    markers: tuple[tuple[int, int], ...]
    opening: bool   # holds the title, byline or address
    glossary: bool  # holds the glossary heading
    closing: bool   # ends with the closing line
    up: str | None = None    # its first line carried 上接 (the page named)
    down: str | None = None  # its last line carried 下转 (the page named)
    seam: bool = False       # an earlier move put it after the fragment before (Marks.seams)


def sure_cuts(texts: list[str], start: int, end: int) -> set[int]:
    """Line indices a fragment must start at: the first body line and the glossary heading, after
    a line left open before a heading or marker, at a line opening with a clause mark after a
    finished sentence or a short unpunctuated line, after the closing line."""
    closing = rule("R4-ends")["closing"]
    cuts = {ra.front_end_of(texts), *(ra.glossary_span(texts) or ())} - {start, end}
    return cuts | {i for i in range(start + 1, end) if must_cut(texts[i - 1], texts[i], closing)}


def opens_report(s: str) -> bool:
    """The title (a short line ending 工作报告) or the address (各位代表：) of the report."""
    ends = rule("R4-ends")
    return bool(compiled_pattern(ends["address"]).search(s)
                or ra.is_heading_like(s) and compiled_pattern(ends["title"]).search(s))


def opens_body(s: str) -> bool:
    """The title, the address, or the sentence the address opens (现在，我代表…): the report's start."""
    return opens_report(s) or shape.is_opening_formula(s)


def bare_address(s: str) -> bool:
    """An address on a line of its own (各位代表！): it opens the report or one of its parts."""
    return shape.is_address(s) and len(s) <= rule("R4-ends")["bare_address_chars"]


def must_cut(a: str, b: str, closing: str) -> bool:
    """Line b cannot be printed after line a in one piece of the report."""
    if opens_report(b):
        return True
    if ra.is_dangling(a):
        return not ra.can_continue(b) or ra.is_heading_like(b)
    return (ra.is_glossary_heading(b) and not shape.is_appendix_heading(a)  # 附件2 over its 名词解释
            or ra.ends_sentence(a) and opens_mid_sentence(b)
            or ra.is_heading_like(a) and bool(b) and b[0] in ra.CLAUSE_PUNCT  # 编制工作 | 、提升 (not 》)
            or bool(compiled_pattern(closing).search(a)))


def outline_breaks(texts: list[str], start: int, end: int) -> set[int]:
    """Marker lines that do not follow the outline printed before them (after a finished line)."""
    state: State = ()
    cuts = set()
    for i in range(start, end):
        marker = line_marker(texts[i])
        if marker:
            state, ok = follow(state, marker)
            if not ok and marker[0] <= 2 and i > start and not ra.is_dangling(texts[i - 1]):
                cuts.add(i)
    return cuts


def jump_faults(order: list[int], marks: Marks) -> int:
    """Jump markers the order does not honour: a 下转 not followed by a 上接 (or last), a 上接
    not preceded by a 下转 (or first), a 上接 naming another page than the one the piece before
    it was sent to. No uncut report carries one, so none counts there."""
    if not order or not marks.ups and not marks.downs:
        return 0
    faults = (order[0] in marks.ups) + (order[-1] in marks.downs)
    page = None  # the page the piece read now is on, as the 下转 before it named it
    for a, b in zip(order, order[1:], strict=False):
        down, up = marks.downs.get(a), marks.ups.get(b)
        faults += (down is None) != (up is None)
        if down is not None and up is not None:
            faults += page is not None and not same_page(page, up)  # the 上接 names another page
        if down is not None or up is not None:
            page = down
    return faults


def sure_faults(texts: list[str], order: list[int], marks: Marks = NO_MARKS) -> int:
    """What no uncut report shows, lines read in `order`: section markers (一、, （一）) out of
    sequence, a clause mark opening a line after a finished sentence, the title, address or
    opening sentence (现在，我代表…) after report text. (A line left open before a heading is
    not one: sites drop the final punctuation of paragraphs, and print PM|2.5 on two lines.)"""
    state: State = ()
    faults, body_seen = 0, False
    for k, i in enumerate(order):
        marker = line_marker(texts[i])
        if marker:
            state, ok = follow(state, marker)
            faults += not ok and marker[0] in (1, 2)
        faults += k > 0 and ra.ends_sentence(texts[order[k - 1]]) and opens_mid_sentence(texts[i])
        opening = opens_body(texts[i])
        faults += opening and body_seen
        body_seen = body_seen or not opening and not ra.is_heading_like(texts[i]) and not bare_address(texts[i])
    return faults + jump_faults(order, marks)


def loose_cuts(texts: list[str], start: int, end: int, stats: ra.Stats, every: bool = False) -> set[int]:
    """Lines after a line left open that the join evidence does not tie to it (every: all lines
    after a line left open that may go on with it; a cut whose two sides happen to read on,
    全|国统一, is one, and the search weighs the printed order there against the rest)."""
    need = rule("R1-fragments")["min_adjacent"]
    return {i for i in range(start + 1, end)
            if ra.is_dangling(texts[i - 1]) and ra.can_continue(texts[i]) and not ra.is_heading_like(texts[i])
            and (every or ra.join_score(stats, texts[i - 1], texts[i]) < need)}


def misplaced_rest(texts: list[str]) -> bool:
    """A sentence left open reads on into a word with a line printed after another open sentence far
    likelier than with the line after it (…对经 | ，向各… where 济增长… stands elsewhere): a cut that no
    link and no fault shows. Looked for only where a few lines are left open (a hard-wrapped report
    has hundreds: wraps, not cuts)."""
    opens = {i for i in range(1, len(texts)) if ra.is_dangling(texts[i - 1]) and ra.can_continue(texts[i])
             and not ra.is_heading_like(texts[i])}
    if not 0 < len(opens) <= rule("R1-fragments")["max_search"]:
        return False
    need = rule("R1-fragments")["min_orphan_word"]
    rests = [k for k in range(1, len(texts)) if ra.can_continue(texts[k]) and not ra.is_heading_like(texts[k])
             and (k in opens or ra.ends_sentence(texts[k - 1]))]
    return any(word_across(texts[i - 1], texts[k]) - word_across(texts[i - 1], texts[i]) >= need
               for i in opens for k in rests if k != i and spans_word(texts[i - 1], texts[k]))


def spans_word(a: str, b: str) -> bool:
    """Some word of the word list (of up to four characters) runs across the end of a into b."""
    logp, _ = word_freqs()
    return any(a[-x:] + b[:y] in logp for x in (1, 2, 3) for y in (1, 2, 3)
               if x + y <= 4 and len(a) >= x and len(b) >= y)


def continuation_cuts(texts: list[str], bounds: list[int], end: int) -> set[int]:
    """The first marker line of each fragment that may open mid-sentence.

    The rest of a paragraph printed on another page may be followed there by any
    other part of the report: its next heading is where that part may start.
    """
    cuts = set()
    for a, b in zip(bounds, [*bounds[1:], end], strict=True):
        if a > 0 and outline_marker(texts[a]) is None and ra.can_continue(texts[a]) \
                and not ra.is_heading_like(texts[a]):
            cuts.update(next(([i] for i in range(a + 1, b) if outline_marker(texts[i])), []))
    return cuts


def orphan_cuts(texts: list[str], bounds: list[int], end: int, stats: ra.Stats) -> set[int]:
    """Where the rest of a sentence left open was printed after a finished line, inside a fragment.

    For each fragment ending mid-sentence, the line (after a finished one) that the cut
    evidence ties to it best, when it ties it better than any fragment start does: by
    `min_orphan`, or by a word across the cut of `min_orphan_word` with no other line within
    `orphan_margin` (宏 | 观形势; strings the report prints elsewhere alone are not enough).
    Two lines tied best are no evidence for either.
    """
    cfg = rule("R1-fragments")
    starts = set(bounds)
    inner = [j for j in range(1, end) if j not in starts and not ra.is_dangling(texts[j - 1])
             and ra.can_continue(texts[j]) and not ra.is_heading_like(texts[j]) and outline_marker(texts[j]) is None]
    cuts = set()
    for b in [*bounds[1:], end]:
        a = texts[b - 1]
        if not ra.is_dangling(a) or not inner:
            continue
        scores = sorted(((cut_evidence(stats, a, texts[j]), j) for j in inner), reverse=True)
        score, best = scores[0]
        runner_up = scores[1][0] if len(scores) > 1 else -math.inf
        alone = word_across(a, texts[best]) >= cfg["min_orphan_word"] and score - runner_up >= cfg["orphan_margin"]
        tied = score >= cfg["min_orphan"] and score > runner_up or alone
        if tied and all(cut_evidence(stats, a, texts[k]) < score for k in starts if k != b):
            cuts.add(best)
    return cuts


def fragment_bounds(texts: list[str], start: int, end: int, stats: ra.Stats,
                    marks: Marks = NO_MARKS) -> list[int]:
    """Start lines of the fragments of texts[start:end] (the first is `start`).

    Past `max_search` fragments no order is searched (plan_fragments): the further cuts,
    whose search is quadratic in the lines, are then not looked for.
    """
    limit = rule("R1-fragments")["max_fragments"]
    cuts = sure_cuts(texts, start, end) | outline_breaks(texts, start, end) | marks.cuts(start, end)
    if len(cuts) < limit:
        loose = loose_cuts(texts, start, end, stats, True)
        if len(cuts | loose) < limit:
            cuts |= loose
    bounds = sorted({start} | cuts)
    if len(bounds) > rule("R1-fragments")["max_search"]:
        return bounds
    bounds = sorted({*bounds, *orphan_cuts(texts, bounds, end, stats)})
    more = continuation_cuts(texts, bounds, end)
    return sorted({*bounds, *more}) if len(bounds) + len(more) <= limit else bounds


def make_fragments(texts: list[str], bounds: list[int], end: int, marks: Marks = NO_MARKS) -> list[Fragment]:
    ends = rule("R4-ends")
    frags = []
    for a, b in zip(bounds, [*bounds[1:], end], strict=True):
        lines = texts[a:b]
        frags.append(Fragment(
            a, b, tuple(m for m in map(line_marker, lines) if m),
            any(opens_body(t) for t in lines[:ends["address_lines"]]),
            any(ra.is_glossary_heading(t) for t in lines),
            bool(compiled_pattern(ends["closing"]).search(lines[-1])), marks.ups.get(a), marks.downs.get(b - 1),
            a in marks.seams))
    return frags


# --- the search --------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """The order chosen (fragment indices) and what the record and the flags need of it."""

    order: list[int]
    moved: bool       # the order is not the printed one
    uncertain: bool   # another order scores almost as well, or a better one is not decisive
    joins: set[int]   # fragments whose last line the next fragment's first line continues
    weak_joins: bool  # a join made only because the order put a line left open there


Step = Callable[[int | None, Walk, int, int], tuple[float, Walk]]
Pairs = dict[tuple[int, int], tuple[float, bool]]


def jump_score(before: Fragment, after: Fragment, sent: str | None) -> float:
    """The jump markers of fragment `after` read next to `before`: a 下转 wants a 上接 after it;
    the 上接 names the page of `before`, which `before`'s own predecessor named with its
    下转 (`sent`); a piece goes on on another page than its own."""
    cfg = rule("R5-jumps")
    if (before.down is None) != (after.up is None):
        return cfg["unpaired"]
    if before.down is None or after.up is None:
        return 0.0
    score = cfg["paired"] + (cfg["same_page"] if same_page(before.down, after.up) else 0.0)
    if sent is not None:
        score += cfg["page_agrees"] if same_page(sent, after.up) else cfg["page_differs"]
    return score


def page_of(before: Fragment | None, after: Fragment, sent: str | None) -> str | None:
    """The page `after` is printed on, as far as the markers say: the one `before`'s 下转 names,
    else, when no marker parts them (one printed piece), `before`'s own."""
    if before is None:
        return None
    if before.down is not None:
        return before.down
    return sent if after.up is None else None


def marked_join(stats: ra.Stats, a: str, b: str) -> tuple[float, bool] | None:
    """(score, joined) at a certain cut (a 下转 then a 上接) that junction does not join: a line
    left unfinished but short (no sentence punctuation yet) and its rest. A numbered line
    before a short one is a heading cut only with a word or number across the cut."""
    if ra.ends_sentence(a) or not ra.can_continue(b) or ra.is_dangling(a) or opens_mid_sentence(b):
        return None
    cfg = rule("R5-jumps")
    score = cut_evidence(stats, a, b)
    plain = outline_marker(a) is None and not ra.is_heading_like(b)  # a paragraph's first words and its rest
    lead = rf"[^{ra.CLAUSE_PUNCT}]{{1,{cfg['lead_tail']}}}[。！？]"  # the rest of a lead sentence
    tail = compiled_pattern(lead).match(b)
    return (score, True) if plain or tail or score >= cfg["min_heading_join"] else None


def scorer(texts: list[str], frags: list[Fragment], stats: ra.Stats) -> tuple[Step, Pairs]:
    """The score of each step of an order of the fragments, and the junction of every pair."""
    cfg, ends, jumps = rule("R2-cut-words"), rule("R4-ends"), rule("R5-jumps")
    n = len(frags)
    marked = any(f.up is not None or f.down is not None for f in frags)
    together = jumps["printed_together"] if marked else cfg["printed_next"]
    # a line left open that the next printed line may continue: a cut whose two markers were lost?
    loose = {y for y in range(1, n)
             if marked and loose_cuts(texts, frags[y].start - 1, frags[y].start + 1, stats, True)}
    pair = {}
    for x in range(n):
        for y in range(n):
            if x != y:
                a, b = texts[frags[x].end - 1], texts[frags[y].start]
                certain = frags[x].down is not None and frags[y].up is not None and marked_join(stats, a, b)
                pair[x, y] = certain or junction(stats, a, b)

    walks: dict[tuple[int, State], tuple[float, State]] = {}  # the search meets each walk many times

    seen: dict[tuple[int | None, Walk, int, bool], tuple[float, Walk]] = {}

    def step(last: int | None, walk: Walk, y: int, placed: int) -> tuple[float, Walk]:
        """Score of putting fragment y next (after `last`, `placed` fragments in): the search and
        the hill-climb ask for the same steps again and again, so each is scored once."""
        key = (last, walk, y, placed == n - 1)
        known = seen.get(key)
        if known is None:
            if len(seen) >= MAX_SEEN_STEPS:
                seen.clear()
            known = seen[key] = fresh_step(last, walk, y, placed)
        return known

    def fresh_step(last: int | None, walk: Walk, y: int, placed: int) -> tuple[float, Walk]:
        f = frags[y]
        outline = walks.get((y, walk[0]))
        if outline is None:
            outline = walks[y, walk[0]] = outline_walk(list(f.markers), walk[0])
        score, state = outline
        if last is not None:
            before = frags[last]
            joint = pair[last, y][0]
            if y == last + 1 and before.down is None and f.up is None and not f.glossary and not f.seam:
                # (a glossary, or a fragment after a seam, was put there by an earlier move: not print order)
                # in a report with markers, one printed piece: a line left open before a heading is the page's own
                sticky = marked and y not in loose
                joint = max(joint, 0.0) + together if sticky else joint + cfg["printed_next"]
            score += joint + jump_score(before, f, walk[1])
            # the closing (its cheers one by one: 万岁！ 万岁！), then the glossary
            if before.closing and not f.glossary and not closing_only(texts, f) or before.glossary and f.closing:
                score += ends["after_closing"]
        else:
            score += cfg["closed_open"] if opens_mid_sentence(texts[f.start]) else 0.0
            score += jumps["unpaired"] if f.up is not None else 0.0
        if f.opening and last is not None and not frags[last].opening:
            score += ends["misplaced"]
        if placed == n - 1:
            score += cfg["dangling_last"] if ra.is_dangling(texts[f.end - 1]) else 0.0
            score += jumps["unpaired"] if f.down is not None else 0.0
        return score, (state, page_of(frags[last] if last is not None else None, f, walk[1]))

    return step, pair


MAX_SEEN_STEPS = 200_000  # scored steps kept at once (a few tens of MB)


def closing_only(texts: list[str], f: Fragment) -> bool:
    """Every line of the fragment is a closing line (a cheer)."""
    return all(compiled_pattern(rule("R4-ends")["closing"]).search(t) for t in texts[f.start:f.end])


def plan_order(texts: list[str], frags: list[Fragment], stats: ra.Stats) -> Plan:
    """Best order of the fragments under the evidence; exact for few, beam-bounded for many."""
    cfg = rule("R2-cut-words")
    n = len(frags)
    step, pair = scorer(texts, frags, stats)
    width = None if n <= rule("R1-fragments")["exact_fragments"] else rule("R1-fragments")["beam"]
    found, best, runner = search(n, step, width)
    printed = list(range(n))
    printed_score = path_score(printed, step)
    # the outline path carried by the search is the best way's only, and a beam may miss:
    # mend the order found (and, past the exact size, the printed one) by moving runs
    for start in (found, printed) if width is not None else (found,):
        order, score = improve(start, path_score(start, step), step)
        if score > best:
            found, best = order, score
    decisive = cfg["decisive"]
    if found == printed or best < printed_score + decisive:
        return Plan(printed, False, best > printed_score, set(), False)
    # fragments the order puts together that were not printed so: a cut for certain, as at a marker
    moved = {x for x, y in zip(found, found[1:], strict=False) if not pair[x, y][1] and y != x + 1
             and marked_join(stats, texts[frags[x].end - 1], texts[frags[y].start])}
    joins = {x for x, y in zip(found, found[1:], strict=False) if pair[x, y][1]} | moved
    weak = any(pair[x, y][0] <= cfg["open_continues"] for x, y in zip(found, found[1:], strict=False) if x in joins)
    return Plan(found, True, best < runner + decisive, joins, weak)


def better_order(texts: list[str], stats: ra.Stats, order: list[int], other: list[int],
                 marks: Marks = NO_MARKS) -> bool:
    """`order` of the lines scores higher than `other` (both read as orders of the same fragments)."""
    starts = {0} | marks.cuts(0, len(texts))
    for o in (order, other):
        starts |= {o[0]} | {y for x, y in zip(o, o[1:], strict=False) if y != x + 1}
        starts |= {x + 1 for x, y in zip(o, o[1:], strict=False) if y != x + 1 and x + 1 < len(texts)}
    bounds = sorted(starts)
    frags = make_fragments(texts, bounds, len(texts), marks)
    index = {b: k for k, b in enumerate(bounds)}
    step, _ = scorer(texts, frags, stats)

    def score(o: list[int]) -> float:
        return path_score([index[i] for i in o if i in index], step)

    return score(order) > score(other)


def path_score(order: list[int], step: Step) -> float:
    return trail_of(order, step).totals[-1]


@dataclass(frozen=True)
class Trail:
    """An order walked step by step: before position p, the last fragment, the walk and the
    score so far; at p, the step's score."""

    lasts: list[int | None]
    walks: list[Walk]
    totals: list[float]
    values: list[float]


def trail_of(order: list[int], step: Step) -> Trail:
    lasts: list[int | None] = [None]
    walks, totals, values = [START], [0.0], []
    for placed, y in enumerate(order):
        s, walk = step(lasts[-1], walks[-1], y, placed)
        values.append(s)
        lasts.append(y)
        walks.append(walk)
        totals.append(totals[-1] + s)
    return Trail(lasts, walks, totals, values)


def moved_score(trail: Trail, run: list[int], rest: list[int], k: int,
                head: tuple[float, Walk, int | None], step: Step) -> float:
    """The score of the order with `run` moved to position k of the `rest` (what path_score
    gives, to the last bit): from the walk at k, the run, then the rest until the last fragment
    and the walk are the order's own there; from that point on, the order's own steps.
    (The last fragment is the order's own only where the two go on alike: they are one
    permutation with a run moved.)"""
    total, walk, last = head
    placed = k
    for y in run:
        s, walk = step(last, walk, y, placed)
        total, last, placed = total + s, y, placed + 1
    lasts, walks = trail.lasts, trail.walks
    for y in rest[k:]:
        if last == lasts[placed] and walk == walks[placed]:
            for s in trail.values[placed:]:
                total += s
            return total
        s, walk = step(last, walk, y, placed)
        total, last, placed = total + s, y, placed + 1
    return total


def improve(order: list[int], score: float, step: Step) -> tuple[list[int], float]:
    """Hill-climb: move any run of fragments anywhere else while that raises the score.
    Each move tried is charged the order's length against `improve_steps`, and no new
    pass starts once they are spent: the cost stays bounded on any input, whatever the
    number of fragments. A move is scored from the walk of the order up to where it
    changes something (moved_score), not from the start."""
    budget = rule("R1-fragments")["improve_steps"]
    better = True
    while better and budget > 0:
        better = False
        trail = trail_of(order, step)
        for i in range(len(order)):
            for j in range(i + 1, len(order) + 1):
                run, rest = order[i:j], order[:i] + order[j:]
                for k in range(len(rest) + 1):
                    if k <= i:  # the rest begins as the order does
                        head = (trail.totals[k], trail.walks[k], trail.lasts[k])
                    else:  # the rest's next fragment comes from after the run
                        s, walk = step(head[2], head[1], rest[k - 1], k - 1)
                        head = (head[0] + s, walk, rest[k - 1])
                    if k == i:
                        continue
                    s = moved_score(trail, run, rest, k, head, step)
                    budget -= len(order)
                    if s > score:
                        order, score, better = rest[:k] + run + rest[k:], s, True
                        break
                if better:
                    break
            if better:
                break
    return order, score


MAX_SEARCH_FRAGMENTS = 62  # search keeps a set of fragments as the bits of an int64 (R1 max_search below it)


def search(n: int, step: Step, width: int | None) -> tuple[list[int], float, float]:
    """(best order, its score, the best score of another order) over all orders of n fragments.

    Dynamic programming over (set placed, last fragment), the outline path of the best
    way in carried along; `width` keeps only that many best partial orders per length.
    A layer's steps are scored at once: those after a partial order are a row of its
    last fragment and walk, which many partial orders share. Ties go as a loop over the
    partial orders and then the fragments would break them: to the first met.
    """
    if n > MAX_SEARCH_FRAGMENTS:
        raise ValueError(f"search over {n} fragments: at most {MAX_SEARCH_FRAGMENTS} (a set of them is a 64-bit mask)")
    rows: dict[tuple[int, Walk, bool], tuple[np.ndarray, list[Walk]]] = {}

    def row(last: int, walk: Walk, placed: int) -> tuple[np.ndarray, list[Walk]]:
        key = (last, walk, placed == n - 1)
        if key not in rows:
            steps = [step(last, walk, y, placed) if y != last else (0.0, walk) for y in range(n)]
            rows[key] = (np.array([s for s, _ in steps]), [w for _, w in steps])
        return rows[key]

    bits = np.left_shift(1, np.arange(n, dtype=np.int64))
    firsts = [step(None, START, y, 0) for y in range(n)]
    masks, lasts = [1 << y for y in range(n)], list(range(n))
    scores, walks = [s for s, _ in firsts], [w for _, w in firsts]
    paths: list[tuple[int, ...]] = [(y,) for y in range(n)]
    for placed in range(1, n):
        got = [row(last, walk, placed) for last, walk in zip(lasts, walks, strict=True)]
        mask = np.array(masks, dtype=np.int64)
        total = np.array(scores)[:, None] + np.stack([g[0] for g in got])
        ways, nexts = np.nonzero((mask[:, None] & bits) == 0)  # in loop order: partial order, then fragment
        value, placed_set = total[ways, nexts], mask[ways] | bits[nexts]
        met = np.arange(len(value))
        order = np.lexsort((met, -value, nexts, placed_set))
        group = np.flatnonzero(np.r_[True, (placed_set[order][1:] != placed_set[order][:-1])
                                     | (nexts[order][1:] != nexts[order][:-1])])
        keep = order[group][np.argsort(np.minimum.reduceat(met[order], group))]  # each end's best, as first met
        if width is not None and len(keep) > width:
            keep = keep[np.argsort(-value[keep], kind="stable")[:width]]
        came, lasts = ways[keep].tolist(), nexts[keep].tolist()
        masks, scores = placed_set[keep].tolist(), value[keep].tolist()
        walks = [got[e][1][y] for e, y in zip(came, lasts, strict=True)]
        paths = [(*paths[e], y) for e, y in zip(came, lasts, strict=True)]
    ranked = np.argsort(-np.array(scores), kind="stable")
    runner = scores[ranked[1]] if len(ranked) > 1 else float("-inf")
    return list(paths[ranked[0]]), scores[ranked[0]], runner


@dataclass(frozen=True)
class LinePlan:
    """A plan in lines: the order of the lines, the joins (line -> the line that finishes it), flags."""

    lines: list[int]
    joins: dict[int, int]
    flags: list[str]


def plan_fragments(texts: list[str], stats: ra.Stats, marks: Marks = NO_MARKS) -> LinePlan | None:
    """The whole-report order of the fragments of `texts`, None when there is nothing to move."""
    if len(texts) < 2:
        return None
    bounds = fragment_bounds(texts, 0, len(texts), stats, marks)
    if not 2 <= len(bounds) <= min(rule("R1-fragments")["max_search"], MAX_SEARCH_FRAGMENTS):
        return None  # one piece, or more than any page cut makes (the search grows with their square)
    frags = make_fragments(texts, bounds, len(texts), marks)
    plan = plan_order(texts, frags, stats)
    if not plan.moved:
        return None
    lines = [i for k in plan.order for i in range(frags[k].start, frags[k].end)]
    nxt = dict(zip(plan.order, plan.order[1:], strict=False))
    joins = {frags[k].end - 1: frags[nxt[k]].start for k in plan.joins}
    flags = [*(["uncertain-order"] if plan.uncertain else []), *(["uncertain-join"] if plan.weak_joins else [])]
    return LinePlan(lines, joins, flags)
