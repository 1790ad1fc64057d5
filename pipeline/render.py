"""Stage 6, render: the canonical Markdown report (front matter, headings, footnotes).

The input is plain text, one block per non-empty line. Each step below is one
recorded batch with its own rule id, in this order: canonical punctuation,
one blank line between blocks, title/byline and inline headings split off,
Markdown escapes, footnotes, heading marks, front matter. pipeline/canonical.py
takes exactly this syntax off again when our own output is cleaned a second time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

from . import gazetteer, headings, hints, rules, shape
from .canonical import FRONT_KEYS
from .model import Recorder, StageResult
from .normalise import canonical_punctuation

STAGE = "render"
RULE_FILES = ("render.toml", headings.RULE_FILE)
EXTRA_MODULES = ("gazetteer", "normalise", "canonical", "headings")
CARRIED_KEYS = ("source", "source_sha256", "encoding", "format")
PROVENANCE_KEYS = ("source", "source_sha256")
# origin: the source the document states (a 来源 line, a wire or portal stamp glued to the page)
TEXT_KEYS = ("title", "region", "date", "speaker", "meeting", "origin")


@cache
def config() -> dict[str, Any]:
    return rules.load("render.toml")


@cache
def pattern(section: str, key: str) -> regex.Pattern[str]:
    return regex.compile(config()[section][key])


# ------------------------------------------------------------------ blocks


def blocks_of(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def block_layout_spans(text: str, rule: str) -> list[tuple[int, int, str, str]]:
    """Spans laying the text out as its blocks (`blocks_of`) one blank line apart, ending in a line
    break: between two blocks, what differs from a blank line; before the first, after the last,
    what is there. Found in one pass (a line diff of the two texts is quadratic in its lines)."""
    blocks = block_spans(text)
    if not blocks:
        return [(0, len(text), "", rule)] if text else []
    gaps = [(0, blocks[0][0], "")]
    gaps += [(end, start, "\n\n") for (_, end), (start, _) in zip(blocks, blocks[1:], strict=False)]
    gaps.append((blocks[-1][1], len(text), "\n"))
    return [span for a, b, new in gaps if text[a:b] != new for span in [least_change(text, a, b, new, rule)]]


def block_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every block of `blocks_of`: each line's text, stripped as str.strip does."""
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            spans.append((start, start + len(stripped)))
        pos += len(line) + 1
    return spans


def least_change(text: str, start: int, end: int, new: str, rule: str) -> tuple[int, int, str, str]:
    """The span turning text[start:end] into `new`, less what the two begin and end with alike."""
    old = text[start:end]
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return (start + head, end - tail, new[head:len(new) - tail], rule)


def block_starts(text: str) -> list[int]:
    """Offsets of the blocks of a text laid out as blocks separated by blank lines."""
    starts, pos = [], 0
    for line in text.split("\n"):
        if line:
            starts.append(pos)
        pos += len(line) + 1
    return starts


# ------------------------------------------------------------------ outline


def level1_heading(block: str) -> bool:
    m = shape.level_marker(block, 1)
    return bool(m) and shape.heading_text_ok(block[m.end():])


@dataclass
class Level2:
    """A `（一）` item: where its marker is, and where its first sentence ends (-1: the block end)."""

    block: int
    marker: int
    number: int
    end: int
    ok: bool


def level2_item(blocks: list[str], index: int) -> Level2 | None:
    """The `（一）` item a block starts with, or carries inline after `：`."""
    block = blocks[index]
    at = level2_marker_at(block)
    if at is None:
        return None
    m = shape.level_marker(block[at:], 2)
    body_start = at + m.end()
    stop = block.find("。", body_start)
    head = block[body_start:stop if stop >= 0 else len(block)]
    return Level2(index, at, shape.number_of(m.group(1)) or 0, stop, shape.heading_text_ok(head))


OPEN_PAREN = regex.compile(r"[（(]")


def level2_marker_at(block: str) -> int | None:
    """Where the block's first `（一）` marker stands: at its start, or inline after `：`."""
    at = next((m.start() for m in OPEN_PAREN.finditer(block) if shape.level_marker(block[m.start():], 2)), None)
    if at is None or at and block[at - 1] not in config()["outline"]["inline_after"]:
        return None
    return at


