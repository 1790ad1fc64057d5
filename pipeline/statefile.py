"""How one stage result is stored: compact bytes (orjson, zlib), durable only where it must be.

A state file holds text that repeats from stage to stage and edit records
with the same keys over and over; compressed, it takes about a third of the
plain JSON. Files start with MAGIC; anything else is read as plain JSON
(error records, the catalogue state, state written by older versions).

Only the final stage's state is flushed to disk before its rename: every
intermediate one can be rebuilt from the source, so after a crash a torn file
is no loss. Reading one raises StateCorrupt, and execute runs that stage again.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import orjson

MAGIC = b"GWRZ1\n"
# zlib level 1: nearly the size of level 6 at a third of the time.
LEVEL = 1


class StateCorrupt(ValueError):
    """A state file that cannot be read back (torn by a crash, or not ours)."""


def dumps(state: Any) -> bytes:
    return MAGIC + zlib.compress(orjson.dumps(state, option=orjson.OPT_NON_STR_KEYS), LEVEL)


def loads(data: bytes) -> Any:
    """The value of a state file, compressed or plain JSON."""
    try:
        if data.startswith(MAGIC):
            return orjson.loads(zlib.decompress(data[len(MAGIC):]))
        return json.loads(data.decode("utf-8"))
    except (zlib.error, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise StateCorrupt(f"unreadable state: {exc}") from exc


def write(path: Path, state: Any, durable: bool) -> None:
    """Write a state atomically; fsync it only when `durable` (the final stage's result)."""
    from .store import write_bytes_atomic

    write_bytes_atomic(path, dumps(state), durable=durable)


def read(path: Path) -> Any:
    try:
        return loads(path.read_bytes())
    except StateCorrupt as exc:
        raise StateCorrupt(f"{path}: {exc}") from exc
