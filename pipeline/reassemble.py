"""Stage 5, reassemble: put fragments back together (order, splits, duplicates)."""

from __future__ import annotations

from typing import Any

from . import rules
from .model import Recorder, StageResult

STAGE = "reassemble"
RULE_FILES = ("reassemble.toml",)


def drop_duplicate_paragraphs(rec: Recorder, rule: dict[str, Any]) -> None:
    """Drop later verbatim copies of a paragraph of at least min_chars characters."""
    seen: set[str] = set()
    spans, offset = [], 0
    for line in rec.text.split("\n"):
        key = line.strip()
        end = offset + len(line)
        if len(key) >= rule["min_chars"]:
            if key in seen:
                spans.append((offset, min(end + 1, len(rec.text)), "", rule["id"]))
            seen.add(key)
        offset = end + 1
    rec.replace_spans(spans)


def reassemble(text: str, meta: dict[str, Any]) -> StageResult:
    rec = Recorder(text, STAGE)
    for rule in rules.load("reassemble.toml")["duplicate"]:
        drop_duplicate_paragraphs(rec, rule)
    return rec.result(dict(meta))
