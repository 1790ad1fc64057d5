"""How one stage result is stored: compact bytes (orjson, zlib), durable only where it must be.

A state file holds text that repeats from stage to stage and edit records
with the same keys over and over; compressed, it takes about a third of the
plain JSON. Files start with MAGIC; anything else is read as plain JSON
(error records, the catalogue state, state written by older versions).

An intermediate stage's text is left out when replaying its edits (the record
is exact) on its base rebuilds it: its own raw text (decode) or the previous
stage's text, named in TEXT_FROM. Decode's raw text is not stored either: it is
the source decoded again (plain text) or extract's raw text (RAW_FROM). Reading
rebuilds a text, the base first (a chain at most as long as the stages, each
step linear); texts just written or read are kept in memory, so a run rebuilds
nothing it has just made. A state written
`whole` (execute: normalise's) ends the chain: with several workers each task
runs in a process of its own, and rebuilding a text from there on replays only
the few edits of strip, repair, reassemble and render, never decoding the source
again nor normalise's many character edits.

Once a document is published, its report and change record hold every later
stage's text and edits (the record is exact and reversible), so those states
shrink to their metadata and two hashes (`published_stub`, FROM_OUTPUTS):
reading one takes its edits from the record and its text from the report with
the later stages' edits undone, and checks both against the hashes. A report
or record gone or edited since reads like a base that is gone (no text), and
the stage is made again.

Only the final stage's state is flushed to disk before its rename: every
intermediate one can be rebuilt from the source, so after a crash a torn file
is no loss. Reading one raises StateCorrupt, and execute runs that stage again;
a state whose base was torn reads without its text, and is made again too.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from .model import Edit, apply_batch, group_batches, revert_all

MAGIC = b"GWRZ1\n"
# zlib level 1: nearly the size of level 6 at a third of the time.
LEVEL = 1
TEXT_FROM = "text_from"  # a stored state's text is rebuilt from this base ...
OWN_RAW_TEXT = "raw_text"  # ... its own raw text, or else the sibling state file of this name
RAW_FROM_SOURCE = "raw_text_from_source"  # the raw text is not stored: the source decoded again gives it
RAW_FROM = "raw_text_from"  # ... or the sibling state file of this name holds the same raw text (extract's)
# Texts of states just read or written, by path: the bases a following write derives from, and
# what a following read needs not rebuild. A shard runs one stage over all its documents, then
# the next, so the texts are read back in the order they were written: a text whose stage has
# run on it is dropped, and past the limit new texts are not kept (dropping the oldest instead
# would drop each one just before it is read). 8M characters hold a stage of some 150 reports.
_full_texts: dict[str, str] = {}
_metas: dict[str, bytes] = {}  # ... and, for the states just written, their metadata (as JSON: never shared)
_kept_chars = 0
FULL_TEXT_CHARS_KEPT = 8_000_000
MAX_CHAIN = 16  # more derivations than any document's stages: a loop, not a chain
FROM_OUTPUTS = "from_outputs"  # text and edits are the published report's and record's: their sha256 here
# A document's published report and the lines of its change record, by its name (None when unreadable).
Outputs = Callable[[str], "tuple[str, list[bytes]] | None"]


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
    _metas.clear()
    _kept_chars = 0


def _remember(path: Path, text: str) -> None:
    """Keep the text of a state just written or read, while the texts kept stay within the limit."""
    global _kept_chars
    _forget(path)
    if _kept_chars + len(text) <= FULL_TEXT_CHARS_KEPT:
        _full_texts[str(path)] = text
        _kept_chars += len(text)


def remembered(path: Path) -> tuple[str, dict[str, Any]] | None:
    """The text and metadata of a state this process has just written, when they are still kept:
    what the next stage needs, without reading the file back."""
    text, meta = _full_texts.get(str(path)), _metas.get(str(path))
    return (text, orjson.loads(meta)) if text is not None and meta is not None else None


def _forget(path: Path) -> None:
    global _kept_chars
    _metas.pop(str(path), None)
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
          whole: bool = False, raw_from: Path | None = None) -> None:
    """Write a state atomically; fsync it only when `durable` (the final stage's result).

    `base` is the state file of the previous stage, whose full text (if it was
    just read or written) may stand in for this state's text. `raw_from_source`:
    the state's raw text is the source file decoded, which the reader can do
    again (see read's `raw_source`): it is not stored a second time; nor is one that the
    state file `raw_from` already holds. `whole`: the text is stored in full, as the
    base the following stages' texts derive from.
    """
    from .store import read_own_bytes, write_bytes_atomic

    stored = compacted(state, base) if isinstance(state, dict) and not whole else state
    if isinstance(stored, dict) and isinstance(stored.get(OWN_RAW_TEXT), str):
        if raw_from_source:
            stored = {**stored, OWN_RAW_TEXT: None, RAW_FROM_SOURCE: True}
        elif raw_from is not None and _stored_raw_text(raw_from, read_own_bytes) == stored[OWN_RAW_TEXT]:
            stored = {**stored, OWN_RAW_TEXT: None, RAW_FROM: raw_from.name}
    write_bytes_atomic(path, dumps(stored), durable=durable)
    if base is not None:
        _forget(base)  # its stage has run on it: the next one reads this state's text
    if not durable and isinstance(state, dict) and isinstance(state.get("text"), str):
        _remember(path, state["text"])  # (the final text is read by no later stage)
        if str(path) in _full_texts:
            _metas[str(path)] = orjson.dumps(state.get("meta"), option=orjson.OPT_NON_STR_KEYS)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_digest(text: str) -> str:
    return digest(text.encode("utf-8", "surrogatepass"))


def published_stub(state: dict[str, Any], text: str, record_lines: list[bytes]) -> dict[str, Any]:
    """A published stage's state without its text and edits: its metadata, and the sha256 of its text
    and of its lines of the change record (`record_lines`), which rebuild them (see from_outputs)."""
    kept = {k: v for k, v in state.items() if k not in ("text", "edits", TEXT_FROM)}
    return {**kept, FROM_OUTPUTS: {"text": text_digest(text), "edits": digest(b"\n".join(record_lines))}}


def stage_lines(lines: list[bytes], stage: str) -> tuple[list[bytes], list[Edit]]:
    """A stage's own lines of a change record, and the edits of the stages after it."""
    from .stages import STAGES

    later = set(STAGES[STAGES.index(stage) + 1:])
    own, after = [], []
    for line, edit in zip(lines, map(orjson.loads, lines), strict=True):
        if not isinstance(edit, dict):
            raise TypeError(f"not an edit: {line[:40]!r}")
        if edit.get("stage") == stage:
            own.append(line)
        elif edit.get("stage") in later:
            after.append(Edit.from_json(edit))
    return own, after


def from_outputs(state: dict[str, Any], hashes: Any, outputs: Outputs | None, path: Path,
                 want_text: bool) -> dict[str, Any]:
    """A published stub's edits (from the record) and text (the report, later stages undone), both checked
    against its hashes; without "text" and "edits" when they do not rebuild (gone or edited since)."""
    published = outputs(str(state.get("stem"))) if outputs is not None and isinstance(hashes, dict) else None
    if published is None or state.get("stage") is None:
        return state
    report, lines = published
    try:
        own, later = stage_lines([line for line in lines if line], str(state["stage"]))
    except (ValueError, TypeError, AttributeError):  # not a record of ours (edited by hand)
        return state
    if digest(b"\n".join(own)) != hashes.get("edits"):
        return state
    edits = [orjson.loads(line) for line in own]
    if not want_text:
        return {**state, "edits": edits, "text": None}
    text = _full_texts.get(str(path))
    if text is None:
        try:
            text = revert_all(report, later)
        except (ValueError, TypeError, AttributeError):  # edits of later stages that do not fit the report
            return state
    if text_digest(text) != hashes.get("text"):
        return state
    _remember(path, text)
    return {**state, "edits": edits, "text": text}


def forget(path: Path) -> None:
    """Drop what is kept in memory of this state (its document is published: no later stage reads it)."""
    _forget(path)


def write_stub(path: Path, stub: dict[str, Any], durable: bool) -> None:
    """Write a published stub (a rerun that publishes the same text and edits leaves the file as it is)."""
    from .store import holds, write_bytes_atomic

    data = dumps(stub)
    try:
        same = path.stat().st_size == len(data) and holds(path, data)
    except OSError:
        same = False
    if not same:
        write_bytes_atomic(path, data, durable=durable)


def read(path: Path, read_bytes: Callable[[Path], bytes] = Path.read_bytes, depth: int = 0,
         raw_source: Callable[[], str | None] | None = None, want_raw: bool = False,
         want_text: bool = True, outputs: Outputs | None = None) -> Any:
    """A state with its text; a derived text whose base is gone is left out (no "text" key).

    `read_bytes` reads a file (store.read_own_bytes: never through a link or a FIFO put in its place).
    A raw text not stored (written with raw_from_source) comes from `raw_source` (the source
    decoded again) when the text is rebuilt from it or `want_raw` asks for it; else it is None.
    Without `want_text` a derived text is not rebuilt (its "text" is None): the edits and the
    metadata are all a caller may need. `outputs` reads a published document's report and record,
    which a published stub's text and edits come from.
    """
    try:
        state = loads(read_bytes(path))
    except StateCorrupt as exc:
        raise StateCorrupt(f"{path}: {exc}") from exc
    if not isinstance(state, dict):
        return state
    if FROM_OUTPUTS in state:
        return from_outputs(state, state.pop(FROM_OUTPUTS), outputs, path, want_text)
    from_source = state.pop(RAW_FROM_SOURCE, False)
    raw_from = state.pop(RAW_FROM, None)
    source = state.pop(TEXT_FROM, None)
    if not want_text:
        return state
    if (from_source or raw_from) and (want_raw or source == OWN_RAW_TEXT and str(path) not in _full_texts):
        state[OWN_RAW_TEXT] = raw_source() if raw_source is not None and from_source else \
            _stored_raw_text(path.parent / Path(str(raw_from)).name, read_bytes) if raw_from else None
    if source is None:
        if isinstance(state.get("text"), str):
            _remember(path, state["text"])
        return state
    if str(path) in _full_texts:  # just written or read: its text is already rebuilt
        state["text"] = _full_texts[str(path)]
        return state
    base_text = state.get(OWN_RAW_TEXT) if source == OWN_RAW_TEXT else \
        _full_text(path.parent / source, read_bytes, depth + 1, raw_source, outputs)
    if base_text is None:
        del state["text"]  # an older run's result whose base was replaced: its metadata still reads
        return state
    try:
        state["text"] = replay(base_text, state["edits"])
    except ValueError as exc:
        raise StateCorrupt(f"{path}: its text does not rebuild from {source}: {exc}") from exc
    _remember(path, state["text"])
    return state


def _stored_raw_text(path: Path, read_bytes: Callable[[Path], bytes]) -> str | None:
    """The raw text a state file stores itself (None when it stores none, or cannot be read)."""
    try:
        state = loads(read_bytes(path))
    except (OSError, StateCorrupt):
        return None
    raw = state.get(OWN_RAW_TEXT) if isinstance(state, dict) else None
    return raw if isinstance(raw, str) else None


def _full_text(path: Path, read_bytes: Callable[[Path], bytes], depth: int,
               raw_source: Callable[[], str | None] | None, outputs: Outputs | None) -> str | None:
    """The text of a base state file (rebuilt from its own base if need be), None when it is gone."""
    if str(path) in _full_texts:
        return _full_texts[str(path)]
    if depth > MAX_CHAIN:  # a chain longer than the stages (or a loop): not one we wrote
        return None
    try:
        base = read(path, read_bytes, depth, raw_source, outputs=outputs)
    except (OSError, StateCorrupt):
        return None
    text = base.get("text") if isinstance(base, dict) else None
    return text if isinstance(text, str) else None
