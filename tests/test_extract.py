"""The extract stage: HTML pages and fragments, DOCX and PDF made from the gold texts.

Fixtures are made here from tests/gold with bench/formats.py (pages with site
furniture, a Word file with real footnotes, a PDF printed by headless
chromium); nothing third-party is used.
"""

from __future__ import annotations

import io
import shutil
import unicodedata
from pathlib import Path

import pytest
import regex

from bench import formats
from pipeline import audit, chain, extract, hints, runner
from pipeline.extract_html import extract_html

from .conftest import GOLD, SEEDS

STEM = "002_04fe9f3a688f1548"  # has a byline, outline, closing and a glossary with [N] markers
KEEP = regex.compile(r"[\p{Han}A-Za-z0-9]")


def gold(stem: str = STEM) -> str:
    return (GOLD / f"{stem}.txt").read_text(encoding="utf-8")


def key(text: str) -> str:
    return "".join(KEEP.findall(unicodedata.normalize("NFKC", text)))


def body_of(markdown: str) -> str:
    """The Markdown without front matter and Markdown syntax."""
    body = markdown.split("\n---\n", 1)[1]
    body = regex.sub(r"(?m)^#{1,6} |\[\^(\d+)\]:? ?", lambda m: f"[{m.group(1)}]" if m.group(1) else "", body)
    return body


def sentences(text: str) -> list[str]:
    return [k for k in (key(s) for s in regex.split(r"[。！？!?；;\n]", text)) if len(k) >= 6]


def assert_same_report(markdown: str, report: str) -> None:
    """Every sentence of the report is in the output, and the output has no other sentence."""
    out_key, gold_key = key(body_of(markdown)), key(report)
    missing = [s for s in sentences(report) if s not in out_key]
    junk = [s for s in sentences(body_of(markdown)) if s not in gold_key]
    assert not missing, missing[:3]
    assert not junk, junk[:3]


def clean(data: bytes, name: str = "x") -> tuple[str, str, list, dict]:
    return chain.clean_bytes(data, name, "0" * 64)


# ---------------------------------------------------------------- formats from the bytes


def test_the_format_is_told_by_the_bytes_whatever_the_name() -> None:
    report = gold()
    assert extract.detect_format(formats.page("portal", report)) == "html"
    assert extract.detect_format(formats.fragment(report)) == "html"
    assert extract.detect_format(formats.fragment(report, printed_list=True)) == "html"
    assert extract.detect_format(formats.docx_bytes(report)) == "docx"
    assert extract.detect_format(b"%PDF-1.7\n...") == "pdf"
    for seed in sorted(SEEDS.glob("*.txt")):
        assert extract.detect_format(seed.read_bytes()) == "text", seed.name


def test_plain_text_passes_through_extract_unchanged() -> None:
    raw = (SEEDS / f"{STEM}.txt").read_bytes()
    extracted, result = extract.extract(raw)
    assert extracted is None and result.edits == [] and result.meta == {"format": "text"}
    raw_text, markdown, _, meta = clean(raw)
    assert meta["format"] == "text" and "\nformat: text\n" in markdown
    assert raw_text == raw.decode("utf-8")  # the record still starts at the decoded source


def test_a_report_quoting_one_tag_is_not_markup() -> None:
    text = gold() + "\n网页中的<p>标签不算。\n"
    assert extract.detect_format(text.encode("utf-8")) == "text"


# ---------------------------------------------------------------- HTML


@pytest.mark.parametrize("kind", formats.KINDS)
@pytest.mark.parametrize("stem", [p.stem for p in sorted(GOLD.glob("*.txt"))])
def test_pages_of_every_kind_give_the_report_and_nothing_else(kind: str, stem: str) -> None:
    report = gold(stem)
    _, markdown, edits, meta = clean(formats.page(kind, report, seed=3))
    assert_same_report(markdown, report)
    assert meta["format"] == "html" and "no-report-body" not in meta.get("flags", [])
    assert all(e.rule for e in edits if e.stage == "extract")


