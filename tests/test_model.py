"""The edit model: line diffs that rebuild the new text exactly, difflib's answer where it was used, line numbers."""

from __future__ import annotations

import difflib

import pytest

from pipeline import model
from pipeline.model import Edit, Recorder, line_diff_spans, line_of, revert_all

from .conftest import GOLD, gold_paths


def applied(old: str, spans: list[tuple[int, int, str, str]]) -> str:
    parts, cursor = [], 0
    for start, end, after, _ in sorted(spans):
        parts += [old[cursor:start], after]
        cursor = end
    return "".join(parts) + old[cursor:]


def blocks_joined(text: str) -> str:
    """What render's R2-blocks does: one blank line between non-empty blocks."""
    blocks = [b.strip("\n") for b in text.split("\n\n") if b.strip()]
    return "\n\n".join(blocks) + "\n"


def difflib_spans(old: str, new: str) -> list[tuple[int, int, str, str]]:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    offsets = [0]
    for line in a:
        offsets.append(offsets[-1] + len(line))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(offsets[i1], offsets[i2], "".join(b[j1:j2]), "r")
            for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def gold_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in gold_paths())


def loosened(text: str) -> str:
    """Every third line followed by extra blank lines, the shape render joins."""
    return "".join(line + ("\n\n\n" if i % 3 == 0 else "\n") for i, line in enumerate(text.split("\n")))


@pytest.mark.parametrize("path", gold_paths(), ids=lambda p: p.stem)
def test_report_sized_diff_is_difflibs(path) -> None:
    old = loosened((GOLD / path.name).read_text(encoding="utf-8"))
    new = blocks_joined(old)
    assert line_diff_spans(old, new, "r") == difflib_spans(old, new)


def test_large_diff_rebuilds_the_new_text_and_stays_line_sized() -> None:
    text = gold_text()
    old = loosened("\n".join([text] * 8))  # the reports eight times over: many repeated lines
    assert len(old.splitlines()) > 4 * model.DIFFLIB_MAX_LINES
    new = blocks_joined(old)
    spans = line_diff_spans(old, new, "r")
    assert applied(old, spans) == new
    assert max(end - start for start, end, _, _ in spans) < 200  # blank-line runs, not one big replacement


def test_many_short_lines_diff_is_exact() -> None:
    han = "".join(c for c in gold_text() if "\u4e00" <= c <= "\u9fff")
    old = "\n\n".join(han[i:i + 5] for i in range(0, 50_000, 5)) + "\n\n\n"
    new = old.replace("\n\n", "\n")
    assert applied(old, line_diff_spans(old, new, "r")) == new


def test_set_text_is_reversible_on_a_large_text() -> None:
    old = loosened("\n".join([gold_text()] * 4))
    rec = Recorder(old, "render")
    rec.set_text(blocks_joined(old), "R2-blocks")
    assert revert_all(rec.text, rec.edits) == old


def test_edit_lines_are_the_lines_of_their_positions() -> None:
    text = gold_text()
    rec = Recorder(text, "t")
    rec.sub("comma", ",", "，")
    assert rec.edits
    assert all(e.line == line_of(text, e.start) for e in rec.edits)


def test_edit_json_is_every_field_in_order() -> None:
    rec = Recorder("甲,乙\n丙", "t")
    rec.sub("comma", ",", "，")
    (edit,) = rec.edits
    assert list(edit.to_json().items()) == list(edit._asdict().items())
    assert Edit.from_json(edit.to_json()) == edit


def test_spans_of_one_rule_close_together_on_a_line_are_one_edit() -> None:
    text = "甲,乙,丙" + "丁" * (model.MERGE_GAP + 1) + ",戊\n己,庚"
    spans = [(m, m + 1, "，", "W1-punct") for m, c in enumerate(text) if c == ","]
    merged = model.spans_by_line(text, spans)
    assert merged[0] == (1, 4, "，乙，", "W1-punct")  # close: one span, the text between kept
    assert len(merged) == 3  # one further than MERGE_GAP away, one on the next line: apart
    rec = Recorder(text, "normalise")
    rec.replace_spans(spans, by_line=True)
    assert rec.text == text.replace(",", "，") and len(rec.edits) == 3
    assert revert_all(rec.text, rec.edits) == text
    other = model.spans_by_line("甲,乙;", [(1, 2, "，", "W1-punct"), (3, 4, "；", "W1-other")])
    assert len(other) == 2  # different rules stay apart
