"""The Python API for notebooks: `pipeline.clean(data, name) -> Report`.

The same chain of stages as `gwr-clean clean` (pipeline.chain.clean_bytes),
in memory, without Luigi or files: the Markdown is byte for byte the report
the command line writes for the same bytes under the same source name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .model import Edit


@dataclass(frozen=True)
class Report:
    """One cleaned report.

    markdown  the canonical Markdown, front matter included (what `<stem>.md` holds)
    text      the report as plain text: no front matter, no Markdown syntax
    meta      the front matter and the catalogue fields (level, admin_code, year, chars, …)
    edits     every change made, in order (what `<stem>.changes.jsonl` holds)
    """

    markdown: str
    edits: list[Edit] = field(repr=False)
    meta: dict[str, Any]

    @property
    def text(self) -> str:
        from .published import plain_text, split_report

        return plain_text(split_report(self.markdown)[1])


def clean(data: bytes | str, name: str = "") -> Report:
    """Clean one report given as bytes (any supported encoding) or as text.

    `name` is the source's name as the front matter's `source:` shows it
    (the command line writes the path it read, e.g. `seeds/002.txt`).
    Raises pipeline.decode.DecodeError (a ValueError) for input that is no
    text document (empty, binary, undecodable), with the reason.
    """
    from . import catalogue
    from .chain import clean_bytes
    from .export import meta_of
    from .published import split_report

    if not isinstance(data, str | bytes | bytearray | memoryview):  # bytes(123) would be 123 NUL bytes
        raise TypeError(f"pipeline.clean takes bytes or str, not {type(data).__name__}")
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    sha256 = hashlib.sha256(raw).hexdigest()
    _, markdown, edits, _ = clean_bytes(raw, name, sha256)
    row = catalogue.report_row(name, sha256, markdown, (e.to_json() for e in edits))
    row = {k: v for k, v in row.items() if k not in ("copy_group", "best_copy")}
    return Report(markdown=markdown, edits=edits, meta=meta_of(split_report(markdown)[0], row))
