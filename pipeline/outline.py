"""Outline markers of a report: 一、 / （一） / 1. / （1） / 第一，

A small stable API shared by reassemble (reading order) and render (headings):
`outline_marker(line)` gives (level, number) for a line that starts with a
marker, `chinese_number(text)` reads a Chinese numeral.

Levels: 1 = `一、`, 2 = `（一）`, 3 = `1.` / `1、` / `第一，`, 4 = `（1）`.
"""

from __future__ import annotations

import regex

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100}
NUMERAL = "[〇零一二两三四五六七八九十百]+"

MARKERS: tuple[tuple[int, regex.Pattern[str]], ...] = (
    (1, regex.compile(rf"^({NUMERAL})、")),
    (2, regex.compile(rf"^[（(]({NUMERAL})[）)]")),
    (3, regex.compile(r"^(\d{1,2})(?:[.．](?!\d)|、)")),
    (3, regex.compile(rf"^第({NUMERAL})[，、,]")),
    (4, regex.compile(r"^[（(](\d{1,2})[）)]")),
)


def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral (一 … 九十九, 一百…), None if it is not one."""
    if not text or any(c not in DIGITS and c not in UNITS for c in text):
        return None
    if all(c in DIGITS for c in text):
        value = 0
        for c in text:  # positional form: 二〇
            value = value * 10 + DIGITS[c]
        return value
    total, digit, last_unit = 0, None, 1000
    for c in text:
        if c in "〇零":
            continue  # a placeholder zero: 一百零五
        if c in DIGITS:
            if digit is not None:
                return None
            digit = DIGITS[c]
        else:
            if UNITS[c] >= last_unit or (digit is None and total):
                return None  # 十十, 百百, 一百十
            total += (1 if digit is None else digit) * UNITS[c]
            digit, last_unit = None, UNITS[c]
    return total + (digit or 0)


def outline_marker(line: str) -> tuple[int, int] | None:
    """(level, number) when the line starts with an outline marker, else None."""
    for level, pattern in MARKERS:
        m = pattern.match(line)
        if m:
            raw = m.group(1)
            number = int(raw) if raw.isdigit() else chinese_number(raw)
            if number:
                return level, number
    return None
