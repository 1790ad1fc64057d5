"""HTML pages and fragments to the lines a reader sees, and what of them is the report.

The page is parsed with lxml (libxml2's HTML parser, which copes with the
broken markup of old portals); no regular expression ever reads markup.
Script, style, comments, templates and hidden elements are dropped; block
elements, `<br>` and table cells end lines; entities are decoded by the
parser. The result is the *extracted text*, where the change record starts.

Then the report's own shape decides what of the page is the report: the
deepest element holding most of the page's prose (and its opening and
closing lines) is the report's container. Outside it every line goes except
the report's title and byline just above it; inside it only furniture
elements (share bars, related lists …) that hold no report prose, and pure
link lines. Each removal is an edit naming its rule (rules/extract.toml).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import lxml.html
import regex
from lxml import etree

from . import rules, shape
from .decode import BOMS, CODEC_FOR_LABEL, detect_encoding
from .model import Recorder, StageResult, add_flag

STAGE = "extract"
OUTSIDE_RULE = "H0-outside-report"
LINK_RULE = "H14-link-line"
HAN = regex.compile(r"\p{Han}")
HTML_SPACE = regex.compile(r"[ \t\n\r\f]+")
WIDE = regex.compile(r"[\p{Han}\u3000-\u303f\uff00-\uffef“”‘’…—]")


@cache
def config() -> dict[str, Any]:
    return rules.load("extract.toml")


@cache
def settings() -> dict[str, Any]:
    return config()["html"]


@cache
def pattern(key: str) -> regex.Pattern[str]:
    return regex.compile(settings()[key], regex.I | regex.S)


# ------------------------------------------------------------------ recognising and decoding


def looks_like_html(raw: bytes) -> bool:
    """A whole page (doctype, <html>), or text made largely of HTML element tags."""
    head = raw[: settings()["sniff_bytes"]].decode("latin-1").lower()
    if pattern("document").search(head[:2048]):
        return True
    tags = pattern("tag").findall(head)
    if len(tags) < settings()["min_tags"]:
        return False
    tag_chars = sum(len(m.group()) for m in pattern("tag").finditer(head))
    return tag_chars >= settings()["min_tag_share"] * len(head)


def declared_codec(raw: bytes) -> str | None:
    """The codec named by the page's <meta charset> (GB2312/GBK read as GB18030)."""
    head = raw[: settings()["sniff_bytes"]].decode("latin-1")
    m = pattern("meta_charset").search(head)
    if not m:
        return None
    label = m.group(1).lower().replace("_", "-")
    return CODEC_FOR_LABEL.get(label, label if label.startswith("utf") else None)


def page_encoding(raw: bytes) -> tuple[str, str]:
    """(codec, how found): the BOM, then the page's own <meta> charset, then detection."""
    for bom, codec in BOMS:
        if raw.startswith(bom):
            return codec, "byte order mark"
    declared = declared_codec(raw)
    if declared:
        try:
            raw.decode(declared)
            return declared, "<meta> charset"
        except (UnicodeDecodeError, LookupError):
            pass  # the page lies about its encoding: detect it instead
    return detect_encoding(raw)


def decode_page(raw: bytes) -> tuple[str, dict[str, Any]]:
    codec, how = page_encoding(raw)
    text = raw.decode(codec, errors="replace")
    info: dict[str, Any] = {"encoding": codec.replace("-sig", "").replace("big5hkscs", "big5"),
                            "encoding_detected_by": how}
    lost = text.count("\ufffd") - raw.decode(codec, errors="ignore").count("\ufffd")
    if lost:
        info["undecodable_bytes"] = lost
        add_flag(info, "undecodable-bytes")
    return text.lstrip("\ufeff"), info


