"""Repeated copies (F3): a body printed k times, whole or partial, on lines or on one line, is kept once."""

from __future__ import annotations

from functools import cache

import pytest

from pipeline.chain import decode_step, text_step
from pipeline.model import Recorder, revert_all
from pipeline.normalise import normalise
from pipeline.repeats import drop_repeated_copies
from pipeline.shape import is_prose
from pipeline.strip import strip

from .conftest import gold_paths, seed_paths

RULE = "F3-duplicate-block"


@cache
def gold_text(prefix: str) -> str:
    path = next(p for p in gold_paths() if p.name.startswith(prefix))
    return normalise(path.read_text(encoding="utf-8"), {}).text


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def dedupe(text: str) -> tuple[str, set[str]]:
    rec = Recorder(text, "strip")
    drop_repeated_copies(rec, is_prose)
    assert revert_all(rec.text, rec.edits) == text
    return rec.text, {e.rule for e in rec.edits}


def squeeze(text: str) -> str:
    return "".join(text.split())


# Page chrome written for these tests, in the style of a portal dump (different on every copy).
def chrome(k: int) -> list[str]:
    return [f"首页 | 新闻 | 政务 | 服务 | 互动 第{k}页", f"某某门户网站 www.example.gov.cn 2024年03月{10 + k:02d}日 09时{10 + k}分",
            "【字体：大 中 小】 打印本页 关闭窗口"]


def test_a_report_printed_twice_keeps_one_copy() -> None:
    original = gold_text("001")
    text, used = dedupe(original + "\n" + original)
    assert paragraphs(text) == paragraphs(original)
    assert used == {RULE}


@pytest.mark.parametrize("k", [3, 6])
def test_a_report_printed_k_times_with_chrome_between_keeps_one_copy(k: int) -> None:
    paras = paragraphs(gold_text("002"))
    page = [line for n in range(k) for line in [*chrome(n), *paras]]
    text, _ = dedupe("\n".join(page) + "\n")
    body = [p for p in paragraphs(text) if p in paras]
    assert body == paras
    cleaned = strip(text, {}).text
    assert paragraphs(cleaned) == paras  # the chrome left between the dropped copies goes as chrome


def test_the_copies_on_one_line_keep_one_copy() -> None:
    paras = paragraphs(gold_text("004"))
    line = "".join(paras)
    text, used = dedupe(line + line + "\n")
    assert text == line + "\n" and used == {RULE}


def test_a_copy_on_one_line_and_a_copy_in_paragraphs_keep_one_copy() -> None:
    paras = paragraphs(gold_text("003"))
    text, _ = dedupe("".join(paras) + "\n\n" + "\n\n".join(paras) + "\n")
    assert squeeze(text) == squeeze("".join(paras))


def test_a_block_printed_twice_keeps_the_first_copy() -> None:
    paras = paragraphs(gold_text("002"))
    doubled = paras[:30] + paras[10:14] + paras[30:]
    text, used = dedupe("\n\n".join(doubled) + "\n")
    assert paragraphs(text) == paras and used == {RULE}


@pytest.mark.parametrize("gap_in", ["earlier", "later"])
def test_a_report_printed_twice_keeps_the_more_complete_copy(gap_in: str) -> None:
    full = paragraphs(gold_text("002"))
    gapped = full[:30] + full[34:]  # one copy lost four paragraphs in the middle
    first, second = (gapped, full) if gap_in == "earlier" else (full, gapped)
    text, used = dedupe("\n\n".join(first + second) + "\n")
    assert paragraphs(text) == full and used == {RULE}


