"""Headings printed without numerals (Wikisource style): recognised by shape and place, never dropped or merged."""

from __future__ import annotations

from functools import cache

import regex

from pipeline.chain import clean_bytes
from pipeline.headings import unnumbered_headings
from pipeline.normalise import normalise
from pipeline.render import level1_heading

from .conftest import gold_paths

LEVEL1 = regex.compile(r"^[一二三四五六七八九十]{1,3}、")


@cache
def gold_text(prefix: str) -> str:
    path = next(p for p in gold_paths() if p.name.startswith(prefix))
    return normalise(path.read_text(encoding="utf-8"), {}).text


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def clean(text: str) -> str:
    return clean_bytes(text.encode("utf-8"), "x.txt", "0" * 64)[1]


def test_a_sample_without_its_numerals_keeps_its_headings_as_headings() -> None:
    paras = paragraphs(gold_text("002"))
    headings = [LEVEL1.sub("", p) for p in paras if LEVEL1.match(p) and level1_heading(p)]
    stripped = [LEVEL1.sub("", p) if LEVEL1.match(p) and level1_heading(p) else p for p in paras]
    markdown = clean("\n\n\n".join(stripped))  # Wikisource: runs of blank lines around headings
    lines = paragraphs(markdown)
    assert headings and all(f"## {h}" in lines for h in headings)
    again = clean(markdown)
    assert again == markdown
    body = [p.lstrip("# ") for p in paragraphs(markdown.split("---\n", 2)[2])]
    assert [p for p in body if p in headings] == headings  # each once, in order, on its own line


def test_announced_parts_are_headings_even_in_a_numbered_report() -> None:
    blocks = ["政府工作报告", "各位代表：", "现在，我代表市人民政府向大会报告工作，请予审议。",
              "报告分三个部分：一、过去一年的工作；二、今年的主要任务；三、加强政府自身建设。",
              "过去一年的工作", "过去一年，我们坚持稳中求进，经济运行总体平稳。",
              "今年的主要任务", "今年要着力扩大内需，稳定就业，推动高质量发展。",
              "一、加强政府自身建设", "我们将坚持依法行政，建设人民满意的政府。"]
    assert unnumbered_headings(blocks, level1_heading) == {4, 6}


def test_a_short_line_in_a_numbered_report_is_no_heading() -> None:
    blocks = paragraphs(gold_text("002"))
    assert unnumbered_headings(blocks, level1_heading) == set()


def test_a_list_of_short_lines_is_no_run_of_headings() -> None:
    items = [f"第{n}号重点项目建设" for n in range(1, 16)]
    blocks = ["各位代表：", "现在，我代表市人民政府向大会报告工作，请予审议。"]
    for item in items:
        blocks += ["今年，我们将全力推进以下项目。", item, "项目总投资超过十亿元，年内开工建设。"]
    assert unnumbered_headings(blocks, level1_heading) == set()


def test_a_clean_sample_gets_no_new_headings() -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        assert unnumbered_headings(paragraphs(gold_text(prefix)), level1_heading) == set()
