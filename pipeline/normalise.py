"""Stage 2, normalise: line endings, invisible and wide characters, punctuation width, script.

Nothing here needs judgement: each step brings the text to canonical form
and records exactly which characters it changed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import opencc
import regex

from . import canonical, escapes, paragraphs
from .model import Recorder, StageResult

STAGE = "normalise"
RULE_FILES = ("normalise.toml", escapes.RULE_FILE, paragraphs.RULE_FILE)
EXTRA_MODULES = ("canonical", "escapes", "paragraphs")

CJK = r"[\p{Han}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20“”‘’…—]"
HAN = regex.compile(r"\p{Han}")
FULLWIDTH_MARK = r"[，。、；：？！（）【】《》〈〉「」『』“”‘’]"


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(f"{config}.json")


def _line_spans(text: str, convert, rule: str) -> list[tuple[int, int, str, str]]:
    """Convert line by line, recording per-character runs where lengths agree."""
    spans, offset = [], 0
    for line in text.split("\n"):
        new = convert(line)
        if new != line:
            if len(new) == len(line):
                i = 0
                while i < len(line):
                    if line[i] != new[i]:
                        j = i
                        while j < len(line) and line[j] != new[j]:
                            j += 1
                        spans.append((offset + i, offset + j, new[i:j], rule))
                        i = j
                    else:
                        i += 1
            else:
                spans.append((offset, offset + len(line), new, rule))
        offset += len(line) + 1
    return spans


def choose_script_config(text: str, settings: dict[str, Any]) -> str | None:
    """'t2s' or 'tw2s' when the document is written in traditional characters, else None.

    Decided per document: traditional text changes a lot under t2s and little
    under s2t; simplified text the other way round.
    """
    sample = "".join(HAN.findall(text))
    if not sample:
        return None
    to_simple = sum(a != b for a, b in zip(sample, _converter("t2s").convert(sample), strict=False))
    to_trad = sum(a != b for a, b in zip(sample, _converter("s2t").convert(sample), strict=False))
    if to_simple < settings["min_traditional_chars"] or to_simple < settings["traditional_ratio"] * to_trad:
        return None
    taiwan_marks = settings["taiwan_forms"]
    if sum(sample.count(c) for c in taiwan_marks) >= settings["min_taiwan_forms"]:
        return "tw2s"
    return "t2s"


def _pairs_to_fullwidth(rec: Recorder) -> None:
    """ASCII parentheses around or beside Chinese text become full-width."""
    def paren(m: regex.Match[str]) -> str | None:
        text, start, end = m.string, m.start(), m.end()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        inner = m.group(1)
        if regex.search(CJK, inner) or regex.match(CJK, before or " ") or regex.match(CJK, after or " "):
            return f"（{inner}）"
        return None

    rec.sub("W1-paren-pair", r"\(([^()\n]*)\)", paren)
    rec.sub("W1-paren-lone", rf"(?<={CJK})\(|\((?={CJK})", "（")
    rec.sub("W1-paren-lone", rf"(?<={CJK})\)|\)(?={CJK})", "）")


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
        if regex.match(CJK, before or " ") or regex.match(CJK, after or " "):
            return PUNCT_FULL[m.group()]
        return None

    rec.sub("W1-punct", r"[,;:!?]", repl)


def _width_to_half(rec: Recorder) -> None:
    """Full-width digits and Latin letters to ASCII; `．` and `％` inside numbers too."""
    rec.sub("W3-width", r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+",
            lambda m: "".join(chr(ord(c) - 0xFEE0) for c in m.group()))
    rec.sub("W3-width", r"(?<=\d)．(?=\d)", ".")
    rec.sub("W3-width", r"(?<=\d)％", "%")


def canonical_punctuation(rec: Recorder) -> None:
    """`,;:!?()` beside Chinese text to full-width (render applies it again after joins)."""
    for _ in range(100):  # a converted mark can make its neighbour convertible: repeat until stable
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
    rec.sub("W2-line-endings", r"\r\n?", "\n")
    escapes.decode_escapes(rec)  # what scrapers left as `<U+00A0>`, `\u200d`, `&nbsp;`: the characters themselves
    paragraphs.split_glued_lines(rec)  # before the indents inside a very long line are gone
    rec.sub("W2-invisible", r"[\u200b-\u200d\u2060\ufeff\u00ad]+", "")
    rec.sub("W2-wide-space", r"[\u00a0\u3000\u2002-\u200a\u202f\u205f\t]", " ")
    rec.sub("W2-trailing-space", r"(?m)[ ]+$", "")
    rec.sub("W2-leading-space", r"(?m)^[ ]+", "")
    rec.sub("W2-space-run", r"(?<=\S)[ ]{2,}(?=\S)", " ")
    rec.sub("W2-blank-lines", r"\n{3,}", "\n\n")
    rec.sub("W2-edge-blank-lines", r"\A\n+|\n+\Z", "")
    _width_to_half(rec)
    config = choose_script_config(rec.text, settings)
    if config:
        meta["script"] = f"traditional ({config})"
        rec.replace_spans(_line_spans(rec.text, _converter(config).convert, f"E4-opencc-{config}"))
    canonical_punctuation(rec)
    rec.sub("W2-space-by-fullwidth-mark", rf"(?<={FULLWIDTH_MARK})[ ]+|[ ]+(?={FULLWIDTH_MARK})", "")
    rec.sub("W2-space-after-note-mark", r"(?<=[\]］])[ ]+(?=[\p{Han}“‘])", "")
    return rec.result(meta)


@cache
def _settings() -> dict[str, Any]:
    from .rules import load

    return load("normalise.toml")["script"]
