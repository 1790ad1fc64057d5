"""Stage 4, repair: undo substitutions made by platforms and scrapers, with evidence.

A repair happens only when the document shows the substitution at work
(classes S1–S7, E3 and W4 of the noise catalogue); otherwise the text is left
alone and, where something is clearly lost, the document is flagged. Every
rule is data in rules/repair.toml; each function below applies one class.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import cache
from typing import Any

import regex

from . import rules, shape
from .model import Recorder, StageResult, add_flag

STAGE = "repair"
RULE_FILES = ("repair.toml",)

HAN = r"\p{Han}"
PUNCT = "，。、；：？！（）《》“”‘’…—"


@cache
def _rules() -> dict[str, Any]:
    return rules.load("repair.toml")


def _alternation(words: list[str]) -> str:
    """Longest first, so 娱乐城 wins over 娱乐."""
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


def _char(text: str, pos: int) -> str:
    return text[pos] if 0 <= pos < len(text) else ""


def _is_han(ch: str) -> bool:
    return bool(ch) and regex.match(HAN, ch) is not None


# ------------------------------------------------------------------ E3: U+FFFD

@cache
def _fffd_phrase_pattern() -> tuple[regex.Pattern[str], dict[str, str]]:
    """One named alternative per (phrase, lost position): the phrase with that character as U+FFFD."""
    alternatives, restored = [], {}
    for p, phrase in enumerate(_rules()["fffd_phrases"]["words"]):
        for i in range(len(phrase)):
            name = f"p{p}_{i}"
            restored[name] = phrase
            alternatives.append(f"(?P<{name}>{regex.escape(phrase[:i])}\ufffd+{regex.escape(phrase[i + 1:])})")
    return regex.compile("|".join(alternatives)), restored


def repair_lost_characters(rec: Recorder, meta: dict[str, Any]) -> None:
    """Restore a lost character where only one fits; flag any U+FFFD left."""
    for rule in _rules()["fffd"]:
        rec.sub(rule["id"], rule["pattern"], rule["replace"])
    if "\ufffd" in rec.text:
        pattern, restored = _fffd_phrase_pattern()
        rec.sub(_rules()["fffd_phrases"]["id"], pattern, lambda m: restored[m.lastgroup])
    if "\ufffd" in rec.text:
        add_flag(meta, "lost-characters")


# ------------------------------------------------------------------ S5: spam

@cache
def _spam_pattern() -> regex.Pattern[str]:
    """A brand, then gambling words with at least one strong word, after a Chinese character
    and before another or before punctuation."""
    cfg = _rules()["spam"]
    strong, weak = _alternation(cfg["strong"]), _alternation(cfg["weak"])
    brands_ascii, brands_han = _alternation(cfg["brands_ascii"]), _alternation(cfg["brands_han"])
    brand = rf"(?:[A-Za-z0-9]{{1,10}}|{brands_han})"
    words = rf"(?:{weak})*(?:{strong})(?:{strong}|{weak})*(?:\d{{1,4}}元?)?"
    known = rf"(?:(?:{brands_ascii})|{brands_han})(?:{strong}|{weak})+(?:\d{{1,4}}元?)?"
    return regex.compile(rf"(?<={HAN})(?:{known}|{brand}{words})(?={HAN}|[，。；：！？、）”])")


def remove_spam(rec: Recorder) -> None:
    """Drop gambling spam wedged between Chinese words (政府pp电子娱乐官网 -> 政府官网)."""
    rec.sub(_rules()["spam"]["id"], _spam_pattern(), "")


# ------------------------------------------------------------------ S2: function words

def replace_function_words(rec: Recorder) -> None:
    """English `and`/`or` between two Chinese words become 和/或."""
    for rule in _rules()["function_word"]:
        word = regex.escape(rule["word"])
        rec.sub(rule["id"], rf"(?<={HAN}) ?(?<![A-Za-z]){word}(?![A-Za-z]) ?(?={HAN})", rule["replace"])


# ------------------------------------------------------------------ S3: acronyms, grades, classes

def _touches_chinese(text: str, start: int, end: int) -> bool:
    """True when the token sits in Chinese text (a Han character or Chinese mark beside it)."""
    before, after = _char(text, start - 1), _char(text, end)
    return any(_is_han(c) or (c and c in PUNCT) for c in (before, after))


def restore_acronym_case(rec: Recorder) -> None:
    """Lowercased acronyms (gdp, 5g, pm2.5) next to Chinese text go back to capitals."""
    cfg = _rules()["acronyms"]
    pattern = rf"(?<![A-Za-z0-9.@/_\-&])(?:{_alternation(cfg['words'])})(?![A-Za-z0-9@/_\-&]|\.\d)"

    def repl(m: regex.Match[str]) -> str | None:
        token = m.group()
        if not _touches_chinese(m.string, m.start(), m.end()):
            return None
        if regex.fullmatch(r"\dg", token) and regex.match(r"[以左克每/]", _char(m.string, m.end()) or " "):
            return None  # 5g以下 is five grams
        return token.upper()

    rec.sub(cfg["id"], pattern, repl)
    for rule in _rules()["grade"]:
        rec.sub(rule["id"], rule["pattern"], rule["replace"])


def restore_roman_classes(rec: Recorder) -> None:
    """`ii类`, `劣v类`, `iii级` -> Ⅱ类, 劣Ⅴ类, Ⅲ级 (only lowercase: uppercase ASCII is a valid variant)."""
    cfg = _rules()["roman"]
    numeral = _alternation(list(cfg["map"]))
    pattern = rf"(?<![A-Za-z0-9])(?:{numeral})(?=(?:[至到、~\-—](?:{numeral}))*[类级])"
    rec.sub(cfg["id"], pattern, lambda m: cfg["map"][m.group()])


# ------------------------------------------------------------------ S4: lost '+'

def _plus_spans(text: str, start: int, end: int, rule: str) -> list[tuple[int, int, str, str]] | None:
    """Spans turning the spaced term text[start:end] into its '+' form, or None when it is no '+' term.

    A term of Latin words only is a phrase, not a formula; a one-letter part
    is the capital placeholder (2+2+N).
    """
    parts = text[start:end].split(" ")
    if all(regex.fullmatch(r"[A-Za-z]+", p) for p in parts):
        return None
    spans, pos = [], start
    for i, part in enumerate(parts):
        if regex.fullmatch(r"[a-z]", part):
            spans.append((pos, pos + 1, part.upper(), rule))
        pos += len(part)
        if i < len(parts) - 1:
            spans.append((pos, pos + 1, "+", rule))
            pos += 1
    return spans


def restore_lost_plus(rec: Recorder) -> None:
    """Spaces inside short quoted or glossary terms stand for a lost '+'."""
    cfg = _rules()["plus"]
    part, more, rule = cfg["part"], cfg["max_parts"] - 1, cfg["id"]
    term = rf"{part}(?: {part}){{1,{more}}}"
    spans: list[tuple[int, int, str, str]] = []
    for m in regex.finditer(rf"“({term})”", rec.text):
        spans += _plus_spans(rec.text, m.start(1), m.end(1), rule) or []
    for m in regex.finditer(rf"(?m)^\[\d+\]( ?)({term})：([^\n]*)$", rec.text):
        term_spans = _plus_spans(rec.text, m.start(2), m.end(2), rule)
        if term_spans is None:
            continue
        spans += [(m.start(1), m.end(1), "", rule)] + term_spans
        gaps = [g.start() for g in regex.finditer(r"(?<=\S) (?=\S)", m.group(3))]
        if len(gaps) == len(m.group(2).split(" ")) - 1:  # the definition enumerates the parts
            spans += [(m.start(3) + g, m.start(3) + g + 1, "+", rule) for g in gaps]
    rec.replace_spans(spans)


# ------------------------------------------------------------------ S6: dates

def _valid_day(month: int, day: int) -> bool:
    try:
        datetime.date(2000, month, day)  # a leap year: 2月29日 is valid
    except ValueError:
        return False
    return True


def _month_day_readings(digits: str) -> list[tuple[int, int]]:
    """Every split of 'MDD'/'MMDD' digits into a valid (month, day)."""
    readings = []
    for cut in (1, 2):
        month, day = digits[:cut], digits[cut:]
        if not day or len(day) > 2 or month.startswith("0") and len(month) == 1:
            continue
        if _valid_day(int(month), int(day)):
            readings.append((int(month), int(day)))
    return readings


def repair_dates(rec: Recorder, meta: dict[str, Any]) -> None:
    """2019422日 -> 2019年4月22日, 在930日前 -> 在9月30日前, when exactly one reading is valid."""
    cfg = _rules()["dates"]
    ambiguous = False

    def one_reading(digits: str) -> tuple[int, int] | None:
        nonlocal ambiguous
        readings = _month_day_readings(digits)
        if len(readings) > 1:
            ambiguous = True
        return readings[0] if len(readings) == 1 else None

    def with_year(m: regex.Match[str]) -> str | None:
        year = int(m.group(1))
        if not cfg["min_year"] <= year <= cfg["max_year"]:
            return None
        reading = one_reading(m.group(3))
        return None if reading is None else f"{year}年{reading[0]}月{reading[1]}日"

    rec.sub(cfg["id"], r"(?<![\d.])(\d{4})(年?)(\d{3,4})日", with_year)

    def year_lost(m: regex.Match[str]) -> str | None:
        year = int(m.group(1))
        if not cfg["min_year"] <= year <= cfg["max_year"] or not 1 <= int(m.group(2)) <= 12:
            return None
        return f"{year}年{m.group(2)}月"

    rec.sub(cfg["id"], r"(?<![\d.])(\d{4})(\d{1,2})月(?=\d{1,2}日)", year_lost)

    after = _alternation(cfg["after_bare"])

    def bare(m: regex.Match[str]) -> str | None:
        reading = one_reading(m.group(1))
        return None if reading is None else f"{reading[0]}月{reading[1]}日"

    rec.sub(cfg["id"], rf"(?<=[{cfg['before_bare']}])(\d{{3,4}})日(?=(?:{after}))", bare)
    if ambiguous:
        add_flag(meta, "ambiguous-date")


# ------------------------------------------------------------------ S1: ad-law evasion

@cache
def _toubu_patterns() -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    """(rank-context 头部, real-word 头部)."""
    cfg = _rules()["adlaw"]
    real = _alternation(cfg["real_after"])
    rank = regex.compile(
        rf"(?<=(?:{_alternation(cfg['rank_before'])}))头部"
        rf"|头部(?=(?:{_alternation(cfg['ordinal_after'])}))"
        rf"|(?<=(?:{_alternation(cfg['value_before'])}))头部(?=[、，。；])")
    return rank, regex.compile(rf"头部(?=(?:{real}))")


def adlaw_traces(text: str) -> int:
    """How many traces of the ad-law filter the text shows (蕞 outside 蕞尔, rank-context 头部)."""
    rank, real = _toubu_patterns()
    zui = len(regex.findall(r"蕞(?!尔)", text))
    toubu = sum(1 for m in rank.finditer(text) if not real.match(text, m.start()))
    return zui + toubu


def undo_adlaw_filter(rec: Recorder) -> None:
    """蕞 -> 最 and rank-context 头部 -> 第一, when the filter left enough traces."""
    cfg = _rules()["adlaw"]
    if adlaw_traces(rec.text) < cfg["min_traces"]:
        return
    rec.sub(cfg["id_zui"], r"蕞(?!尔)", "最")
    rank, real = _toubu_patterns()
    rec.sub(cfg["id_first"], rank, lambda m: None if real.match(m.string, m.start()) else "第一")


# ------------------------------------------------------------------ S7: deleted names

OPEN_ERA = "9999-12-31"  # the `until` of a formula still in use


def report_dates(text: str, meta: dict[str, Any]) -> tuple[str, str | None] | None:
    """The span of dates the report may have been given on (ISO), from its byline or title.

    A full date in the first lines (byline) gives one day; a scraped header
    date the same; a year in the title only that whole year. Without any, a
    landmark the body looks back on (党的二十大 …) gives a first date and no last.
    """
    head = shape.head_of(text)
    day = shape.iso_date(head)
    if day:
        return day, day
    header = meta.get("scraped_header") or {}
    if regex.fullmatch(r"\d{4}-\d{2}-\d{2}", str(header.get("date", ""))):
        return header["date"], header["date"]
    year = shape.title_year(head)
    if year:
        return f"{year}-01-01", f"{year}-12-31"
    seen = [lm["since"] for lm in _rules()["era_landmark"] if regex.search(lm["pattern"], text)]
    return (max(seen), None) if seen else None


def _formula_pattern(rule: dict[str, Any]) -> str:
    deleted = regex.escape(rule["deleted"])
    pattern = deleted
    if rule.get("not_after"):
        pattern = f"(?<!{regex.escape(rule['not_after'])}){pattern}"
    if rule.get("context_before"):
        pattern = f"(?<=(?:{_alternation(rule['context_before'])})){pattern}"
    if rule.get("context_after"):
        pattern = f"{pattern}(?=(?:{_alternation(rule['context_after'])}))"
    return pattern


def restore_deleted_names(rec: Recorder, meta: dict[str, Any]) -> None:
    """Fixed formulas missing their leader's name are restored for reports of their era; flagged always."""
    for rule in _rules()["deletion_flag"]:
        if regex.search(rule["pattern"], rec.text):
            add_flag(meta, rule["flag"])
    dates = report_dates(rec.text, meta)
    if dates is None:
        return
    first, last = dates
    for rule in _rules()["formula"]:
        in_era = last < rule["until"] if last else rule["until"] == OPEN_ERA
        if rule["from"] <= first and in_era:
            rec.sub(rule["id"], _formula_pattern(rule), rule["restored"])


