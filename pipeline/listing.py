"""Listing the input folder: which entries are documents, and why the others are not.

The one place that decides what the tool reads. An input is a regular file
inside the input folder, searched recursively: hidden files and folders and
the output folder (when it lies inside the input) are left out silently;
an output folder of an earlier run (one holding `.state/run.lock`) is skipped
with a note; symbolic links that lead out of the folder or to nothing, links to folders,
FIFOs, devices and sockets, and names that are not UTF-8 are skipped with a
one-line note. A document's name is its path relative to the input folder
without the extension (`湖南/2021/a`), so the same stem in two folders is two
documents. Reading a source (`read_source`) opens it without blocking and
checks again that it is a regular file within the size limit, so a FIFO or a
device swapped in after the listing cannot hang a run.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from . import decode
from .store import STATE_DIR, Doc, lock_path, short_leaf

READ_CHUNK = 1 << 20


class FolderError(ValueError):
    """The input and output folders cannot work together (the same folder, or the input inside the output)."""


class SourceError(OSError):
    """A source cannot be read as a document (not a regular file, too large, changed); str() says why."""


@dataclass(frozen=True)
class Problem:
    """An input that is a document but cannot be read (its `reason` names the file)."""

    path: str
    reason: str
    name: str = ""


@dataclass(frozen=True)
class Skipped:
    """An entry of the input folder that is not an input (its `reason` names it)."""

    path: str
    reason: str


@dataclass
class Listing:
    docs: list[Doc] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def max_bytes() -> int:
    """The size limit of one source: decode's, checked here before a byte is read."""
    return decode.max_source_bytes()


def too_large(size: int) -> str | None:
    if size <= max_bytes():
        return None
    return (f"file is {size / 1e6:.1f} MB, more than any report "
            f"({max_bytes() // 1_000_000} MB limit in decode.toml); not read")


def file_kind(mode: int) -> str:
    """What a non-regular entry is, in words."""
    for test, words in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "not a regular file"


def check_folders(input_dir: Path, output_dir: Path) -> None:
    """Refuse an output folder that is the input folder or holds it: outputs would overwrite or become inputs.

    An output folder inside the input folder is allowed: the listing leaves it out.
    """
    inp, out = Path(input_dir).resolve(), Path(output_dir).resolve()
    if inp == out:
        raise FolderError(f"--output {output_dir} is the input folder {input_dir}: reports would overwrite "
                          f"sources and be read back as inputs; choose another output folder")
    if inp.is_relative_to(out):
        raise FolderError(f"--input {input_dir} lies inside --output {output_dir}: choose an output folder "
                          f"outside the input folder")
    if is_output_folder(inp):
        raise FolderError(f"--input {input_dir} is an output folder of gwr-clean (it holds {STATE_DIR}/): its "
                          f"records and catalogue would be read as reports; copy the reports to clean again "
                          f"into a folder of their own")


def document_name(relative: Path) -> str:
    """A document's name: its path relative to the input folder, without the extension, with `/`."""
    return relative.with_name(relative.stem).as_posix() if relative.suffix else relative.as_posix()


def printable(text: str) -> str:
    """Text as one printable line: control characters and line separators in a name shown as escapes (`\\n`)."""
    return text.translate(ESCAPED_CONTROLS)


def _escape(c: str) -> str:
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(c, f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


ESCAPED_CONTROLS = {c: _escape(chr(c)) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)}


