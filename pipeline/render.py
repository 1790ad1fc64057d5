"""Stage 6, render: the canonical Markdown report (front matter, headings, footnotes)."""

from __future__ import annotations

from functools import cache
from typing import Any

import regex

from . import rules
from .model import Recorder, StageResult

STAGE = "render"
RULE_FILES = ("render.toml",)
FRONT_KEYS = ("title", "region", "date", "speaker", "meeting", "source", "source_sha256", "encoding", "flags")
CARRIED_KEYS = ("source", "source_sha256", "encoding")


@cache
def heading_rules() -> tuple[tuple[str, regex.Pattern[str], int], ...]:
    return tuple((r["id"], regex.compile(r["pattern"]), r["level"]) for r in rules.load("render.toml")["heading"])


def heading_level(line: str) -> int:
    for _, pattern, level in heading_rules():
        if pattern.search(line):
            return level
    return 0


def front_matter(fields: dict[str, Any]) -> str:
    lines = ["---"]
    for key in FRONT_KEYS:
        value = fields.get(key)
        if not value:
            continue
        if isinstance(value, list):
            value = "[" + ", ".join(value) + "]"
        lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def front_fields(blocks: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    """Front matter values: stated by the text, or carried from the source record."""
    previous = meta.get("front_matter_in", {})
    fields: dict[str, Any] = {}
    if blocks:
        fields["title"] = blocks[0]
    for key in CARRIED_KEYS:
        fields[key] = previous.get(key) or meta.get(key)
    flags = list(previous.get("flags", []))
    flags += [f for f in meta.get("flags", []) if f not in flags]
    fields["flags"] = flags
    return fields


def render_markdown(text: str, meta: dict[str, Any]) -> str:
    blocks = [line.strip() for line in text.split("\n") if line.strip()]
    body = []
    for i, block in enumerate(blocks):
        level = 1 if i == 0 else heading_level(block)
        body.append(("#" * level + " " if level else "") + block)
    return front_matter(front_fields(blocks, meta)) + "\n\n".join(body) + "\n"


def render(text: str, meta: dict[str, Any]) -> StageResult:
    rec = Recorder(text, STAGE)
    rec.set_text(render_markdown(text, meta), "render-markdown")
    return rec.result(dict(meta))
