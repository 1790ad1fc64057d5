"""The stages chained in memory: what one document goes through, without files or Luigi.

pipeline.execute uses the same two steps per stage with files in between;
tests and benchmarks call `clean_bytes` directly.
"""

from __future__ import annotations

from typing import Any

from . import checks
from .model import Edit, StageResult
from .stages import STAGES, stage_function


def decode_step(raw: bytes, source: str = "", sha256: str = "") -> tuple[str, StageResult]:
    """Decode, and start the document's metadata (source facts, counts for the loss check)."""
    raw_text, result = stage_function("decode")(raw)
    result.meta = {"source": source, "source_sha256": sha256, **result.meta,
                   "raw_han_chars": checks.han_count(raw_text), "han_removed_by_rules": 0}
    return raw_text, result


def text_step(stage: str, text: str, meta: dict[str, Any]) -> StageResult:
    """One text stage, with the cross-stage bookkeeping (removals explained, silent loss)."""
    meta = dict(meta)
    if stage == STAGES[-1]:
        checks.flag_silent_loss(meta, text)
    result: StageResult = stage_function(stage)(text, meta)
    result.meta = dict(result.meta)
    result.meta["han_removed_by_rules"] = (result.meta.get("han_removed_by_rules", 0)
                                           + checks.removed_by_rules(result.edits))
    return result


def clean_bytes(raw: bytes, source: str = "", sha256: str = "") -> tuple[str, str, list[Edit], dict[str, Any]]:
    """(raw text, cleaned Markdown, every edit in order, final metadata) for one document."""
    raw_text, result = decode_step(raw, source, sha256)
    edits = list(result.edits)
    for stage in STAGES[1:]:
        result = text_step(stage, result.text, result.meta)
        edits += result.edits
    return raw_text, result.text, edits, result.meta
