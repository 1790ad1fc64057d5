"""Reports in the formats they arrive in, made from a report's plain text (a sample or a gold text).

Used by the tests (fixtures made from tests/gold) and by `make eval` (pages made
from every gold text, compared with trafilatura). Nothing here is third-party:
the pages are written from scratch around the report, with the furniture real
sites carry, in wordings and class names picked by a seeded random generator
so that a rule fitted to one wording would not pass.

    python bench/formats.py pages GOLD_DIR… --out DIR [--seed N]   # HTML pages of the four kinds
    python bench/formats.py documents GOLD_DIR… --out DIR          # a DOCX and a PDF of each
"""

from __future__ import annotations

import argparse
import html
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

KINDS = ("portal", "county", "news", "wechat")
TITLE = re.compile(r"^\S{0,30}?(工作报告|政府工作报告)\s*([（(][^）)]{0,40}[）)])?$")
NOTE_MARK = re.compile(r"\[(\d{1,3})\]")


def paragraphs(report: str) -> list[str]:
    return [line.strip() for line in report.split("\n") if line.strip()]


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def pick(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def cls(rng: random.Random, *options: str) -> str:
    """A class attribute from the options, or none at all (pages without telling classes)."""
    name = rng.choice((*options, ""))
    return f' class="{name}"' if name else ""


def split_title(paras: list[str]) -> tuple[str | None, list[str]]:
    if paras and TITLE.search(paras[0]):
        return paras[0], paras[1:]
    return None, paras


def is_heading(para: str) -> bool:
    return bool(re.match(r"^[一二三四五六七八九十]{1,3}、", para)) and len(para) < 40


# ------------------------------------------------------------------ page furniture


def nav(rng: random.Random) -> str:
    items = rng.sample(["首页", "政务公开", "政务服务", "互动交流", "走进本市", "新闻中心", "政策文件", "数据开放",
                        "专题专栏", "领导之窗", "办事指南", "公众参与"], 7)
    links = "".join(f'<li><a href="/c{i}/">{t}</a></li>' for i, t in enumerate(items))
    tag = pick(rng, "nav", "div", "div")
    return f'<{tag}{cls(rng, "nav", "menu", "mainNav", "daohang")}><ul>{links}</ul></{tag}>'


def breadcrumb(rng: random.Random, column: str) -> str:
    lead = pick(rng, "当前位置：", "您的位置：", "您现在的位置：", "所在位置：")
    sep = pick(rng, " &gt; ", " &gt;&gt; ", " » ", " / ")
    trail = sep.join(f'<a href="/">{t}</a>' for t in ("首页", column, "政府工作报告"))
    return f'<div{cls(rng, "breadcrumb", "position", "crumbs", "location")}>{lead}{trail}</div>'


def info_bar(rng: random.Random, date: str) -> str:
    parts = [f"{pick(rng, '发布时间', '发布日期', '时间')}：{date}",
             f"{pick(rng, '来源', '信息来源', '文章来源')}：{pick(rng, '市政府办公室', '县政府办', '本网', '市人民政府网')}",
             f"{pick(rng, '浏览次数', '点击数', '阅读量')}：{rng.randint(50, 9000)}",
             f"{pick(rng, '字号', '字体')}：<a>大</a> <a>中</a> <a>小</a>"]
    rng.shuffle(parts)
    return f'<div{cls(rng, "info", "article-info", "meta", "attr")}>' + "&nbsp;&nbsp;".join(
        f"<span>{p}</span>" for p in parts) + "</div>"


def share_bar(rng: random.Random) -> str:
    lead = pick(rng, "分享到：", "分享至：", "分享：")
    sites = "".join(f'<a href="#">{s}</a>' for s in rng.sample(["微信", "微博", "QQ空间", "QQ好友", "豆瓣"], 3))
    tools = pick(rng, "【打印】【关闭】", "<a>打印本页</a> <a>关闭窗口</a>", "<a>【打印】</a><a>【关闭】</a>")
    return f'<div{cls(rng, "share", "bdsharebuttonbox", "tools", "fenxiang")}>{lead}{sites}</div><div>{tools}</div>'


def related(rng: random.Random, region: str) -> str:
    head = pick(rng, "相关新闻", "相关阅读", "相关链接", "推荐阅读", "延伸阅读")
    titles = [f"{region}{t}" for t in rng.sample([
        "召开常务会议研究部署重点工作", "举行新闻发布会通报经济运行情况", "两会胜利闭幕",
        "代表热议政府工作报告", "图解：一图读懂政府工作报告", "领导调研重点项目建设", "发布年度民生实事项目",
        "启动营商环境优化行动", "新春走访慰问困难群众"], 4)]
    items = "".join(f'<li><a href="/n{i}.html">{t}</a><span>2024-0{i + 1}-1{i}</span></li>'
                    for i, t in enumerate(titles))
    return f'<div{cls(rng, "related", "xgxw", "list", "recommend")}><h3>{head}</h3><ul>{items}</ul></div>'


def comments(rng: random.Random) -> str:
    head = pick(rng, "网友评论", "发表评论", "全部评论")
    said = rng.sample(["报告很实在，点赞！", "希望今年多修几条路，方便群众出行。", "期待民生实事早日落地。",
                       "说得好，关键在落实。"], 2)
    body = "".join(f'<li><span class="user">网友{rng.randint(100, 999)}</span><p>{s}</p></li>' for s in said)
    return (f'<div{cls(rng, "comment", "comments", "pinglun")}><h3>{head}</h3><ul>{body}</ul>'
            f'<textarea>请输入评论</textarea><button>提交</button></div>')


def footer(rng: random.Random, region: str) -> str:
    lines = [f"{pick(rng, '主办', '主办单位')}：{region}人民政府办公室　{pick(rng, '承办', '承办单位')}：{region}大数据中心",
             f"版权所有：{region}人民政府　{pick(rng, '湘', '赣', '鄂', '豫', '皖')}ICP备{rng.randint(10000000, 99999999)}号",
             f"网站标识码：{rng.randint(4300000000, 4399999999)}　{pick(rng, '联系电话', '联系我们')}：0731-{rng.randint(1000000, 9999999)}"]
    rng.shuffle(lines)
    tag = pick(rng, "footer", "div")
    return f'<{tag}{cls(rng, "footer", "foot", "bottom", "copyright")}>' + "".join(
        f"<p>{t}</p>" for t in lines) + f"</{tag}>"


def site_header(rng: random.Random, region: str) -> str:
    return (f'<div{cls(rng, "header", "top", "logo")}><img src="logo.png" alt="{region}人民政府">'
            f'<a href="/">{region}人民政府门户网站</a><form><input type="text" value="请输入关键词">'
            f'<button>搜索</button></form><a href="/wza">无障碍</a> <a href="/en">English</a></div>')


def scripts() -> str:
    return ('<script type="text/javascript">var title = "政府工作报告"; document.write("<p>相关文章</p>");</script>'
            '<style>.content p { text-indent: 2em; } /* 正文样式 */</style>'
            '<!-- 正文开始 --><script type="text/template"><div>{{ item.title }}</div></script>')


def body_html(rng: random.Random, paras: list[str], bold_headings: bool) -> str:
    indent = pick(rng, "", "&nbsp;&nbsp;&nbsp;&nbsp;", "\u3000\u3000")
    out = []
    for p in paras:
        text = esc(p)
        if is_heading(p):
            out.append(f"<p><strong>{text}</strong></p>" if bold_headings else f"<h3>{text}</h3>")
        else:
            out.append(f"<p>{indent}{text}</p>")
    return "\n".join(out)


def region_of(report: str) -> str:
    m = re.search(r"在(\S{2,8}?[省市县区州旗])第", report)
    return m.group(1) if m else "本市"


def head(title: str, charset: str = "utf-8") -> str:
    return (f'<head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>{esc(title)}_人民政府门户网站</title>{scripts()}</head>")


# ------------------------------------------------------------------ the four kinds of page


def portal_page(report: str, rng: random.Random) -> bytes:
    """A provincial or city portal: header, menu, breadcrumbs, title, info bar, share bar,
    related list, footer around the report."""
    paras = paragraphs(report)
    title, rest = split_title(paras)
    region = region_of(report)
    title_html = f"<h1>{esc(title)}</h1>" if title else ""
    content = (f'<div{cls(rng, "content", "TRS_Editor", "article-con", "zoom")} id="{pick(rng, "zoom", "content", "UCAP-CONTENT")}">'
               f"{body_html(rng, rest, bold_headings=False)}</div>")
    hidden_part = '<div style="display:none">隐藏的统计代码 访问统计</div>'
    page = (f"<!DOCTYPE html><html>{head(title or '政府工作报告')}<body>{site_header(rng, region)}{nav(rng)}"
            f"{breadcrumb(rng, pick(rng, '政务公开', '政府文件', '规划计划'))}"
            f'<div{cls(rng, "article", "main", "con")}>{title_html}{info_bar(rng, "2024-01-30")}{content}'
            f"{share_bar(rng)}</div>{related(rng, region)}{hidden_part}{footer(rng, region)}</body></html>")
    return page.encode("utf-8")


def county_page(report: str, rng: random.Random) -> bytes:
    """An old county site: table layout, GB2312 declared, <br> between paragraphs, &nbsp; indents,
    <font> titles; characters outside GBK as numeric entities."""
    paras = paragraphs(report)
    title, rest = split_title(paras)
    region = region_of(report)
    menu = "".join(f'<td><a href="/l{i}.asp"><font color="#ffffff">{t}</font></a></td>'
                   for i, t in enumerate(("网站首页", "政务动态", "信息公开", "招商引资", "便民服务", "联系我们")))
    left = "".join(f'<tr><td><a href="/c{i}.asp">{t}</a></td></tr>'
                   for i, t in enumerate(("通知公告", "政府文件", "工作报告", "领导讲话")))
    body = "<br>\n".join("&nbsp;&nbsp;&nbsp;&nbsp;" + esc(p) for p in rest)
    title_row = (f'<tr><td align="center"><font size="4" color="#cc0000"><b>{esc(title)}</b></font></td></tr>'
                 if title else "")
    info = (f'<tr><td align="center">{pick(rng, "发布日期", "发布时间")}：2024-01-05&nbsp;&nbsp;'
            f'{pick(rng, "浏览次数", "点击数")}：{rng.randint(20, 900)}&nbsp;&nbsp;【<a href="#">打印</a>】</td></tr>')
    page = (f'<html>{head(title or "政府工作报告", "gb2312")}<body>'
            f'<table width="960"><tr><td><img src="top.jpg"></td></tr></table>'
            f'<table width="960" bgcolor="#1e5aa8"><tr>{menu}</tr></table>'
            f'<table width="960"><tr><td width="200" valign="top"><table>{left}</table></td>'
            f'<td valign="top"><table width="100%">'
            f'<tr><td>{pick(rng, "当前位置", "您的位置")}：<a href="/">首页</a> &gt;&gt; <a href="/">政务动态</a></td></tr>'
            f'{title_row}{info}<tr><td class="{pick(rng, "content", "text", "news")}">{body}</td></tr></table></td></tr></table>'
            f'<table width="960"><tr><td align="center">版权所有：{region}人民政府 &nbsp; 技术支持：某某网络公司<br>'
            f'ICP备{rng.randint(1000000, 9999999)}号</td></tr></table></body></html>')
    return page.encode("gbk", errors="xmlcharrefreplace")


def news_page(report: str, rng: random.Random) -> bytes:
    """A news site article: the report's title as the headline, source line, editor line,
    correction link, related reading, comments."""
    paras = paragraphs(report)
    title, rest = split_title(paras)
    region = region_of(report)
    editor = f'<p class="{pick(rng, "editor", "zrbj", "")}">【{pick(rng, "责任编辑", "编辑")}：{pick(rng, "王某", "李某", "张某某")}】</p>'
    meta = (f'<div{cls(rng, "info", "source", "pubtime")}>{pick(rng, "2024-01-30 09:12", "2024年01月30日 09:12")}'
            f'&nbsp;&nbsp;{pick(rng, "来源", "稿源")}：{pick(rng, "新华网", "湖南日报", "人民网")}</div>')
    page = (f"<!DOCTYPE html><html>{head(title or '政府工作报告')}<body>{site_header(rng, '新闻')}{nav(rng)}"
            f'<div{cls(rng, "main", "container", "wrap")}><div{cls(rng, "article", "left", "news-detail")}>'
            f"<h1>{esc(title or '政府工作报告')}</h1>{meta}"
            f'<div{cls(rng, "article-content", "text", "content", "detail")}>{body_html(rng, rest, bold_headings=rng.random() < 0.5)}'
            f"{editor}</div>{share_bar(rng)}</div>"
            f'<div{cls(rng, "sidebar", "right", "aside")}>{related(rng, region)}</div></div>'
            f"{comments(rng)}{footer(rng, pick(rng, '新闻网', '日报社'))}</body></html>")
    return page.encode("utf-8")


def wechat_page(report: str, rng: random.Random) -> bytes:
    """A WeChat repost: a headline of its own, the account bar, sections and spans, bold headings,
    a lead-in and a tail inside the content."""
    paras = paragraphs(report)
    account = pick(rng, "发布", "政务", "融媒")
    region = region_of(report)
    headline = pick(rng, f"重磅！{region}政府工作报告全文来了", f"权威发布｜{region}政府工作报告（全文）",
                    f"{region}两会丨政府工作报告全文发布")
    sections = []
    for p in paras:
        style = 'style="font-weight:bold;"' if is_heading(p) else 'style="text-indent:2em;"'
        sections.append(f'<section><p {style}><span style="font-size:15px;">{esc(p)}</span></p></section>')
    lead = (f'<section><p style="text-align:center;"><span>{pick(rng, "点击上方蓝字", "点击蓝字")}关注我们</span></p></section>'
            f'<section><p><span>来源：{region}{account}</span></p></section>')
    tail = (f'<section><p style="text-align:center;">END</p></section>'
            f'<section><p>{pick(rng, "编辑", "责编")}：{pick(rng, "小王", "李某")}　{pick(rng, "审核", "终审")}：{pick(rng, "张某", "陈某")}</p></section>'
            f'<section><img data-src="qr.png"><p>{pick(rng, "长按识别二维码关注", "扫码关注我们")}</p></section>'
            f'<section><p>{pick(rng, "点个在看，你最好看", "分享、点赞、在看，一键三连")}</p></section>')
    page = (f'<!DOCTYPE html><html>{head(headline)}<body><div id="js_article" class="rich_media">'
            f'<h1 class="rich_media_title" id="activity-name">{esc(headline)}</h1>'
            f'<div id="meta_content" class="rich_media_meta_list"><span>原创</span> <a>{region}{account}</a> '
            f'<em id="publish_time">2024-01-30 08:00</em> <span>湖南</span></div>'
            f'<div class="rich_media_content" id="js_content">{lead}{"".join(sections)}{tail}</div>'
            f'<div id="js_read_area"><a>阅读原文</a> 阅读 {rng.randint(1000, 99999)}</div>'
            f'<div class="related_article"><p>喜欢此内容的人还喜欢</p><ul><li><a>{region}召开经济工作会议</a></li>'
            f"<li><a>{region}发布冬季出行提示</a></li></ul></div></div></body></html>")
    return page.encode("utf-8")


def fragment(report: str, printed_list: bool = False) -> bytes:
    """The report's paragraphs as an HTML fragment (no <html>, no <head>), as scrapers save them;
    printed_list: as Python prints a list of BeautifulSoup tags."""
    paras = paragraphs(report)
    tags = [f"<h5>{esc(p)}</h5>" if is_heading(p) else f"<p>{esc(p)}</p>" for p in paras]
    if printed_list:
        return ("[" + ", ".join(tags) + "]").encode("utf-8")
    return ('<div class="article">\n' + "\n".join(tags) + "\n</div>").encode("utf-8")


MAKERS = {"portal": portal_page, "county": county_page, "news": news_page, "wechat": wechat_page}


def page(kind: str, report: str, seed: int = 0) -> bytes:
    return MAKERS[kind](report, random.Random(f"{kind}:{seed}"))


# ------------------------------------------------------------------ DOCX


def docx_bytes(report: str, with_notes: bool = True) -> bytes:
    """A Word file as people paste reports: the title in bold (twice when asked), U+3000 indents,
    `一、` headings in Word's Heading 1 style, a table, and `[N]` glossary entries as real
    footnotes (their markers as footnote references)."""
    import docx

    paras = paragraphs(report)
    notes = {m.group(1): p[m.end():] for p in paras if (m := re.match(r"^\[(\d{1,3})\]", p))} if with_notes else {}
    document = docx.Document()
    body_paras = [p for p in paras if not (with_notes and re.match(r"^\[(\d{1,3})\]", p))]
    if notes:
        body_paras = [p for p in body_paras if p not in ("名词解释", "名词解释：")]
    refs: list[tuple[Any, str]] = []
    for i, p in enumerate(body_paras):
        if i == 0 and TITLE.search(p):
            document.add_paragraph().add_run(p).bold = True
            continue
        if is_heading(p):
            document.add_paragraph(p, style="Heading 1")
            continue
        para = document.add_paragraph()
        pieces = NOTE_MARK.split(p) if notes else [p]
        para.add_run("\u3000\u3000" + pieces[0])
        for k in range(1, len(pieces), 2):
            refs.append((para.add_run(), pieces[k]))
            para.add_run(pieces[k + 1])
    if notes:
        _add_footnotes(document, refs, notes)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _add_footnotes(document: Any, refs: list[tuple[Any, str]], notes: dict[str, str]) -> None:
    """A footnotes part (python-docx writes none) and a reference run for each marker."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    w = nsdecls("w")
    used = sorted({n for _, n in refs if n in notes}, key=int)
    body = "".join(f'<w:footnote w:id="{n}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve">'
                   f"{esc(notes[n])}</w:t></w:r></w:p></w:footnote>" for n in used)
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {w}>'
           '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
           f'<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
           f"{body}</w:footnotes>")
    part = Part(PackURI("/word/footnotes.xml"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                xml.encode("utf-8"), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    for run, n in refs:
        if n in notes:
            run._r.append(parse_xml(f'<w:footnoteReference {w} w:id="{n}"/>'))
        else:
            run._r.append(parse_xml(f"<w:t {w}>[{n}]</w:t>"))


# ------------------------------------------------------------------ PDF


def print_html(page_html: str) -> bytes:
    """Headless chromium's --print-to-pdf of an HTML page, in a fresh profile."""
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(browser).exists():
        raise RuntimeError("chromium is needed to print PDF fixtures: apt-get install chromium fonts-wqy-zenhei")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(page_html, encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer", f"--print-to-pdf={out}",
                        src.as_uri()], check=True, capture_output=True, timeout=120,
                       env={**os.environ, "HOME": tmp})
        return out.read_bytes()


def typeset_spaces(text: str) -> str:
    """The spaces a typesetter puts between digits and Chinese characters (2023 年, 3 个 100)."""
    return re.sub(r"(?<=\d)(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff“])(?=\d)", " ", text)


def pdf_html(report: str, running_head: str | None = None) -> str:
    """The report typeset for print: a centred title, indented paragraphs about 40 characters
    wide, a running head and a page number in the page margins, digits spaced."""
    paras = paragraphs(report)
    title, rest = split_title(paras)
    head_text = running_head or (title or "政府工作报告")
    parts = [f'<h1>{esc(title)}</h1>'] if title else []
    parts += [f'<h2>{esc(typeset_spaces(p))}</h2>' if is_heading(p) else f"<p>{esc(typeset_spaces(p))}</p>"
              for p in rest]
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
            f"@page {{ size: A4; margin: 25mm 22mm; @top-center {{ content: '{head_text}'; font-size: 9pt; }}"
            " @bottom-center { content: '- ' counter(page) ' -'; font-size: 9pt; } }"
            "body { font-family: 'WenQuanYi Zen Hei', sans-serif; font-size: 12pt; line-height: 1.6; }"
            "h1 { text-align: center; font-size: 20pt; } h2 { font-size: 12pt; margin: 0.6em 0; text-indent: 2em; }"
            "p { text-indent: 2em; margin: 0; text-align: justify; }"
            f"</style></head><body>{''.join(parts)}</body></html>")


