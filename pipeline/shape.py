"""The report's own shape, defined once: what each line of a report is.

A government work report has a fixed shape: a title and a byline (meeting,
date, speaker), the address `各位代表：` with `现在，我代表…`, outline headings
(`一、`, `（一）`, `1.`, `（1）`) over paragraphs of prose, a closing line that
calls to strive, then maybe a glossary or an appendix. The definitions live
in rules/shape.toml; strip, repair, render (with headings and gazetteer) and
extract ask the functions below instead of keeping their own.
`classify` types a document's lines once (title, byline, address, heading,
paragraph, closing, glossary heading and entry, furniture, unknown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import regex

from . import rules

RULE_FILE = "shape.toml"
WORD = regex.compile(r"[\p{Han}\p{L}\p{N}]")
# Each stage asks about the same lines again and again: the answers are remembered per line text.
LINE_CACHE = 1 << 13  # lines: several documents
per_line = lru_cache(maxsize=LINE_CACHE)
# The kinds classify gives a line.
BLOCK_KINDS = ("title", "byline", "address", "heading", "paragraph", "closing", "glossary-heading",
               "glossary-entry", "furniture", "unknown", "blank")


@cache
def config() -> dict[str, Any]:
    return rules.load(RULE_FILE)


@cache
def pattern(section: str, key: str) -> regex.Pattern[str]:
    """A compiled pattern of shape.toml ([section] key)."""
    return regex.compile(config()[section][key])


def setting(section: str, key: str) -> Any:
    return config()[section][key]


# ------------------------------------------------------------------ numerals


def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral (一 … 九十九, 一百…, 二〇二三), None if it is not one."""
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
    units = {"十": 10, "百": 100}
    if not text or any(c not in digits and c not in units for c in text):
        return None
    if all(c in digits for c in text):
        value = 0
        for c in text:  # positional form: 二〇
            value = value * 10 + digits[c]
        return value
    total, digit, last_unit = 0, None, 1000
    for c in text:
        if c in "〇零":
            continue  # a placeholder zero: 一百零五
        if c in digits:
            if digit is not None:
                return None
            digit = digits[c]
        else:
            if units[c] >= last_unit or (digit is None and total):
                return None  # 十十, 百百, 一百十
            total += (1 if digit is None else digit) * units[c]
            digit, last_unit = None, units[c]
    return total + (digit or 0)


def number_of(raw: str) -> int | None:
    """An outline or date number written in digits or in Chinese numerals."""
    return int(raw) if raw.isdigit() else chinese_number(raw)


# ------------------------------------------------------------------ outline


@cache
def markers() -> tuple[tuple[int, regex.Pattern[str]], ...]:
    return tuple((int(m["level"]), regex.compile(m["pattern"])) for m in config()["marker"])


@cache
def any_marker() -> regex.Pattern[str]:
    """Every marker pattern as one: most lines start with none, and one match says so."""
    return regex.compile("|".join(f"(?:{m['pattern']})" for m in config()["marker"]))


@per_line
def outline_match(line: str) -> tuple[int, int, regex.Match[str]] | None:
    """(level, number, match) when the line starts with an outline marker."""
    if not any_marker().match(line):
        return None
    for level, marker in markers():
        m = marker.match(line)
        if m:
            number = number_of(m.group(1))
            if number:
                return level, number, m
    return None


@per_line
def outline_marker(line: str) -> tuple[int, int] | None:
    """(level, number) when the line starts with an outline marker, else None."""
    found = outline_match(line)
    return found[:2] if found else None


@per_line
def starts_like_outline(text: str) -> bool:
    """An outline item or an enumeration (一是…) starts the line: report content, never chrome."""
    return bool(pattern("outline", "starts").search(text))


def heading_text_ok(text: str) -> bool:
    """A heading's own text (its marker taken off): short, no sentence punctuation inside."""
    conf = config()["outline"]
    return 0 < len(text) <= conf["max_heading_chars"] and not any(c in text for c in conf["not_in_heading"])


def level_marker(line: str, level: int) -> regex.Match[str] | None:
    """The marker of `level` (1: 一、, 2: （一）) that starts the line, numeral short enough for a heading."""
    found = outline_match(line)
    if not found or found[0] != level or found[2].group(0)[0] == "第":
        return None
    m = found[2]
    return m if len(m.group(1)) <= setting("outline", "max_numeral_chars") else None


