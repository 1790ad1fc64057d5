"""Scraper escapes (M2): `<U+00A0>`, `\\u200d`, `&nbsp;`, `<!-- -->` become what they stand for."""

from __future__ import annotations

from functools import cache

import pytest

from pipeline.escapes import decode_escapes
from pipeline.model import Recorder, revert_all
from pipeline.normalise import normalise

from .conftest import gold_paths


@cache
def gold_text(prefix: str) -> str:
    path = next(p for p in gold_paths() if p.name.startswith(prefix))
    return normalise(path.read_text(encoding="utf-8"), {}).text


def decoded(text: str) -> tuple[str, list[str]]:
    rec = Recorder(text, "normalise")
    decode_escapes(rec)
    assert revert_all(rec.text, rec.edits) == text
    return rec.text, [e.rule for e in rec.edits]


@pytest.mark.parametrize(("raw", "expected", "rule"), [
    ("国务院总理<U+00A0>李克强", "国务院总理\u00a0李克强", "M2-codepoint-escape"),
    ("各位代表：<U+200D>", "各位代表：\u200d", "M2-codepoint-escape"),
    ("各位代表：\\u200d", "各位代表：\u200d", "M2-unicode-escape"),
    ("\\u653f\\u5e9c工作报告", "政府工作报告", "M2-unicode-escape"),
    ("笑脸\\ud83d\\ude00", "笑脸\U0001f600", "M2-unicode-escape"),
    ("<!-- 正文开始 -->各位代表：", "各位代表：", "M2-html-comment"),
    ("现在，&nbsp;我代表", "现在，\u00a0我代表", "M2-html-entity"),
    ("现在，&nbsp我代表", "现在，\u00a0我代表", "M2-html-entity"),
    ("&#12288;&#12288;各位代表", "\u3000\u3000各位代表", "M2-html-entity"),
    ("&#x3000;各位代表", "\u3000各位代表", "M2-html-entity"),
    ("&ldquo;十四五&rdquo;规划", "“十四五”规划", "M2-html-entity"),
    ("研发&amp;nbsp;投入", "研发\u00a0投入", "M2-html-entity"),  # escaped twice: decoded until stable
])
def test_each_kind_of_escape_is_decoded_and_recorded(raw: str, expected: str, rule: str) -> None:
    text, rules = decoded(raw)
    assert text == expected and set(rules) == {rule}


@pytest.mark.parametrize("raw", [
    "R&D投入增长10%",           # an ampersand, no entity
    "&foo;不是实体名",          # an unknown name
    "\\u12不是转义",            # too few hex digits
    "\\ud83d孤立的代理项",       # a lone surrogate is no character
    "<U+0007>控制字符",          # a control character
    "<!-- 没有结束的注释",       # a comment that never closes
    "PM2.5<35微克",
])
def test_what_is_not_clearly_an_escape_stays(raw: str) -> None:
    assert decoded(raw) == (raw, [])


def test_escapes_injected_into_a_sample_come_out_as_the_clean_sample() -> None:
    clean = gold_text("002")
    lines = clean.split("\n")
    messy = []
    for k, line in enumerate(lines):
        if k % 3 == 0:
            line = line.replace("，", "，<U+00A0>", 1)
        if k % 5 == 1:
            line = line.replace("。", "。&nbsp;", 1)
        if k % 7 == 2 and line:
            line = "<!-- 正文 -->" + line
        if line.startswith("各位代表"):
            line += "\\u200d"
        messy.append(line)
    result = normalise("\n".join(messy), {})
    assert result.text == clean
    assert {"M2-codepoint-escape", "M2-html-entity", "M2-html-comment", "M2-unicode-escape"} <= {
        e.rule for e in result.edits}


def test_a_clean_sample_has_no_escapes() -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        assert decoded(gold_text(prefix))[1] == []
