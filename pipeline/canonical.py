"""Reading our own canonical Markdown back, so that cleaning an output changes nothing.

When the input is a report this pipeline rendered (it starts with our YAML
front matter), the Markdown syntax is taken off again and the front matter
kept in the metadata; the render stage puts both back identically.
"""

from __future__ import annotations

from typing import Any

import regex

from .model import Recorder

FRONT_MATTER = regex.compile(r"\A---\n((?:[a-z_0-9]+: .*\n)+)---\n+")
KNOWN_KEYS = {"title", "region", "date", "speaker", "meeting", "source", "source_sha256", "encoding", "flags"}


def parse_front_matter(block: str) -> dict[str, Any]:
    """Our front matter is flat `key: value` lines; flags is a flow list."""
    data: dict[str, Any] = {}
    for line in block.splitlines():
        key, _, value = line.partition(": ")
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            data[key] = [v.strip() for v in value[1:-1].split(",") if v.strip()]
        else:
            data[key] = value.strip("'\"")
    return data


def read_back(rec: Recorder, meta: dict[str, Any]) -> None:
    """Take front matter and Markdown markup off a report we rendered earlier."""
    m = FRONT_MATTER.match(rec.text)
    if not m:
        return
    front = parse_front_matter(m.group(1))
    if not set(front) <= KNOWN_KEYS or "title" not in front and "source" not in front:
        return
    meta["front_matter_in"] = front
    rec.replace_spans([(0, m.end(), "", "canonical-front-matter")])
    rec.sub("canonical-heading", r"(?m)^#{1,6} ", "")
    rec.sub("canonical-footnote-definition", r"(?m)^\[\^(\d+)\]: ", r"[\1]")
    rec.sub("canonical-footnote-reference", r"\[\^(\d+)\]", r"[\1]")