# ------------------------------------------------------------------ title, byline, address


@per_line
def title_parts(text: str) -> tuple[str, str] | None:
    """(title, byline in brackets or "") when the line is the report's title."""
    m = pattern("title", "pattern").match(text)
    return (m.group("title"), m.group("byline") or "") if m else None


def is_title(text: str) -> bool:
    return title_parts(text) is not None


@per_line
def is_address(text: str) -> bool:
    """The opening address `各位代表：`."""
    return bool(pattern("address", "pattern").search(text))


def opens_with_address(text: str) -> bool:
    """The line starts with an address (`各位代表`, `各位委员`, `各位同志`), with or without its colon."""
    return bool(pattern("address", "opens").match(text))


@per_line
def is_opening_formula(text: str) -> bool:
    """`现在，我代表…`, the sentence after the address (or on its line)."""
    return bool(pattern("address", "formula").search(text))


@per_line
def is_byline(text: str, dated: bool = False) -> bool:
    """A line of the byline: short, no sentence end, and a date, a meeting or an office; a name
    alone only under a dated line (a site's menu item 领导讲话 looks like a name)."""
    return (len(text) <= setting("byline", "max_chars") and not any(c in text for c in setting("byline", "not_in_line"))
            and (bool(pattern("byline", "cue").search(text)) or dated and speaker_of(text) is not None))


@cache
def office_re() -> regex.Pattern[str]:
    offices = "|".join(regex.escape(o) for o in setting("byline", "offices"))
    return regex.compile(rf"^(?:(?P<office>\p{{Han}}*?(?:{offices}))\s*)?(?P<name>{setting('byline', 'name')})$")


def speaker_of(line: str) -> str | None:
    """The name on a speaker line (`市人民政府市长王雄文`, `省长 罗东川`, `（2021年12月30日 胡贺波）`)."""
    text = pattern("date", "arabic").sub("", line.strip("（）() ")).strip()
    m = office_re().match(text)
    if not m or (m.group("office") is None and len(m.group("name")) > setting("byline", "max_bare_name_chars")):
        return None
    return m.group("name")


@per_line
def is_prose(text: str) -> bool:
    """A sentence of the report: long enough and carrying sentence punctuation."""
    return len(text) >= setting("prose", "min_chars") and bool(pattern("prose", "sentence_punct").search(text))


def has_sentence_punct(text: str) -> bool:
    return bool(pattern("prose", "sentence_punct").search(text))


def ends_sentence(text: str) -> bool:
    return bool(pattern("prose", "terminal").search(text))


def continues_sentence(text: str) -> bool:
    """The line starts with punctuation that goes on with the previous line's sentence."""
    return bool(pattern("prose", "continuing").search(text))


@per_line
def is_closing(text: str) -> bool:
    return is_prose(text) and bool(pattern("closing", "pattern").search(text))


def is_glossary_heading(text: str) -> bool:
    return bool(pattern("glossary", "heading").match(text))


@per_line
def is_appendix_heading(text: str) -> bool:
    """An appendix (附件) or glossary heading after the closing line."""
    return bool(pattern("glossary", "appendix").match(text)) or is_glossary_heading(text)


@per_line
def is_entry(text: str) -> bool:
    """A glossary entry or a numbered appendix item."""
    return bool(pattern("glossary", "entry").search(text))


def is_term_alone(text: str) -> bool:
    """A glossary term ending with its colon (1.“四上”企业：): its definition is the next line.
    (Such a line is an entry by shape.toml's pattern already.)"""
    return text.rstrip().endswith(("：", ":"))


@per_line
def is_content(text: str) -> bool:
    """Prose, an outline heading or a glossary/appendix entry: what a report is made of."""
    return is_prose(text) or starts_like_outline(text) or is_entry(text)


@per_line
def is_chrome_like(text: str) -> bool:
    """A line without sentence punctuation, or without any word; outline items and the address never are."""
    if starts_like_outline(text) or is_address(text):
        return False
    return not has_sentence_punct(text) or not WORD.search(text)


# ------------------------------------------------------------------ dates


