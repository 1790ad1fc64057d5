"""PDF text layer to text: lines in reading order, furniture and hard wraps undone by rule.

pypdfium2 (PDFium, the PDF engine of Chromium) reads the text layer: it maps
CJK fonts to Unicode reliably, is fast (C++), and gives every character's box,
which is what joining hard wraps needs. The extracted text is the page lines
as printed, one a line; on top of it, as recorded edits: page numbers and
running heads go (P1, P2), a line that runs to the right edge of the text
block continues on the next line unless that one is indented (P4, also across
pages), and typesetting spaces around digits go (P3).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import pypdfium2 as pdfium
import regex

from . import rules
from .model import Recorder, StageResult

STAGE = "extract"
WRAP_RULE = "P4-hard-wrap"
LATIN = regex.compile(r"[A-Za-z]")


class PdfError(ValueError):
    """The PDF cannot be read as text; the message says why."""


@cache
def config() -> dict[str, Any]:
    return rules.load("extract.toml")


@cache
def settings() -> dict[str, Any]:
    return config()["pdf"]


@dataclass
class PdfLine:
    """One printed line: its text, page and box (PDF points, y grows upwards)."""

    text: str
    page: int
    left: float
    right: float
    top: float
    bottom: float
    spaced_end: bool = False  # the line ended with a space in the text layer


def open_pdf(raw: bytes) -> pdfium.PdfDocument:
    if b"%%EOF" not in raw[-2048:]:
        raise PdfError("a truncated PDF (it does not end with %%EOF)")
    try:
        return pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfError("a password-protected PDF: remove the password (e.g. `qpdf --decrypt`) and clean it again") \
                from exc
        raise PdfError(f"a damaged PDF that PDFium cannot open ({exc})") from exc


def page_lines(page: Any, number: int) -> list[PdfLine]:
    """The page's lines in the order of its text layer; segments at one height merged."""
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count)
        boxes = [textpage.get_charbox(i) for i in range(count)] if len(text) == count else []
    finally:
        textpage.close()
    lines: list[PdfLine] = []
    start = 0
    for part in regex.split(r"(\r\n|\n|\r)", text):
        if part in ("\r\n", "\n", "\r"):
            start += len(part)
            continue
        stripped = part.strip()
        if stripped:
            lines.append(_line(part, number, boxes[start:start + len(part)] if boxes else []))
        start += len(part)
    return merge_same_height(lines)


def _line(text: str, page: int, boxes: list[tuple[float, float, float, float]]) -> PdfLine:
    inked = [b for ch, b in zip(text, boxes, strict=False) if not ch.isspace() and b[2] > b[0]]
    if not inked:
        return PdfLine(text.strip(), page, 0.0, 0.0, 0.0, 0.0, text.endswith(" "))
    return PdfLine(text.strip(), page, min(b[0] for b in inked), max(b[2] for b in inked),
                   max(b[3] for b in inked), min(b[1] for b in inked), text.endswith(" "))


def merge_same_height(lines: list[PdfLine]) -> list[PdfLine]:
    """Pieces the text layer split (a font change) but that stand on one printed line."""
    merged: list[PdfLine] = []
    for line in lines:
        last = merged[-1] if merged else None
        if last and line.top > line.bottom and last.top > last.bottom:
            overlap = min(last.top, line.top) - max(last.bottom, line.bottom)
            if overlap > 0.5 * min(last.top - last.bottom, line.top - line.bottom) and line.left >= last.right - 1:
                sep = " " if line.left - last.right > 0.5 * (line.top - line.bottom) else ""
                merged[-1] = PdfLine(last.text + sep + line.text, last.page, last.left, line.right,
                                     max(last.top, line.top), min(last.bottom, line.bottom), line.spaced_end)
                continue
        merged.append(line)
    return merged


def read_lines(raw: bytes) -> list[PdfLine]:
    pdf = open_pdf(raw)
    try:
        lines = [line for i in range(len(pdf)) for line in page_lines(pdf[i], i + 1)]
    finally:
        pdf.close()
    if sum(len(line.text) for line in lines) < settings()["min_text_chars"]:
        raise PdfError("a scanned PDF without a text layer: run OCR first (e.g. `ocrmypdf`), no OCR is done here")
    return lines


# ------------------------------------------------------------------ page furniture


@cache
def line_rules() -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in config().get("pdf_line", [])}


def margin_indices(lines: list[PdfLine]) -> set[int]:
    """The first and last few lines of every page: where page numbers and running heads stand."""
    n = settings()["margin_lines"]
    by_page: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        by_page.setdefault(line.page, []).append(i)
    return {i for idx in by_page.values() for i in idx[:n] + idx[-n:]}


