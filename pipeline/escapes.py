"""Escapes that scrapers leave in the text (M2): each becomes the character it stands for.

R prints a non-breaking space as the literal `<U+00A0>`, a JSON or Python dump
writes `\\u200d`, an HTML printout keeps `&nbsp;` or `&#12288;` and its
`<!-- comments -->`. Each kind is one entry of rules/escapes.toml (its
pattern and what decodes it); the normalise stage then treats the decoded
character like any other (a NBSP becomes a space, a zero-width joiner goes).

Only what is clearly an escape is decoded: a known entity name, a code point
that is a character, a comment that closes within a few hundred characters.
Decoding runs until nothing changes, so `&amp;nbsp;` ends as a space too.
"""

from __future__ import annotations

import html.entities
from collections.abc import Callable
from functools import cache
from typing import Any

import regex

from .model import Recorder
from .rules import load

RULE_FILE = "escapes.toml"
MAX_PASSES = 4


def code_point(value: str, base: int) -> str | None:
    """The character of a code point, None for a surrogate, a control character or no character."""
    try:
        number = int(value, base)
    except ValueError:
        return None
    if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF or number < 0x20 and number not in (0x09, 0x0A):
        return None
    return chr(number)


def decode_code_point(m: regex.Match[str]) -> str | None:
    return code_point(m.group("hex"), 16)


def decode_surrogate_pair(m: regex.Match[str]) -> str | None:
    high, low = int(m.group("high"), 16), int(m.group("low"), 16)
    if not (0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF):
        return None
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def decode_entity(m: regex.Match[str]) -> str | None:
    """A named entity HTML5 knows, or a numeric one (`&#12288;`, `&#x3000;`)."""
    name = m.group("name")
    if name.startswith("#x") or name.startswith("#X"):
        return code_point(name[2:], 16)
    if name.startswith("#"):
        return code_point(name[1:], 10)
    return html.entities.html5.get(name + ";")


def remove(m: regex.Match[str]) -> str:
    return ""


DECODERS: dict[str, Callable[[regex.Match[str]], str | None]] = {
    "code_point": decode_code_point,
    "surrogate_pair": decode_surrogate_pair,
    "entity": decode_entity,
    "remove": remove,
}


@cache
def escape_rules() -> tuple[tuple[str, regex.Pattern[str], Callable[[regex.Match[str]], str | None]], ...]:
    entries: list[dict[str, Any]] = load(RULE_FILE)["escape"]
    return tuple((e["id"], regex.compile(e["pattern"], regex.DOTALL), DECODERS[e["decode"]]) for e in entries)


def decode_escapes(rec: Recorder) -> int:
    """Decode every scraper escape in the text, one recorded batch per rule and pass."""
    total = 0
    for _ in range(MAX_PASSES):
        before = total
        for rule_id, pattern, decoder in escape_rules():
            total += rec.sub(rule_id, pattern, decoder)
        if total == before:
            break
    return total
