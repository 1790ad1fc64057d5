"""Region inference from the body with the GB/T 2260 division list."""

from __future__ import annotations

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