def level1_headings(blocks: list[str]) -> Callable[[str], bool]:
    """level1_heading of each distinct block, worked out once: several passes of the stage ask it."""
    return {block: level1_heading(block) for block in dict.fromkeys(blocks)}.__getitem__


def level2_headings(blocks: list[str], is_level1: Callable[[str], bool] = level1_heading) -> list[Level2]:
    """`（一）` items that are headings: every item of a numbered run must look like one.

    A run (（一）, （二）, … in order) whose items are long sentences is a list
    of paragraphs (as in older reports), so none of it becomes a heading.
    """
    runs: list[list[Level2]] = []
    for i, block in enumerate(blocks):
        if is_level1(block):
            runs.append([])
            continue
        item = level2_item(blocks, i)
        if item is None:
            continue
        if not runs or not runs[-1] or item.number != runs[-1][-1].number + 1:
            runs.append([])
        runs[-1].append(item)
    return [item for run in runs if run and all(i.ok for i in run) for item in run]


# ------------------------------------------------------------------ title and byline


def title_index(blocks: list[str]) -> int | None:
    """0 when the first block is the title alone (a title with its byline is split first)."""
    parts = shape.title_parts(blocks[0]) if blocks else None
    return 0 if parts and not parts[1] else None


def byline_blocks(typed: list[shape.TypedLine], start: int) -> list[str]:
    """The lines under the title that state date, meeting or speaker (shape's byline blocks)."""
    found: list[str] = []
    for block in typed[start:start + shape.setting("byline", "max_lines")]:
        if block.kind != "byline":
            break
        found.append(block.text)
    return found


def byline_fields(lines: list[str]) -> dict[str, str]:
    joined = "".join(lines)
    fields: dict[str, str] = {}
    date = shape.iso_date(joined)
    if date:
        fields["date"] = date
    m = shape.pattern("byline", "meeting").search(joined)
    if m:
        if not shape.pattern("byline", "meeting_hole").search(m.group("meeting")):
            fields["meeting"] = m.group("meeting")
        if shape.is_region_name(m.group("region")):
            fields["region"] = m.group("region")
    dated = False
    for line in lines:
        dated = dated or bool(shape.pattern("date", "arabic").search(line))
        rest = shape.pattern("byline", "meeting").sub("", line).lstrip("—")
        name = shape.speaker_of(rest) if rest and dated else None
        if name and not shape.is_glossary_heading(rest):
            fields["speaker"] = name
    return fields


# ------------------------------------------------------------------ region


def region_from_title(title: str) -> str | None:
    m = regex.match(r"^(?:\d{4}年)?(?P<name>\p{Han}+?)(?:\d{4}年)?(?:人民)?政府工作报告$", title)
    if m and shape.is_region_name(m.group("name")):
        return m.group("name")
    return None


def region_from_body(text: str) -> str | None:
    """The division the body names as its own most often (GB/T 2260 names, see gazetteer)."""
    conf = config()["region"]
    return gazetteer.own_region(text, frozenset(conf["common_words"]), conf["min_count"], conf["dominance"])


# ------------------------------------------------------------------ glossary and footnotes


def glossary_title(blocks: list[str], is_level1: Callable[[str], bool] = level1_heading) -> int | None:
    """The 名词解释 title of a final glossary section (no outline heading after it)."""
    for i in range(len(blocks) - 1, -1, -1):
        if is_level1(blocks[i]) or shape.level_marker(blocks[i], 2):
            return None
        if shape.is_glossary_heading(blocks[i]):
            return i
    return None


def footnote_numbers(text: str) -> set[str]:
    """Numbers that have both a marker in a paragraph and a glossary entry `[n]…` at a line start."""
    marker = shape.pattern("glossary", "marker")
    defined = {m.group(1) for m in regex.finditer(rf"(?m)^{marker.pattern}(?=\S)", text)}
    used = {m.group(1) for m in regex.finditer(rf"(?<!^|\n|\\){marker.pattern}", text)}
    return defined & used


