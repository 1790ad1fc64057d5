"""Where stage results live on disk, how they are keyed, and how they are written.

Layout under the output folder:

    <name>.md                 the cleaned report (<name>: the input's relative path without extension)
    <name>.changes.jsonl      every edit of every stage, in order
    .state/<dir>/<stage>-<key>.json        one stage's result for one document
    .state/<dir>/<stage>-<key>.error.json  why that stage failed on that document
    .state/<dir>/published-<key>           the report and record of that final key are in place
    .state/_shards/<stage>-<key>.done       a shard of documents finished a stage (lists its failures)
    .state/run.lock                         held (shared) by every run of this folder
    .state/catalogue.json                   the catalogue's cached rows (pipeline.catalogue)

<dir> is the name made one safe folder name (`safe_name`); a report file name
over NAME_BYTES bytes is shortened to a prefix and a hash (`short_leaf`), so a
long scraped title never fails with "File name too long".

A key is chained: sha256(previous key, stage name, stage fingerprint), the
first link being the sha256 of the source bytes. The fingerprint hashes the
stage's code and rule files, so an edited source reruns its own chain and an
edited rule file reruns its stage and everything after it. The last stage's
key also holds the source's path, which its front matter states, so a moved
input folder renders again. Deciding that a stage is done is one stat of a
path that contains the key.

Only files of the tool's own naming are ever removed or overwritten: a report
or record in the output folder is ours when its document's state folder says
it was published and has not been edited since (`owns_report`: the published mark holds the sha256 of
both); temporaries are named `.gwr-*.tmp`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from . import statefile
from .stages import STAGES, stage_fingerprint

STATE_DIR = ".state"
SHARD_DIR = "_shards"
LOCK_NAME = "run.lock"
CATALOGUE_STATE = "catalogue.json"
RULES_CHECKED = "rules-checked"  # the rules_digest of the rule files the last run in this folder validated
# Names in .state/ that are the tool's own: a document of such a name gets `~doc` after it (`~` is escaped
# in every other name, so no document's folder can be `<reserved>~doc` by chance).
RESERVED = frozenset({SHARD_DIR, LOCK_NAME, CATALOGUE_STATE, RULES_CHECKED})
KEY_CHARS = 20
# A file name of at most this many UTF-8 bytes stays as it is; with `.changes.jsonl` it is within the
# 255 bytes filesystems allow. Longer names become a prefix and a hash of the whole name.
NAME_BYTES = 200
HASH_CHARS = 16
TMP_PREFIX, TMP_SUFFIX = ".gwr-", ".tmp"
PUBLISHED = "published-"
ESCAPES = {"%": "%25", "/": "%2F", "~": "%7E"}


@dataclass(frozen=True)
class Doc:
    """One input document: its name (relative path without extension; `stem` for short), path and content hash."""

    stem: str
    path: str
    sha256: str

    def as_tuple(self) -> tuple[str, str, str]:
        return (self.stem, self.path, self.sha256)


@cache
def chain_keys(source_sha: str) -> dict[str, str]:
    """The key of every stage for a source with this content hash."""
    keys, previous = {}, source_sha
    for stage in STAGES:
        previous = hashlib.sha256(f"{previous}\0{stage}\0{stage_fingerprint(stage)}".encode()).hexdigest()
        keys[stage] = previous[:KEY_CHARS]
    return keys


def doc_key(doc: Doc, stage: str) -> str:
    """A stage's key for this document; the last stage's also holds the source path its front matter states."""
    key = chain_keys(doc.sha256)[stage]
    if stage != STAGES[-1]:
        return key
    return hashlib.sha256(f"{key}\0{doc.path}".encode()).hexdigest()[:KEY_CHARS]


def shorten(name: str) -> str:
    """A name of at most NAME_BYTES bytes: itself, or its longest prefix that fits and a hash of it all."""
    if len(name.encode("utf-8")) <= NAME_BYTES:
        return name
    room = NAME_BYTES - HASH_CHARS - 1
    prefix = name.encode("utf-8")[:room].decode("utf-8", "ignore")
    return f"{prefix}~{hashlib.sha256(name.encode('utf-8')).hexdigest()[:HASH_CHARS]}"


@lru_cache(maxsize=1 << 16)
def safe_name(name: str) -> str:
    """A document's name as one file name, different for different names (`/`, `%`, `~` escaped, then shortened),
    and never one of the tool's own names in .state/."""
    safe = shorten("".join(ESCAPES.get(c, c) for c in name))
    return f"{safe}~doc" if safe in RESERVED else safe