def utf8_name(name: str) -> bool:
    """A file name that came from valid UTF-8 (os gives undecodable bytes as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_source(path: str | Path, expected_sha256: str | None = None) -> bytes:
    """The bytes of a source, read without following it into a FIFO or device; checked against its listed hash.

    A source rewritten between the listing and this read fails ("changed while
    being read"): the next run lists its new hash and cleans it properly.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"{path}: {file_kind(info.st_mode)}, not a regular file; not read")
        large = too_large(info.st_size)
        if large:
            raise SourceError(f"{path}: {large}")
        chunks = []
        while chunk := os.read(fd, READ_CHUNK):
            chunks.append(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise SourceError(f"{path}: changed while being read (its bytes no longer match the sha256 listed at "
                          f"the start of the run); the next run cleans it again")
    return data


def sha256_source(path: Path) -> str:
    """The sha256 of a source, read the way `read_source` reads it (never a FIFO or device)."""
    return hashlib.sha256(read_source(path)).hexdigest()


def link_target(path: Path, root: Path, excluded: Path | None) -> tuple[Path | None, str]:
    """Where a symbolic link leads when it is a usable input, else (None, why it is skipped)."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None, f"{path}: a symbolic link to nothing ({os.readlink(path)}); skipped"
    if not target.is_relative_to(root) or (excluded is not None and target.is_relative_to(excluded)):
        return None, f"{path}: a symbolic link to {target}, outside the input folder; not read"
    mode = target.stat().st_mode
    if not stat.S_ISREG(mode):
        return None, f"{path}: a symbolic link to {file_kind(mode)} ({target}); not read"
    return target, ""


def is_output_folder(folder: Path) -> bool:
    """A folder some run of gwr-clean wrote into (the output folder of this run, or of an earlier one)."""
    return lock_path(folder).exists()


def walk(folder: Path, excluded: Path | None, top: bool = True) -> list[os.DirEntry | Skipped]:
    """Every non-hidden entry under a folder, depth first in name order, without entering links or `excluded`;
    a subfolder that cannot be listed is a Skipped entry."""
    try:
        with os.scandir(folder) as it:
            listed = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        if top:
            raise
        return [Skipped(str(folder), f"{folder}: a folder that cannot be listed ({exc.strerror or exc}); skipped")]
    entries: list[os.DirEntry | Skipped] = []
    for entry in listed:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            if excluded is not None and Path(entry.path).resolve() == excluded:
                continue
            if is_output_folder(Path(entry.path)):
                entries.append(Skipped(entry.path, f"{entry.path}: an output folder of gwr-clean (it holds "
                                                   f"{STATE_DIR}/); its reports and records are not read as inputs"))
            else:
                entries += walk(Path(entry.path), excluded, top=False)
            continue
        entries.append(entry)
    return entries


def classify(entry: os.DirEntry, root: Path, excluded: Path | None) -> Skipped | Path:
    """The entry's path when it is an input, else why it is skipped."""
    try:
        return classify_entry(entry, root, excluded)
    except OSError as exc:  # gone or changed while the folder was listed
        return Skipped(entry.path, f"{entry.path}: cannot be examined ({exc.strerror or exc}); skipped")


def classify_entry(entry: os.DirEntry, root: Path, excluded: Path | None) -> Skipped | Path:
    path = Path(entry.path)
    if not utf8_name(entry.path):
        shown = os.fsencode(entry.path).decode("utf-8", "backslashreplace")
        return Skipped(shown, f"{shown}: the file name is not UTF-8; rename it to read it")
    info = entry.stat(follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode):
        target, why = link_target(path, root, excluded)
        return path if target is not None else Skipped(str(path), why)
    if not stat.S_ISREG(info.st_mode):
        return Skipped(str(path), f"{path}: {file_kind(info.st_mode)}, not a regular file; not read")
    return path


def list_inputs(input_dir: Path, output_dir: Path | None = None) -> Listing:
    """The documents of the input folder (sorted by name), the inputs that cannot be read, and the skipped entries."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise FileNotFoundError(f"{input_dir}: input folder does not exist")
    if output_dir is not None:
        check_folders(input_dir, output_dir)
    root = input_dir.resolve()
    excluded = Path(output_dir).resolve() if output_dir is not None else None
    listing, seen = Listing(), {}
    for entry in walk(input_dir, excluded):
        found = entry if isinstance(entry, Skipped) else classify(entry, root, excluded)
        if isinstance(found, Skipped):
            listing.skipped.append(found)
            continue
        name = document_name(found.relative_to(input_dir))
        if name in seen:
            listing.problems.append(Problem(str(found), f"{found}: same document name '{name}' as {seen[name]} "
                                                        f"(one report per name); skipped", name))
            continue
        seen[name] = found
        try:
            digest = sha256_source(found)
        except SourceError as exc:
            listing.problems.append(Problem(str(found), str(exc), name))
            continue
        except OSError as exc:
            listing.problems.append(Problem(str(found), f"{found}: cannot read: {exc.strerror or exc}", name))
            continue
        listing.docs.append(Doc(name, str(found), digest))
    return without_clashes(listing)


def output_files(name: str) -> tuple[str, str]:
    """A document's report and record, relative to the output folder."""
    leaf = short_leaf(name)
    return f"{leaf}.md", f"{leaf}.changes.jsonl"


def without_clashes(listing: Listing) -> Listing:
    """Move to the problems every document whose output folder would be another's report or record
    (`x.txt` beside a folder `x.md/`) or one of the tool's own files (a folder `catalogue.csv/`)."""
    from .catalogue import CSV_NAME, PARQUET_NAME

    files = {CSV_NAME: "the catalogue", PARQUET_NAME: "the catalogue"}
    for doc in listing.docs:
        files.update(dict.fromkeys(output_files(doc.stem), f"the output of {doc.path}"))
    kept = []
    for doc in listing.docs:
        parts = short_leaf(doc.stem).split("/")[:-1]
        folders = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        clash = next((f for f in folders if f in files), None)
        if clash is None:
            kept.append(doc)
            continue
        listing.problems.append(Problem(doc.path, f"{doc.path}: its output would go into a folder {clash}/, but "
                                                  f"{clash} is {files[clash]}; rename the folder", doc.stem))
    listing.docs = kept
    return listing
