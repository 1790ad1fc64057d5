"""The render stage: canonical Markdown that parses as CommonMark with footnotes, exact records.

Outputs of the whole chain on the samples are parsed with markdown-it-py and
its footnote plugin; small cases written here check front matter values,
outline headings, inline heading splits, glossaries and escapes.
"""

from __future__ import annotations

import pytest
import regex
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from pipeline.chain import clean_bytes
from pipeline.model import revert_all
from pipeline.render import render

from .conftest import GOLD, seed_paths

KEEP = regex.compile(r"[\p{Han}A-Za-z0-9]")


def key(text: str) -> str:
    return "".join(KEEP.findall(text))


def rendered(text: str, **meta: object) -> str:
    result = render(text, dict(meta))
    assert revert_all(result.text, result.edits) == text
    return result.text


def front(markdown: str) -> dict:
    m = regex.match(r"\A---\n(.*?)\n---\n", markdown, flags=regex.S)
    assert m, "no front matter"
    return {k: str(v) for k, v in yaml.safe_load(m.group(1)).items()}


def body_of(markdown: str) -> str:
    return regex.sub(r"\A---\n.*?\n---\n\n", "", markdown, flags=regex.S)


@pytest.fixture(scope="module")
def seed_outputs() -> dict[str, str]:
    return {p.stem: clean_bytes(p.read_bytes(), f"seeds/{p.name}", "0" * 64)[1] for p in seed_paths()}


def test_every_output_is_commonmark_with_resolved_footnotes_and_outline_headings(seed_outputs: dict[str, str]) -> None:
    md = MarkdownIt("commonmark").use(footnote_plugin)
    for stem, markdown in seed_outputs.items():
        assert markdown.endswith("\n") and not markdown.endswith("\n\n"), stem
        assert not regex.search(r"[ \t]$", markdown, flags=regex.M), stem
        env: dict = {}
        tokens = md.parse(body_of(markdown), env)
        # the plugin makes a footnote_ref token only for a reference whose definition exists
        refs = [t for tok in tokens if tok.children for t in tok.children if t.type == "footnote_ref"]
        written = regex.findall(r"(?<!\\)\[\^\d+\](?!:)", body_of(markdown))
        assert len(refs) == len(written), stem
        assert not [t for t in tokens if t.type.startswith("html")], stem
        headings = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
        assert [h for h in headings if h[0] == "h1"] == headings[:1] or not any(h[0] == "h1" for h in headings), stem
        for tag, text in headings:
            if tag == "h2":
                assert regex.match(r"[一二三四五六七八九十]+、", text) or "名词解释" in text, (stem, text)
            elif tag == "h3":
                assert regex.match(r"（[一二三四五六七八九十]+）", text), (stem, text)


def test_the_glossary_with_markers_becomes_45_footnotes(seed_outputs: dict[str, str]) -> None:
    markdown = seed_outputs["002_04fe9f3a688f1548"]
    for n in (1, 45):
        assert f"[^{n}]" in markdown and f"\n[^{n}]: " in markdown
    assert "“三高四新”[^1]美好蓝图" in markdown


def test_front_matter_states_what_the_byline_states(seed_outputs: dict[str, str]) -> None:
    f001 = front(seed_outputs["001_1e9ea858cdbe6117"])
    assert (f001["title"], f001["region"], f001["date"], f001["speaker"]) == ("湘潭市政府工作报告", "湘潭市", "2021-12-30", "胡贺波")
    f002 = front(seed_outputs["002_04fe9f3a688f1548"])
    assert (f002["region"], f002["date"], f002["speaker"]) == ("浏阳市", "2024-01-29", "王雄文")
    assert f002["meeting"] == "浏阳市第十八届人民代表大会第四次会议"
    assert list(f002)[:5] == ["title", "region", "date", "speaker", "meeting"]


def test_a_byline_over_two_lines_with_a_lost_session_number() -> None:
    text = ("2019年某区政府工作报告\n2019年4月22日在某市某某区\n第四届人民代表大会第次会议上\n某某区人民政府区长\n"
            "各位代表：\n现在，我代表区人民政府向大会作政府工作报告。\n")
    fields = front(rendered(text, source="x.txt"))
    assert fields["date"] == "2019-04-22" and fields["region"] == "某市某某区"
    assert "meeting" not in fields and "speaker" not in fields


def test_a_dash_byline_with_an_office_and_a_spaced_name() -> None:
    text = "政府工作报告\n———2026年1月26日在某某省第十四届人民代表大会第五次会议上\n某某省省长 张三丰\n各位代表：\n"
    markdown = rendered(text)
    fields = front(markdown)
    assert (fields["region"], fields["date"], fields["speaker"]) == ("某某省", "2026-01-26", "张三丰")
    assert fields["meeting"] == "某某省第十四届人民代表大会第五次会议"
    assert "\n——2026年1月26日在" in markdown


