"""Heading hints carried through the stages' edits.

Extract lists where a heading stood in the page or document (`<h1>`–`<h6>`,
a Word heading style, a paragraph all in bold) as [offset of its line, kind]
in meta["heading_hints"]. Each later stage moves text around; after every
stage the offsets are mapped through its recorded edits, and a hint whose
line no longer starts there (removed, or joined onto another line) is
dropped. Render reads what is left.

Strip's jump markers (meta["jump_markers"], [offset of a line, way, page]) are
carried the same way until reassemble reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import Edit, group_batches

KEY = "heading_hints"
CARRIED = (KEY, "jump_markers")  # meta keys holding [line offset, ...] entries


def map_position(pos: int, batch: Sequence[Edit]) -> int | None:
    """Where the line starting at `pos` starts after one batch (None: the batch cut into it)."""
    shift = 0
    for e in batch:
        if e.start < pos < e.end:
            return None
        # an insertion at the line start is before the line when it ends a line ("\n"), else in it ("## ")
        if e.end < pos or (e.end == pos and (e.start < pos or e.after.endswith("\n"))):
            shift += len(e.after) - (e.end - e.start)
    return pos + shift


def carry(hints: list[list[Any]], edits: Sequence[Edit], text: str) -> list[list[Any]]:
    """The hints mapped through `edits` onto `text` (the text those edits produced)."""
    kept = []
    for pos, *kind in hints:
        new: int | None = pos
        for batch in group_batches(edits):
            new = map_position(new, batch)
            if new is None:
                break
        if new is not None and new < len(text) and (new == 0 or text[new - 1] == "\n") and text[new] != "\n":
            kept.append([new, *kind])
    return kept


def carry_meta(meta: dict[str, Any], edits: Sequence[Edit], text: str,
               given: dict[str, Any] | None = None) -> None:
    """Update meta's hints (and jump markers) in place after a stage produced `text` with `edits`.

    given: the meta the stage was given. Jump markers it did not hold the stage wrote
    itself, in the offsets of `text` already (strip), and are left as they are; heading
    hints are written in the stage's input offsets (extract, normalise's read-back).
    """
    for key in CARRIED:
        if meta.get(key) and (key == KEY or given is None or key in given):
            meta[key] = carry(meta[key], edits, text)
            if not meta[key]:
                del meta[key]


def hinted_lines(meta: dict[str, Any], text: str) -> dict[int, str]:
    """Line index → hint kind, for the hints in meta (positions in `text`)."""
    starts = {pos: kind for pos, kind in meta.get(KEY, [])}
    found, offset = {}, 0
    for i, line in enumerate(text.split("\n")):
        if offset in starts:
            found[i] = starts[offset]
        offset += len(line) + 1
    return found
