"""The script choice's screens: the same decision as converting and comparing character by character."""

from __future__ import annotations

import opencc
import pytest

from pipeline import normalise

from .conftest import gold_paths


def reference_choice(text: str, settings: dict) -> str | None:
    """The decision as first written: both conversions of every Han character, compared with zip."""
    sample = "".join(c for c in text if normalise.HAN_RUN.fullmatch(c))
    if not sample:
        return None
    def changed(config: str) -> int:
        return sum(a != b for a, b in zip(sample, opencc.OpenCC(f"{config}.json").convert(sample), strict=False))
    to_simple, to_trad = changed("t2s"), changed("s2t")
    if to_simple < settings["min_traditional_chars"] or to_simple < settings["traditional_ratio"] * to_trad:
        return None
    return "tw2s" if sum(sample.count(c) for c in settings["taiwan_forms"]) >= settings["min_taiwan_forms"] else "t2s"


def texts() -> list[str]:
    simplified = [p.read_text(encoding="utf-8") for p in gold_paths()]
    traditional = [opencc.OpenCC("s2t.json").convert(t) for t in simplified[:2]]
    taiwan = [opencc.OpenCC("s2tw.json").convert(simplified[2])]
    mixed = [simplified[0][:2000] + traditional[0][:200]]  # a simplified report quoting a few traditional lines
    no_taiwan_forms = ["".join(c for c in traditional[0][:3000] if c not in "為裡臺麼")]
    return [*simplified, *traditional, *taiwan, *mixed, *no_taiwan_forms, "English only", ""]


def test_the_cases_cover_every_decision() -> None:
    settings = normalise._settings()
    assert {reference_choice(t, settings) for t in texts()} == {None, "t2s", "tw2s"}


@pytest.mark.parametrize("text", texts(), ids=range(len(texts())))
def test_script_choice_is_the_reference_decision(text: str) -> None:
    settings = normalise._settings()
    assert normalise.choose_script_config(text, settings) == reference_choice(text, settings)


def test_changed_positions_counts_like_zip() -> None:
    pairs = [("政府工作报告", "政府工作報告"), ("甲乙丙", "甲乙丙丁"), ("", "字"), ("a\ud800b", "a\ud801b")]
    for old, new in pairs:
        assert normalise.changed_positions(old, new) == sum(a != b for a, b in zip(old, new, strict=False))
