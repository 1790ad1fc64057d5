"""Cleaning our own output again changes nothing, byte for byte (every sample, the whole chain).

The pure stage functions run in order on the seed bytes, then again on the
rendered Markdown bytes; both Markdown files must be identical, and the
second run's record must still rebuild its input.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.chain import clean_bytes
from pipeline.model import revert_all

from .conftest import GOLD, seed_paths


def clean(raw: bytes, name: str) -> tuple[str, str, list]:
    raw_text, markdown, edits, _ = clean_bytes(raw, name, "0" * 64)
    return raw_text, markdown, edits


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.stem)
def test_cleaning_the_rendered_report_again_changes_nothing(path: Path) -> None:
    _, first, _ = clean(path.read_bytes(), f"seeds/{path.name}")
    raw_again, second, edits = clean(first.encode("utf-8"), f"seeds/{path.name}")
    assert second == first
    assert revert_all(second, edits) == raw_again


@pytest.mark.parametrize("path", sorted(GOLD.glob("*.txt")), ids=lambda p: p.stem)
def test_a_rendered_gold_text_is_stable_too(path: Path) -> None:
    _, first, _ = clean(path.read_bytes(), f"gold/{path.name}")
    _, second, _ = clean(first.encode("utf-8"), f"gold/{path.name}")
    assert second == first


def test_markup_in_the_text_itself_survives_a_second_clean() -> None:
    text = ("政府工作报告\n各位代表：\n# 不是标题的一行\n> 引文\n- 列表？\n1. 带空格的编号\n"
            "一、总体要求\n（一）稳字当头，稳中求进。今年要做好*三件*事，[^2]不是脚注，反斜杠\\保留。\n"
            "（二）坚持发展\n锚定“三高四新”[1]美好蓝图。\n名词解释\n[1]三高四新：三个高地、四新使命。\n")
    _, first, _ = clean(text.encode("utf-8"), "x.txt")
    _, second, _ = clean(first.encode("utf-8"), "x.txt")
    assert second == first
