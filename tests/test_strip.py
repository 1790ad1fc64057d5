"""Strip: chrome, footers, repost tails and newspaper furniture go; no report line is lost."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from pipeline.decode import decode
from pipeline.model import revert_all
from pipeline.normalise import normalise
from pipeline.shape import is_prose
from pipeline.strip import OUTSIDE_RULE, matching_rule, strip

from .conftest import gold_paths, seed_paths


@cache
def normalised_seed(prefix: str) -> str:
    path = next(p for p in seed_paths() if p.name.startswith(prefix))
    _, decoded = decode(path.read_bytes())
    return normalise(decoded.text, decoded.meta).text


def removed_lines(text: str) -> dict[str, str]:
    """Removed line (stripped) -> rule id, for whole-line removals."""
    result = strip(text, {})
    return {e.before.strip(): e.rule for e in result.edits if e.before.endswith("\n") or e.end == len(text)}


def kept_lines(text: str) -> set[str]:
    return {line.strip() for line in strip(text, {}).text.split("\n") if line.strip()}


# ------------------------------------------------------------------ the seeds

def test_district_site_chrome_goes_and_title_byline_glossary_stay() -> None:
    text = normalised_seed("004")
    out = strip(text, {}).text
    for chrome in ("当前位置", "首页", "信息公开", "其他法定信息", "发布时间", "区政府研究中心", "相关阅读"):
        assert chrome not in out
    assert " " not in out
    kept = kept_lines(text)
    for line in ("2019年石鼓区政府工作报告", "区四届人大次会议文件（15", "石鼓区人民政府区长",
                 "《政府工作报告》相关名词解释", "（以上说明均根据相关单位提供资料整理）", "各位代表："):
        assert line in kept


def test_aggregator_footer_goes_and_glossary_stays() -> None:
    text = normalised_seed("002")
    removed = removed_lines(text)
    assert removed["本文地址：/baogao/huazhong/10685.html"] == "B2-article-url"
    assert removed["留言与评论（共有 条评论）"] == "B2-comments"
    assert removed["验证码："] == "B2-comments"
    assert removed["网站地图"] == "B1-site-tokens"
    assert any(line.startswith("本文仅代表作者观点") and rule == "B2-disclaimer" for line, rule in removed.items())
    out = strip(text, {}).text
    assert "[45]三个务必" in out and "名词解释" in out


def test_wechat_ad_tail_goes_and_closing_line_stays() -> None:
    text = normalised_seed("001")
    out = strip(text, {}).text
    for ad in ("400 0123 021", "13524678515", "长按", "扫一扫", "二维码", "版权声明", "请说明您的需求"):
        assert ad not in out
    assert out.rstrip().endswith("奋勇前进！")


def test_newspaper_furniture_goes_but_every_prose_line_stays() -> None:
    text = normalised_seed("000")
    removed = removed_lines(text)
    assert removed["陕西户县刘恺会作"] == "B4-caption"
    assert removed["追梦路上 霞光满天"] == "B4-slogan"
    assert removed["富强民主文明和谐"] == "B4-core-values"
    assert removed["上接3版"] == "B4-jump-line"
    kept = kept_lines(text)
    # the closing line stands mid-page: report paragraphs after it must stay
    assert all(line.strip() in kept for line in text.split("\n") if is_prose(line.strip()))
    assert "（八）聚焦全省一流目标，力争营商环境新提升" in kept


def test_inline_jump_line_loses_only_its_prefix() -> None:
    text = normalised_seed("003")
    result = strip(text, {})
    assert [(e.before.strip(), e.rule) for e in result.edits] == [("上接A1版", "B4-jump-prefix")]
    assert "\n重大风险有效防控。" in result.text


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.stem)
def test_the_record_rebuilds_the_input_exactly(path: Path) -> None:
    text = normalised_seed(path.name[:3])
    result = strip(text, {})
    assert result.edits
    assert revert_all(result.text, result.edits) == text


@pytest.mark.parametrize("path", gold_paths(), ids=lambda p: p.stem)
def test_clean_gold_text_is_left_alone(path: Path) -> None:
    text = normalise(path.read_text(encoding="utf-8"), {}).text
    result = strip(text, {})
    assert result.edits == [] and result.text == text


# ------------------------------------------------------------------ single lines, in the style of portal pages

@pytest.mark.parametrize("line,rule", [
    ("您现在的位置：首页 > 政务公开 > 规划计划", "B1-breadcrumb"),
    ("信息来源：市发展研究中心 发布日期：2023-02-08 09:30", "B1-publication-line"),
    ("浏览次数：1024", "B1-publication-line"),
    ("（来源：某市日报）", "B1-publication-line"),
    ("2023-02-08 09:30:15", "B1-timestamp"),
    ("2023年02月08日", "B1-timestamp"),
    ("长者模式 | 繁體中文 | 无障碍", "B1-site-tokens"),
    ("Copyright © 2023 某市人民政府 版权所有", "B2-copyright"),
    ("湘ICP备12345678号-2", "B2-icp"),
    ("网站标识码：4300000099", "B2-site-owner"),
    ("主办单位：某县人民政府办公室", "B2-site-owner"),
    ("原文链接：https://example.org/zw/2023/01.html", "B2-article-url"),
    ("发表评论", "B2-comments"),
    ("本网注明来源的作品，版权归原作者所有，如有侵权请联系删除。", "B2-disclaimer"),
    ("上一篇：关于做好春季农业生产的通知", "B2-related"),
    ("责任编辑：王小明", "B2-editor"),
    ("【审核：李华】", "B2-editor"),
    ("您即将离开本站，访问第三方网站", "B2-leave-site"),
    ("某市人民政府客户端", "B2-site-social"),
    ("长按识别二维码，关注我们", "B3-qr-follow"),
    ("免责声明：本号转载内容仅供参考。", "B3-copyright-notice"),
    ("招商热线：400-800-1234", "B3-phone-ad"),
    ("欢迎留下您的需求，我们尽快与您联系", "B3-ad-request"),
    ("（下转A4版）", "B4-jump-line"),
    ("2023年1月6日 星期五 A3版", "B4-page-header"),
    ("湖南湘乡王某某作", "B4-caption"),
    ("本报记者 张三 摄", "B4-caption"),
    ("富强 民主 文明 和谐", "B4-core-values"),
    ("不忘初心 牢记使命", "B4-slogan"),
    ("索引号：000014349/2023-00012", "B5-meta-table"),
    ("false", "B5-debris"),
    ("阅读 2.3万", "B1-view-count"),
    ("编辑 | 刘某某", "B2-editor"),
    ("（本报记者 王某 李某某）", "B2-editor"),
    ("地址：某市人民路1号 邮编：410000", "B2-contact"),
    ("点个在看，分享给更多朋友", "B3-engagement"),
    ("（新华社发）", "B4-caption"),
])
def test_each_noise_class_has_a_rule(line: str, rule: str) -> None:
    assert matching_rule(line) == rule


@pytest.mark.parametrize("line", [
    "（五）切实做好民生保障工作",
    "加快推进老城区改造工作",
    "依法打击侵权盗版行为，加强知识产权保护。",
    "推广“扫码”就医结算，群众看病更方便。",
    "建设富强民主文明和谐美丽的社会主义现代化强国",
    "市人民政府市长 李明华",
    "2023年1月6日在某市第十七届人民代表大会第三次会议上",
    "时间紧、任务重，我们要抓紧抓实。",
    "编制国土空间规划，完善来源可追溯的数据管理。",
    "全年新增城镇就业1.2万人，开通12345政务服务热线。",
    "在看到成绩的同时，我们也清醒认识到困难。",
    "让群众为政府服务点赞。",
])
def test_report_lines_match_no_rule(line: str) -> None:
    assert matching_rule(line) is None


# ------------------------------------------------------------------ whole pages, in the style of the corpus

COPY = """政府工作报告
——2023年1月6日在某省第十四届人民代表大会第一次会议上
某省省长 张某某
各位代表：
现在，我代表省人民政府，向大会报告工作，请予审议。
一、过去一年工作回顾
过去一年，我们坚持稳中求进，经济运行总体平稳。加强对
权力
运行的制约和监督，政务公开深入推进。
各位代表！让我们更加紧密地团结在一起，为建设美好家园而努力奋斗！
"""

PORTAL = ("标题：某省2023年政府工作报告\n发文时间：2023-01-10\n报告人：张某某\n"
          "来源URL：https://example.org/a.html\n\n正文：\n\n"
          "某省人民政府\n首页\n政务公开\n当前位置：\n首页\n>>\n政务公开\n"
          "政府工作报告\n2023年01月10日\n【\n字体：\n大\n中\n小\n】\n"
          + COPY +
          "市州政府网站\n甲市\n乙市\n丙州\n部门网站\n省教育厅\n省财政厅\n当前位置：\n首页\n"
          + COPY +
          "主办：某省人民政府办公厅\n网站标识码：1200000000\n某省人民政府微信\n"
          "您访问的链接即将离开“某省人民政府”门户网站\n是否继续？\n放弃\n")


def test_portal_page_keeps_one_copy_and_drops_all_chrome() -> None:
    result = strip(PORTAL, {})
    assert result.text == COPY  # the second copy goes as a duplicate, the chrome around and between as chrome
    assert revert_all(result.text, result.edits) == PORTAL
    rules = {e.before.strip(): e.rule for e in result.edits}
    assert rules["甲市"] == OUTSIDE_RULE and rules["大"] == "B1-toolbar"
    assert rules["2023年01月10日"] == "B1-timestamp"


def test_scraper_header_goes_to_meta() -> None:
    result = strip(PORTAL, {"encoding": "utf-8"})
    assert result.meta["scraped_header"] == {
        "title": "某省2023年政府工作报告", "date": "2023-01-10", "speaker": "张某某",
        "source_url": "https://example.org/a.html"}
    assert result.meta["encoding"] == "utf-8"
    assert {e.rule for e in result.edits if "URL" in e.before} == {"B5-scraper-header"}


def test_news_lead_before_the_opening_goes_but_byline_and_speaker_stay() -> None:
    page = ("下载\n打印\n【字号：\n加大\n减小\n】\n2023年某省政府工作报告\n"
            "——2023年1月6日在某省第十四届人民代表大会第一次会议上\n来源：某省日报\n张某某\n"
            "1月6日，某省第十四届人民代表大会第一次会议开幕。省长张某某作政府工作报告。\n"
            "各位代表：\n现在，我代表省人民政府向大会报告工作。\n"
            "各位代表！让我们团结一心，为全面建设现代化新某省而不懈奋斗！\n相关报道：\n")
    result = strip(page, {})
    rules = {e.before.strip(): e.rule for e in result.edits}
    assert rules["1月6日，某省第十四届人民代表大会第一次会议开幕。省长张某某作政府工作报告。"] == "B5-news-lead"
    assert rules["来源：某省日报"] == "B1-publication-line"
    assert result.text.startswith("2023年某省政府工作报告\n——2023年1月6日")
    assert "\n张某某\n各位代表：" in result.text
    assert result.text.endswith("不懈奋斗！\n")


def test_archive_licence_block_goes_with_its_link_fragments() -> None:
    page = ("各位代表：\n我们的工作取得了新的成绩。\n\n"
            "各位代表！让我们团结起来，为实现新的目标而奋斗！\n\n"
            "本文件属于\n政府公文\n，依照\n著作权法\n不受保护，本作品在全世界属于\n公有领域\n。\n\n"
            "Public domain\nfalse\n")
    result = strip(page, {})
    assert result.text == "各位代表：\n我们的工作取得了新的成绩。\n\n各位代表！让我们团结起来，为实现新的目标而奋斗！\n\n"
    assert {e.rule for e in result.edits} == {"B5-licence", "B5-debris"}


def test_glossary_and_annex_after_the_closing_line_stay() -> None:
    page = ("各位代表！让我们团结奋进，为开创新局面而努力奋斗！\n附件\n2023年十件民生实事\n"
            "一、提高城乡低保标准。\n名词解释\n1.“两个循环”：\n以国内大循环为主体、国内国际双循环相互促进。\n"
            "（以上名词由有关部门提供）\n网站地图\n")
    result = strip(page, {})
    assert [e.before.strip() for e in result.edits] == ["网站地图"]


def test_related_list_after_the_report_goes() -> None:
    page = ("各位代表！让我们团结一心，为建设现代化新城市而努力奋斗！\n"
            "相关报道：\n某市召开人民代表大会第一次会议，选举新一届领导\n代表热议政府工作报告\n"
            "稳增长：全年目标确定\n")
    result = strip(page, {})
    rules = [e.rule for e in result.edits]
    assert rules == ["B2-related", "B2-related-list", "B2-related-list", "B2-related-list"]
    assert result.text.endswith("而努力奋斗！\n")


def test_outside_the_body_a_short_sentence_is_not_chrome() -> None:
    page = ("各位代表！让我们团结一心，为建设现代化新城市而努力奋斗！\n"
            "生态底色更加亮丽。\n各位代表！\n本站首页\n")
    result = strip(page, {})
    assert [(e.before.strip(), e.rule) for e in result.edits] == [("本站首页", OUTSIDE_RULE)]


def test_a_page_of_nothing_but_chrome_is_kept_and_flagged() -> None:
    result = strip("上接3版\n网站地图\n", {})
    assert result.edits == [] and result.meta["flags"] == ["no-report-body"]


@pytest.mark.parametrize("title", ["某市政府工作报告全文", "某市政府工作报告（摘要）", "2024年某市政府工作报告"])
def test_a_title_render_accepts_is_a_title_strip_keeps(title: str) -> None:
    """One title definition (shape.toml): a site's 全文/摘要 suffix no longer makes strip drop the title."""
    body = "各位代表：\n现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员提出意见。\n"
    result = strip(f"首页 > 新闻中心\n{title}\n{body}", {})
    assert result.text == f"{title}\n{body}"
