"""Document-level safety checks that look across stages (no silent loss)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import regex

from . import rules
from .model import Edit, add_flag

HAN_RUN = regex.compile(r"\p{Han}+")
LETTER_RUN = regex.compile(r"[\p{Han}\p{L}]+")
# Kinds of rule whose removals are deliberate and explain a shorter body: chrome
# and dropped duplicates, and "render" (our own front matter read back into the metadata).
EXPLAINED_KINDS = frozenset({"chrome", "duplicate", "render"})


@cache
def settings(key: str) -> float:
    """A threshold of the cross-stage checks (rules/checks.toml)."""
    return rules.load("checks.toml")[key]["value"]


def han_count(text: str) -> int:
    return sum(map(len, HAN_RUN.findall(text)))  # runs of Han characters: far fewer matches to build


def removed_by_rules(edits: Iterable[Edit]) -> int:
    """Han characters removed by rules whose kind is removal (chrome, dropped duplicates).

    Most such edits delete their text whole: those are counted together, in one pass."""
    explained: dict[tuple[str, str], bool] = {}
    deleted: list[str] = []
    total = 0
    for e in edits:
        key = (e.stage, e.rule)
        if key not in explained:
            explained[key] = rules.kind_of(e.stage, e.rule) in EXPLAINED_KINDS
        if not explained[key]:
            continue
        if e.after:
            total += max(0, han_count(e.before) - han_count(e.after))
        else:
            deleted.append(e.before)
    return total + han_count("".join(deleted))


def flag_silent_loss(meta: dict[str, Any], text: str) -> None:
    """Flag a body much shorter than its source that the removal rules do not explain."""
    raw = meta.get("raw_han_chars", 0)
    expected = raw - meta.get("han_removed_by_rules", 0)
    if raw and han_count(text) < settings("silent_loss") * expected:
        add_flag(meta, "unexplained-loss")


def han_share(text: str) -> float:
    """Share of Han characters among letters: low for English or other non-report text."""
    letters = sum(map(len, LETTER_RUN.findall(text)))
    return han_count(text) / letters if letters else 0.0


def flag_not_chinese(meta: dict[str, Any], text: str) -> None:
    """Flag a cleaned body that is not Chinese text (decided on the body, so reruns agree)."""
    if han_share(text) < settings("min_han_share"):
        add_flag(meta, "not-chinese-text")
