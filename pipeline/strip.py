"""Stage 3, strip: remove what is not the report (site chrome, footers, ads, furniture).

The report has a fixed shape: title and byline, the opening `各位代表` with
`现在，我代表…`, the outline, a closing line that calls to strive, then maybe
an appendix or glossary. The stage uses that shape to find the body (one
segment per copy when a page prints the report twice). Outside the body a
line goes when it looks like chrome (short, no sentence punctuation) or a
rule names it; inside the body only an explicit rule removes a line, so a
report line cut short by a link (`加强对` / `权力` / `运行的…`) is never lost,
nor a piece of a cut report printed before the title or ended by a jump line.

Every removed line is one recorded edit carrying its rule id; a newspaper
jump prefix or suffix printed inside a paragraph is removed on its own. A
scraper's metadata header goes to meta["scraped_header"].
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

from . import furniture, repeats, rules, shape
from .model import Recorder, StageResult, add_flag

STAGE = "strip"
RULE_FILES = ("strip.toml", repeats.RULE_FILE, furniture.RULE_FILE)
EXTRA_MODULES = ("repeats", "furniture")
OUTSIDE_RULE = "B1-outside-body"
JUMP_LINE_RULE = "B4-jump-line"
JUMP_KEY = "jump_markers"  # meta: [[offset of the line in strip's output, "up" | "down", page], ...]
HAN = regex.compile(r"\p{Han}")
WORD = shape.WORD
TOOLBAR_GAPS = regex.compile(r"[\s【】\[\]|｜:：/]+")


@dataclass(frozen=True)
class PageLine:
    """One line of the page as strip sees it: its index, offset and raw content (without the newline)."""

    index: int
    start: int
    raw: str

    @property
    def text(self) -> str:
        return self.raw.strip()

    @property
    def blank(self) -> bool:
        return not self.raw.strip()


@dataclass(frozen=True)
class LineRule:
    """A whole-line rule from strip.toml ([[line]], [[prefix]], [[suffix]], [[paragraph]])."""

    id: str
    pattern: regex.Pattern[str]
    scope: str = "any"
    max_len: int = 0
    unless: regex.Pattern[str] | None = None
    prose_only: bool = False

    def matches(self, text: str) -> bool:
        if self.max_len and len(text) > self.max_len:
            return False
        if not self.pattern.search(text):
            return False
        return not (self.unless and self.unless.search(text))


def _rule(entry: dict[str, Any]) -> LineRule:
    unless = entry.get("unless")
    return LineRule(entry["id"], regex.compile(entry["pattern"]), entry.get("scope", "any"),
                    int(entry.get("max_len", 0)), regex.compile(unless) if unless else None,
                    bool(entry.get("prose", False)))


@cache
def config() -> dict[str, Any]:
    return rules.load("strip.toml")


@cache
def rule_list(table: str) -> tuple[LineRule, ...]:
    return tuple(_rule(entry) for entry in config().get(table, []))


# ------------------------------------------------------------------ line kinds (shape.py defines them)

def page_lines(text: str) -> list[PageLine]:
    lines, offset = [], 0
    for i, raw in enumerate(text.split("\n")):
        lines.append(PageLine(i, offset, raw))
        offset += len(raw) + 1
    return lines


def matching_rule(text: str, scope: str = "any") -> str | None:
    """The id of the first [[line]] rule of `scope` that matches the stripped line."""
    if not text:
        return None
    length = len(text)
    for rule in scope_rules(scope):  # LineRule.matches inlined: this runs for every rule on every line
        if rule.max_len and length > rule.max_len or not rule.pattern.search(text):
            continue
        if not (rule.unless and rule.unless.search(text)) and (not rule.prose_only or shape.is_prose(text)):
            return rule.id
    return None


@cache
def scope_rules(scope: str) -> tuple[LineRule, ...]:
    """The [[line]] rules of one scope, in file order."""
    return tuple(rule for rule in rule_list("line") if rule.scope == scope)


# ------------------------------------------------------------------ scraper header

def scraped_header(lines: list[PageLine]) -> tuple[dict[str, str], list[int]]:
    """Fields and line indices of a scraper's `key：value` header at the top of the file."""
    conf = config()["scraped_header"]
    keys: dict[str, str] = conf["keys"]
    alternatives = "|".join(regex.escape(k) for k in sorted(keys, key=len, reverse=True))
    pattern = regex.compile(rf"^({alternatives})\s*[:：]\s*(.*)$")
    fields: dict[str, str] = {}
    found: list[int] = []
    strong = False
    for line in lines:
        if line.blank:
            continue
        m = pattern.match(line.text)
        if not m:
            break
        key, value = m.group(1), m.group(2).strip()
        found.append(line.index)
        field = keys[key]
        strong = strong or field in ("title", "source_url") or key == "正文"
        if field and value and field not in fields:
            fields[field] = value
        if key == "正文":
            break
    if len(found) < conf["min_lines"] or not strong:
        return {}, []
    return fields, found


