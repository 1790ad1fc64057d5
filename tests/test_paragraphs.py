"""Very long lines (F5): a report glued onto a few lines is split at its own paragraph boundaries."""

from __future__ import annotations

from functools import cache

import pytest

from pipeline.model import Recorder, revert_all
from pipeline.normalise import normalise
from pipeline.paragraphs import line_boundaries, split_glued_lines

from .conftest import gold_paths

RULE = "F5-glued-paragraphs"


@cache
def gold_text(prefix: str) -> str:
    path = next(p for p in gold_paths() if p.name.startswith(prefix))
    return normalise(path.read_text(encoding="utf-8"), {}).text


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def pieces(line: str) -> list[str]:
    out, last = [], 0
    for start, end in line_boundaries(line):
        out.append(line[last:start].strip())
        last = end
    return [p for p in [*out, line[last:].strip()] if p]


def test_a_sample_glued_with_its_indents_comes_back_as_its_paragraphs() -> None:
    paras = paragraphs(gold_text("002"))
    glued = "\u3000\u3000" + "\u3000\u3000".join(paras)
    result = normalise(glued, {})
    assert paragraphs(result.text) == paras
    assert RULE in {e.rule for e in result.edits}
    assert revert_all(result.text, result.edits) == glued


def test_a_sample_glued_without_indents_splits_at_headings_and_the_address() -> None:
    paras = paragraphs(gold_text("002"))
    split = paragraphs(normalise("".join(paras), {}).text)
    assert "".join(split) == "".join(paras)
    opening = next(p for p in paras if p.startswith("各位代表"))
    headings = [p for p in paras if p.startswith(("一、", "二、", "三、"))]
    assert any(p.startswith(opening) for p in split)
    for heading in headings:  # every 一、 heading after a sentence end is its own paragraph again
        assert heading in split


@pytest.mark.parametrize(("line", "expected"), [
    ("现在，我代表国务院向大会报告工作，请予审议。一、2023年工作回顾过去一年，我们迎难而上。",
     ["现在，我代表国务院向大会报告工作，请予审议。", "一、2023年工作回顾", "过去一年，我们迎难而上。"]),
    ("三、2024年重点工作\u00a0做好今年政府工作，要突出重点。（一）着力扩大国内需求。要把恢复和扩大消费摆在优先位置。",
     ["三、2024年重点工作", "做好今年政府工作，要突出重点。", "（一）着力扩大国内需求。要把恢复和扩大消费摆在优先位置。"]),
    ("国务院总理\u00a0李克强各位代表：现在，我代表国务院，向大会报告政府工作。\u3000\u3000各位代表！\u3000\u3000让我们团结奋斗！",
     ["国务院总理\u00a0李克强", "各位代表：现在，我代表国务院，向大会报告政府工作。", "各位代表！", "让我们团结奋斗！"]),
])
def test_boundaries_in_a_glued_line(line: str, expected: list[str]) -> None:
    assert pieces(line) == expected


@pytest.mark.parametrize("line", [
    "报告分六个部分：一、三年来的斗争和新时期的总任务；二、加快社会主义经济建设；三、国际形势和我国对外政策。",
    "各位代表！大道至简，实干为要。我们将以更大的力度推进改革，向各位代表报告今年的主要工作。",
    "主要抓了三个方面：一是稳增长。二是调结构。三是惠民生。我们坚持把发展作为第一要务，推动经济运行稳中向好。",
])
def test_what_a_report_writes_inside_one_paragraph_is_no_boundary(line: str) -> None:
    long_line = line + "我们坚持稳中求进工作总基调，经济运行总体平稳、稳中有进。" * 16
    assert pieces(long_line) == [long_line]


def test_a_clean_sample_is_never_split() -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        rec = Recorder(gold_text(prefix), "normalise")
        assert split_glued_lines(rec) == 0
