"""Page and news furniture glued to the report's lines (B6): split off and removed by rule.

A scraper that loses line breaks glues what stood around the report onto its
lines: a portal's site name, address, timestamp and `来源` before the title, a
`【E-mail推荐】` toolbar, a photo credit (`新华社记者某某 摄`) run into the next
paragraph, a wire dateline (`新华社北京3月16日电`) before the title, a licence
note after the closing line. Each kind is a pattern in rules/furniture.toml
that only such furniture matches (a clock time, an address, a credit ending in
摄, a dateline ending in 电), so the report's own title and first paragraph
are never touched. Its action:

- `remove`: the furniture is replaced by a line break, so what stood on either
  side of it becomes a line of its own (the title, the address) and the rest
  of the strip stage sees lines again;
- `split`: only a line break before it (what follows is removed by the strip
  rules that know it whole, as the licence block).

Facts the furniture states (named groups `year`/`month`/`day`, `origin`)
go to meta["scraped_header"], where render takes them for the front matter
when the report's own byline does not state them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import regex

from .model import Recorder
from .rules import load

RULE_FILE = "furniture.toml"


@dataclass(frozen=True)
class GluedRule:
    """A [[glued]] entry: the furniture's pattern, what to do with it, and a cheap screen for its lines."""

    id: str
    pattern: regex.Pattern[str]
    action: str
    screen: regex.Pattern[str]


@cache
def glued_rules() -> tuple[GluedRule, ...]:
    entries: list[dict[str, Any]] = load(RULE_FILE)["glued"]
    for e in entries:
        if e["action"] not in ("remove", "split"):
            raise ValueError(f"{RULE_FILE}: {e['id']}: action must be 'remove' or 'split'")
    return tuple(GluedRule(e["id"], regex.compile(e["pattern"]), e["action"], regex.compile(e["screen"]))
                 for e in entries)


def stated_facts(m: regex.Match[str]) -> dict[str, str]:
    """The publication date and origin a piece of furniture states."""
    groups = {k: v for k, v in m.groupdict().items() if v}
    facts = {}
    if {"year", "month", "day"} <= set(groups):
        facts["date"] = f"{int(groups['year']):04d}-{int(groups['month']):02d}-{int(groups['day']):02d}"
    if "origin" in groups:
        facts["origin"] = groups["origin"]
    return facts


def screened_lines(text: str, screen: regex.Pattern[str]) -> list[tuple[int, str]]:
    """(offset, line) of the lines holding the screen's mark: the full pattern runs on these only."""
    found, last = [], -1
    for m in screen.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if start <= last:
            continue
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        found.append((start, text[start:end]))
        last = end
    return found


def split_glued_furniture(rec: Recorder, meta: dict[str, Any]) -> int:
    """Remove (or split off) glued furniture, one batch per rule; record what it states in meta."""
    total = 0
    facts: dict[str, str] = {}
    for rule in glued_rules():
        spans = []
        for start, line in screened_lines(rec.text, rule.screen):
            for m in rule.pattern.finditer(line):
                for key, value in stated_facts(m).items():
                    facts.setdefault(key, value)
                after = "\n" if rule.action == "remove" else "\n" + m.group()
                spans.append((start + m.start(), start + m.end(), after, rule.id))
        total += rec.replace_spans(spans)
    if facts:
        header = dict(meta.get("scraped_header") or {})
        for key, value in facts.items():
            header.setdefault(key, value)
        meta["scraped_header"] = header
    return total
