"""Reading order from column cuts: gold texts cut at random places, shuffled, put back.

The cuts come from tests/cutting.py (2–8 cuts mid-paragraph, mid-sentence or
mid-word; bench/eval_cuts.py adds jump markers in the wordings newspapers use, which
strip removes before reassemble sees the text, keeping the pieces they open or end).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.api import clean
from pipeline.model import revert_all
from pipeline.normalise import normalise
from pipeline.reassemble import document_stats, reassemble
from pipeline.reorder import cut_evidence, follow, word_across, word_freqs

from .conftest import gold_paths
from .cutting import cut_and_shuffle, paragraphs, pieces_of, print_pieces, word_cuts

GOLD = {p.name[:3]: p for p in gold_paths()}


@cache
def gold_text(prefix: str) -> str:
    return normalise(GOLD[prefix].read_text(encoding="utf-8"), {}).text


def squeeze(text: str) -> str:
    return "".join(text.split())


def run(text: str) -> tuple[str, list[str], set[str]]:
    """Reassemble's output for a text, its flags and the rules it used (the record checked)."""
    result = reassemble(text, {})
    assert revert_all(result.text, result.edits) == text
    return result.text, result.meta.get("flags", []), {e.rule for e in result.edits}


# --- the evidence ---------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [("深入贯", "彻落实"), ("湘", "江保护"), ("推进乡", "村振兴")])
def test_a_word_cut_in_two_reads_as_one_word(a: str, b: str) -> None:
    assert word_across(a, b) > 5 > word_across(a, "今年要")


def test_digits_either_side_of_a_cut_count() -> None:
    stats = document_stats(gold_text("001"))
    assert cut_evidence(stats, "到20", "25年") > cut_evidence(stats, "到20", "城市建设")


@pytest.mark.parametrize(("state", "marker", "ok"), [
    ((), (1, 1), True), ((), (2, 3), False), (((1, 2),), (1, 3), True), (((1, 2), (2, 4)), (2, 5), True),
    (((1, 2), (2, 4)), (1, 3), True), (((1, 2), (2, 4)), (2, 4), False), (((1, 2),), (2, 1), True),
    (((0, 0),), (1, 1), False), (((0, 0),), (3, 1), True),
])
def test_every_outline_level_counts_up_under_its_parent(state: tuple, marker: tuple[int, int], ok: bool) -> None:
    assert follow(state, marker)[1] is ok


# --- cut, shuffled, put back ------------------------------------------------------------

EXACT = ("000", "001", "002", "003")  # 004's gold keeps a wrapped byline that reassemble joins, rightly
ORDERS = ([2, 1, 0], [1, 0, 2], [0, 2, 1], [1, 2, 0], [2, 0, 1])


def in_dictionary(pair: str) -> bool:
    return pair in word_freqs()[0]


def comes_back(prefix: str, seed: int) -> bool:
    """Two column cuts inside words (贯|彻), the three pieces printed in another order:
    do the order and the words come back (and, where the gold is reassemble's fixed point, the paragraphs)?"""
    gold = gold_text(prefix)
    paras = paragraphs(gold)
    pieces = pieces_of(paras, word_cuts(paras, in_dictionary, 2, random.Random(seed)))
    text, _, used = run(print_pieces(pieces, ORDERS[seed]).text)
    exact = paragraphs(text) == paras if prefix in EXACT else squeeze(text) == squeeze(gold)
    return exact and "F1-reading-order" in used


def test_reports_cut_mid_word_and_printed_out_of_order_mostly_come_back() -> None:
    """A floor, not the target (bench/eval_cuts.py measures that): 17 of these 25 come back exactly today."""
    cases = [(p, s) for p in sorted(GOLD) for s in range(5)]
    assert sum(comes_back(p, s) for p, s in cases) >= 17


def test_the_gold_order_of_a_three_piece_cut_comes_back() -> None:
    assert comes_back("002", 0) and comes_back("003", 1)


@settings(max_examples=40, deadline=None)
@given(prefix=st.sampled_from(sorted(GOLD)), seed=st.integers(0, 10_000))
def test_cutting_and_shuffling_never_loses_a_character(prefix: str, seed: int) -> None:
    """Property: whatever the 2–8 cuts and the print order, every character comes back, moved or joined."""
    gold = gold_text(prefix)
    cut = cut_and_shuffle(gold, seed, markers=False)
    assert sorted(squeeze("".join(cut.pieces))) == sorted(squeeze(gold))
    text, _, _ = run(cut.text)
    assert sorted(squeeze(text)) == sorted(squeeze(gold))


HAN = re.compile(r"[\u3400-\u9fff]")


def han_count(text: str) -> Counter[str]:
    return Counter(HAN.findall(text))


@pytest.mark.parametrize("prefix", sorted(GOLD))
@pytest.mark.parametrize("seed", range(12))
def test_the_whole_chain_never_loses_a_han_character_of_a_cut_report_with_jump_lines(prefix: str, seed: int) -> None:
    """Cut, shuffled, jump lines on, cleaned by every stage: every Han character of the gold text
    is in the report (strip took pieces printed before the title or ended by a jump line for
    chrome). Fixed seeds: a piece of a few characters printed unmarked before the title is still
    chrome by shape (about 1 cut report in 100)."""
    gold = gold_text(prefix)
    report = clean(cut_and_shuffle(gold, seed, markers=True).text, GOLD[prefix].name).markdown
    assert not han_count(gold) - han_count(report)


@pytest.mark.parametrize(("prefix", "seed", "markers"), [("000", 68, True), ("004", 1, True), ("004", 36, False)])
def test_pieces_printed_before_the_title_or_ended_by_a_jump_line_are_kept(prefix: str, seed: int, markers: bool) -> None:
    """A glossary piece cut before 下转第8版; a glossary's closing note and a section printed before the title."""
    gold = gold_text(prefix)
    report = clean(cut_and_shuffle(gold, seed, markers=markers).text, GOLD[prefix].name).markdown
    assert not han_count(gold) - han_count(report)


def test_an_uncut_report_is_not_moved() -> None:
    """On the gold texts (uncut) the fragment search may run, but nothing moves."""
    for prefix in sorted(GOLD):
        _, _, used = run(gold_text(prefix))
        assert "F1-reading-order" not in used
