"""Reading a published report: its front matter, its Markdown body and its plain text.

The catalogue, the copy groups, the export and the Python API all read the
same canonical Markdown (docs: canonical-markdown.md); this is the one place
that knows how to take it apart.
"""

from __future__ import annotations

from typing import Any

import regex

from .canonical import FRONT_MATTER, parse_front_matter

HAN_RUN = regex.compile(r"\p{Han}+")  # runs: far fewer matches to build than characters
HEADING_MARK = regex.compile(r"(?m)^#{1,6} ")
FOOTNOTE_DEFINITION = regex.compile(r"(?m)^\[\^(\d+)\]: ")
FOOTNOTE_REFERENCE = regex.compile(r"(?<!\\)\[\^(\d+)\]")
ESCAPE = regex.compile(r"\\([!-/:-@\[-`{-~])")


def split_report(markdown: str) -> tuple[dict[str, Any], str]:
    """(front matter fields, Markdown body without the front matter); no front matter gives ({}, markdown)."""
    m = FRONT_MATTER.match(markdown)
    if not m:
        return {}, markdown
    return parse_front_matter(m.group(1)), markdown[m.end():]


def plain_text(body: str) -> str:
    """The body without Markdown syntax: heading marks and escapes off, footnotes as `[1]` again.

    Paragraphs stay separated by one blank line, so the text reads as printed.
    """
    text = HEADING_MARK.sub("", body)
    text = FOOTNOTE_DEFINITION.sub(r"[\1]", text)
    text = FOOTNOTE_REFERENCE.sub(r"[\1]", text)
    return ESCAPE.sub(r"\1", text)


def han_only(text: str) -> str:
    """The Han characters of a text, in order (what copies of one report share whatever their markup)."""
    return "".join(HAN_RUN.findall(text))