def test_each_kind_of_furniture_is_removed_by_its_own_rule() -> None:
    raw_text, result = extract_html(formats.page("portal", gold(), seed=1))
    by_rule: dict[str, list[str]] = {}
    for e in result.edits:
        by_rule.setdefault(e.rule, []).append(e.before)
    removed = "".join(e.before for e in result.edits)
    for furniture in ("首页", "版权所有", "分享", "ICP备"):
        assert furniture in removed
    assert any("版权所有" in b for b in by_rule.get("H7-footer", [])), by_rule.keys()
    assert any(regex.search("当前位置|您的位置|您现在的位置|所在位置", b) for b in by_rule.get("H2-breadcrumb", []))
    # the title above the report's element stays; the page's own <title> is not shown text
    assert "政府工作报告\n" in result.text.split("各位代表")[0]
    assert "人民政府门户网站" not in result.text.split("\n")[0]


def test_script_style_comments_templates_and_hidden_text_are_not_text() -> None:
    raw_text, _ = extract_html(formats.page("portal", gold(), seed=2))
    for never in ("document.write", "text-indent", "正文开始", "{{ item.title }}", "隐藏的统计代码"):
        assert never not in raw_text


def test_blocks_br_runs_and_cells_become_lines_and_entities_are_decoded() -> None:
    page = ("<html><body><table><tr><td>第一格</td><td>第二格</td></tr></table>"
            "<div>甲行<br>乙行<br><br>丙&nbsp;行 &lt;注&gt; &#20013;文</div>"
            "<p>同一段落\n  换行</p></body></html>").encode()
    raw_text, _ = extract_html(page)
    assert raw_text == "第一格\n第二格\n甲行\n乙行\n丙\u00a0行 <注> 中文\n同一段落换行\n"


def test_a_gb2312_page_is_read_in_the_charset_of_its_meta_tag() -> None:
    report = gold("001_1e9ea858cdbe6117")
    page = formats.page("county", report)
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    _, markdown, _, meta = clean(page)
    assert meta["encoding"] == "gb18030" and meta["encoding_detected_by"] == "<meta> charset"
    assert_same_report(markdown, report)


def test_a_bom_wins_over_the_meta_charset() -> None:
    page = ('<html><head><meta charset="gbk"></head><body><p>政府工作报告</p><p>各位代表：</p></body></html>')
    raw_text, result = extract_html(b"\xef\xbb\xbf" + page.encode("utf-8"))
    assert result.meta["encoding_detected_by"] == "byte order mark" and "各位代表：" in raw_text


def test_a_printed_list_of_tags_keeps_no_markup() -> None:
    report = gold()
    raw = formats.fragment(report, printed_list=True)
    _, markdown, edits, meta = clean(raw)
    assert not regex.search(r"</?(p|h5|div)>|&lt;|&nbsp;", markdown)
    assert_same_report(markdown, report)
    assert {e.rule for e in edits if e.stage == "extract"} == {"H12-printed-list"}


def test_a_page_without_a_report_is_kept_whole_and_flagged() -> None:
    page = ("<html><body><nav><a>首页</a><a>新闻</a></nav><p>欢迎访问本网站。</p>"
            "<footer>版权所有 某某网</footer></body></html>").encode()
    raw_text, markdown, edits, meta = clean(page)
    assert "no-report-body" in meta["flags"]
    assert key("欢迎访问本网站") in key(markdown)