# ------------------------------------------------------------------ escapes


# Line starts CommonMark reads as block syntax (the backslash goes before the named group).
LINE_START_SYNTAX = regex.compile(
    r"(?m)^(?:(?P<m>#)(?=#{0,5}(?:[ \t]|$))|(?P<m>>)|(?P<m>[-+*])(?=[ \t]|$)"
    r"|(?P<m>-)(?=[- \t]*$)|(?P<m>=)(?==*[ \t]*$)|(?P<m>~)(?=~~)"
    r"|\d{1,9}(?P<m>[.)])(?=[ \t]|$)|(?P<m>\[)(?=[^\]\n]*\]:))")
# Inline: every backslash (so escapes can be taken off again exactly), emphasis, code, HTML, entities.
INLINE_SYNTAX = regex.compile(r"\\|[*_`]|<(?=[A-Za-z/!?])|&(?=#?\w+;)|\[(?=\^)")
UNESCAPED = r"(?<!\\)"


def escape_spans(text: str) -> list[tuple[int, int, str, str]]:
    """A backslash before every character CommonMark would read as syntax."""
    positions = {m.start("m") for m in LINE_START_SYNTAX.finditer(text)}
    positions |= {m.start() for m in INLINE_SYNTAX.finditer(text)}
    return [(pos, pos, "\\", "R5-escape") for pos in sorted(positions)]


# ------------------------------------------------------------------ front matter


# What YAML cannot hold literally in a one-line scalar: non-printable characters and line breaks.
NOT_YAML_PRINTABLE = regex.compile(r"[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]")