def short_leaf(name: str) -> str:
    """A document's output path without extension: its folders as in the input, a long last part shortened."""
    folder, _, leaf = name.rpartition("/")
    return f"{folder}/{shorten(leaf)}" if folder else shorten(leaf)


def doc_dir(output_dir: Path, stem: str) -> Path:
    return output_dir / STATE_DIR / safe_name(stem)


def state_path(output_dir: Path, doc: Doc, stage: str) -> Path:
    return doc_dir(output_dir, doc.stem) / f"{stage}-{doc_key(doc, stage)}.json"


def error_path(output_dir: Path, doc: Doc, stage: str) -> Path:
    return doc_dir(output_dir, doc.stem) / f"{stage}-{doc_key(doc, stage)}.error.json"


def published_path(output_dir: Path, doc: Doc) -> Path:
    """Present when the report and record of the document's current final key are in place."""
    return doc_dir(output_dir, doc.stem) / f"{PUBLISHED}{doc_key(doc, STAGES[-1])}"


def shard_marker(output_dir: Path, docs: Iterable[Doc], stage: str) -> Path:
    joined = "\0".join(f"{d.stem}\0{doc_key(d, stage)}" for d in docs)
    digest = hashlib.sha256(joined.encode()).hexdigest()[:KEY_CHARS]
    return output_dir / STATE_DIR / SHARD_DIR / f"{stage}-{digest}.done"


def lock_path(output_dir: Path) -> Path:
    return output_dir / STATE_DIR / LOCK_NAME


def rules_checked_path(output_dir: Path) -> Path:
    return output_dir / STATE_DIR / RULES_CHECKED


def report_path(output_dir: Path, stem: str) -> Path:
    return output_dir / f"{short_leaf(stem)}.md"


def changes_path(output_dir: Path, stem: str) -> Path:
    return output_dir / f"{short_leaf(stem)}.changes.jsonl"


@cache
def file_mode() -> int:
    """The mode a new file gets from the umask (mkstemp's temporaries are 0600 whatever it is)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def is_temporary(path: Path) -> bool:
    """A temporary file of the tool's own naming."""
    return path.name.startswith(TMP_PREFIX) and path.name.endswith(TMP_SUFFIX)


def write_temporary(path: Path, data: bytes, durable: bool = True) -> str:
    """The data in a new temporary file beside `path` (flushed to disk if durable); returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX, suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), file_mode())
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_bytes_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write to a temporary file in the same folder, then rename over the target (fsynced if durable)."""
    tmp = write_temporary(path, data, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def keep_old(path: Path) -> str | None:
    """A second name for the file now at `path` (a hard link, else a copy), so it can be put back."""
    if not path.exists():
        return None
    backup = tempfile.mktemp(dir=path.parent, prefix=TMP_PREFIX, suffix=TMP_SUFFIX)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)
    return backup


def write_together(files: list[tuple[Path, bytes]]) -> None:
    """Replace several files as one: on any error each keeps its old content (or stays absent)."""
    temps: list[str] = []
    backups: list[str | None] = []
    try:
        for path, data in files:
            temps.append(write_temporary(path, data))
        backups = [keep_old(path) for path, _ in files]
        replaced: list[int] = []
        try:
            for i, ((path, _), tmp) in enumerate(zip(files, temps, strict=True)):
                os.replace(tmp, path)
                replaced.append(i)
        except BaseException:
            for i in replaced:
                path, backup = files[i][0], backups[i]
                if backup is None:
                    path.unlink(missing_ok=True)
                else:
                    os.replace(backup, path)
                    backups[i] = None
            raise
    finally:
        for leftover in [*temps, *(b for b in backups if b)]:
            Path(leftover).unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


