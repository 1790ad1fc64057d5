"""The report's shape, defined once: titles, bylines, dates, outline markers, blocks."""

from __future__ import annotations

import pytest

from pipeline import shape

from .conftest import gold_paths


def gold_lines(prefix: str) -> list[str]:
    path = next(p for p in gold_paths() if p.name.startswith(prefix))
    return path.read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize(("line", "expected"), [
    ("政府工作报告", ("政府工作报告", "")),
    ("2019年石鼓区政府工作报告", ("2019年石鼓区政府工作报告", "")),
    ("2024年国务院政府工作报告全文", ("2024年国务院政府工作报告全文", "")),
    ("政府工作报告（摘要）", ("政府工作报告（摘要）", "")),
    ("湘潭市政府工作报告（2021年12月30日 胡贺波）", ("湘潭市政府工作报告", "（2021年12月30日 胡贺波）")),
    ("首页 > 政务公开 > 政府工作报告", None),
    ("关于政府工作报告的决议。", None),
])
def test_title(line: str, expected: tuple[str, str] | None) -> None:
    assert shape.title_parts(line) == expected


@pytest.mark.parametrize(("text", "iso"), [
    ("——2024年1月29日在浏阳市第十八届人民代表大会第四次会议上", "2024-01-29"),
    ("二〇二一年十二月三十日", "2021-12-30"),
    ("2021年13月30日", None),
    ("各位代表：", None),
])
def test_iso_date(text: str, iso: str | None) -> None:
    assert shape.iso_date(text) == iso


def test_stamp_date_reads_a_scrapers_forms() -> None:
    assert shape.stamp_date("2009-2-13 10:00") == shape.stamp_date("2009/02/13") == "2009-02-13"
    assert shape.stamp_date("2009年2月13日") == "2009-02-13"


def test_byline_needs_a_cue_and_a_name_alone_needs_a_date_above() -> None:
    assert shape.is_byline("市人民政府市长王雄文")
    assert shape.is_byline("（2021年12月30日 胡贺波）")
    assert not shape.is_byline("胡贺波") and shape.is_byline("胡贺波", dated=True)
    assert not shape.is_byline("领导讲话")  # a site's menu item, not a speaker
    assert not shape.is_byline("2021年，全市经济运行稳中有进。")


def test_one_numeral_parser_reads_outline_and_date_numerals() -> None:
    assert shape.chinese_number("二〇二四") == 2024
    assert shape.chinese_number("三十一") == 31
    assert shape.number_of("12") == 12 and shape.number_of("十二") == 12
    assert shape.outline_marker("（十二）加强政府自身建设") == (2, 12)
    assert shape.level_marker("第一，加快转变政府职能", 3) is None  # an ordinal item is no heading


def test_region_names_end_with_a_suffix_after_a_name() -> None:
    assert shape.is_region_name("衡阳市石鼓区") and shape.is_region_name("2019年湘潭市")
    assert shape.is_region_name("恩施土家族苗族自治州")
    assert not shape.is_region_name("市") and not shape.is_region_name("全市")


def test_dash_fixes_are_one_list_split_by_stage() -> None:
    repair_ids = [rule_id for rule_id, _, _ in shape.dash_rules("repair")]
    render_ids = [rule_id for rule_id, _, _ in shape.dash_rules("render")]
    assert "W4-dash-bar" in repair_ids and render_ids == ["R1-dash"]
    assert not set(repair_ids) & set(render_ids)


def test_classify_types_the_lines_of_a_report() -> None:
    lines = gold_lines("002")
    blocks = shape.classify(lines)
    kinds = [b.kind for b in blocks if b.kind != "blank"]
    assert set(kinds) <= set(shape.BLOCK_KINDS)
    assert kinds[:4] == ["title", "byline", "byline", "address"]
    first_heading = next(b for b in blocks if b.kind == "heading")
    assert (first_heading.text, first_heading.level, first_heading.number) == ("一、2023年工作回顾", 1, 1)
    assert any(b.kind == "heading" and b.level == 2 for b in blocks)
    closing = [b for b in blocks if b.kind == "closing"]
    assert len(closing) == 1 and "让我们" in closing[0].text
    assert [b.text for b in blocks if b.kind == "glossary-heading"] == ["名词解释"]
    entries = [b for b in blocks if b.kind == "glossary-entry"]
    assert entries and all(b.text.startswith("[") for b in entries)
    assert "paragraph" in kinds


def test_classify_without_an_address_still_finds_the_title() -> None:
    blocks = shape.classify(gold_lines("000")[:3])
    assert [b.kind for b in blocks] == ["title", "blank", "heading"]
