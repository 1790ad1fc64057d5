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
        checks.flag_not_chinese(meta, text)
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


WARM_UP_TEXT = ("政府工作报告\n各位代表：\n現在，我代表政府向大會報告工作，請予審議。"
                "（一）蕞大“2 2 n”5g and ii类。\n版权所有")


def warm_up() -> None:
    """Load dictionaries, rule files and compiled patterns once, before Luigi forks.

    With several workers Luigi runs every task in a forked process; whatever the
    parent has loaded is shared, whatever it has not is loaded again by each task.
    """
    from .decode import common_hanzi

    common_hanzi()
    for sample in (WARM_UP_TEXT, WARM_UP_TEXT.encode("utf-8").decode("latin-1")):
        clean_bytes(sample.encode("utf-8"))