def test_heading_elements_and_bold_paragraphs_are_hints_that_reach_render() -> None:
    page = ("<html><body><h1>某市政府工作报告</h1><p>各位代表：</p>"
            "<p>现在，我代表市人民政府向大会报告工作，请予审议，并请各位政协委员提出意见。</p>"
            "<h2>过去五年的工作回顾</h2>"
            + "".join(f"<p>第{i}项工作取得新的进展，经济社会发展稳中向好，人民生活持续改善，社会大局保持稳定。</p>"
                      for i in range(8))
            + "<p><b>今后五年的目标任务</b></p>"
            + "".join(f"<p>第{i}项任务扎实推进，全面深化改革开放，推动高质量发展，不断增进民生福祉。</p>" for i in range(8))
            + "<p>让我们紧密团结起来，为实现今年目标任务而努力奋斗！</p></body></html>").encode("utf-8")
    _, result = extract_html(page)
    kinds = dict(hints.hinted_lines(result.meta, result.text).items())
    assert sorted(kinds.values()) == ["bold", "h1", "h2"]
    _, markdown, _, _ = clean(page)
    assert "\n## 过去五年的工作回顾\n" in markdown and "\n## 今后五年的目标任务\n" in markdown
    assert "\n# 某市政府工作报告\n" in markdown and "## 各位代表" not in markdown
    again = clean(markdown.encode("utf-8"))[1]
    assert again == markdown  # our own headings come back as hints: cleaning twice changes nothing


def test_hints_follow_the_text_through_edits_and_die_with_their_line() -> None:
    from pipeline.model import Recorder

    rec = Recorder("甲\n乙标题\n丙标题\n丁\n", "t")
    hints_in = [[2, "h2"], [6, "h2"]]
    rec.replace_spans([(0, 2, "", "drop-first-line")])
    rec.replace_spans([(3, 4, "", "join")])  # 乙标题 and 丙标题 joined: the second hint is gone
    assert hints.carry(hints_in, rec.edits, rec.text) == [[0, "h2"]]


# ---------------------------------------------------------------- DOCX


def test_a_word_file_gives_its_paragraphs_footnotes_and_headings() -> None:
    report = gold()
    data = formats.docx_bytes(report)
    raw_text, markdown, _, meta = clean(data)
    assert meta["format"] == "docx" and meta["extractor"].startswith("python-docx ")
    assert "[1]" in raw_text and raw_text.rstrip().split("\n")[-1].startswith("[45]")  # notes follow the body
    assert "锚定“三高四新”[^1]美好蓝图" in markdown and "\n[^45]: 三个务必" in markdown
    assert "## 一、2023年工作回顾" in markdown
    body = [s for s in sentences(report) if not s.startswith(("名词解释",))]
    assert all(s in key(body_of(markdown)) for s in body)
    assert {k for _, k in extract.extract(data)[1].meta["heading_hints"]} == {"style", "bold"}


def test_table_rows_are_lines_and_an_appendix_after_the_closing_is_kept() -> None:
    import docx

    document = docx.Document()
    for line in formats.paragraphs(gold("003_d6cddab6bad97324"))[:12]:
        document.add_paragraph(line)
    document.add_paragraph("让我们紧密团结在以习近平同志为核心的党中央周围，为全面建设社会主义现代化国家而努力奋斗！")
    document.add_paragraph("附件：2024年十件民生实事")
    table = document.add_table(rows=2, cols=2)
    for r, (a, b) in enumerate((("1", "新建改扩建中小学校10所，新增学位1万个。"), ("2", "改造老旧小区100个，惠及居民2万户。"))):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    buf = io.BytesIO()
    document.save(buf)
    raw_text, markdown, _, _ = clean(buf.getvalue())
    assert "1\t新建改扩建中小学校10所，新增学位1万个。\n" in raw_text
    assert "新建改扩建中小学校10所" in markdown and "改造老旧小区100个" in markdown


# ---------------------------------------------------------------- PDF (printed by headless chromium)


@pytest.fixture(scope="module")
def printed() -> bytes:
    return formats.pdf_bytes(gold())


def test_a_pdf_gives_the_report_with_wraps_joined_and_page_furniture_removed(printed: bytes) -> None:
    report = gold()
    raw_text, markdown, edits, meta = clean(printed)
    assert meta["format"] == "pdf" and meta["extractor"].startswith("pypdfium2 ") and meta["pages"] > 3
    rules = {e.rule for e in edits if e.stage == "extract"}
    assert {"P1-page-number", "P2-running-head", "P3-digit-space", "P4-hard-wrap"} <= rules
    assert regex.search(r"(?m)^- \d+ -$", raw_text)  # the record starts at the printed lines
    assert_same_report(markdown, report)
    paragraphs = [key(p) for p in formats.paragraphs(report)]
    out = [key(p) for p in body_of(markdown).split("\n") if p.strip()]
    assert [p for p in paragraphs if len(p) > 40 and p not in out] == []  # every paragraph joined whole
    assert "2023 年" in raw_text and "2023 年" not in markdown and "2023年" in markdown