class NotOurFile(OSError):
    """A path in the output folder that is not a regular file (a FIFO, a link, a device put there)."""


def read_own_bytes(path: Path) -> bytes:
    """The bytes of a file the tool wrote, never following a link nor blocking on a FIFO or device put in its place.

    The tool only ever writes regular files, so anything else at one of its paths fails with a one-line reason.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotOurFile(f"{path}: a symbolic link, not a file gwr-clean wrote; not read") from exc
        raise
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotOurFile(f"{path}: not a regular file, not a file gwr-clean wrote; not read")
        return fh.read()


def read_own_text(path: Path) -> str:
    return read_own_bytes(path).decode("utf-8")


def is_own_file(path: Path) -> bool:
    """A regular file (not a link, FIFO or device) is at this path."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def check_real_folders(output_dir: Path, path: Path) -> None:
    """Refuse to write through a symbolic link to a folder inside the output folder (`out/sub -> ../raw/sub`):
    the report would land outside it, perhaps in the input folder."""
    root = Path(output_dir).resolve()
    folder = Path(path).parent
    while folder != Path(output_dir) and folder != folder.parent:
        if folder.is_symlink():
            raise NotOurFile(f"{folder} is a symbolic link (to {folder.resolve()}); gwr-clean writes only into "
                             f"real folders of the output folder {output_dir}: remove the link")
        folder = folder.parent
    if not Path(path).parent.resolve().is_relative_to(root):
        raise NotOurFile(f"{path} lies outside the output folder {output_dir}; not written")


def outputs_in_place(output_dir: Path, stem: str) -> bool:
    """The report and the change record of this name are both regular files."""
    return is_own_file(report_path(output_dir, stem)) and is_own_file(changes_path(output_dir, stem))


def read_json(path: Path, raw_source: Callable[[], str | None] | None = None, want_raw: bool = False,
              want_text: bool = True) -> Any:
    """A JSON file or a stage state (pipeline/statefile.py reads both), never through a link or FIFO.

    `raw_source` decodes the document's source again, for a state that does not store its raw text;
    a published state's text and edits come from its document's report and record.
    """
    def outputs(stem: str) -> tuple[str, list[bytes]] | None:
        return published_outputs(path.parent.parent.parent, stem)  # <output>/.state/<dir>/<state>

    return statefile.read(path, read_own_bytes, raw_source=raw_source, want_raw=want_raw, want_text=want_text,
                          outputs=outputs)


def published_outputs(output_dir: Path, stem: str) -> tuple[str, list[bytes]] | None:
    """A document's report and the lines of its change record as they are now (None when either is unreadable)."""
    try:
        return (read_own_text(report_path(output_dir, stem)),
                read_own_bytes(changes_path(output_dir, stem)).splitlines())
    except (OSError, UnicodeDecodeError):
        return None


def remove_stale(output_dir: Path, doc: Doc, stage: str) -> None:
    """Delete this document's results of `stage` under older keys."""
    keep = state_path(output_dir, doc, stage).name
    keep_error = error_path(output_dir, doc, stage).name
    folder = doc_dir(output_dir, doc.stem)
    try:
        names = os.listdir(folder)  # one listing (no pattern matching): this runs after every stage
    except OSError:
        return
    for name in names:
        if name.startswith(f"{stage}-") and name.endswith(".json") and name not in (keep, keep_error):
            (folder / name).unlink(missing_ok=True)


