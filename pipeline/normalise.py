"""Stage 2, normalise: line endings, invisible and wide characters, punctuation width, script.

Nothing here needs judgement: each step brings the text to canonical form
and records exactly which characters it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import opencc
import regex

from . import canonical, escapes, paragraphs
from .model import Recorder, StageResult, code_points

STAGE = "normalise"
RULE_FILES = ("normalise.toml", escapes.RULE_FILE, paragraphs.RULE_FILE)
EXTRA_MODULES = ("canonical", "escapes", "paragraphs")

CJK = r"[\p{Han}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20“”‘’…—]"
HAN_RUN = regex.compile(r"\p{Han}+")  # runs, not characters: far fewer matches to build
FULLWIDTH_MARK = r"[，。、；：？！（）【】《》〈〉「」『』“”‘’]"

# Every pattern compiled once, here.
CJK_CHAR = regex.compile(CJK)
PAREN_PAIR = regex.compile(r"\(([^()\n]*)\)")
PAREN_OPEN = regex.compile(rf"(?<={CJK})\(|\((?={CJK})")
PAREN_CLOSE = regex.compile(rf"(?<={CJK})\)|\)(?={CJK})")
ASCII_PUNCT = regex.compile(r"[,;:!?]")
ASCII_PUNCT_OR_PAREN = regex.compile(r"[,;:!?()]")
WIDE_ALNUM = regex.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
WIDE_POINT = regex.compile(r"(?<=\d)．(?=\d)")
WIDE_PERCENT = regex.compile(r"(?<=\d)％")
STEPS = tuple((rule, regex.compile(pattern), repl) for rule, pattern, repl in (
    ("W2-line-endings", r"\r\n?", "\n"),
    ("W2-invisible", r"[\u200b-\u200d\u2060\ufeff\u00ad]+", ""),
    ("W2-wide-space", r"[\u00a0\u3000\u2002-\u200a\u202f\u205f\t]", " "),
    ("W2-trailing-space", r"(?m)[ ]+$", ""),
    ("W2-leading-space", r"(?m)^[ ]+", ""),
    ("W2-space-run", r"(?<=\S)[ ]{2,}(?=\S)", " "),
    ("W2-blank-lines", r"\n{3,}", "\n\n"),
    ("W2-edge-blank-lines", r"\A\n+|\n+\Z", ""),
    ("W2-space-by-fullwidth-mark", rf"(?<={FULLWIDTH_MARK})[ ]+|[ ]+(?={FULLWIDTH_MARK})", ""),
    ("W2-space-after-note-mark", r"(?<=[\]］])[ ]+(?=[\p{Han}“‘])", ""),
))
STEP = {rule: (pattern, repl) for rule, pattern, repl in STEPS}


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(f"{config}.json")


def _line_spans(text: str, convert: Callable[[str], str], rule: str) -> list[tuple[int, int, str, str]]:
    """Convert line by line: one span per changed line, from its first changed character to its last."""
    spans, offset = [], 0
    for line in text.split("\n"):
        new = convert(line)
        if new != line:
            if len(new) == len(line):
                first, last = changed_range(line, new)
                spans.append((offset + first, offset + last, new[first:last], rule))
            else:
                spans.append((offset, offset + len(line), new, rule))
        offset += len(line) + 1
    return spans


def changed_range(old: str, new: str) -> tuple[int, int]:
    """(first, last + 1) of the positions where two texts of one length differ (compared in C)."""
    a, b = code_points(old), code_points(new)
    where = np.flatnonzero(a != b)
    return int(where[0]), int(where[-1]) + 1


def choose_script_config(text: str, settings: dict[str, Any]) -> str | None:
    """'t2s' or 'tw2s' when the document is written in traditional characters, else None.

    Decided per document: traditional text changes a lot under t2s and little
    under s2t; simplified text the other way round.
    """
    sample = "".join(HAN_RUN.findall(text))
    if not sample:
        return None
    to_simple = changed_positions(sample, _converter("t2s").convert(sample))
    if to_simple < settings["min_traditional_chars"]:  # simplified text: s2t need not run at all
        return None
    to_trad = changed_positions(sample, _converter("s2t").convert(sample))
    if to_simple < settings["traditional_ratio"] * to_trad:
        return None
    taiwan_marks = settings["taiwan_forms"]
    if sum(sample.count(c) for c in taiwan_marks) >= settings["min_taiwan_forms"]:
        return "tw2s"
    return "t2s"


def changed_positions(old: str, new: str) -> int:
    """How many positions differ (over the shorter length), compared as code-point arrays."""
    size = min(len(old), len(new))
    a, b = code_points(old[:size]), code_points(new[:size])
    return int(np.count_nonzero(a != b))


def _is_cjk(char: str) -> bool:
    return CJK_CHAR.match(char) is not None


def _pairs_to_fullwidth(rec: Recorder) -> None:
    """ASCII parentheses around or beside Chinese text become full-width."""
    def paren(m: regex.Match[str]) -> str | None:
        text, start, end = m.string, m.start(), m.end()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        inner = m.group(1)
        if CJK_CHAR.search(inner) or _is_cjk(before or " ") or _is_cjk(after or " "):
            return f"（{inner}）"
        return None

    rec.sub("W1-paren-pair", PAREN_PAIR, paren, by_line=True)
    rec.sub("W1-paren-lone", PAREN_OPEN, "（", by_line=True)
    rec.sub("W1-paren-lone", PAREN_CLOSE, "）", by_line=True)


PUNCT_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}


def _punct_to_fullwidth(rec: Recorder) -> None:
    """`,;:!?` touching Chinese text become full-width; inside numbers they stay."""
    def repl(m: regex.Match[str]) -> str | None:
        text, pos = m.string, m.start()
        before = text[pos - 1] if pos else ""
        after = text[pos + 1] if pos + 1 < len(text) else ""
        if before.isdigit() and after.isdigit():
            return None
        if m.group() == ":" and text[pos + 1:pos + 3] == "//":
            return None
        if _is_cjk(before or " ") or _is_cjk(after or " "):
            return PUNCT_FULL[m.group()]
        return None

    rec.sub("W1-punct", ASCII_PUNCT, repl, by_line=True)


def _width_to_half(rec: Recorder) -> None:
    """Full-width digits and Latin letters to ASCII; `．` and `％` inside numbers too."""
    rec.sub("W3-width", WIDE_ALNUM, lambda m: "".join(chr(ord(c) - 0xFEE0) for c in m.group()), by_line=True)
    rec.sub("W3-width", WIDE_POINT, ".", by_line=True)
    rec.sub("W3-width", WIDE_PERCENT, "%", by_line=True)


def canonical_punctuation(rec: Recorder) -> None:
    """`,;:!?()` beside Chinese text to full-width (render applies it again after joins)."""
    for _ in range(100):  # a converted mark can make its neighbour convertible: repeat until stable
        if not ASCII_PUNCT_OR_PAREN.search(rec.text):  # screen: nothing left to convert
            break
        before = len(rec.edits)
        _pairs_to_fullwidth(rec)
        _punct_to_fullwidth(rec)
        if len(rec.edits) == before:
            break


def normalise(text: str, meta: dict[str, Any]) -> StageResult:
    """Canonical characters and whitespace; traditional script converted when the text is traditional."""
    settings = _settings()
    rec = Recorder(text, STAGE)
    meta = dict(meta)
    canonical.read_back(rec, meta)
    _step(rec, "W2-line-endings")
    escapes.decode_escapes(rec)  # what scrapers left as `<U+00A0>`, `\u200d`, `&nbsp;`: the characters themselves
    paragraphs.split_glued_lines(rec)  # before the indents inside a very long line are gone
    for rule in ("W2-invisible", "W2-wide-space", "W2-trailing-space", "W2-leading-space", "W2-space-run",
                 "W2-blank-lines", "W2-edge-blank-lines"):
        _step(rec, rule)
    _width_to_half(rec)
    config = choose_script_config(rec.text, settings)
    if config:
        meta["script"] = f"traditional ({config})"
        rec.replace_spans(_line_spans(rec.text, _converter(config).convert, f"E4-opencc-{config}"))
    canonical_punctuation(rec)
    _step(rec, "W2-space-by-fullwidth-mark")
    _step(rec, "W2-space-after-note-mark")
    return rec.result(meta)


def _step(rec: Recorder, rule: str) -> None:
    pattern, repl = STEP[rule]
    rec.sub(rule, pattern, repl, by_line=True)


@cache
def _settings() -> dict[str, Any]:
    from .rules import load

    return load("normalise.toml")["script"]
