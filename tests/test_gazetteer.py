"""Region inference from the body with the GB/T 2260 division list."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline import gazetteer, render
from pipeline.render import region_from_body

from .conftest import SEEDS

CITY = "全市上下奋力拼搏。建设美丽株洲，株洲经济稳步增长，株洲人民生活改善，醴陵陶瓷产业壮大，全市就业稳定。"
COUNTY = "全县上下团结一心。湘潭县经济稳步增长，湘潭农业丰收，湘潭人民生活改善，全县就业稳定。"
NATIONAL = "我国经济稳中向好。全国各族人民团结奋斗，我国发展成就举世瞩目，香港、澳门繁荣稳定，香港经济恢复，香港社会安定。"


def own_region(text: str, common_words: frozenset[str] = frozenset()) -> str | None:
    """The gazetteer with render's thresholds (render.toml [region]) and the given common words."""
    conf = render.config()["region"]
    return gazetteer.own_region(text, common_words, conf["min_count"], conf["dominance"])


def test_a_bare_city_name_with_quanshi_is_the_city() -> None:
    assert own_region(CITY) == "株洲市"


def test_the_self_reference_picks_the_county_over_the_city_of_the_same_name() -> None:
    assert own_region(COUNTY) == "湘潭县"


def test_a_national_report_has_no_region() -> None:
    assert own_region(NATIONAL) is None


def test_place_names_that_are_common_words_do_not_count() -> None:
    text = "全市资源节约，资源循环，资源利用，资源配置。建设韶山，韶山旅游，韶山发展。"
    assert own_region(text) is None  # 资源 (a county) would rival 韶山
    assert own_region(text, frozenset({"资源"})) == "韶山市"


def test_a_city_district_is_named_with_its_city() -> None:
    text = "全区上下齐心。石鼓经济增长，石鼓城区更新，石鼓人民幸福，全区稳定。"
    assert own_region(text) == "衡阳市石鼓区"


def test_no_clear_winner_gives_no_region() -> None:
    assert own_region("全市建设株洲、湘潭、衡阳，株洲、湘潭、衡阳协同发展，株洲、湘潭、衡阳一体化。") is None


def test_the_newspaper_sample_without_byline_gets_its_city() -> None:
    text = (SEEDS / "000_b001f09903136b50.txt").read_text(encoding="utf-8")
    assert region_from_body(text) == "湘潭市"


def plain_place_counts(text: str, common_words: frozenset[str]) -> Counter:
    """The loop place_counts replaced: every position looked at in Python, longest name first."""
    table, heads = gazetteer.divisions_by_short_name(), gazetteer.name_heads()
    counts: Counter = Counter()
    i = 0
    while i < len(text):
        if text[i:i + 2] not in heads:
            i += 1
            continue
        for size in (4, 3, 2):
            if text[i:i + size] in table:
                if text[i:i + size] not in common_words:
                    counts[text[i:i + size]] += 1
                i += size
                break
        else:
            i += 1
    return counts


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem[:3])
def test_place_counts_are_the_plain_loops_on_every_sample(path) -> None:
    text = path.read_text(encoding="utf-8")
    for common in (frozenset(), frozenset({"资源", "合作", "发展"})):
        assert gazetteer.place_counts(text, common) == plain_place_counts(text, common)


def test_place_counts_read_on_from_the_end_of_a_name() -> None:
    """Overlapping names: the longest at a position counts, and the next is looked for after it."""
    text = "浏阳市长沙县湖南省长沙市浏阳浏阳\n长"
    assert gazetteer.place_counts(text, frozenset()) == plain_place_counts(text, frozenset())
    assert gazetteer.place_counts(text, frozenset())