# ------------------------------------------------------------------ explicit rules

def toolbar_hits(lines: list[PageLine]) -> dict[int, str]:
    """Runs of short lines made only of toolbar words (【字体：大 中 小】 打印 关闭)."""
    conf = config()["toolbar"]
    words, anchors, max_len = set(conf["words"]), set(conf["anchors"]), int(conf["max_len"])
    hits: dict[int, str] = {}
    run: list[int] = []
    anchored = False

    def close_run() -> None:
        if run and anchored:
            hits.update({i: conf["id"] for i in run})

    for line in lines:
        text = line.text
        tokens = [t for t in TOOLBAR_GAPS.split(text) if t] if text and len(text) <= max_len else []
        if text and len(text) <= max_len and all(t in words for t in tokens):
            run.append(line.index)
            anchored = anchored or any(t in anchors for t in tokens)
            continue
        if text or not run:
            close_run()
            run, anchored = [], False
    close_run()
    return hits


def logical_paragraphs(lines: list[PageLine]) -> list[list[int]]:
    """Groups of adjacent lines that one sentence runs through (split by links or breaks)."""
    paragraphs: list[list[int]] = []
    current: list[int] = []
    for line in lines:
        if line.blank:
            continue  # blank lines neither split nor join: the rendered report adds them
        if current:
            previous = lines[current[-1]].text
            if shape.ends_sentence(previous) and not shape.continues_sentence(line.text):
                paragraphs.append(current)
                current = []
        current.append(line.index)
    if current:
        paragraphs.append(current)
    return paragraphs


def paragraph_hits(lines: list[PageLine], paragraphs: list[list[int]]) -> dict[int, str]:
    """Lines of logical paragraphs matched as a whole by a [[paragraph]] rule."""
    hits: dict[int, str] = {}
    for paragraph in paragraphs:
        joined = "".join(lines[i].text for i in paragraph)
        for rule in rule_list("paragraph"):
            if rule.matches(joined):
                hits.update({i: rule.id for i in paragraph})
                break
    return hits


def explicit_hits(lines: list[PageLine], paragraphs: list[list[int]]) -> dict[int, str]:
    """Lines removed wherever they stand: line rules, toolbars, paragraph rules."""
    hits = paragraph_hits(lines, paragraphs)
    hits.update(toolbar_hits(lines))
    for line in lines:
        rule_id = matching_rule(line.text)
        if rule_id:
            hits[line.index] = rule_id
    return hits


# ------------------------------------------------------------------ the body

@dataclass
class Body:
    """Where the report is: lines outside it, and header lines (before each opening address)."""

    outside: set[int]
    header: set[int]


def openings(lines: list[PageLine], nonblank: list[int], hits: dict[int, str]) -> list[int]:
    """Lines opening a copy of the report: `各位代表：` followed by `现在，我代表`."""
    found = []
    for pos, i in enumerate(nonblank):
        text = lines[i].text
        if i in hits or not shape.is_address(text):
            continue
        following = lines[nonblank[pos + 1]].text if pos + 1 < len(nonblank) else ""
        if shape.is_opening_formula(text) or shape.is_opening_formula(following):
            found.append(i)
    return found


def segment_start(lines: list[PageLine], nonblank: list[int], opening: int, floor: int,
                  hits: dict[int, str]) -> int:
    """First line of the copy opened at `opening`: its title, else its byline, else the opening."""
    before = [i for i in nonblank if floor < i < opening][-shape.setting("address", "header_window"):]
    candidates = []
    for i in reversed(before):
        if shape.is_closing(lines[i].text):
            break
        candidates.append(i)
    for i in candidates:
        if i not in hits and shape.is_title(lines[i].text):
            return i
    start = opening
    for i in candidates:
        if i in hits:
            continue
        if not shape.is_byline(lines[i].text):  # a news lead, not a byline
            break
        start = i
    return start