def parse(text: str) -> etree._Element:
    """The page's element tree; a fragment gets the <html><body> the parser gives it."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    return root


# ------------------------------------------------------------------ the lines a reader sees


@dataclass
class Block:
    """One line of the page as shown: its text and the element it stands in."""

    text: str
    element: etree._Element
    heading: str = ""  # "h1".."h6", "bold" or ""
    link_chars: int = 0
    chars: int = 0

    @property
    def link_share(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0


@dataclass
class _Piece:
    text: str
    link: bool
    bold: bool
    heading: str


@dataclass
class _Walker:
    """Collects inline text into lines; a block element or <br> ends the current line."""

    blocks: list[Block] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    owners: list[etree._Element] = field(default_factory=list)
    pre: int = 0

    def add(self, text: str | None, link: bool, bold: bool, heading: str) -> None:
        if text:
            self.pieces.append(_Piece(text, link, bold, heading))

    def flush(self) -> None:
        pieces, self.pieces = self.pieces, []
        if not pieces or not self.owners:
            return
        if self.pre:
            for line in "".join(p.text for p in pieces).split("\n"):
                self._emit(line.rstrip(), pieces)
            return
        self._emit(collapse_space("".join(p.text for p in pieces)), pieces)

    def _emit(self, text: str, pieces: list[_Piece]) -> None:
        if not text.strip():
            return
        counted = [(p, len(HTML_SPACE.sub("", p.text).strip())) for p in pieces]
        chars = sum(n for _, n in counted)
        bold = chars and all(p.bold for p, n in counted if n)
        heading = next((p.heading for p, n in counted if n and p.heading), "")
        if not heading and bold:
            heading = "bold"
        self.blocks.append(Block(text, self.owners[-1], heading,
                                 sum(n for p, n in counted if p.link), chars))


def collapse_space(text: str) -> str:
    """HTML white space: a run is one space, none at a line's ends, and none at a line
    break between two wide (Chinese) characters, as browsers render it."""
    def repl(m: regex.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if "\n" in m.group() and WIDE.match(before or " ") and WIDE.match(after or " "):
            return ""
        return " "
    return HTML_SPACE.sub(repl, text).strip(" ")


@cache
def tag_sets() -> dict[str, frozenset[str]]:
    s = settings()
    return {key: frozenset(s[key]) for key in ("drop_tags", "block_tags", "heading_tags", "bold_tags", "link_tags")}


def hidden(el: etree._Element) -> bool:
    style = el.get("style") or ""
    return el.get("hidden") is not None or bool(style and pattern("hidden_style").search(style))


def _walk(el: etree._Element, w: _Walker, link: bool, bold: bool, heading: str) -> None:
    tags = tag_sets()
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if not tag or tag in tags["drop_tags"] or hidden(el):
        return
    if tag == "br":
        w.flush()
        return
    block = tag in tags["block_tags"]
    if block:
        w.flush()
        w.owners.append(el)
    if tag == "pre":
        w.pre += 1
    link = link or tag in tags["link_tags"]
    style = el.get("style") or ""
    bold = bold or tag in tags["bold_tags"] or bool(style and pattern("bold_style").search(style))
    heading = tag if tag in tags["heading_tags"] else heading
    w.add(el.text, link, bold, heading)
    for child in el:
        _walk(child, w, link, bold, heading)
        w.add(child.tail, link, bold, heading)
    if tag == "pre":
        w.flush()
        w.pre -= 1
    if block:
        w.flush()
        w.owners.pop()


def page_blocks(root: etree._Element) -> list[Block]:
    """Every shown line of the page, in document order."""
    w = _Walker()
    body = root.find("body")
    _walk(body if body is not None else root, w, False, False, "")
    w.flush()
    return w.blocks


# ------------------------------------------------------------------ what of the page is the report


@dataclass(frozen=True)
class Furniture:
    id: str
    tags: frozenset[str]
    tokens: frozenset[str]
    text: regex.Pattern[str] | None


@cache
def furniture_kinds() -> tuple[Furniture, ...]:
    return tuple(Furniture(e["id"], frozenset(e.get("tags", [])), frozenset(e.get("tokens", [])),
                           regex.compile(e["text"]) if e.get("text") else None)
                 for e in config().get("furniture", []))


@cache
def line_rules() -> tuple[tuple[str, regex.Pattern[str]], ...]:
    return tuple((e["id"], regex.compile(e["pattern"])) for e in config().get("html_line", []))


def element_tokens(el: etree._Element) -> frozenset[str]:
    words = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return frozenset(t for t in regex.split(r"[\s\-_]+", words) if t)


def element_kind(el: etree._Element) -> str | None:
    """The furniture kind an element is by its tag or its class/id words."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    tokens = element_tokens(el)
    for kind in furniture_kinds():
        if tag in kind.tags or tokens & kind.tokens:
            return kind.id
    return None


def text_kind(text: str) -> str | None:
    for kind in furniture_kinds():
        if kind.text is not None and kind.text.search(text):
            return kind.id
    return None


def ancestors(el: etree._Element) -> list[etree._Element]:
    """The element and its ancestors, innermost first."""
    return [el, *el.iterancestors()]


def is_report_prose(block: Block) -> bool:
    return shape.is_prose(block.text) and block.link_share < settings()["report"]["link_share"]


def report_container(blocks: list[Block]) -> etree._Element | None:
    """The deepest element holding most of the page's prose, and its opening and closing lines."""
    conf = settings()["report"]
    weight: Counter[etree._Element] = Counter()
    total = 0
    for b in blocks:
        if is_report_prose(b):
            n = len(HAN.findall(b.text))
            total += n
            for el in ancestors(b.element):
                weight[el] += n
    if total < conf["min_report_han"]:
        return None
    holding = [el for el, n in weight.items() if n >= conf["prose_share"] * total]
    container = max(holding, key=lambda el: len(ancestors(el)))
    marks = [b.element for b in blocks if shape.is_address(b.text) or shape.is_closing(b.text)]
    while container.getparent() is not None and not all(container in ancestors(m) for m in marks):
        container = container.getparent()
    return container


def furniture_of(block: Block, stop: etree._Element | None) -> str | None:
    """The furniture kind of the innermost furniture element around a line, below `stop`."""
    for el in ancestors(block.element):
        if el is stop:
            return None
        kind = element_kind(el)
        if kind:
            return kind
    return None


