"""Very long lines split at the report's own paragraph boundaries (F5).

Some scrapers glue a report's paragraphs onto a handful of lines, or the whole
body onto one. On a line that long, a paragraph boundary shows itself:

- an indent (two or more U+3000 or NBSP, tabs, four spaces) anywhere, or
  any space after an outline heading;
- an outline marker (`一、`, `（一）`) right after a sentence end;
- the address `各位代表：` / `各位代表！` anywhere but at the line start;
- a `一、` heading followed directly by its paragraph ends on one of the
  nouns such headings end with (`…工作回顾`, `…总体部署`), when the next
  character starts a sentence.

Each boundary becomes a line break (the run of spaces it replaces, if any),
recorded under one rule id. One pass of one pattern per line: linear in the
length of the line. Lines shorter than `min_line_chars` are never touched:
a report's own paragraphs, however long, hold none of these boundaries.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import regex

from .model import Recorder
from .rules import load

RULE_FILE = "paragraphs.toml"


@cache
def settings() -> dict[str, Any]:
    return load(RULE_FILE)["split"][0]


@cache
def boundary_pattern() -> regex.Pattern[str]:
    s = settings()
    return regex.compile(
        rf"(?P<indent>(?<=\S){s['indent']}(?=\S))"
        rf"|(?P<marker>(?<={s['sentence_end']})(?={s['marker']}))"
        rf"|(?P<address>(?<=\S){s['space']}?(?={s['address']}))"
        rf"|(?P<space>{s['space']}(?=\S))")


@cache
def heading_pattern() -> regex.Pattern[str]:
    s = settings()
    return regex.compile(s["level1"])


@cache
def heading_end_pattern() -> regex.Pattern[str]:
    s = settings()
    ends = "|".join(regex.escape(e) for e in sorted(s["heading_ends"], key=len, reverse=True))
    text = rf"[^{s['punctuation']}\s]"
    return regex.compile(rf"^{text}{{0,{s['max_heading_chars']}}}?(?:{ends})(?={text})")


def heading_end(line: str, start: int) -> int | None:
    """Where a `一、` heading that starts at `start` and runs into its paragraph ends, if it says."""
    s = settings()
    m = heading_pattern().match(line, start)
    if not m:
        return None
    window = line[m.end():m.end() + s["max_heading_chars"] + 8]
    end = heading_end_pattern().match(window)
    return m.end() + end.end() if end else None


def is_heading_segment(segment: str) -> bool:
    """The text since the last boundary is an outline heading (marker, short, no sentence mark)."""
    s = settings()
    if len(segment) > s["max_heading_chars"] + 8:
        return False
    segment = regex.sub(f"{s['sentence_end']}$", "", segment.strip())  # a （一） heading may end with its 。
    return (len(segment) <= s["max_heading_chars"] + 4 and bool(regex.match(s["marker"], segment))
            and not regex.search(f"[{s['punctuation']}]", segment[2:]))


def line_boundaries(line: str) -> list[tuple[int, int]]:
    """(start, end) of every boundary in a long line: the spaces it replaces, or an empty span."""
    spans: list[tuple[int, int]] = []
    last = 0
    for m in boundary_pattern().finditer(line):
        plain_space = m.group("space") is not None
        short = m.start() - last <= settings()["max_heading_chars"] + 8
        if plain_space and not (short and is_heading_segment(line[last:m.start()])):  # only after a heading
            continue
        spans.append((m.start(), m.end()))
        last = m.end()
    starts = [0, *(end for _, end in spans)]
    for start in starts:
        end = heading_end(line, start)
        if end is not None and not any(a <= end <= b for a, b in spans):
            spans.append((end, end))
    return sorted(set(spans))


def split_glued_lines(rec: Recorder) -> int:
    """Split every line longer than `min_line_chars` at its paragraph boundaries (one batch)."""
    s = settings()
    spans, offset = [], 0
    for line in rec.text.split("\n"):
        if len(line) >= s["min_line_chars"]:
            spans += [(offset + a, offset + b, "\n", s["id"]) for a, b in line_boundaries(line) if a > 0]
        offset += len(line) + 1
    if not spans:
        return 0
    return rec.replace_spans(spans)