def fallback_start(lines: list[PageLine], nonblank: list[int], hits: dict[int, str]) -> int:
    """Without an opening formula: the first title near the top, 各位代表 or content line."""
    candidates = []
    for pos, i in enumerate(nonblank):
        if i in hits:
            continue
        text = lines[i].text
        if (shape.is_title(text) and pos < config()["body"]["title_within_lines"]) or shape.is_address(text) \
                or shape.is_content(text):
            candidates.append(i)
            break
    return candidates[0] if candidates else (nonblank[0] if nonblank else 0)


def appendix_end(lines: list[PageLine], nonblank: list[int], closing: int, hits: dict[int, str]) -> int:
    """Last line of an appendix or glossary printed after the closing line, else the closing."""
    after = [i for i in nonblank if i > closing]
    head = next((i for i in [j for j in after if j not in hits][:config()["body"]["appendix_within_lines"]]
                 if shape.is_appendix_heading(lines[i].text) or shape.is_entry(lines[i].text)), None)
    if head is None:
        return closing
    end = head
    for i in after:
        if i <= head:
            continue
        if i in hits:
            break
        if shape.is_content(lines[i].text):
            end = i
    return end


def last_content(lines: list[PageLine], nonblank: list[int], after: int, hits: dict[int, str]) -> int:
    ends = [i for i in nonblank if i >= after and i not in hits and shape.is_content(lines[i].text)]
    return ends[-1] if ends else (nonblank[-1] if nonblank else 0)


def find_body(lines: list[PageLine], hits: dict[int, str]) -> Body:
    """Locate the report's body: the outside lines (before, between copies, after) and header zones."""
    nonblank = [line.index for line in lines if not line.blank]
    if not nonblank:
        return Body(set(), set())
    opens = openings(lines, nonblank, hits)
    starts, header = [], set()
    floor = -1
    for opening in opens:
        start = segment_start(lines, nonblank, opening, floor, hits)
        starts.append(start)
        header.update(i for i in nonblank if start < i < opening)
        floor = opening
    if not starts:
        starts = [fallback_start(lines, nonblank, hits)]
    outside = {i for i in nonblank if i < starts[0]}
    header.update(outside)
    closings = [i for i in nonblank if i not in hits and shape.is_closing(lines[i].text)]
    for k in range(1, len(starts)):
        between = [c for c in closings if opens[k - 1] < c < starts[k]]
        if between:
            outside.update(i for i in nonblank if between[-1] < i < starts[k])
    final = [c for c in closings if c >= starts[-1]]
    end = (appendix_end(lines, nonblank, final[-1], hits) if final
           else last_content(lines, nonblank, starts[-1], hits))
    outside.update(i for i in nonblank if i > end)
    return Body(outside, header)


# ------------------------------------------------------------------ decisions

def protected_fragments(lines: list[PageLine], paragraphs: list[list[int]]) -> set[int]:
    """Short lines that a sentence of prose runs through (a link split it): never chrome."""
    protected: set[int] = set()
    for paragraph in paragraphs:
        # a wordless line at either end (a stray `；`) closes no sentence of the report
        while paragraph and not WORD.search(lines[paragraph[-1]].text):
            paragraph = paragraph[:-1]
        while paragraph and not WORD.search(lines[paragraph[0]].text):
            paragraph = paragraph[1:]
        if len(paragraph) < 2:
            continue
        texts = [lines[i].text for i in paragraph]
        if any(shape.is_prose(t) for t in texts) and shape.is_prose("".join(texts)):
            protected.update(paragraph)
    return protected


def jumped_pieces(lines: list[PageLine], hits: dict[int, str]) -> set[int]:
    """Lines of a piece a newspaper jump line ends (… 下转第5版), and of one it opens (上接第3版 …)
    up to its last line of prose or of running text (piece_marks): a piece of the report printed
    on another page, wherever it stands (before the title, inside the glossary), so never chrome
    by shape or by a header rule; only an explicit rule removes its lines. (What follows an
    opened piece's text stays the page's: its chrome still goes.)"""
    prefixes, suffixes = rule_list("prefix"), rule_list("suffix")
    marks = regex.compile(config()["body"]["piece_marks"])
    jumped: set[int] = set()
    run: list[int] = []
    opened = ended = False
    for line in [*lines, PageLine(len(lines), 0, "")]:
        if line.index in hits or line.index == len(lines):
            if ended or hits.get(line.index) == JUMP_LINE_RULE:
                jumped.update(run)
            elif opened:
                prose = [k for k, i in enumerate(run) if shape.is_prose(lines[i].text) or marks.search(lines[i].text)]
                jumped.update(run[:prose[-1] + 1] if prose else [])
            run, opened, ended = [], hits.get(line.index) == JUMP_LINE_RULE, False
        elif not line.blank:
            run.append(line.index)
            opened = opened or any(rule.pattern.search(line.raw) for rule in prefixes)
            ended = any(rule.pattern.search(line.raw) for rule in suffixes)
    return jumped