def valid_iso(year: int, month: int, day: int) -> str | None:
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None


def iso_date(text: str) -> str | None:
    """The first date the text prints (2021年12月30日, else 二〇二一年十二月三十日), as ISO."""
    m = pattern("date", "arabic").search(text)
    if m:
        return valid_iso(*(int(g) for g in m.groups()))
    m = pattern("date", "hanzi").search(text)
    if not m:
        return None
    return valid_iso(chinese_number(m.group(1)) or 0, chinese_number(m.group(2)) or 0,
                     chinese_number(m.group(3)) or 0)


def stamp_date(value: str) -> str | None:
    """A date as a scraper stamps it (2021-12-30, 2021/12/30, 2021年12月30日 …), as ISO."""
    m = pattern("date", "stamp").match(value.strip())
    if not m:
        return iso_date(value)
    return valid_iso(*(int(g) for g in m.groups()))


def head_of(text: str) -> str:
    """The first lines of a text, where its title and byline stand."""
    return "\n".join(text.split("\n")[:setting("date", "head_lines")])


def title_year(text: str) -> int | None:
    m = pattern("date", "year_in_title").search(text)
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------ regions


@cache
def region_suffixes() -> tuple[str, ...]:
    """Suffixes of administrative names, longest first (自治县 before 县)."""
    return tuple(sorted(setting("region", "suffixes"), key=len, reverse=True))


def is_region_name(text: str) -> bool:
    """An administrative name: ends with a known suffix and has a name before it."""
    text = regex.sub(r"^\d{4}年", "", text)
    return any(text.endswith(s) and len(text) > len(s) + 1 for s in region_suffixes())


# ------------------------------------------------------------------ dashes


@cache
def dash_rules(stage: str) -> tuple[tuple[str, regex.Pattern[str], str], ...]:
    """(id, pattern, replacement) of the dash fixes `stage` runs."""
    return tuple((r["id"], regex.compile(r["pattern"], regex.M), r["replace"])
                 for r in config()["dash"] if r["stage"] == stage)


# ------------------------------------------------------------------ typed lines


@dataclass(frozen=True)
class TypedLine:
    """One line of a document, typed: its kind, and for a heading its outline level and number."""

    index: int
    text: str
    kind: str
    level: int = 0
    number: int = 0


def classify(texts: Sequence[str]) -> list[TypedLine]:
    """Type every line once: the header (title, byline) before the address, the body, the glossary after the close.

    Without an address the header ends at the first line that is neither title nor byline.
    """
    stripped = [t.strip() for t in texts]
    address = next((i for i, t in enumerate(stripped) if is_address(t)), None)
    closing = max((i for i, t in enumerate(stripped) if is_closing(t)), default=None)
    blocks: list[TypedLine] = []
    titled = dated = False
    in_header = True
    for i, text in enumerate(stripped):
        kind, level, number = "blank", 0, 0
        if text and i == address:
            kind, in_header = "address", False
        elif text and in_header and (address is None or i < address):
            kind = header_kind(text, titled, dated)
            in_header = kind != "body" or address is not None
        if text and kind in ("blank", "body"):
            kind, level, number = body_kind(text, i, closing)
        titled = titled or kind == "title"
        dated = dated or kind == "byline" and iso_date(text) is not None
        blocks.append(TypedLine(i, text, kind, level, number))
    return blocks


def header_kind(text: str, titled: bool, dated: bool) -> str:
    """title or byline of the header, else "body" (typed as a line of the body)."""
    if not titled and is_title(text):
        return "title"
    if titled and is_byline(text, dated):
        return "byline"
    return "body"


def body_kind(text: str, i: int, closing: int | None) -> tuple[str, int, int]:
    """(kind, level, number) of a non-blank line of the body, given where the closing line stands."""
    marker = outline_marker(text)
    if marker:
        return "heading", *marker
    if i == closing:
        return "closing", 0, 0
    if closing is not None and i > closing:
        if is_appendix_heading(text):
            return "glossary-heading", 0, 0
        if is_entry(text):
            return "glossary-entry", 0, 0
    if is_prose(text):
        return "paragraph", 0, 0
    if is_chrome_like(text):
        return "furniture", 0, 0
    return "unknown", 0, 0