# ------------------------------------------------------------------ W4: quotes and dashes

def curl_quotes(rec: Recorder) -> None:
    """Pairs of straight double quotes on a Chinese line become “ ”."""
    cfg = _rules()["quotes"]
    spans = []
    offset = 0
    for line in rec.text.split("\n"):
        if '"' not in line and '＂' not in line:  # most lines: no straight quote to look at
            offset += len(line) + 1
            continue
        positions = [i for i, c in enumerate(line) if c in '"＂']
        if positions and len(positions) % 2 == 0 and regex.search(HAN, line):
            pairs = list(zip(positions[::2], positions[1::2], strict=True))
            if all(_quote_in_chinese(line, a, b) for a, b in pairs):
                for a, b in pairs:
                    spans.append((offset + a, offset + a + 1, "“", cfg["id"]))
                    spans.append((offset + b, offset + b + 1, "”", cfg["id"]))
        offset += len(line) + 1
    rec.replace_spans(spans)


def _quote_in_chinese(line: str, open_at: int, close_at: int) -> bool:
    inner = line[open_at + 1:close_at]
    return bool(inner) and (regex.search(HAN, inner) is not None
                            or _is_han(_char(line, open_at - 1)) or _is_han(_char(line, close_at + 1)))


def unify_dashes(rec: Recorder) -> None:
    """Variant dashes in Chinese text (――, ———, －－, --) become ——."""
    for rule_id, dash, replacement in shape.dash_rules(STAGE):
        rec.sub(rule_id, dash, replacement)


