"""The ordered list of stages, and each stage's fingerprint (code, rule files, library versions)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import cache
from importlib import import_module, metadata, util
from pathlib import Path
from typing import Any

from . import rules

STAGES = ("extract", "decode", "normalise", "strip", "repair", "reassemble", "render")
# Modules whose code every stage depends on (model, rule loader, the report's shape, the glue that chains stages).
SHARED_MODULES = ("model", "rules", "shape", "chain", "checks", "hints")
SHARED_RULE_FILES = ("shape.toml", "checks.toml")
# Libraries whose behaviour shapes a stage's output (distribution names): upgrading
# one reruns its stage and, through the chained keys, every stage after it.
SHARED_LIBRARIES = ("regex",)
STAGE_LIBRARIES = {
    "extract": ("lxml", "python-docx", "pypdfium2", "chardet", "ftfy"),
    "decode": ("chardet", "ftfy"),
    "normalise": ("opencc",),
    "render": ("gb2260",),
}


def stage_module(stage: str) -> Any:
    return import_module(f"pipeline.{stage}")


def stage_function(stage: str) -> Callable[..., Any]:
    """The pure function of a stage (extract and decode take bytes, the others text and metadata)."""
    return getattr(stage_module(stage), stage)


def module_file(name: str) -> str:
    """The source file of pipeline.<name>, found without importing it (a fingerprint, as on a
    no-op rerun, need not load python-docx or PDFium)."""
    spec = util.find_spec(f"pipeline.{name}")
    if spec is None or spec.origin is None:
        raise ImportError(f"no module pipeline.{name}")
    return spec.origin


def library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def library_versions(names: Iterable[str]) -> str:
    """`name==version` of each library, one a line: part of a fingerprint."""
    return "\n".join(f"{name}=={library_version(name)}" for name in names)


@cache
def stage_fingerprint(stage: str) -> str:
    """Hash of the stage's code, the shared code, its rule files and its libraries' versions: its version.

    The run checks every rule file against its schema before any stage runs,
    whenever they are not the ones it last checked in that output folder
    (runner.rules_checked).
    """
    module = stage_module(stage)
    digest = hashlib.sha256()
    for name in (stage, *SHARED_MODULES, *getattr(module, "EXTRA_MODULES", ())):
        digest.update(Path(module_file(name)).read_bytes())
    for rule_file in (*SHARED_RULE_FILES, *module.RULE_FILES):
        digest.update(rules.file_hash(rule_file).encode())
    digest.update(library_versions((*SHARED_LIBRARIES, *STAGE_LIBRARIES.get(stage, ()))).encode())
    return digest.hexdigest()
