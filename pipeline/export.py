"""`gwr-clean export`: the cleaned corpus as one JSONL file, or as a folder of plain-text files.

JSONL: one object per report, {"id", "text", "meta"} — `text` the report's
Markdown without its front matter, `meta` the front matter and the catalogue
fields (the same keys and value types in every record, so datasets, Data-Juicer
and datatrove load it as it is). Reports are listed from the catalogue the last
`clean` wrote; failed inputs have no report and are not exported.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from . import catalogue, store
from .published import plain_text, split_report

FORMATS = ("jsonl", "txt")
RECORD_KEYS = ("id", "text", "meta")
MANIFEST = ".gwr-clean-export.json"  # in a txt export folder: the files this tool wrote there
TMP_PREFIX = ".gwr-export-"  # a file being written: `.gwr-export-<name>.<random>.tmp` beside it


class ExportError(RuntimeError):
    """The export cannot be written; str() says why, naming the file."""


def meta_of(front: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """The catalogue row, then `source` and any other front matter field, in a fixed order.

    Every record has the catalogue's keys and `source` (empty when not known),
    with one type per key (flags as the catalogue writes them, `a;b`).
    """
    meta = dict(row)
    meta["source"] = str(front.get("source", ""))
    for key, value in front.items():
        meta.setdefault(key, ";".join(value) if isinstance(value, list) else value)
    return meta


def record(name: str, markdown: str, row: Mapping[str, Any]) -> dict[str, Any]:
    front, body = split_report(markdown)
    return {"id": name, "text": body, "meta": meta_of(front, row)}


def listed(output_dir: Path, best_copies_only: bool = False) -> list[dict[str, Any]]:
    """The catalogue's entries (name, report, row) to export, in path order."""
    return [item for item in catalogue.read_rows(Path(output_dir))
            if item["row"]["best_copy"] or not best_copies_only]


def reports(output_dir: Path, best_copies_only: bool = False) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(name, Markdown, catalogue row) of every report in the catalogue, in path order."""
    for item in listed(output_dir, best_copies_only):
        path = Path(output_dir) / item["report"]
        try:
            markdown = store.read_own_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or exc
            raise ExportError(f"{path}: cannot read the report: {why} (run `gwr-clean clean` again)") from exc
        yield item["name"], markdown, item["row"]


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[IO[str]]:
    """Write a (large) text file through a temporary file in its folder, renamed into place at the end.

    A write that fails (read-only or full disk) is an ExportError naming the file, never the temporary.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in path.parent.glob(f"{TMP_PREFIX}{glob.escape(path.name)}.*{store.TMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)  # of an export of this file that was killed
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TMP_PREFIX}{path.name}.", suffix=store.TMP_SUFFIX)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            os.fchmod(fh.fileno(), store.file_mode())  # mkstemp's 0600 would ignore the umask
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_our_jsonl(path: Path) -> bool:
    """An existing file we may overwrite: empty, or starting with one of our records (never a link, FIFO, device)."""
    if not store.is_own_file(path):
        return False
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    if not first.strip():
        return path.stat().st_size == 0
    try:
        data = json.loads(first)
    except ValueError:
        return False
    return isinstance(data, dict) and tuple(data) == RECORD_KEYS


def export_jsonl(output_dir: Path, target: Path, best_copies_only: bool = False) -> int:
    """Write every report as one JSON line; return how many."""
    target = Path(target)
    if target.is_dir() or (target.exists() and not is_our_jsonl(target)):
        raise ExportError(f"{target}: exists and is not a JSONL export of gwr-clean; not overwritten")
    count = 0
    with atomic_file(target) as fh:
        for name, markdown, row in reports(output_dir, best_copies_only):
            fh.write(json.dumps(record(name, markdown, row), ensure_ascii=False) + "\n")
            count += 1
    return count


def txt_name(name: str) -> str:
    return f"{store.short_leaf(name)}.txt"  # a long name shortened as its report's is


def export_txt(output_dir: Path, folder: Path, best_copies_only: bool = False) -> int:
    """Write every report's plain text (no front matter, no Markdown syntax) to folder/<name>.txt.

    Only files this tool wrote there (listed in its manifest) are ever
    overwritten or removed; a folder holding anything else is refused.
    """
    folder = Path(folder)
    manifest = folder / MANIFEST
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: exists and is not a folder")
    ours = set(json.loads(manifest.read_text(encoding="utf-8"))) if manifest.exists() else set()
    others = [p for p in folder.rglob("*") if p.is_file() and p != manifest and not p.name.startswith(TMP_PREFIX)
              and p.relative_to(folder).as_posix() not in ours] if folder.exists() else []
    if others:
        raise ExportError(f"{folder}: holds files gwr-clean did not write (e.g. {others[0].name}); "
                          "export to a new or empty folder")
    # Listed before a file is written, so that an export stopped midway (a full disk) can be run again.
    planned = {txt_name(item["name"]) for item in listed(output_dir, best_copies_only)}
    with atomic_file(manifest) as fh:
        json.dump(sorted(ours | planned), fh, ensure_ascii=False)
    written = []
    for name, markdown, _ in reports(output_dir, best_copies_only):
        rel = txt_name(name)
        with atomic_file(folder / rel) as fh:
            fh.write(plain_text(split_report(markdown)[1]))
        written.append(rel)
    for stale in ours - set(written):
        (folder / stale).unlink(missing_ok=True)
    with atomic_file(manifest) as fh:
        json.dump(sorted(written), fh, ensure_ascii=False)
    return len(written)


def export(output_dir: Path, fmt: str, target: Path, best_copies_only: bool = False) -> int:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    writer = export_jsonl if fmt == "jsonl" else export_txt
    return writer(Path(output_dir), Path(target), best_copies_only)
