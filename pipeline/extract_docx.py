"""Word documents (DOCX) to text: paragraphs and table rows in order, notes as footnotes.

python-docx opens the package and resolves styles; the paragraph text is read
from the XML runs so that footnote and endnote references keep their place
(`[N]`, which render turns into Markdown footnotes, like a glossary's
markers). Notes follow the body as `[N]…` lines. Word heading styles and
paragraphs whose every run is bold are heading hints.
"""

from __future__ import annotations

import io
import zipfile
from functools import cache
from typing import Any

import docx
import regex
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree

from . import rules
from .model import StageResult

STAGE = "extract"
SKIPPED = {qn("w:delText"), qn("w:instrText")}
NOTE_KINDS = (("footnote", RT.FOOTNOTES, "w:footnote", "w:footnoteReference"),
              ("endnote", RT.ENDNOTES, "w:endnote", "w:endnoteReference"))


class DocxError(ValueError):
    """The DOCX cannot be read; the message says why."""


@cache
def settings() -> dict[str, Any]:
    return rules.load("extract.toml")["docx"]


def open_document(raw: bytes) -> Any:
    try:
        return docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, EOFError, etree.XMLSyntaxError) as exc:
        raise DocxError(f"a damaged or truncated DOCX (cannot open it as a Word package: {exc})") from exc


def note_texts(document: Any) -> dict[str, dict[str, etree._Element]]:
    """kind → note id → the note's XML, for footnotes and endnotes (separators left out)."""
    notes: dict[str, dict[str, etree._Element]] = {}
    for kind, reltype, tag, _ in NOTE_KINDS:
        notes[kind] = {}
        for rel in document.part.rels.values():
            if rel.reltype != reltype or rel.is_external:
                continue
            root = etree.fromstring(rel.target_part.blob)
            for note in root.iter(qn(tag)):
                if note.get(qn("w:type")) in (None, "normal"):
                    notes[kind][note.get(qn("w:id"))] = note
    return notes


class NoteNumbers:
    """Word numbers notes in the order they are referenced; we number them the same way."""

    def __init__(self) -> None:
        self.order: list[tuple[str, str]] = []

    def number(self, kind: str, note_id: str) -> int:
        key = (kind, note_id)
        if key not in self.order:
            self.order.append(key)
        return self.order.index(key) + 1


def run_text(element: etree._Element, numbers: NoteNumbers) -> str:
    """The text of a paragraph (or note) as Word shows it, with `[N]` at note references."""
    out = []
    for el in element.iter():
        tag = el.tag
        if tag in SKIPPED or not isinstance(tag, str):
            continue
        if _in_fallback(el):
            continue
        if tag == qn("w:t"):
            out.append(el.text or "")
        elif tag == qn("w:tab"):
            out.append("\t")
        elif tag in (qn("w:br"), qn("w:cr")):
            out.append("\n")
        elif tag == qn("w:noBreakHyphen"):
            out.append("-")
        else:
            for kind, _, _, ref_tag in NOTE_KINDS:
                if tag == qn(ref_tag):
                    out.append(f"[{numbers.number(kind, el.get(qn('w:id')))}]")
    return "".join(out)


def _in_fallback(el: etree._Element) -> bool:
    """Text inside mc:Fallback repeats what mc:Choice shows."""
    return any(isinstance(a.tag, str) and a.tag.endswith("}Fallback") for a in el.iterancestors())


def is_heading(paragraph: Paragraph) -> str:
    """'style' for a Word heading style, 'bold' when every run with text is bold, else ''."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if regex.search(settings()["heading_style"], name.lower()):
        return "style"
    runs = [r for r in paragraph.runs if r.text.strip()]
    if runs and all(_bold(r, paragraph) for r in runs):
        return "bold"
    return ""


def _bold(run: Any, paragraph: Paragraph) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    return any(style is not None and style.font.bold for style in (run.style, paragraph.style))


def body_items(document: Any) -> list[tuple[str, etree._Element]]:
    """('p' | 'tbl', element) of the body, in document order."""
    body = document.element.body
    return [(child.tag.split("}")[1], child) for child in body.iterchildren()
            if child.tag in (qn("w:p"), qn("w:tbl"))]


def lines_of(document: Any) -> tuple[list[str], list[str]]:
    """(lines, heading kind per line): paragraphs, table rows (cells joined by tabs), then notes."""
    numbers = NoteNumbers()
    lines: list[str] = []
    kinds: list[str] = []

    def add(text: str, kind: str) -> None:
        for line in text.split("\n"):
            if line.strip():
                lines.append(line.rstrip())
                kinds.append(kind)

    for tag, el in body_items(document):
        if tag == "p":
            add(run_text(el, numbers), is_heading(Paragraph(el, document._body)))
            continue
        for row in el.iter(qn("w:tr")):
            cells = [" ".join(run_text(p, numbers).split()) for p in
                     (c for c in row.iterchildren(qn("w:tc")))]
            add("\t".join(c for c in cells if c), "")
    notes = note_texts(document)
    for n, (kind, note_id) in enumerate(numbers.order, start=1):
        note = notes.get(kind, {}).get(note_id)
        if note is not None:
            add(f"[{n}]" + " ".join(run_text(note, NoteNumbers()).split()), "")
    return lines, kinds


def extract_docx(raw: bytes) -> tuple[str, StageResult]:
    """(extracted text, result): DOCX extraction removes nothing, so no edits."""
    document = open_document(raw)
    lines, kinds = lines_of(document)
    text = "".join(line + "\n" for line in lines)
    hints, pos = [], 0
    for line, kind in zip(lines, kinds, strict=True):
        if kind:
            hints.append([pos, kind])
        pos += len(line) + 1
    meta: dict[str, Any] = {"format": "docx", "extractor": f"python-docx {docx.__version__}",
                            "encoding": "utf-8"}
    if hints:
        meta["heading_hints"] = hints
    return text, StageResult(text, [], meta)
