"""Stage 4, repair: undo substitutions made by platforms and scrapers, with evidence.

A repair happens only when the document shows the substitution at work;
otherwise the text is left alone (and, where something is clearly lost,
flagged).
"""

from __future__ import annotations

from typing import Any

import regex

from . import rules
from .model import Recorder, StageResult

STAGE = "repair"
RULE_FILES = ("repair.toml",)


def _char_rule(rec: Recorder, rule: dict[str, Any]) -> None:
    """Replace a substituted character when the document leaves enough traces of it."""
    find = regex.escape(rule["find"])
    guard_after = f"(?!{regex.escape(rule['keep_after'])})" if rule.get("keep_after") else ""
    pattern = regex.compile(find + guard_after)
    if len(pattern.findall(rec.text)) >= rule["min_traces"]:
        rec.sub(rule["id"], pattern, rule["replace"])


def repair(text: str, meta: dict[str, Any]) -> StageResult:
    rec = Recorder(text, STAGE)
    for rule in rules.load("repair.toml")["char"]:
        _char_rule(rec, rule)
    return rec.result(dict(meta))