# ------------------------------------------------------------------ L1: flags

def punctuation_loss_share(text: str, run_length: int) -> float:
    """Share of Han/digit characters standing in runs of at least `run_length` without punctuation."""
    runs = regex.findall(r"[\p{Han}\dA-Za-z%.]+", text)
    total = sum(len(r) for r in runs)
    long = sum(len(r) for r in runs if len(r) >= run_length)
    return long / total if total else 0.0


def punctuation_lost(text: str) -> bool:
    """True when the document shows punctuation dropped throughout (see [punctuation_loss])."""
    cfg = _rules()["punctuation_loss"]
    if len(text) < cfg["min_chars"]:
        return False
    run_ons = len(regex.findall(cfg["run_on"], text))
    return run_ons >= cfg["min_run_ons"] or punctuation_loss_share(text, cfg["run_length"]) > cfg["max_share"]


def flag_losses(text: str, meta: dict[str, Any]) -> None:
    """Flag what cannot be repaired: missing numerals, punctuation lost throughout."""
    for rule in _rules()["loss_flag"]:
        if regex.search(rule["pattern"], text):
            add_flag(meta, rule["flag"])
    if punctuation_lost(text):
        add_flag(meta, _rules()["punctuation_loss"]["flag"])


# Quotes come before the lost '+' (which looks inside “ ”), spam before acronyms (it starts with ASCII).
STEPS: tuple[Callable[[Recorder], None], ...] = (
    curl_quotes, unify_dashes, remove_spam, replace_function_words, restore_acronym_case,
    restore_roman_classes, restore_lost_plus, undo_adlaw_filter,
)


def repair(text: str, meta: dict[str, Any]) -> StageResult:
    """Apply every repair class in turn (each one or more recorded batches), then flag losses."""
    meta = dict(meta)
    rec = Recorder(text, STAGE)
    repair_lost_characters(rec, meta)
    for step in STEPS:
        step(rec)
    repair_dates(rec, meta)
    restore_deleted_names(rec, meta)
    flag_losses(rec.text, meta)
    return rec.result(meta)
