"""Loading the rule files (TOML under pipeline/rules/), once per process."""

from __future__ import annotations

import hashlib
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

RULES_DIR = Path(__file__).parent / "rules"


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and the entry."""


@cache
def load(name: str) -> dict[str, Any]:
    """Parse pipeline/rules/<name>; every [[rule]] entry must carry an id and a comment."""
    path = RULES_DIR / name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: {exc}") from exc
    for table, entries in data.items():
        if isinstance(entries, list):
            for i, entry in enumerate(entries):
                for key in ("id", "comment"):
                    if isinstance(entry, dict) and key not in entry:
                        raise RuleError(f"{path}: entry {i} of [[{table}]] has no {key}")
    return data


@cache
def file_hash(name: str) -> str:
    """Content hash of a rule file: part of the cache key of every stage using it."""
    return hashlib.sha256((RULES_DIR / name).read_bytes()).hexdigest()
