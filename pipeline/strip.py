"""Stage 3, strip: remove what is not the report (site chrome, footers, ads, furniture).

Every removed line is recorded with the id of the rule that removed it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import regex

from . import rules
from .model import Recorder, StageResult

STAGE = "strip"
RULE_FILES = ("strip.toml",)


@cache
def line_rules() -> tuple[tuple[str, regex.Pattern[str]], ...]:
    return tuple((r["id"], regex.compile(r["pattern"])) for r in rules.load("strip.toml")["line"])


def matching_rule(line: str) -> str | None:
    """The id of the first line rule that matches `line`, if any."""
    stripped = line.strip()
    if not stripped:
        return None
    for rule_id, pattern in line_rules():
        if pattern.search(stripped):
            return rule_id
    return None


def strip(text: str, meta: dict[str, Any]) -> StageResult:
    """Remove whole lines matched by a line rule (with their line break)."""
    rec = Recorder(text, STAGE)
    spans, offset = [], 0
    for line in text.split("\n"):
        rule_id = matching_rule(line)
        end = offset + len(line)
        if rule_id:
            spans.append((offset, min(end + 1, len(text)), "", rule_id))
        offset = end + 1
    rec.replace_spans(spans)
    return rec.result(dict(meta))
