"""How one stage result is stored: compact bytes (orjson, zlib), durable only where it must be.

A state file holds text that repeats from stage to stage and edit records
with the same keys over and over; compressed, it takes about a third of the
plain JSON. Files start with MAGIC; anything else is read as plain JSON
(error records, the catalogue state, state written by older versions).

An intermediate stage's text is left out when replaying its edits (the record
is exact) on its base rebuilds it: its own raw text (decode) or the previous
stage's text, named in TEXT_FROM. Reading rebuilds it, the base first (a chain
at most as long as the stages, each step linear); texts just written or read
are kept in memory, so a run rebuilds nothing it has just made. A state written
`whole` (execute: normalise's) ends the chain: with several workers each task
runs in a process of its own, and rebuilding a text from there on replays only
the few edits of strip, repair, reassemble and render, never decoding the source
again nor normalise's many character edits.

Only the final stage's state is flushed to disk before its rename: every
intermediate one can be rebuilt from the source, so after a crash a torn file
is no loss. Reading one raises StateCorrupt, and execute runs that stage again;
a state whose base was torn reads without its text, and is made again too.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from .model import Edit, apply_batch, group_batches

MAGIC = b"GWRZ1\n"
# zlib level 1: nearly the size of level 6 at a third of the time.
LEVEL = 1
TEXT_FROM = "text_from"  # a stored state's text is rebuilt from this base ...
OWN_RAW_TEXT = "raw_text"  # ... its own raw text, or else the sibling state file of this name
RAW_FROM_SOURCE = "raw_text_from_source"  # the raw text is not stored: the source decoded again gives it
# Texts of states just read or written, by path: the bases a following write derives from, and
# what a following read needs not rebuild. A shard runs one stage over all its documents, then
# the next, so the texts are read back in the order they were written: a text whose stage has
# run on it is dropped, and past the limit new texts are not kept (dropping the oldest instead
# would drop each one just before it is read). 8M characters hold a stage of some 150 reports.
_full_texts: dict[str, str] = {}
_kept_chars = 0
FULL_TEXT_CHARS_KEPT = 8_000_000
MAX_CHAIN = 16  # more derivations than any document's stages: a loop, not a chain


class StateCorrupt(ValueError):
    """A state file that cannot be read back (torn by a crash, or not ours)."""


def dumps(state: Any) -> bytes:
    return MAGIC + zlib.compress(orjson.dumps(state, option=orjson.OPT_NON_STR_KEYS), LEVEL)


def loads(data: bytes) -> Any:
    """The value of a state file as stored, compressed or plain JSON."""
    try:
        if data.startswith(MAGIC):
            return orjson.loads(zlib.decompress(data[len(MAGIC):]))
        return json.loads(data.decode("utf-8"))
    except (zlib.error, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise StateCorrupt(f"unreadable state: {exc}") from exc


def replay(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply recorded edits (as stored) batch by batch; ValueError when they do not fit the text."""
    for batch in group_batches(Edit.from_json(e) for e in edits):
        text = apply_batch(text, batch)
    return text


def forget_texts() -> None:
    """Drop the texts kept in memory (the next reads rebuild them from the files)."""
    global _kept_chars
    _full_texts.clear()
    _kept_chars = 0


def _remember(path: Path, text: str) -> None:
    """Keep the text of a state just written or read, while the texts kept stay within the limit."""
    global _kept_chars
    _forget(path)
    if _kept_chars + len(text) <= FULL_TEXT_CHARS_KEPT:
        _full_texts[str(path)] = text
        _kept_chars += len(text)


def _forget(path: Path) -> None:
    global _kept_chars
    old = _full_texts.pop(str(path), None)
    if old is not None:
        _kept_chars -= len(old)


def compacted(state: dict[str, Any], base: Path | None) -> dict[str, Any]:
    """The state to store: its text left out when replaying its edits on a full text rebuilds it exactly."""
    text = state.get("text")
    if not isinstance(text, str) or not isinstance(state.get("edits"), list):
        return state
    bases = []
    if isinstance(state.get(OWN_RAW_TEXT), str):
        bases.append((OWN_RAW_TEXT, state[OWN_RAW_TEXT]))
    if base is not None and str(base) in _full_texts:
        bases.append((base.name, _full_texts[str(base)]))
    for name, base_text in bases:
        try:
            if replay(base_text, state["edits"]) == text:
                return {**state, "text": None, TEXT_FROM: name}
        except ValueError:
            continue
    return state