def test_a_pdf_without_a_text_layer_fails_with_one_line_saying_so() -> None:
    with pytest.raises(extract.ExtractError, match="scanned PDF without a text layer"):
        extract.extract(formats.scanned_pdf_bytes())


def test_a_password_protected_pdf_fails_with_one_line_saying_so(printed: bytes, tmp_path: Path) -> None:
    import pikepdf

    with pikepdf.open(io.BytesIO(printed)) as pdf:
        pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(extract.ExtractError, match="password-protected PDF"):
        extract.extract((tmp_path / "locked.pdf").read_bytes())


# ---------------------------------------------------------------- a folder of every format, with bad files


def test_a_folder_of_every_format_is_cleaned_verified_and_bad_files_fail_alone(printed: bytes, tmp_path: Path) -> None:
    src, out = tmp_path / "raw", tmp_path / "out"
    src.mkdir()
    report = gold()
    shutil.copy(SEEDS / f"{STEM}.txt", src / "text.txt")
    (src / "portal.shtml").write_bytes(formats.page("portal", report))
    (src / "markup.txt").write_bytes(formats.fragment(report))
    (src / "word.docx").write_bytes(formats.docx_bytes(report))
    (src / "print.pdf").write_bytes(printed)
    (src / "nothing.html").write_bytes("<html><body><p>页面不存在。</p></body></html>".encode())
    (src / "cut-word.docx").write_bytes(formats.docx_bytes(report)[:5000])
    (src / "cut-print.pdf").write_bytes(printed[: len(printed) // 2])
    (src / "old.doc").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + "WordDocument".encode("utf-16-le") + b"\0" * 600)
    summary = runner.clean(src, out)
    assert set(summary.failed) == {"cut-word", "cut-print", "old"}
    assert all("\n" not in r for r in summary.failed.values())
    assert summary.failed["cut-word"].startswith(f"{src}/cut-word.docx: extract failed: a damaged or truncated DOCX")
    assert summary.failed["cut-print"] == f"{src}/cut-print.pdf: extract failed: a truncated PDF (it does not end with %%EOF)"
    assert summary.failed["old"].startswith(f"{src}/old.doc: extract failed: an old binary Word or WPS document (.doc/.wps)")
    assert "save it as .docx" in summary.failed["old"]
    for stem in ("text", "portal", "markup", "word", "print", "nothing"):
        assert (out / f"{stem}.md").exists(), stem
    assert "no-report-body" in (out / "nothing.md").read_text(encoding="utf-8")
    for verdict in audit.verify_folder(src, out, ["text", "portal", "markup", "word", "print", "nothing"]):
        assert verdict.ok, verdict.message
    docs = {d.stem: d for d in runner.discover(src)[0]}
    extracted = audit.load_state(out, docs["portal"], "decode")["raw_text"]
    assert "<" not in extracted and "版权所有" in extracted  # diff and review show the extracted page text
    diff = audit.document_diff(src, out, "portal")
    assert "extract/H7-footer" in diff and "-首页\n" in diff
    assert audit.document_diff(src, out, "text", stage="extract") == ""


def test_the_source_a_copy_names_goes_to_the_front_matter_as_stated() -> None:
    lines = formats.paragraphs(gold())
    report = "\n".join([lines[0], "来源 : 某某日报", *lines[1:]])
    _, markdown, _, meta = clean(formats.docx_bytes(report))
    assert meta["origin"] == "某某日报" and "\norigin: 某某日报\n" in markdown
    assert "来源" not in body_of(markdown)
    _, markdown, _, meta = clean(formats.page("news", gold()))
    assert meta["origin"] in ("新华网", "湖南日报", "人民网")
