"""The stages chained in memory: what one document goes through, without files or Luigi.

pipeline.execute uses the same two steps per stage with files in between;
tests and benchmarks call `clean_bytes` directly.
"""

from __future__ import annotations

from typing import Any

from . import checks, hints
from .model import Edit, StageResult
from .stages import STAGES, stage_function


def extract_step(raw: bytes) -> tuple[str | None, StageResult]:
    """Extract the text of an HTML, DOCX or PDF file (None for plain text, which decode reads)."""
    return stage_function("extract")(raw)


def is_plain_text(meta: dict[str, Any]) -> bool:
    """A document read as plain text (no HTML, DOCX or PDF), by its metadata."""
    return meta.get("format", "text") == "text"


def passes_through(extracted: StageResult) -> bool:
    """Plain text: extract left the bytes to decode."""
    return is_plain_text(extracted.meta)


def decode_step(raw: bytes, source: str = "", sha256: str = "",
                extracted: StageResult | None = None, extracted_from: str | None = None) -> tuple[str, StageResult]:
    """Decode, and start the document's metadata (source facts, counts for the loss check).

    For an extracted format decode repairs extract's text, and the record's
    starting point (the returned raw text) is the extracted text `extracted_from`.
    """
    if extracted is None or passes_through(extracted):
        raw_text, result = stage_function("decode")(raw)
        meta = dict(extracted.meta) if extracted else {"format": "text"}
    else:
        _, result = stage_function("decode")(extracted.text)
        raw_text = extracted_from if extracted_from is not None else extracted.text
        meta = dict(extracted.meta)
        hints.carry_meta(meta, result.edits, result.text)
    removed = checks.removed_by_rules(extracted.edits) if extracted else 0
    flags = [*meta.get("flags", []), *(f for f in result.meta.get("flags", []) if f not in meta.get("flags", []))]
    result.meta = {"source": source, "source_sha256": sha256, **meta, **result.meta,
                   "raw_han_chars": checks.han_count(raw_text), "han_removed_by_rules": removed}
    if flags:
        result.meta["flags"] = flags
    return raw_text, result


def text_step(stage: str, text: str, meta: dict[str, Any]) -> StageResult:
    """One text stage, with the cross-stage bookkeeping (removals explained, silent loss)."""
    meta = dict(meta)
    if stage == STAGES[-1]:
        checks.flag_silent_loss(meta, text)
        checks.flag_not_chinese(meta, text)
    result: StageResult = stage_function(stage)(text, meta)
    result.meta = dict(result.meta)
    hints.carry_meta(result.meta, result.edits, result.text, meta)
    result.meta["han_removed_by_rules"] = (result.meta.get("han_removed_by_rules", 0)
                                           + checks.removed_by_rules(result.edits))
    return result


def clean_bytes(raw: bytes, source: str = "", sha256: str = "") -> tuple[str, str, list[Edit], dict[str, Any]]:
    """(raw text, cleaned Markdown, every edit in order, final metadata) for one document."""
    extracted_from, extracted = extract_step(raw)
    raw_text, result = decode_step(raw, source, sha256, extracted, extracted_from)
    edits = list(extracted.edits) + list(result.edits)
    for stage in STAGES[2:]:
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
    from . import catalogue, gazetteer, reorder
    from .decode import common_hanzi

    common_hanzi()
    catalogue.version()  # each report's catalogue entry is made as it is published
    reorder.word_freqs()  # jieba's dictionary: the warm-up text needs no reordering, a cut report does
    gazetteer.head_keys()  # the first two characters of every place name, as name_starts compares them
    for sample in (WARM_UP_TEXT, WARM_UP_TEXT.encode("utf-8").decode("latin-1")):
        clean_bytes(sample.encode("utf-8"))
