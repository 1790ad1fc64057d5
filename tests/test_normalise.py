"""Normalise: whitespace, width, punctuation width and script, on sample lines."""

from __future__ import annotations

import opencc
import pytest

from pipeline.model import revert_all
from pipeline.normalise import normalise

from .conftest import gold_paths, seed_paths


def norm(text: str) -> str:
    return normalise(text, {}).text


def test_crlf_nbsp_ideographic_space_zero_width_and_trailing_blanks() -> None:
    raw = "\u3000\u3000各位代表：\r\n\r\n\r\n\r\n现在，我代表\u200b区人民政府\u00a0\u00a0 \r\n石鼓区人民政府区长\u00a0\u00a0\u00a0\u00a0\r\n"
    assert norm(raw) == "各位代表：\n\n现在，我代表区人民政府\n石鼓区人民政府区长"


def test_fullwidth_digits_and_letters_become_ascii() -> None:
    assert norm("２０２５年增长５．２％，ＧＤＰ达到１３４．９万亿元") == "2025年增长5.2%，GDP达到134.9万亿元"


@pytest.mark.parametrize("raw,expected", [
    ("各位代表:现在,我代表市人民政府向大会报告工作,请予审议。", "各位代表：现在，我代表市人民政府向大会报告工作，请予审议。"),
    ("三次产业结构比由6.9:54.6:38.5调整为6.8:51:42.2。", "三次产业结构比由6.9:54.6:38.5调整为6.8:51:42.2。"),
    ("全社会研发投入占GDP比重由1.79%提升到2.8%", "全社会研发投入占GDP比重由1.79%提升到2.8%"),
    ("全市地区生产总值(以下简称GDP)由2016年的1762.02亿元", "全市地区生产总值（以下简称GDP）由2016年的1762.02亿元"),
    ("(六)抓实生态环境治理,加快发展方式新转变", "（六）抓实生态环境治理，加快发展方式新转变"),
    ("各位代表!征途漫漫,惟有奋斗。", "各位代表！征途漫漫，惟有奋斗。"),
    ("发布时间:2022-04-19 19:00", "发布时间：2022-04-19 19:00"),
    ("see http://example.org/a?b=1, ok", "see http://example.org/a?b=1, ok"),
    ("[10] “五心极”服务", "[10]“五心极”服务"),
    ("不代表本站立场。 凡注明为原创作品的", "不代表本站立场。凡注明为原创作品的"),
])
def test_ascii_punctuation_between_chinese_becomes_fullwidth_numbers_stay(raw: str, expected: str) -> None:
    assert norm(raw) == expected


def test_traditional_document_is_converted_and_recorded() -> None:
    simplified = (seed_paths()[1].read_text(encoding="utf-8").splitlines()[1])
    traditional = opencc.OpenCC("s2t.json").convert(simplified)
    assert traditional != simplified
    result = normalise(traditional * 3, {})
    assert result.meta["script"].startswith("traditional")
    assert result.text == norm(simplified * 3)
    assert {e.rule for e in result.edits} >= {"E4-opencc-t2s"}


def test_taiwan_forms_use_tw2s() -> None:
    text = "為了落實政策，我們在這裡著力推動改革。這裡的工作為人民服務，為國家發展。" * 2
    result = normalise(text, {})
    assert "tw2s" in result.meta["script"]
    assert "着力" in result.text and "为" in result.text and "里" in result.text


def test_simplified_text_with_a_few_traditional_characters_is_not_converted() -> None:
    text = seed_paths()[1].read_text(encoding="utf-8") + "\n引用：「國」"
    assert "script" not in normalise(text, {}).meta


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.stem)
def test_record_is_exact_on_every_sample(path) -> None:
    raw = path.read_text(encoding="utf-8")
    result = normalise(raw, {})
    assert revert_all(result.text, result.edits) == raw


@pytest.mark.parametrize("path", gold_paths(), ids=lambda p: p.stem)
def test_normalise_is_idempotent_on_gold(path) -> None:
    once = norm(path.read_text(encoding="utf-8"))
    assert normalise(once, {}).edits == []


def test_a_traditional_report_is_recorded_in_few_exact_edits() -> None:
    """One edit per run of close conversions on a line, not one per character: exact, reversible, per line."""
    simplified = seed_paths()[1].read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t.json").convert(simplified)
    result = normalise(traditional, {})
    converted = [e for e in result.edits if e.rule.startswith("E4-opencc")]
    changed = sum(a != b for a, b in zip(traditional, opencc.OpenCC("t2s.json").convert(traditional), strict=True))
    assert converted and len(converted) * 3 < changed
    assert all("\n" not in e.before for e in converted)
    assert revert_all(result.text, result.edits) == traditional
