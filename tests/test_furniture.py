"""Furniture glued to report lines (B6): split off and removed by rule; the report's own lines untouched."""

from __future__ import annotations

from functools import cache

import pytest
import yaml

from pipeline.chain import clean_bytes
from pipeline.furniture import split_glued_furniture
from pipeline.model import Recorder, revert_all
from pipeline.normalise import normalise

from .conftest import gold_paths


@cache
def gold_text(prefix: str) -> str:
    path = next(p for p in gold_paths() if p.name.startswith(prefix))
    return normalise(path.read_text(encoding="utf-8"), {}).text


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def cleaned(text: str) -> tuple[dict, list[str], set[str]]:
    """Front matter, body paragraphs (Markdown marks off) and rules of a full clean."""
    raw, markdown, edits, _ = clean_bytes(text.encode("utf-8"), "x.txt", "0" * 64)
    assert revert_all(markdown, edits) == raw
    _, front, body = markdown.split("---\n", 2)
    body_paras = [p.lstrip("#").strip() for p in paragraphs(body)]
    fields = {k: str(v) for k, v in yaml.safe_load(front).items() if not isinstance(v, list)}
    return fields, body_paras, {e.rule for e in edits}


def clean_paragraphs(prefix: str) -> list[str]:
    return cleaned(gold_text(prefix))[1]


def test_a_portal_stamp_glued_to_the_title_goes_to_the_front_matter() -> None:
    paras = paragraphs(gold_text("003"))
    stamp = "某某门户网站 www.example.gov.cn 2021年02月16日 09时13分 来源：某某日报"
    front, body, rules = cleaned("\n".join([paras[0] + stamp, *paras[1:]]))
    assert body == clean_paragraphs("003")
    assert front["origin"] == "某某日报" and front["date"] == "2021-02-16"  # the byline states no date
    assert "B6-portal-stamp" in rules


def test_the_byline_date_wins_over_a_publication_date() -> None:
    paras = paragraphs(gold_text("002"))
    stamp = "某某网 www.example.cn 2024年02月01日 10:30 来源：某某新闻网"
    front, body, _ = cleaned("\n".join([paras[0] + stamp, *paras[1:]]))
    assert front["date"] == "2024-01-29" and front["origin"] == "某某新闻网"
    assert body == clean_paragraphs("002")


def test_toolbar_buttons_and_a_wire_dateline_glued_to_the_title_go() -> None:
    paras = paragraphs(gold_text("002"))
    messy = ["新华社长沙1月30日电" + paras[0] + "【E-mail推荐】【字体：大 中 小】【打印】", *paras[1:]]
    front, body, rules = cleaned("\n".join(messy))
    assert body == clean_paragraphs("002")
    assert front["origin"] == "新华社"
    assert {"B6-toolbar", "B6-wire-dateline"} <= rules


@pytest.mark.parametrize("lead", ["1月29日，浏阳市第十八届人民代表大会第四次会议开幕，市长王雄文作政府工作报告。",
                                  "1月29日，王雄文代表市人民政府在市十八届人大四次会议上作《政府工作报告》。"])
def test_a_photo_caption_run_into_the_address_goes_with_its_news_lead(lead: str) -> None:
    paras = paragraphs(gold_text("002"))
    k = next(i for i, p in enumerate(paras) if p.startswith("各位代表"))
    messy = [*paras[:k - 1], paras[k - 1], lead + "新华社记者 某某 摄" + paras[k], *paras[k + 1:]]
    _, body, rules = cleaned("\n".join(messy))
    assert body == clean_paragraphs("002")
    assert "B6-photo-credit" in rules and rules & {"B5-news-lead", "B6-news-lead"}


def test_a_photo_caption_inside_a_paragraph_goes_and_the_paragraph_stays() -> None:
    paras = paragraphs(gold_text("002"))
    k = next(i for i, p in enumerate(paras) if len(p) > 200 and p.count("。") > 3)
    cut = paras[k].index("。") + 1
    messy = [*paras[:k], paras[k][:cut] + "图为项目建设现场。记者 某某 摄" + paras[k][cut:], *paras[k + 1:]]
    _, body, rules = cleaned("\n".join(messy))
    expected = clean_paragraphs("002")
    assert "".join(body) == "".join(expected)
    assert "B6-photo-credit" in rules


def test_licence_residue_glued_after_the_closing_line_goes() -> None:
    paras = paragraphs(gold_text("001"))
    closing = max(i for i, p in enumerate(paras) if p.endswith("！"))
    licence = "本作品是中华人民共和国的法律、法规，国家机关的决议、决定、命令和其他具有立法、行政、司法性质的文件，属于公有领域。"
    messy = [*paras[:closing], paras[closing] + licence, *paras[closing + 1:]]
    _, body, _ = cleaned("\n".join(messy))
    assert body == clean_paragraphs("001")


def test_a_title_with_its_byline_on_one_line_is_split() -> None:
    paras = paragraphs(gold_text("002"))
    messy = [f"{paras[0]}——{paras[1]}{paras[2]}", *paras[3:]]
    front, _, _ = cleaned("\n".join(messy))
    assert (front["title"], front["date"], front["speaker"]) == ("政府工作报告", "2024-01-29", "王雄文")


@pytest.mark.parametrize("line", [
    "支持摄影、美术、书法等艺术创作，记者节期间走访慰问新闻工作者。",
    "2023年1月1日起施行新的办法，来源于群众的意见建议全部办结。",
    "推进www和移动互联网应用，新华社区服务中心建成投用。",
])
def test_report_sentences_that_look_a_little_like_furniture_stay(line: str) -> None:
    rec = Recorder(line, "strip")
    assert split_glued_furniture(rec, {}) == 0


def test_clean_samples_hold_no_glued_furniture() -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        assert split_glued_furniture(Recorder(gold_text(prefix), "strip"), {}) == 0