def write(path: Path, state: Any, durable: bool, base: Path | None = None, raw_from_source: bool = False,
          whole: bool = False) -> None:
    """Write a state atomically; fsync it only when `durable` (the final stage's result).

    `base` is the state file of the previous stage, whose full text (if it was
    just read or written) may stand in for this state's text. `raw_from_source`:
    the state's raw text is the source file decoded, which the reader can do
    again (see read's `raw_source`): it is not stored a second time. `whole`: the
    text is stored in full, as the base the following stages' texts derive from.
    """
    from .store import write_bytes_atomic

    stored = compacted(state, base) if isinstance(state, dict) and not whole else state
    if raw_from_source and isinstance(stored, dict) and isinstance(stored.get(OWN_RAW_TEXT), str):
        stored = {**stored, OWN_RAW_TEXT: None, RAW_FROM_SOURCE: True}
    write_bytes_atomic(path, dumps(stored), durable=durable)
    if base is not None:
        _forget(base)  # its stage has run on it: the next one reads this state's text
    if not durable and isinstance(state, dict) and isinstance(state.get("text"), str):
        _remember(path, state["text"])  # (the final text is read by no later stage)


def read(path: Path, read_bytes: Callable[[Path], bytes] = Path.read_bytes, depth: int = 0,
         raw_source: Callable[[], str | None] | None = None, want_raw: bool = False,
         want_text: bool = True) -> Any:
    """A state with its text; a derived text whose base is gone is left out (no "text" key).

    `read_bytes` reads a file (store.read_own_bytes: never through a link or a FIFO put in its place).
    A raw text not stored (written with raw_from_source) comes from `raw_source` (the source
    decoded again) when the text is rebuilt from it or `want_raw` asks for it; else it is None.
    Without `want_text` a derived text is not rebuilt (its "text" is None): the edits and the
    metadata are all a caller may need.
    """
    try:
        state = loads(read_bytes(path))
    except StateCorrupt as exc:
        raise StateCorrupt(f"{path}: {exc}") from exc
    if not isinstance(state, dict):
        return state
    from_source = state.pop(RAW_FROM_SOURCE, False)
    source = state.pop(TEXT_FROM, None)
    if not want_text:
        return state
    if from_source and (want_raw or source == OWN_RAW_TEXT and str(path) not in _full_texts):
        state[OWN_RAW_TEXT] = raw_source() if raw_source is not None else None
    if source is None:
        if isinstance(state.get("text"), str):
            _remember(path, state["text"])
        return state
    if str(path) in _full_texts:  # just written or read: its text is already rebuilt
        state["text"] = _full_texts[str(path)]
        return state
    base_text = state.get(OWN_RAW_TEXT) if source == OWN_RAW_TEXT else \
        _full_text(path.parent / source, read_bytes, depth + 1, raw_source)
    if base_text is None:
        del state["text"]  # an older run's result whose base was replaced: its metadata still reads
        return state
    try:
        state["text"] = replay(base_text, state["edits"])
    except ValueError as exc:
        raise StateCorrupt(f"{path}: its text does not rebuild from {source}: {exc}") from exc
    _remember(path, state["text"])
    return state


def _full_text(path: Path, read_bytes: Callable[[Path], bytes], depth: int,
               raw_source: Callable[[], str | None] | None) -> str | None:
    """The text of a base state file (rebuilt from its own base if need be), None when it is gone."""
    if str(path) in _full_texts:
        return _full_texts[str(path)]
    if depth > MAX_CHAIN:  # a chain longer than the stages (or a loop): not one we wrote
        return None
    try:
        base = read(path, read_bytes, depth, raw_source)
    except (OSError, StateCorrupt):
        return None
    text = base.get("text") if isinstance(base, dict) else None
    return text if isinstance(text, str) else None