def test_no_title_line_means_no_heading_and_no_guessed_fields() -> None:
    markdown = rendered("各位代表：\n现在，我代表国务院，向大会报告政府工作。\n", source="x.txt")
    assert "\n# " not in markdown and set(front(markdown)) == {"source"}


def test_the_scraped_header_fills_what_the_text_does_not_state() -> None:
    meta = {"scraped_header": {"title": "某省2009年政府工作报告", "date": "2009-02-13", "speaker": "李四"}}
    fields = front(rendered("各位代表：\n现在，我代表省人民政府向大会作工作报告。\n", **meta))
    assert (fields["title"], fields["date"], fields["speaker"]) == ("某省2009年政府工作报告", "2009-02-13", "李四")


def test_an_inline_heading_is_split_from_its_paragraph_losing_only_the_full_stop() -> None:
    line = next(line for line in (GOLD.parent.parent / "seeds/001_1e9ea858cdbe6117.txt").read_text().splitlines()
                if "（一）稳字当头" in line or "(一)稳字当头" in line)
    line = line.replace("(", "（").replace(")", "）").replace(",", "，").replace(":", "：")
    markdown = rendered(f"某市政府工作报告\n{line}\n（二）抓住要素，系统优化。今年要做好工作。\n")
    assert "\n### （一）稳字当头、稳中求进，确保在稳增长中化解风险、提质增效\n\n2022年，" in markdown
    assert "工作：\n\n### （一）" in markdown
    assert key(body_of(markdown)) == key(f"某市政府工作报告{line}（二）抓住要素，系统优化。今年要做好工作。")


def test_a_numbered_run_of_long_items_stays_paragraphs() -> None:
    text = ("三、加快经济建设\n（一）在普遍增产的基础上抓好两头，一头是抓好大面积基地；一头是抓好低产地区。\n"
            "（二）充分发动群众。国家要抓好大型工程的建设。\n")
    markdown = rendered(text)
    assert "## 三、加快经济建设" in markdown and "###" not in markdown
    assert "\n（二）充分发动群众。国家要抓好大型工程的建设。\n" in markdown


def test_items_ending_in_a_full_stop_under_a_numbered_section_are_not_top_headings() -> None:
    markdown = rendered("三、工作安排\n一、提高基本生活补贴水平。\n二、加快建立护理制度。\n1.优化空间布局。\n")
    assert markdown.count("## ") == 1 and "\n1.优化空间布局。\n" in markdown


def test_a_final_glossary_without_markers_becomes_a_section() -> None:
    markdown = rendered("一、回顾\n正文一句。\n名词解释\n“四上”单位：四类企业的统称。\n")
    assert markdown.endswith("\n## 名词解释\n\n“四上”单位：四类企业的统称。\n")


def test_markdown_syntax_in_the_text_is_escaped() -> None:
    markdown = rendered("# 井号\n> 引号\n- 横线\n1. 编号\n---\n星号*和_下划线与<b>标签\\。\n")
    for line in ("\\# 井号", "\\> 引号", "\\- 横线", "1\\. 编号", "\\---", "星号\\*和\\_下划线与\\<b>标签\\\\。"):
        assert f"\n{line}\n" in markdown


def test_a_gold_text_keeps_every_character(seed_outputs: dict[str, str]) -> None:
    for path in sorted(GOLD.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        text = text.replace(",", "，").replace(":", "：").replace("(", "（").replace(")", "）")
        assert key(body_of(rendered(text))) == key(text), path.stem


LAYOUTS = ["", " \n\t\n", "甲", "  甲乙 \n\n\n 丙\u3000\n", "甲\n乙", "\r\n甲\r\n\r\n乙\r\n", "甲\n\n乙\n\n"]


@pytest.mark.parametrize("text", LAYOUTS + [p.read_text(encoding="utf-8") for p in seed_paths()])
def test_block_layout_spans_lay_out_the_blocks_and_change_nothing_more(text: str) -> None:
    """R2-blocks: one blank line between blocks, one line break at the end; each span as small as it can be."""
    from pipeline.render import block_layout_spans, blocks_of

    from .test_model import applied

    spans = block_layout_spans(text, "R2-blocks")
    assert applied(text, spans) == ("\n\n".join(blocks_of(text)) + "\n" if blocks_of(text) else "")
    for start, end, after, _ in spans:
        before = text[start:end]
        assert before != after and not (before and after and (before[0] == after[0] or before[-1] == after[-1]))
