"""Document-level safety checks that look across stages (no silent loss)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import regex

from .model import Edit, add_flag

HAN = regex.compile(r"\p{Han}")
HAN_RUN = regex.compile(r"\p{Han}+")
# Stages and rule ids whose removals are deliberate and explain a shorter body
# (canonical-…: the front matter of a report we rendered, read back into the metadata).
REMOVAL_STAGES = frozenset({"extract", "strip"})
REMOVAL_RULE_WORDS = ("duplicate", "dup-", "canonical-front-matter")
SILENT_LOSS_RATIO = 0.5
# A body whose letters are less than this share Han characters (an English
# page, a file of the wrong kind) is cleaned but flagged.
MIN_HAN_SHARE = 0.5


def han_count(text: str) -> int:
    return sum(map(len, HAN_RUN.findall(text)))  # runs of Han characters: far fewer matches to build


def removed_by_rules(edits: Iterable[Edit]) -> int:
    """Han characters removed by rules whose job is removal (strip, dropped duplicates)."""
    total = 0
    for e in edits:
        if e.stage in REMOVAL_STAGES or any(w in e.rule for w in REMOVAL_RULE_WORDS):
            total += max(0, han_count(e.before) - han_count(e.after))
    return total


def flag_silent_loss(meta: dict[str, Any], text: str) -> None:
    """Flag a body much shorter than its source that the removal rules do not explain."""
    raw = meta.get("raw_han_chars", 0)
    expected = raw - meta.get("han_removed_by_rules", 0)
    if raw and han_count(text) < SILENT_LOSS_RATIO * expected:
        add_flag(meta, "unexplained-loss")


def han_share(text: str) -> float:
    """Share of Han characters among letters: low for English or other non-report text."""
    letters = regex.findall(r"[\p{Han}\p{L}]", text)
    return han_count(text) / len(letters) if letters else 0.0


def flag_not_chinese(meta: dict[str, Any], text: str) -> None:
    """Flag a cleaned body that is not Chinese text (decided on the body, so reruns agree)."""
    if han_share(text) < MIN_HAN_SHARE:
        add_flag(meta, "not-chinese-text")