def is_report_title(block: Block) -> bool:
    """The report's title: its shape, or a heading element that names a report (…报告全文)."""
    conf = settings()["report"]
    return shape.is_title(block.text) or (block.heading in conf["title_tags"]
                                          and bool(regex.search(conf["title_words"], block.text)))


def title_lines(blocks: list[Block], inside: list[int], first: int) -> set[int]:
    """The report's title (and byline under it) printed above its container, unless the
    container starts with a title of its own."""
    conf = settings()["report"]
    head = [i for i in inside[: conf["title_window"]]]
    if any(shape.is_title(blocks[i].text) for i in head if not shape.is_address(blocks[i].text)):
        return set()
    window = list(range(max(0, first - conf["title_window"]), first))
    titles = [i for i in window if is_report_title(blocks[i]) and furniture_of(blocks[i], None) is None]
    if not titles:
        return set()
    kept = {titles[-1]}
    kept.update(i for i in window if i > titles[-1] and shape.is_byline(blocks[i].text)
                and not text_kind(blocks[i].text))
    return kept


def report_span(blocks: list[Block], inside: list[int]) -> tuple[int, int]:
    """First and last line of the report inside its container: the first and last line that
    is report shape (title, byline, opening, content) and no furniture wording; a repost's
    lead-in and tail lie outside that span."""

    def report_line(i: int) -> bool:
        text = blocks[i].text
        shaped = shape.is_title(text) or shape.is_content(text) or shape.is_address(text)
        return shaped and not text_kind(text)

    shaped = [i for i in inside if report_line(i)] or inside
    return shaped[0], shaped[-1]


def removals(blocks: list[Block]) -> tuple[dict[int, str], bool]:
    """Line index → rule id of every line that is not the report; and whether a report was found."""
    removed: dict[int, str] = {}
    for i, b in enumerate(blocks):
        for rule_id, pat in line_rules():
            if pat.search(b.text):
                removed[i] = rule_id
                break
    container = report_container(blocks)
    if container is None:
        return removed, False
    inside = [i for i, b in enumerate(blocks) if container in ancestors(b.element)]
    if not inside:
        return removed, False
    keep = title_lines(blocks, inside, inside[0])
    inside_set = set(inside)
    prose_total = sum(len(HAN.findall(b.text)) for b in blocks if is_report_prose(b)) or 1
    share = furniture_shares(blocks, inside, container, prose_total)
    first, last = report_span(blocks, inside)
    for i, b in enumerate(blocks):
        if i in removed or i in keep:
            continue
        if i not in inside_set:
            removed[i] = furniture_of(b, None) or text_kind(b.text) or OUTSIDE_RULE
            continue
        if (i < first or i > last) and text_kind(b.text):
            removed[i] = text_kind(b.text) or OUTSIDE_RULE
            continue
        kind = furniture_of(b, container)
        limit = settings()["report"]["max_furniture_share"]
        if kind and not is_report_prose(b) and share.get(id(b), 0.0) < limit:
            removed[i] = kind
        elif b.link_share >= settings()["report"]["link_share"] and not shape.ends_sentence(b.text):
            removed[i] = LINK_RULE
    return removed, True


def furniture_shares(blocks: list[Block], inside: list[int], container: etree._Element,
                     prose_total: int) -> dict[int, float]:
    """For each line inside the report, the share of the report's prose its furniture element holds."""
    weight: Counter[etree._Element] = Counter()
    for i in inside:
        if is_report_prose(blocks[i]):
            for el in ancestors(blocks[i].element):
                if el is container:
                    break
                weight[el] += len(HAN.findall(blocks[i].text))
    shares: dict[int, float] = {}
    for i in inside:
        for el in ancestors(blocks[i].element):
            if el is container:
                break
            if element_kind(el):
                shares[id(blocks[i])] = weight[el] / prose_total
                break
    return shares


# ------------------------------------------------------------------ the stage's part


def hint_kinds(blocks: list[Block]) -> list[str]:
    return [b.heading for b in blocks]


def extract_html(raw: bytes) -> tuple[str, StageResult]:
    """(extracted text, result with the page furniture removed as recorded edits)."""
    page, info = decode_page(raw)
    blocks = page_blocks(parse(page))
    text = "\n".join(b.text for b in blocks) + ("\n" if blocks else "")
    meta: dict[str, Any] = {"format": "html", "extractor": f"lxml {'.'.join(map(str, etree.LXML_VERSION[:3]))}",
                            **info}
    removed, found = removals(blocks)
    if not found:
        add_flag(meta, "no-report-body")
    rec = Recorder(text, STAGE)
    starts = line_starts(blocks)
    rec.replace_spans([(starts[i], starts[i] + len(blocks[i].text) + 1, "", rule) for i, rule in removed.items()])
    kept_starts, pos = [], 0
    for i, b in enumerate(blocks):
        if i in removed:
            continue
        if b.heading:
            kept_starts.append([pos, b.heading])
        pos += len(b.text) + 1
    if kept_starts:
        meta["heading_hints"] = kept_starts
    return text, rec.result(meta)


def line_starts(blocks: list[Block]) -> list[int]:
    starts, pos = [], 0
    for b in blocks:
        starts.append(pos)
        pos += len(b.text) + 1
    return starts
