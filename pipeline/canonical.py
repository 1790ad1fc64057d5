"""Reading our own canonical Markdown back, so that cleaning an output changes nothing.

When the input is a report this pipeline rendered (it starts with our YAML
front matter), the Markdown syntax is taken off again and the front matter
kept in the metadata; the render stage puts both back identically.
"""

from __future__ import annotations

import json
from typing import Any

import regex

from .hints import KEY as HINTS
from .model import Recorder

FRONT_MATTER = regex.compile(r"\A---\n((?:[a-z_0-9]+: .*\n)+)---\n+")
# The keys of our front matter, in the order render writes them.
FRONT_KEYS = ("title", "region", "date", "speaker", "meeting", "origin", "source", "source_sha256", "encoding",
              "format", "flags")


def parse_front_matter(block: str) -> dict[str, Any]:
    """Our front matter is flat `key: value` lines (double-quoted when needed); flags is a flow list."""
    data: dict[str, Any] = {}
    for line in block.splitlines():
        key, _, value = line.partition(": ")
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            data[key] = [scalar(v) for v in split_flow(value[1:-1])]
        else:
            data[key] = scalar(value)
    return data


def split_flow(text: str) -> list[str]:
    """Items of a YAML flow list whose items may be JSON-quoted strings."""
    return [m.group().strip() for m in regex.finditer(r'"(?:[^"\\]|\\.)*"|[^,]+', text) if m.group().strip()]


def scalar(value: str) -> str:
    if value.startswith('"') and value.endswith('"') and len(value) > 1:
        try:
            return str(json.loads(value))
        except ValueError:
            return value.strip('"')
    return value


# A `###` heading with no closing mark, followed by a paragraph: render split it off that paragraph at a `。`.
# (A heading ending, or a paragraph starting, with ASCII punctuation was never split at a `。`:
# next to it normalise would have made that punctuation full-width.)
SPLIT_HEADING = regex.compile(
    r"(?m)^(### [^\n]*[^。！？；：,;:!?()\n])(\n\n)(?=[^#\n]|\\#)(?!\[\^\d+\]: )(?![,;:!?()])")


def read_back(rec: Recorder, meta: dict[str, Any]) -> None:
    """Take front matter and Markdown markup off a report we rendered earlier.

    Each piece of syntax render adds is taken off here (render puts it back
    identically): front matter, split inline headings (joined again at a
    `。`), heading marks, footnotes, backslash escapes.
    """
    m = FRONT_MATTER.match(rec.text)
    if not m:
        return
    front = parse_front_matter(m.group(1))
    if not set(front) <= set(FRONT_KEYS) or "title" not in front and "source" not in front:
        return
    meta["front_matter_in"] = front
    # our own headings are heading hints again, so an un-numbered one is rendered the same way
    meta[HINTS] = [[m.start(), "markdown"] for m in regex.finditer(r"(?m)^#{1,6} ", rec.text)]
    rec.replace_spans([(0, m.end(), "", "canonical-front-matter")])
    rec.sub("canonical-inline-heading", SPLIT_HEADING, lambda h: h.group(1) + "。")
    rec.sub("canonical-heading", r"(?m)^#{1,6} ", "")
    rec.sub("canonical-footnote-definition", r"(?m)^\[\^(\d+)\]: ", r"[\1]")
    rec.sub("canonical-footnote-reference", r"(?<!\\)\[\^(\d+)\]", r"[\1]")
    rec.sub("canonical-escape", r"\\([!-/:-@\[-`{-~])", r"\1")
