"""Stage 0, extract: HTML, DOCX and PDF to the text a reader sees; plain text passes through.

The format is recognised from the bytes, whatever the file is called (a
`.txt` holding markup is HTML). For these formats the *extracted text* is
where the change record starts: `verify` rebuilds it byte for byte, and
`diff`/`review` show it as the source; what extract itself removes (page
furniture, hard wraps) is recorded as edits like any stage's. The metadata
names the format and the extractor with its version, and lists heading hints
(line offsets of `<h1>`–`<h6>`, Word heading styles and bold-only paragraphs)
that later stages carry through their edits (pipeline/hints.py).

Plain text is left to decode (returned text None): its bytes are decoded there.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import regex

from . import rules, shape
from .extract_html import extract_html, looks_like_html
from .model import StageResult

STAGE = "extract"
RULE_FILES = ("extract.toml", "decode.toml")
EXTRA_MODULES = ("extract_html", "extract_docx", "extract_pdf", "decode")
FORMATS = ("text", "html", "docx", "pdf")


class ExtractError(ValueError):
    """The file is of a format we cannot read, or a damaged one; the message says why."""


@cache
def settings() -> dict[str, Any]:
    return rules.load("extract.toml")["formats"]


def detect_format(raw: bytes) -> str:
    """'pdf', 'docx', 'ole' (old binary .doc/.wps/.xls), 'html' or 'text', from the bytes."""
    if raw.startswith(b"%PDF"):
        return "pdf"
    if raw.startswith(b"PK\x03\x04") and b"word/" in raw[:65536]:
        return "docx"
    if raw.startswith(bytes.fromhex(settings()["ole_signature"])):
        return "ole"
    if looks_like_html(raw):
        return "html"
    return "text"


def ole_kind(raw: bytes) -> str:
    word = "WordDocument".encode("utf-16-le")
    if word in raw:
        return "an old binary Word or WPS document (.doc/.wps)"
    return "an old binary Office document (.doc/.wps/.xls/.ppt)"


def extract(raw: bytes) -> tuple[str | None, StageResult]:
    """(extracted text or None for plain text, the result with extract's own edits and metadata)."""
    fmt = detect_format(raw)
    if fmt == "text":
        return None, StageResult("", [], {"format": "text"})
    if fmt == "ole":
        raise ExtractError(f"{ole_kind(raw)}, which is not read here: {settings()['convert_hint']}")
    try:
        if fmt == "html":
            extracted, result = extract_html(raw)
        elif fmt == "docx":  # python-docx and PDFium load only when a document needs them
            from .extract_docx import extract_docx

            extracted, result = extract_docx(raw)
        else:
            from .extract_pdf import extract_pdf

            extracted, result = extract_pdf(raw)
    except ValueError as exc:
        raise ExtractError(str(exc)) from exc
    origin = stated_origin(extracted)
    if origin:
        result.meta["origin"] = origin
    return extracted, result


def stated_origin(text: str) -> str | None:
    """The source a copy names in a `来源：…` line above the report's opening, as stated."""
    conf = rules.load("extract.toml")["origin"]
    lines = [line.strip() for line in text.split("\n")]
    opening = next((i for i, line in enumerate(lines) if shape.is_address(line)), None)
    for line in lines[: opening if opening is not None else shape.setting("address", "header_window")]:
        m = regex.search(conf["pattern"], line)
        if m:
            return m.group("origin")
    return None