def yaml_scalar(value: str) -> str:
    """Plain when YAML reads it back unchanged as a string, else double-quoted (control characters escaped)."""
    plain = (value and not regex.search(r"^[\s\-?:,\[\]{}#&*!|>'\"%@`]|: | #|\s$|^(?:true|false|null|yes|no|~)$",
                                        value, flags=regex.I)
             and not regex.fullmatch(r"[\d.+\-eE:_ ]+", value) or regex.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
    if plain and not NOT_YAML_PRINTABLE.search(value) and "\t" not in value:
        return value
    return NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def front_matter(fields: dict[str, Any]) -> str:
    lines = ["---"]
    for key in FRONT_KEYS:
        value = fields.get(key)
        if not value:
            continue
        if isinstance(value, list):
            value = "[" + ", ".join(yaml_scalar(str(v)) for v in value) + "]"
        else:
            value = yaml_scalar(str(value))
        lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def front_fields(text: str, blocks: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    """Values stated by the text first, then the scraper's header, then our own earlier front matter."""
    previous = meta.get("front_matter_in", {})
    scraped = meta.get("scraped_header", {}) or {}
    fields: dict[str, Any] = {}
    title = title_index(blocks)
    if title is not None:
        fields["title"] = blocks[title]
        fields.update(byline_fields(byline_blocks(shape.classify(blocks), title + 1)))
    if "region" not in fields and title is not None:
        fields["region"] = region_from_title(blocks[title])
    if not fields.get("region"):
        fields["region"] = region_from_body(text)
    fallback = {"title": scraped.get("title"), "speaker": scraped.get("speaker"),
                "date": shape.stamp_date(scraped["date"]) if scraped.get("date") else None,
                "origin": meta.get("origin") or scraped.get("origin")}  # 来源 line (extract) or glued stamp (furniture)
    for key in TEXT_KEYS:
        fields[key] = fields.get(key) or fallback.get(key) or previous.get(key)
    for key in CARRIED_KEYS:  # provenance is the real file's; a claimed one stays only in the record
        fields[key] = meta.get(key) if key in PROVENANCE_KEYS else previous.get(key) or meta.get(key)
    flags = list(previous.get("flags", []))
    flags += [f for f in meta.get("flags", []) if f not in flags]
    fields["flags"] = flags
    return fields


# ------------------------------------------------------------------ the stage


def split_spans(blocks: list[str], starts: list[int]) -> list[tuple[int, int, str, str]]:
    """Title from its byline; `（一）` headings from the paragraph they were printed in."""
    spans = []
    title = title_index(blocks)
    if title is None and blocks:
        parts = shape.title_parts(blocks[0])
        if parts and shape.pattern("title", "dated_byline").search(parts[1]):
            at = starts[0] + len(blocks[0]) - len(parts[1])
            spans.append((at, at, "\n\n", "R3-split-byline"))
    for item in level2_headings(blocks):
        base = starts[item.block]
        if item.marker > 0:
            spans.append((base + item.marker, base + item.marker, "\n\n", "R3-split-inline-heading"))
        if item.end >= 0:
            after = "" if item.end == len(blocks[item.block]) - 1 else "\n\n"
            spans.append((base + item.end, base + item.end + 1, after, "R3-split-inline-heading"))
    return spans


def hinted_heading(block: str) -> bool:
    """A block the page or document set as a heading that reads like one: short, no
    sentence punctuation, not ending like a clause, not the address or a footnote."""
    return (shape.heading_text_ok(block) and len(block) <= config()["hints"]["max_chars"]
            and not pattern("hints", "not_heading").search(block))


def heading_spans(blocks: list[str], starts: list[int],
                  hinted: frozenset[int] = frozenset()) -> list[tuple[int, int, str, str]]:
    spans = []
    title = title_index(blocks)
    if title is not None:
        spans.append((starts[title], starts[title], "# ", "R6-title"))
    is_level1 = level1_headings(blocks)
    level2 = {item.block for item in level2_headings(blocks, is_level1)}
    glossary = glossary_title(blocks, is_level1)
    unnumbered = headings.unnumbered_headings(blocks, is_level1) - {title, glossary}
    for i, block in enumerate(blocks):
        if is_level1(block):
            spans.append((starts[i], starts[i], "## ", "R6-heading-level1"))
        elif i in unnumbered:
            spans.append((starts[i], starts[i], "## ", headings.settings()["id"]))
        elif i in level2:
            spans.append((starts[i], starts[i], "### ", "R6-heading-level2"))
        elif i == glossary and not any(b.startswith("[^") for b in blocks[i:]):
            spans.append((starts[i], starts[i], "## ", "R6-glossary-section"))
        elif starts[i] in hinted and i != title and hinted_heading(block):
            spans.append((starts[i], starts[i], "## ", config()["hints"]["id"]))
    return spans


def footnote_spans(text: str) -> list[tuple[int, int, str, str]]:
    numbers = footnote_numbers(text)
    spans = []
    for m in regex.finditer(UNESCAPED + shape.pattern("glossary", "marker").pattern, text):
        if m.group(1) not in numbers:
            continue
        at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
        if at_line_start:
            spans.append((m.start(), m.end(), f"[^{m.group(1)}]: ", "R4-footnote-definition"))
        else:
            spans.append((m.start(), m.end(), f"[^{m.group(1)}]", "R4-footnote-reference"))
    return spans


def render(text: str, meta: dict[str, Any]) -> StageResult:
    """Canonical Markdown: every step one recorded batch, so the record stays exact."""
    rec = Recorder(text, STAGE)
    meta = dict(meta)
    canonical_punctuation(rec)  # again: joins made by reassemble create new neighbours
    for rule_id, dash, replacement in shape.dash_rules(STAGE):
        rec.sub(rule_id, dash, replacement)
    rec.replace_spans(block_layout_spans(rec.text, "R2-blocks"))
    blocks = blocks_of(rec.text)
    rec.replace_spans(split_spans(blocks, block_starts(rec.text)))
    fields = front_fields(rec.text, blocks_of(rec.text), meta)
    rec.replace_spans(escape_spans(rec.text))
    rec.replace_spans(footnote_spans(rec.text))
    hinted = frozenset(pos for pos, _ in hints.carry(meta.get(hints.KEY, []), rec.edits, rec.text))
    rec.replace_spans(heading_spans(blocks_of(rec.text), block_starts(rec.text), hinted))
    front = front_matter(fields)
    rec.replace_spans([(0, 0, front + "\n" if rec.text else front, "R7-front-matter")])
    return rec.result(meta)
