"""Reassemble: reading order, split paragraphs and words, glossary first."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import pytest

from pipeline.chain import decode_step, text_step
from pipeline.model import revert_all
from pipeline.normalise import normalise
from pipeline.reassemble import bigram_affinity, document_stats, is_glossary_heading, reassemble
from pipeline.shape import chinese_number, outline_marker

from .conftest import gold_paths, seed_paths

JOIN_RULES = {"F2-split-paragraph", "F2-byline-wrap"}


@cache
def stage_input(prefix: str) -> str:
    """What reassemble receives for a seed: the text after decode, normalise, strip, repair."""
    path = next(p for p in seed_paths() if p.name.startswith(prefix))
    _, result = decode_step(path.read_bytes())
    for stage in ("normalise", "strip", "repair"):
        result = text_step(stage, result.text, result.meta)
    return result.text


@cache
def gold_text(prefix: str) -> str:
    path = next(p for p in gold_paths() if p.name.startswith(prefix))
    return normalise(path.read_text(encoding="utf-8"), {}).text


def squeeze(text: str) -> str:
    """The text without line breaks and blanks: what a join may change."""
    return "".join(text.split())


def paragraphs(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def with_paragraphs(paras: list[str]) -> str:
    return "\n\n".join(paras) + "\n"


def run(text: str) -> tuple[str, list[str], set[str]]:
    result = reassemble(text, {})
    assert revert_all(result.text, result.edits) == text
    return result.text, result.meta.get("flags", []), {e.rule for e in result.edits}


# --- outline markers ---------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    ("一、2023年工作回顾", (1, 1)),
    ("十二、加强政府自身建设", (1, 12)),
    ("（十）加强政府自身建设，展现能力提升新成效", (2, 10)),
    ("(三)深化改革", (2, 3)),
    ("1.优化空间布局。科学编制", (3, 1)),
    ("12、推进乡村振兴", (3, 12)),
    ("第二十一，加快转变政府职能。", (3, 21)),
    ("（2）完善制度", (4, 2)),
    ("2.5年平均浓度", None),
    ("2019年是中华人民共和国成立70周年", None),
    ("一是突出优势产业链", None),
    ("各位代表：", None),
])
def test_outline_marker(line: str, expected: tuple[int, int] | None) -> None:
    assert outline_marker(line) == expected


@pytest.mark.parametrize(("numeral", "value"), [
    ("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("九十九", 99), ("一百零五", 105), ("二〇", 20),
    ("十十", None), ("", None), ("甲", None),
])
def test_chinese_number(numeral: str, value: int | None) -> None:
    assert chinese_number(numeral) == value


# --- the seeds ----------------------------------------------------------------------

def test_newspaper_page_printed_out_of_order_becomes_the_gold() -> None:
    text, flags, used = run(stage_input("000"))
    assert text.strip() == gold_text("000").strip()
    assert {"F1-reading-order", "F4-glossary-first", "F2-split-paragraph"} <= used
    assert "start-missing" in flags


def test_column_splits_are_joined_and_the_missing_start_flagged() -> None:
    text, flags, _ = run(stage_input("003"))
    assert "作铺垫、利长远的好事" in text
    assert "推动人才、医疗、教育等公共服务资源共享" in text
    assert "start-missing" in flags


def test_split_glossary_entry_joined_and_dangling_paragraph_flagged() -> None:
    source = stage_input("004")
    text, flags, _ = run(source)
    assert "文明志愿者" in text
    assert "dangling-fragment" in flags
    # paragraphs whose final punctuation the site dropped are not glued to the next one
    # (counted from the opening address: the wrapped byline above it is joined, rightly)
    def body(paras: list[str]) -> list[str]:
        start = next(i for i, p in enumerate(paras) if p.startswith("各位代表"))
        return paras[start:start + 20]

    assert body(paragraphs(text)) == body(paragraphs(source))


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.stem)
def test_the_record_rebuilds_the_input_exactly(path: Path) -> None:
    run(stage_input(path.name[:3]))


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.stem)
def test_nothing_is_lost_or_invented(path: Path) -> None:
    """Every character of the input is in the output (moved or joined, never dropped)."""
    source = stage_input(path.name[:3])
    result = reassemble(source, {})
    assert sorted(squeeze(result.text)) == sorted(squeeze(source))


# --- do no harm -------------------------------------------------------------------------

@pytest.mark.parametrize("path", gold_paths(), ids=lambda p: p.stem)
def test_clean_gold_text_is_only_ever_joined(path: Path) -> None:
    """On a clean report nothing moves or goes; at most a word or byline cut by a line is joined."""
    text = gold_text(path.name[:3])
    result = reassemble(text, {})
    assert all(e.rule in JOIN_RULES and e.before.strip() == "" and e.after == "" for e in result.edits)
    assert squeeze(result.text) == squeeze(text)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_clean_gold_text_without_cut_lines_is_unchanged(prefix: str) -> None:
    result = reassemble(gold_text(prefix), {})
    assert result.text == gold_text(prefix) and result.edits == []


# --- synthetic: gold texts cut and shuffled ----------------------------------------------

def sections(paras: list[str], level: int) -> tuple[list[str], list[list[str]], list[str]]:
    """(head, section blocks starting with a marker of `level`, tail from a glossary on)."""
    starts = [i for i, p in enumerate(paras) if (outline_marker(p) or (0,))[0] == level]
    tail_at = next((i for i, p in enumerate(paras) if is_glossary_heading(p)), len(paras))
    starts = [i for i in starts if i < tail_at]
    bounds = [*starts, tail_at]
    return paras[:starts[0]], [paras[a:b] for a, b in zip(bounds, bounds[1:], strict=False)], paras[tail_at:]


def shuffle_cases() -> list[tuple[str, int, int]]:
    cases = []
    for path in gold_paths():
        paras = paragraphs(normalise(path.read_text(encoding="utf-8"), {}).text)
        for level in (1, 2):
            markers = [m for m in map(outline_marker, paras) if m and m[0] == level]
            if level == 2 and any((outline_marker(p) or (0,))[0] == 1 for p in paras):
                continue  # （一） restarts under each 一、: shuffling them across sections is not determined
            if len(markers) >= 3 and len(set(markers)) == len(markers):
                cases += [(path.name[:3], level, seed) for seed in range(4)]
    return cases


@pytest.mark.parametrize(("prefix", "level", "seed"), shuffle_cases())
def test_shuffled_sections_are_put_back_in_outline_order(prefix: str, level: int, seed: int) -> None:
    """Property: sections printed in any order come back in the order their numbers give."""
    rng = random.Random(seed)
    original = gold_text(prefix)
    head, blocks, tail = sections(paragraphs(original), level)
    shuffled = blocks[:]
    while shuffled == blocks:
        rng.shuffle(shuffled)
    # and cut one paragraph of one section at a random place, the halves on two lines
    block = rng.choice(shuffled)
    k = rng.randrange(len(block))
    if len(block[k]) > 4:
        cut = rng.randrange(min(8, len(block[k]) - 2), len(block[k]) - 1)  # past the marker
        block[k:k + 1] = [block[k][:cut], block[k][cut:]]
    text, _, used = run(with_paragraphs(head + [p for b in shuffled for p in b] + tail))
    assert "F1-reading-order" in used
    assert squeeze(text) == squeeze(original)


def word_cuts(text: str, para: str, rng: random.Random) -> int:
    """A cut inside a two-character word the document uses elsewhere (like 湘|江)."""
    stats = document_stats(text)
    spots = [i for i in range(2, len(para) - 2)
             if text.count(para[i - 1:i + 1]) >= 3 and bigram_affinity(stats, para[i - 1], para[i]) >= 10
             and para[i - 1] not in "，。、；：“”（）" and para[i] not in "，。、；：“”（）"]
    return rng.choice(spots)


@pytest.mark.parametrize("seed", range(5))
def test_a_column_cut_mid_word_and_printed_elsewhere_is_moved_back_and_joined(seed: int) -> None:
    """Like a newspaper page: a section's paragraph breaks off and its rest is printed first."""
    rng = random.Random(seed)
    original = gold_text("000")
    paras = paragraphs(original)
    candidates = [i for i, p in enumerate(paras[1:60], 1)
                  if outline_marker(p) and outline_marker(p)[0] == 3 and len(p) > 80]
    k = rng.choice(candidates)
    cut = word_cuts(original, paras[k], rng)
    before, after = paras[k][:cut], paras[k][cut:]
    broken = [paras[0], after, *paras[1:k], before, *paras[k + 1:]]
    text, _, used = run(with_paragraphs(broken))
    assert text.strip() == original.strip()
    assert {"F1-reading-order", "F2-split-paragraph"} <= used


