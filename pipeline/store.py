"""Where stage results live on disk, how they are keyed, and how they are written.

Layout under the output folder:

    <stem>.md                 the cleaned report
    <stem>.changes.jsonl      every edit of every stage, in order
    .state/<stem>/<stage>-<key>.json        one stage's result for one document
    .state/<stem>/<stage>-<key>.error.json  why that stage failed on that document
    .state/_shards/<stage>-<key>.done       a shard of documents finished a stage

A key is chained: sha256(previous key, stage name, stage fingerprint), the
first link being the sha256 of the source bytes. The fingerprint hashes the
stage's code and rule files, so an edited source reruns its own chain and an
edited rule file reruns its stage and everything after it. Deciding that a
stage is done is one stat of a path that contains the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import statefile
from .stages import STAGES, stage_fingerprint

STATE_DIR = ".state"
SHARD_DIR = "_shards"
KEY_CHARS = 20


@dataclass(frozen=True)
class Doc:
    """One input document: its stem (output name), path and content hash."""

    stem: str
    path: str
    sha256: str

    def as_tuple(self) -> tuple[str, str, str]:
        return (self.stem, self.path, self.sha256)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def chain_keys(source_sha: str) -> dict[str, str]:
    """The key of every stage for a source with this content hash."""
    keys, previous = {}, source_sha
    for stage in STAGES:
        previous = hashlib.sha256(f"{previous}\0{stage}\0{stage_fingerprint(stage)}".encode()).hexdigest()
        keys[stage] = previous[:KEY_CHARS]
    return keys


def doc_dir(output_dir: Path, stem: str) -> Path:
    return output_dir / STATE_DIR / stem


def state_path(output_dir: Path, doc: Doc, stage: str) -> Path:
    return doc_dir(output_dir, doc.stem) / f"{stage}-{chain_keys(doc.sha256)[stage]}.json"


def error_path(output_dir: Path, doc: Doc, stage: str) -> Path:
    return doc_dir(output_dir, doc.stem) / f"{stage}-{chain_keys(doc.sha256)[stage]}.error.json"


def shard_marker(output_dir: Path, docs: Iterable[Doc], stage: str) -> Path:
    joined = "\0".join(f"{d.stem}\0{chain_keys(d.sha256)[stage]}" for d in docs)
    digest = hashlib.sha256(joined.encode()).hexdigest()[:KEY_CHARS]
    return output_dir / STATE_DIR / SHARD_DIR / f"{stage}-{digest}.done"


def report_path(output_dir: Path, stem: str) -> Path:
    return output_dir / f"{stem}.md"


def changes_path(output_dir: Path, stem: str) -> Path:
    return output_dir / f"{stem}.changes.jsonl"


def write_bytes_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write to a temporary file in the same folder, then rename over the target (fsynced if durable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def read_json(path: Path) -> Any:
    """A JSON file or a stage state (pipeline/statefile.py reads both)."""
    return statefile.read(path)


def remove_stale(output_dir: Path, doc: Doc, stage: str) -> None:
    """Delete this document's results of `stage` under older keys."""
    keep = state_path(output_dir, doc, stage).name
    keep_error = error_path(output_dir, doc, stage).name
    folder = doc_dir(output_dir, doc.stem)
    for path in folder.glob(f"{stage}-*.json"):
        if path.name not in (keep, keep_error):
            path.unlink(missing_ok=True)


def known_stems(output_dir: Path) -> set[str]:
    """Stems that have state or a report in the output folder."""
    stems = set()
    state = output_dir / STATE_DIR
    if state.is_dir():
        stems |= {p.name for p in state.iterdir() if p.is_dir() and p.name != SHARD_DIR}
    stems |= {p.name[:-3] for p in output_dir.glob("*.md")}
    return stems


def remove_document(output_dir: Path, stem: str) -> None:
    """Remove every output of a document whose source has disappeared."""
    shutil.rmtree(doc_dir(output_dir, stem), ignore_errors=True)
    for path in (report_path(output_dir, stem), changes_path(output_dir, stem)):
        path.unlink(missing_ok=True)
