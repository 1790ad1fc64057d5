"""Headings printed without their numerals (Wikisource, some newspapers): known by shape and place.

`三年来的斗争和新时期的总任务` or `2024年工作回顾` on a line of its own is a
heading when it looks like one and stands where one stands:

- shape: short, no sentence punctuation, no outline marker, not the address
  or a dated byline;
- place: inside the body (after the opening address), after a paragraph that
  ends a sentence and before a paragraph of prose;
- outline: the report announces its parts (`报告分六个部分：一、…；二、…`) and
  the line is one of them; or the report numbers none of its top headings
  (then its un-numbered ones are the top level).

A report with many such lines holds short lines of another kind (a list, a
verse); then none is taken for a heading. The render stage marks the ones
found as `##` headings; nothing is dropped or merged either way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import regex

from .rules import load
from .shape import is_address

RULE_FILE = "headings.toml"


@cache
def settings() -> dict[str, Any]:
    return load(RULE_FILE)["unnumbered"][0]


@cache
def compiled(key: str) -> regex.Pattern[str]:
    return regex.compile(settings()[key])


def key(text: str) -> str:
    """A heading compared without quotes, brackets, spaces or escapes."""
    return regex.sub(r"[\s“”‘’《》\\\"']", "", text)


def announced_parts(blocks: list[str]) -> set[str]:
    """The parts a report announces it will speak about (`报告分六个部分：一、…；二、…`)."""
    parts: set[str] = set()
    for block in blocks[:settings()["announce_within_blocks"]]:
        if compiled("announcement").search(block):
            parts |= {key(m.group(1)) for m in compiled("announced_item").finditer(block)}
    return parts


def heading_shaped(block: str) -> bool:
    s = settings()
    return (s["min_chars"] <= len(block) <= s["max_chars"] and not compiled("not_in_heading").search(block)
            and not compiled("not_heading").search(block))


def is_prose(block: str) -> bool:
    return len(block) >= settings()["min_prose_chars"] and bool(compiled("sentence_mark").search(block))


def unnumbered_headings(blocks: list[str], is_level1: Callable[[str], bool]) -> set[int]:
    """Indices of blocks that are top-level headings printed without a numeral."""
    s = settings()
    opening = next((i for i, b in enumerate(blocks) if is_address(b)), None)
    if opening is None:
        return set()
    announced = announced_parts(blocks)
    numbered = any(is_level1(b) for b in blocks)
    found = set()
    for i in range(opening + 2, len(blocks) - 1):
        block = blocks[i]
        if not heading_shaped(block) or not compiled("sentence_end").search(blocks[i - 1]):
            continue
        if not is_prose(blocks[i + 1]):
            continue
        if key(block) in announced or not numbered:
            found.add(i)
    if len(found) > s["max_headings"]:
        return set()
    return found