# --- glossary (duplicates: tests/test_repeats.py) ------------------------------------------------------------------

def test_glossary_printed_first_goes_to_the_end() -> None:
    paras = paragraphs(gold_text("000"))
    g = paras.index("名词解释")
    moved = [paras[0], *paras[g:], *paras[1:g]]
    text, _, used = run(with_paragraphs(moved))
    assert paragraphs(text) == paras and used == {"F4-glossary-first"}


def test_glossary_already_at_the_end_stays() -> None:
    text = gold_text("004")
    result = reassemble(text, {})
    assert "F4-glossary-first" not in {e.rule for e in result.edits}


# --- joins written for these tests (in the style of the corpus) -------------------------------

def test_link_pieces_are_joined_into_their_sentence() -> None:
    paras = ["政府工作报告", "第五，加强廉洁政府建设。健全对", "财政资金", "使用的监督机制，推进", "政务",
             "公开，严肃查处违纪违法案件。", "第六，提升服务效能。"]
    text, _, used = run("\n".join(paras) + "\n")
    assert paragraphs(text)[1:] == ["第五，加强廉洁政府建设。健全对财政资金使用的监督机制，推进政务公开，严肃查处违纪违法案件。",
                                "第六，提升服务效能。"]
    assert used == {"F2-split-paragraph"}