def printed_before_start(lines: list[PageLine], body: Body, hits: dict[int, str]) -> set[int]:
    """Pieces of the report printed before its title (a cut report, out of order): a paragraph
    of prose opening with an outline marker (no news lead does), a line with marks of running
    text after a line of prose and before another (a glossary's closing note, a cut entry's
    head), and any line between a line of prose and the start (the last words of a piece, cut
    short: 用忠诚书 | 政府工作报告): never chrome by shape or by a header rule."""
    before = [i for i in sorted(body.outside & body.header) if i not in hits]
    found = {i for i in before if shape.starts_like_outline(lines[i].text) and shape.is_prose(lines[i].text)}
    marks = regex.compile(config()["body"]["piece_marks"])
    for prev, i, nxt in zip(before, before[1:], [*before[2:], None], strict=False):
        if shape.is_prose(lines[prev].text) and (nxt is None or shape.is_prose(lines[nxt].text)) \
                and (nxt is None or marks.search(lines[i].text) or not shape.ends_sentence(lines[prev].text)):
            found.add(i)
    return found


def printed_after_end(lines: list[PageLine], body: Body, hits: dict[int, str]) -> set[int]:
    """The last line of the page after a line of prose that is not the closing line (…奋斗！), or
    after a glossary term that ends with its colon (1.“四上”企业：): the last words of a piece of
    a cut report printed last, not a page's footer."""
    nonblank = [line.index for line in lines if not line.blank]
    if len(nonblank) < 2 or nonblank[-1] not in body.outside or nonblank[-1] in hits or nonblank[-2] in hits:
        return set()
    prev = lines[nonblank[-2]].text
    ends_piece = shape.is_prose(prev) and not shape.is_closing(prev) or shape.is_term_alone(prev)
    return {nonblank[-1]} if ends_piece else set()


def removals(lines: list[PageLine], header_lines: list[int], whole_is_body: bool = False) -> dict[int, str]:
    """Every line to remove, with the id of the rule that removes it.

    whole_is_body: the text is a report this pipeline already rendered, so no page
    is around it and only the explicit rules apply (re-cleaning changes nothing).
    """
    paragraphs = logical_paragraphs(lines)
    hits = explicit_hits(lines, paragraphs)
    header_id = config()["scraped_header"]["id"]
    hits.update({i: header_id for i in header_lines})
    body = Body(set(), set()) if whole_is_body else find_body(lines, hits)
    protected = protected_fragments(lines, paragraphs)
    jumped = jumped_pieces(lines, hits) | printed_before_start(lines, body, hits) | printed_after_end(lines, body, hits)
    for i in sorted(body.header - jumped):
        rule_id = i not in hits and matching_rule(lines[i].text, "header")
        if rule_id:
            hits[i] = rule_id
    for i in sorted(body.outside):
        if i in hits:
            continue
        text = lines[i].text
        rule_id = matching_rule(text, "outside")
        if rule_id:
            hits[i] = rule_id
        elif shape.is_chrome_like(text) and i not in protected and i not in jumped:
            hits[i] = OUTSIDE_RULE
    hits.update(related_list_hits(lines, body.outside, hits))
    return hits


def related_list_hits(lines: list[PageLine], outside: set[int], hits: dict[int, str]) -> dict[int, str]:
    """Article titles listed under a related-articles heading outside the body."""
    conf = config()["related_list"]
    heading, max_len, terminal = regex.compile(conf["heading"]), int(conf["max_len"]), regex.compile(conf["terminal"])
    found: dict[int, str] = {}
    listing, previous = False, -1
    for i in sorted(outside):
        if any(not lines[j].blank for j in range(previous + 1, i)):
            listing = False  # a line of the body stands between: the list ended
        previous = i
        text = lines[i].text
        if heading.search(text):
            listing = True
        elif listing and i not in hits and len(text) <= max_len and not terminal.search(text):
            found[i] = conf["id"]
        elif i not in hits:
            listing = False
    return found


