"""The ordered list of stages, and each stage's fingerprint (code + rule files)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from . import rules

STAGES = ("extract", "decode", "normalise", "strip", "repair", "reassemble", "render")
# Modules whose code every stage depends on (model, rule loader, the report's shape, the glue that chains stages).
SHARED_MODULES = ("model", "rules", "shape", "chain", "checks", "hints")
SHARED_RULE_FILES = ("shape.toml", "checks.toml")


def stage_module(stage: str) -> Any:
    return import_module(f"pipeline.{stage}")


def stage_function(stage: str) -> Callable[..., Any]:
    """The pure function of a stage (extract and decode take bytes, the others text and metadata)."""
    return getattr(stage_module(stage), stage)


@cache
def stage_fingerprint(stage: str) -> str:
    """Hash of the stage's code, the shared code and its rule files: its version.

    Every rule file is checked against its schema first, so a typo stops the
    run before any document is processed.
    """
    rules.validate_all()
    module = stage_module(stage)
    digest = hashlib.sha256()
    for name in (stage, *SHARED_MODULES, *getattr(module, "EXTRA_MODULES", ())):
        digest.update(Path(stage_module(name).__file__).read_bytes())
    for rule_file in (*SHARED_RULE_FILES, *module.RULE_FILES):
        digest.update(rules.file_hash(rule_file).encode())
    return digest.hexdigest()