def test_wrapped_byline_is_joined_but_not_into_the_speaker_line() -> None:
    paras = ["政府工作报告", "——2025年1月20日在某省第十三届", "人民代表大会第三次会议上", "某省省长 某某",
             "各位代表：", "现在，我代表省人民政府向大会报告工作，请予审议。"]
    text, _, used = run(with_paragraphs(paras))
    assert paragraphs(text)[1:3] == ["——2025年1月20日在某省第十三届人民代表大会第三次会议上", "某省省长 某某"]
    assert used == {"F2-byline-wrap"}


def test_headings_and_glossary_terms_are_not_joined() -> None:
    paras = ["政府工作报告", "各位代表：", "一、过去一年工作回顾", "过去一年，我们坚持稳中求进，经济运行总体平稳。",
             "（一）聚焦扩大内需，更好融入国内市场", "深入推进提振消费专项行动。", "名词解释", "5.“双一流”：",
             "世界一流大学和一流学科。"]
    text, _, used = run(with_paragraphs(paras))
    assert paragraphs(text) == paras and not used


def test_a_fragment_nothing_completes_stays_and_is_flagged() -> None:
    paras = ["政府工作报告", "各位代表：", "一、过去一年工作回顾", "过去一年，我们坚持稳中求进。经济运行总体平稳，重点领域改革不断深化",
             "二、今年工作安排", "今年要着力扩大内需，稳定就业。"]
    text, flags, used = run(with_paragraphs(paras))
    assert paragraphs(text) == paras and not used
    assert "dangling-fragment" in flags


@pytest.mark.parametrize("text", ["", "\n", "政府工作报告", "政府工作报告\n政府工作报告", "各位代表：\n\n各位代表：\n",
                                  "名词解释\n“两干”：两条干道。\n", "一、\n（一）\n1."])
def test_degenerate_texts_pass_through(text: str) -> None:
    run(text)


def test_the_pair_index_found_on_demand_is_every_place_of_every_pair() -> None:
    """The lazy index answers as an index of every two characters built up front would."""
    text = gold_paths()[0].read_text(encoding="utf-8") + "\n哈哈哈"  # a doubled pair overlaps itself
    full: dict[str, list[int]] = {}
    for i in range(len(text) - 1):
        full.setdefault(text[i:i + 2], []).append(i)
    stats = document_stats(text)
    for pair in [*list(full)[::7], "哈哈", "不在", "\n"]:
        assert list(stats.at.get(pair)) == full.get(pair, [])
    for first in "发展的\n哈":
        assert stats.at.followers(first) == {p[1] for p in full if p[0] == first}


def every_partner_links(texts: list[str], stats) -> dict[int, int]:
    """find_links as it was: every partner of every open line scored up front, then selected."""
    from pipeline.reassemble import (
        LinkIndex,
        body_range_of,
        link_by_elimination,
        link_candidates,
        open_lines,
        select_links,
    )

    start, end = body_range_of(texts)
    dangling, free = open_lines(texts, start, end)
    partners = LinkIndex(texts, free, stats)
    candidates = sorted((c for d in dangling for c in link_candidates(texts, d, end, partners, True)), reverse=True)
    links, taken = select_links(texts, end, candidates)
    link_by_elimination(texts, dangling, free, links, taken, end, {})
    return links


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("width", [30, 38])
def test_links_scored_only_where_a_line_may_jump_are_the_links_of_every_partner_scored(prefix: str, width: int) -> None:
    """Hard-wrapped and then cut and shuffled: the lazy link search finds exactly the links of the full one."""
    from pipeline.reassemble import body_range_of, find_links

    from .cutting import cut_and_shuffle

    wrapped = "\n".join(p[i:i + width] for p in gold_text(prefix).split("\n") for i in range(0, max(len(p), 1), width))
    for text in (wrapped, cut_and_shuffle(wrapped, width).text):
        texts = paragraphs(text)
        stats = document_stats("\n".join(texts))
        start, end = body_range_of(texts)
        links = find_links(texts, start, end, stats, {})
        assert len(links) > 10 and links == every_partner_links(texts, stats)