def test_a_partial_copy_before_the_whole_report_goes_with_the_chrome_between() -> None:
    paras = paragraphs(gold_text("002"))
    page = [*paras[:len(paras) * 2 // 5], *chrome(1), *paras]
    text, _ = dedupe("\n".join(page) + "\n")
    assert paragraphs(strip(text, {}).text) == paras


def test_a_paragraph_printed_cut_short_then_whole_keeps_the_whole_one() -> None:
    paras = paragraphs(gold_text("002"))
    k = next(i for i, p in enumerate(paras) if len(p) > 200)
    cut = paras[k].index("。", 60) + 1
    printed = [*paras[:k], paras[k][:cut], *paras[k:]]
    text, used = dedupe("\n\n".join(printed) + "\n")
    assert paragraphs(text) == paras and used == {RULE}


def test_a_clean_report_is_left_alone() -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        original = gold_text(prefix)
        assert dedupe(original) == (original, set())


def test_a_formula_the_report_repeats_inside_its_sentences_stays() -> None:
    formula = "坚持以马克思列宁主义、毛泽东思想、邓小平理论、“三个代表”重要思想、科学发展观为指导，全面贯彻落实各项决策部署"
    text = (f"过去一年，我们{formula}，经济运行稳中有进。\n\n"
            f"今年，我们将继续{formula}，推动高质量发展取得新成效。\n")
    assert dedupe(text) == (text, set())


def test_short_lines_that_repeat_are_kept() -> None:
    paras = ["政府工作报告", "各位代表：", "现在，我代表市人民政府向大会报告工作，请予审议。",
             "一、过去一年工作回顾", "各位代表！", "我们将继续努力，推动各项事业不断向前发展。", "各位代表！",
             "让我们团结一心，为实现今年目标任务而不懈奋斗！"]
    text = "\n\n".join(paras) + "\n"
    assert dedupe(text) == (text, set())


def test_the_block_the_newspaper_page_prints_twice_is_dropped_once() -> None:
    path = next(p for p in seed_paths() if p.name.startswith("000"))
    _, decoded = decode_step(path.read_bytes())
    normalised = text_step("normalise", decoded.text, decoded.meta)
    result = text_step("strip", normalised.text, normalised.meta)
    dropped = [e.before for e in result.edits if e.rule == RULE]
    assert dropped
    for block in dropped:  # what goes is still there once
        assert squeeze(block) in squeeze(result.text)


def every_text_at(s: str, width: int) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for p in range(len(s) - width + 1):
        index.setdefault(s[p:p + width], []).append(p)
    return index


@pytest.mark.parametrize("kind", ["report twice", "one character", "short cycle"])
def test_the_anchor_index_lists_the_earlier_occurrences_a_dict_of_every_text_lists(kind: str) -> None:
    """The first 64 places of the text at j that end before j, and j looked at only where there is one."""
    from pipeline.repeats import AnchorIndex

    body = "".join(c for c in gold_paths()[1].read_text(encoding="utf-8") if "\u4e00" <= c <= "\u9fff")[:3000]
    s = {"report twice": body + body[:1500] + body, "one character": "的" * 600, "short cycle": "一二三四五" * 200}[kind]
    width, texts = 16, every_text_at(s, 16)
    listed = {j: [i for i in texts[s[j:j + width]][:64] if i + width <= j] for j in range(len(s) - width + 1)}
    index = AnchorIndex(s, width)
    starts = [j for j in listed if index.next_repeat(j) == j]
    assert starts == [j for j, found in listed.items() if found]
    assert all(index.earlier(j, 64) == listed[j] for j in starts)


@pytest.mark.parametrize("s", ["", "的", "的" * 10, "的" * 15])
def test_a_text_shorter_than_an_anchor_has_no_repeat(s: str) -> None:
    from pipeline.repeats import AnchorIndex, repeated_runs

    assert repeated_runs(s, [0] * len(s), 50, 16, 64) == [] and AnchorIndex(s, 16).next_repeat(0) == len(s)


def test_the_stream_is_the_text_without_what_backslash_s_matches_with_offsets_and_lines() -> None:
    import regex

    from pipeline.repeats import stream_of

    text = "\u3000甲\x1c乙 \x85丙\u2028丁\n\r\n戊 \t𠀀\n\n己\xa0庚\u200b辛\n"
    st = stream_of(text)
    kept = [m.start() for m in regex.finditer(r"\S", text)]
    assert st.chars == "".join(text[p] for p in kept) and st.offsets == kept
    assert st.line_of == [text.count("\n", 0, p) for p in kept]