def removal_spans(lines: list[PageLine], removed: dict[int, str], length: int) -> list[tuple[int, int, str, str]]:
    """One span per removed line: the line, its newline and, where it stood after a blank, the blanks after it."""
    spans = []
    for i in sorted(removed):
        line = lines[i]
        end = min(line.start + len(line.raw) + 1, length)
        if i == 0 or lines[i - 1].blank or (i - 1) in removed:
            j = i + 1
            while j < len(lines) and lines[j].blank and j not in removed and lines[j].start < length:
                end = min(lines[j].start + len(lines[j].raw) + 1, length)
                j += 1
        spans.append((line.start, end, "", removed[i]))
    return spans


def affix_spans(lines: list[PageLine], removed: dict[int, str]) -> list[tuple[int, int, str, str]]:
    """Jump-line prefixes and suffixes printed inside a paragraph that stays."""
    spans = []
    for line in lines:
        if line.blank or line.index in removed:
            continue
        for table in ("prefix", "suffix"):
            for rule in rule_list(table):
                m = rule.pattern.search(line.raw)
                if m and m.end() - m.start() < len(line.raw.strip()):
                    spans.append((line.start + m.start(), line.start + m.end(), "", rule.id))
                    break
    return _non_overlapping(spans)


def _non_overlapping(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    kept: list[tuple[int, int, str, str]] = []
    for span in sorted(spans):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


# ------------------------------------------------------------------ jump markers for reassemble

def marker_of(text: str) -> tuple[str, str] | None:
    """("up" | "down", page) of a jump marker's text (上接A3版: up from page A3)."""
    conf = config()["jump_markers"]
    page = regex.search(conf["page"], text)
    if page is None:
        return None
    return ("up" if regex.search(conf["up"], text) else "down"), page.group(0).upper()


def jump_markers(lines: list[PageLine], removed: dict[int, str],
                 affixes: list[tuple[int, int, str, str]]) -> list[tuple[int, str, str]]:
    """(line index, way, page) of every jump marker removed: the report line it opens (上接)
    or ends (下转). A marker is a certain cut of the report; reassemble's reading order reads
    them (the text says where each piece goes on), strip only removes them."""
    kept = [line.index for line in lines if not line.blank and line.index not in removed]
    found = []
    for i in sorted(k for k, rule_id in removed.items() if rule_id == JUMP_LINE_RULE):
        marker = marker_of(lines[i].text)
        if marker is None:
            continue
        way, page = marker
        near = [k for k in kept if k > i][:1] if way == "up" else [k for k in kept if k < i][-1:]
        found += [(k, way, page) for k in near]
    starts = [line.start for line in lines]
    for start, end, _, _ in affixes:
        line = lines[bisect.bisect_right(starts, start) - 1]
        marker = marker_of(line.raw[start - line.start:end - line.start])
        if marker:
            found.append((line.index, *marker))
    return sorted(found)


def output_offset(pos: int, spans: list[tuple[int, int, str, str]]) -> int:
    """Where position `pos` of the text (not inside a span) is once the spans are applied."""
    return pos + sum(len(after) - (end - start) for start, end, after, _ in spans if end <= pos)


def strip(text: str, meta: dict[str, Any]) -> StageResult:
    """Remove the lines that are not the report, each recorded with its rule id."""
    meta = dict(meta)
    rec = Recorder(text, STAGE)
    if "front_matter_in" not in meta:  # a report we rendered holds one copy
        furniture.split_glued_furniture(rec, meta)  # furniture glued to report lines: off, lines of their own
        repeats.drop_repeated_copies(rec, shape.is_prose)  # then the copies, freed of their stamps, match
        text = rec.text
    lines = page_lines(text)
    fields, header_lines = scraped_header(lines)
    if fields:
        meta["scraped_header"] = fields
    removed = removals(lines, header_lines, whole_is_body="front_matter_in" in meta)
    kept_whole_before = "no-report-body" in meta.get("front_matter_in", {}).get("flags", [])
    if kept_whole_before or removed and all(line.index in removed for line in lines if HAN.search(line.raw)):
        # nothing of a report would be left: keep the text and say so instead of emptying it
        add_flag(meta, "no-report-body")
        removed = {}
    affixes = affix_spans(lines, removed)
    spans = affixes + removal_spans(lines, removed, len(text))
    markers = jump_markers(lines, removed, affixes)
    if markers:
        meta[JUMP_KEY] = [[output_offset(lines[i].start, spans), way, page] for i, way, page in markers]
    rec.replace_spans(spans)
    return rec.result(meta)