def pdf_bytes(report: str) -> bytes:
    return print_html(pdf_html(report))


def scanned_pdf_bytes() -> bytes:
    """A PDF whose page is only a picture (no text layer), as a scanner makes it."""
    return print_html('<!DOCTYPE html><html><body><svg width="400" height="300">'
                      '<rect x="20" y="20" width="360" height="260" fill="#333"/></svg></body></html>')


# ------------------------------------------------------------------ command line


def write_pages(gold_dir: Path, out_dir: Path, seed: int) -> list[str]:
    """For every gold text, one page of each kind: OUT/raw/<stem>__<kind>.html and OUT/gold/<same>.txt."""
    (out_dir / "raw").mkdir(parents=True, exist_ok=True)
    (out_dir / "gold").mkdir(parents=True, exist_ok=True)
    names = []
    for gold in sorted(gold_dir.glob("*.txt")):
        report = gold.read_text(encoding="utf-8")
        for kind in KINDS:
            name = f"{gold.stem}__{kind}"
            (out_dir / "raw" / f"{name}.html").write_bytes(page(kind, report, seed))
            shown = "\n\n".join(paragraphs(report)) + "\n"
            (out_dir / "gold" / f"{name}.txt").write_text(shown, encoding="utf-8")
            names.append(name)
    return names


def write_documents(gold_dir: Path, out_dir: Path) -> list[str]:
    """For every gold text, a DOCX and a PDF: OUT/<stem>.docx, OUT/<stem>.pdf."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for gold in sorted(gold_dir.glob("*.txt")):
        report = gold.read_text(encoding="utf-8")
        (out_dir / f"{gold.stem}__docx.docx").write_bytes(docx_bytes(report))
        (out_dir / f"{gold.stem}__pdf.pdf").write_bytes(pdf_bytes(report))
        names += [f"{gold.stem}__docx.docx", f"{gold.stem}__pdf.pdf"]
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["pages", "documents"])
    ap.add_argument("gold", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.what == "documents":
        total = sum(len(write_documents(g, args.out)) for g in args.gold)
        print(f"wrote {total} DOCX and PDF files into {args.out}")
        return 0
    total = sum(len(write_pages(g, args.out, args.seed)) for g in args.gold)
    print(f"wrote {total} pages into {args.out}/raw (their gold texts in {args.out}/gold)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