def mark_published(output_dir: Path, doc: Doc, report: bytes, record: bytes, entry: Any = None) -> None:
    """Say that this document's report and record are ours and current (older marks go); the mark holds
    their sha256, so that a report edited by hand afterwards is the user's and never overwritten or removed,
    and the report's catalogue `entry` (pipeline.catalogue.published_entry)."""
    marker = published_path(output_dir, doc)
    mark = {"stem": doc.stem, "report": hashlib.sha256(report).hexdigest(),
            "record": hashlib.sha256(record).hexdigest()}
    write_json_atomic(marker, {**mark, "entry": entry} if entry is not None else mark)
    for old in marker.parent.glob(f"{PUBLISHED}*"):
        if old != marker:
            old.unlink(missing_ok=True)


def read_mark(path: Path) -> dict[str, str]:
    """A published mark: {"stem", "report", "record"}; an older mark holds the name only."""
    text = read_own_text(path)
    try:
        mark = json.loads(text)
    except ValueError:
        mark = None
    return mark if isinstance(mark, dict) else {"stem": text}


def holds(path: Path, data: bytes) -> bool:
    """A regular file with exactly these bytes is at this path."""
    try:
        return read_own_bytes(path) == data
    except OSError:
        return False


def unchanged_since(path: Path, sha256: str | None) -> bool:
    """The file is absent, holds what the tool wrote (None: not known, as in older marks), or is no regular
    file (a link or FIFO put in its place holds no data; replacing it leaves any link's target alone)."""
    if sha256 is None or not is_own_file(path):
        return True
    try:
        return hashlib.sha256(read_own_bytes(path)).hexdigest() == sha256
    except OSError:
        return False


def owns_report(output_dir: Path, stem: str) -> bool:
    """The report and record of this name are the tool's: published by it and not edited since (or rendered
    by an earlier version that kept no mark)."""
    folder = doc_dir(output_dir, stem)
    if not folder.is_dir():
        return False
    marks = [p for p in folder.iterdir() if p.name.startswith(PUBLISHED)]
    if not marks:
        return any(p.name.startswith(f"{STAGES[-1]}-") and not p.name.endswith(".error.json") for p in folder.iterdir())
    try:
        mark = read_mark(marks[0])
    except (OSError, ValueError):
        return False
    return (unchanged_since(report_path(output_dir, stem), mark.get("report"))
            and unchanged_since(changes_path(output_dir, stem), mark.get("record")))


def state_folders(output_dir: Path) -> list[str]:
    """The state folder of every document that has state in the output folder (one listing, nothing read)."""
    state = output_dir / STATE_DIR
    if not state.is_dir():
        return []
    return sorted(p.name for p in state.iterdir() if p.is_dir() and p.name != SHARD_DIR)


def name_of_state(output_dir: Path, folder: str) -> str:
    """The document a state folder belongs to, as its files record it (the folder name for older states).

    Read only for folders of vanished documents: the published mark is tiny, else the smallest record.
    """
    files = sorted((p for p in (output_dir / STATE_DIR / folder).iterdir() if p.is_file()),
                   key=lambda p: (not p.name.startswith(PUBLISHED), p.stat().st_size))
    for path in files:
        try:
            if path.name.startswith(PUBLISHED):
                return read_mark(path)["stem"]
            if path.suffix == ".json":
                return str(read_json(path)["stem"])
        except (OSError, ValueError, KeyError):
            continue
    return folder


def remove_document(output_dir: Path, folder: str, stem: str | None) -> bool:
    """Remove a state folder of a document whose source has disappeared, and its report and record if ours.

    `stem` None: only the state folder (its document is still an input, under another folder name).
    Returns whether a report and record of the tool's were removed.
    """
    ours = stem is not None and owns_report(output_dir, stem)
    if ours:
        for path in (report_path(output_dir, stem), changes_path(output_dir, stem)):
            path.unlink(missing_ok=True)
    shutil.rmtree(output_dir / STATE_DIR / folder, ignore_errors=True)
    return ours