def furniture(lines: list[PdfLine]) -> dict[int, str]:
    """Line index → rule id of page numbers and running heads (only at a page's top or bottom)."""
    margins = margin_indices(lines)
    removed: dict[int, str] = {}
    rules_by_id = list(line_rules().values())
    number_rule = next(r for r in rules_by_id if "pattern" in r)
    head_rule = next(r for r in rules_by_id if "min_pages" in r)
    number = regex.compile(number_rule["pattern"], regex.I if "i" in number_rule.get("flags", "") else 0)
    for i in margins:
        if number.search(lines[i].text):
            removed[i] = number_rule["id"]
    pages = len({line.page for line in lines})
    shape_of = Counter(regex.sub(r"\d+", "#", lines[i].text) for i in margins if i not in removed
                       and len(lines[i].text) <= head_rule["max_len"])
    if pages >= head_rule["min_pages"]:
        repeated = {s for s, n in shape_of.items() if n >= head_rule["min_share"] * pages}
        for i in margins:
            if i not in removed and regex.sub(r"\d+", "#", lines[i].text) in repeated:
                removed[i] = head_rule["id"]
    return removed


# ------------------------------------------------------------------ paragraphs


@dataclass(frozen=True)
class Block:
    """The text block of the body lines: left edge, right edge, usual line height and pitch."""

    left: float
    right: float
    height: float
    pitch: float


def text_block(lines: list[PdfLine]) -> Block:
    """Where body lines start and end: the most common left and right edges of long lines."""
    long = [line for line in lines if len(line.text) >= 10 and line.right > line.left] or lines
    left = Counter(round(line.left) for line in long).most_common(1)[0][0]
    right = statistics.quantiles([line.right for line in long], n=10)[-1] if len(long) > 1 else long[0].right
    height = statistics.median([line.top - line.bottom for line in long]) or 1.0
    pitches = [a.bottom - b.bottom for a, b in zip(long, long[1:], strict=False)
               if a.page == b.page and 0 < a.bottom - b.bottom < 4 * height]
    return Block(float(left), right, height, statistics.median(pitches) if pitches else 1.5 * height)


def continues(prev: PdfLine, nxt: PdfLine, block: Block) -> bool:
    """The next line carries on the previous one's paragraph (a hard wrap)."""
    width = max(1.0, block.right - block.left)
    runs_to_edge = prev.right >= block.right - settings()["wrap_slack"] * width
    starts_at_edge = nxt.left <= block.left + settings()["indent_share"] * width + 1
    starts_at_margin = prev.left <= block.left + 4 * block.height  # not a centred title or a heading set apart
    same_page_gap = prev.page != nxt.page or prev.bottom - nxt.bottom <= 1.6 * block.pitch
    return runs_to_edge and starts_at_edge and starts_at_margin and same_page_gap


def wrap_spans(text_lines: list[PdfLine], starts: list[int], block: Block) -> list[tuple[int, int, str, str]]:
    spans = []
    for k in range(len(text_lines) - 1):
        prev, nxt = text_lines[k], text_lines[k + 1]
        if continues(prev, nxt, block):
            end = starts[k] + len(prev.text)
            both_latin = LATIN.match(prev.text[-1:]) and LATIN.match(nxt.text[:1]) and prev.spaced_end
            spans.append((end, end + 1, " " if both_latin else "", WRAP_RULE))
    return spans


def extractor_version() -> str:
    return f"pypdfium2 {pdfium.PYPDFIUM_INFO} (PDFium {pdfium.PDFIUM_INFO})"


def extract_pdf(raw: bytes) -> tuple[str, StageResult]:
    """(extracted text: the printed lines, result with furniture, wraps and digit spaces undone)."""
    lines = read_lines(raw)
    text = "".join(line.text + "\n" for line in lines)
    rec = Recorder(text, STAGE)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line.text) + 1
    removed = furniture(lines)
    kept = [i for i in range(len(lines)) if i not in removed]
    kept_lines = [lines[i] for i in kept]
    block = text_block(kept_lines)
    joins = wrap_spans(kept_lines, [starts[i] for i in kept], block)
    removals = [(starts[i], starts[i] + len(lines[i].text) + 1, "", rule) for i, rule in removed.items()]
    rec.replace_spans(removals + joins)
    for entry in config().get("pdf_space", []):
        rec.sub(entry["id"], entry["pattern"], "")
    meta: dict[str, Any] = {"format": "pdf", "extractor": extractor_version(), "encoding": "utf-8",
                            "pages": len({line.page for line in lines})}
    return text, rec.result(meta)
