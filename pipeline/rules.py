"""Loading the rule files (TOML under pipeline/rules/), once per process, each checked against its schema.

Every table entry of a rule file (an `[[array]]` item or a single `[table]`)
carries an `id`, a `comment` and a `kind`; rules/schema.toml declares, per
file and table, which other keys an entry may have and of what type. A typo
(`maxlen` for `max_len`), a missing key, a duplicate id, a pattern that does
not compile or a value of the wrong type is a RuleError naming the file, the
entry and the key, raised when the file is loaded: `validate_all` loads every
file before any document is processed.

A rule file that schema.toml does not declare gets the generic check only:
every entry has an id and a comment, ids are unique, a kind (when given) is
one of KINDS.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import regex

RULES_DIR = Path(__file__).parent / "rules"
SCHEMA_FILE = "schema.toml"
# What kind of change a rule makes: the loss check (checks.py) and the review page read it.
# "flag" rules only flag the document; "setting" entries are definitions and thresholds.
KINDS = ("chrome", "duplicate", "repair", "move", "join", "normalise", "render", "flag", "setting")
COMMON_KEYS = {"id": "id", "comment": "str", "kind": "kind"}
VARIANTS = "_variants"
DATE = regex.compile(r"\d{4}-\d{2}-\d{2}")


class RuleError(ValueError):
    """A rule file is malformed; the message names the file, the entry and the key."""


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: {exc}") from exc


@cache
def schemas() -> dict[str, dict[str, dict[str, str]]]:
    """file stem -> table -> key -> type, from rules/schema.toml."""
    return read_toml(RULES_DIR / SCHEMA_FILE)


@cache
def load(name: str) -> dict[str, Any]:
    """Parse pipeline/rules/<name> and check it against its schema (RuleError if it does not fit)."""
    path = RULES_DIR / name
    data = read_toml(path)
    schema = schemas().get(path.stem) if name != SCHEMA_FILE else {}
    problems = list(check_file(data, schema))
    if problems:
        raise RuleError(f"{path}: {problems[0]}")
    return data


def rule_file_names() -> list[str]:
    return sorted(p.name for p in RULES_DIR.glob("*.toml") if p.name != SCHEMA_FILE)


def validate_all() -> list[str]:
    """Load (and so check) every rule file and their kinds; the names loaded. Called before any document."""
    names = rule_file_names()
    for name in names:
        load(name)
    kinds_by_id()
    return names


def entries_of(data: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(table, label, entry) for every entry: `[[line]] entry 3` or `[toolbar]`."""
    for table, value in data.items():
        if isinstance(value, list) and all(isinstance(e, dict) for e in value):
            for i, entry in enumerate(value):
                yield table, f"entry {i} of [[{table}]]" + (f" ({entry['id']})" if "id" in entry else ""), entry
        elif isinstance(value, dict):
            yield table, f"[{table}]", value


def check_file(data: dict[str, Any], schema: dict[str, dict[str, str]] | None) -> Iterator[str]:
    """Every problem of a parsed rule file against its schema (None: the generic check only)."""
    seen: dict[str, tuple[str, str]] = {}  # id -> (table, label) of its first entry
    for table, label, entry in entries_of(data):
        keys = None if schema is None else schema.get(table)
        if schema is not None and keys is None:
            yield f"{label}: unknown table [{table}] (tables: {', '.join(sorted(schema))})"
            continue
        yield from check_entry(label, entry, keys)
        for rule_id in ids_of(entry, keys):
            first_table, first_label = seen.setdefault(rule_id, (table, label))
            variant = first_table == table and bool((keys or {}).get(VARIANTS))
            if first_label != label and not variant:
                yield f"{label}: duplicate id {rule_id!r} (also {first_label})"
    if schema is not None:
        for table, value in data.items():
            if not isinstance(value, (dict, list)):
                yield f"top-level key {table!r}: put it in a table"


def ids_of(entry: dict[str, Any], keys: dict[str, str] | None) -> list[str]:
    """The rule ids an entry defines: `id`, and any key its schema declares of type "id"."""
    extra = [k for k, t in (keys or {}).items() if k != VARIANTS and t.rstrip("?") == "id"]
    return [entry[k] for k in ("id", *extra) if isinstance(entry.get(k), str)]


def check_entry(label: str, entry: dict[str, Any], keys: dict[str, str] | None) -> Iterator[str]:
    """Missing, unknown and ill-typed keys of one entry (keys None: only the common keys are checked)."""
    declared = {**COMMON_KEYS, **{k: t for k, t in (keys or {}).items() if k != VARIANTS}}
    if not ids_of(entry, keys):
        yield f"{label} has no id"
    if "comment" not in entry:
        yield f"{label} has no comment"
    if keys is not None and "kind" not in entry:
        yield f"{label} has no kind (one of {', '.join(KINDS)})"
    for key, value in entry.items():
        if key not in declared:
            if keys is not None:
                yield f"{label}: unknown key {key!r} (allowed: {', '.join(sorted(declared))})"
            continue
        problem = type_problem(declared[key].rstrip("?"), value)
        if problem:
            yield f"{label}: key {key!r} {problem}"
    for key, type_name in declared.items():
        if key not in COMMON_KEYS and not type_name.endswith("?") and key not in entry:
            yield f"{label} has no {key}"


def type_problem(type_name: str, value: Any) -> str | None:
    """Why `value` is not of the schema type `type_name` (None when it is)."""
    checks = {
        "str": lambda v: isinstance(v, str), "id": lambda v: isinstance(v, str) and bool(v),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool), "table": lambda v: isinstance(v, dict),
        "list": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "array": lambda v: isinstance(v, list),
        "regex": lambda v: isinstance(v, str), "regexes": lambda v: isinstance(v, list),
        "kind": lambda v: v in KINDS, "date": lambda v: isinstance(v, str) and bool(DATE.fullmatch(v)),
    }
    if type_name not in checks:
        return f"has a type {type_name!r} unknown to rules.py"
    if not checks[type_name](value):
        return f"must be {'one of ' + ', '.join(KINDS) if type_name == 'kind' else type_name}, not {value!r}"
    for pattern in [value] if type_name == "regex" else value if type_name == "regexes" else []:
        try:
            regex.compile(pattern)
        except (regex.error, TypeError) as exc:
            return f"is not a valid pattern ({exc}): {pattern!r}"
    return None


@cache
def kinds_by_id() -> dict[str, str]:
    """Rule id -> kind, over every rule file (ids a schema declares of type "id" included)."""
    found: dict[str, tuple[str, str]] = {}  # id -> (kind, where)
    for name in rule_file_names():
        schema = schemas().get(Path(name).stem)
        for table, label, entry in entries_of(load(name)):
            for rule_id in ids_of(entry, schema.get(table) if schema else None) if "kind" in entry else []:
                kind, where = found.setdefault(rule_id, (entry["kind"], f"{name} {label}"))
                if kind != entry["kind"]:
                    raise RuleError(f"{RULES_DIR / name}: {label}: id {rule_id!r} has kind {entry['kind']!r} "
                                    f"here and {kind!r} in {where}")
    return {rule_id: kind for rule_id, (kind, _) in found.items()}


# The kind of an edit whose rule id is in no rule file: what its stage does.
STAGE_KINDS = {"extract": "chrome", "decode": "normalise", "normalise": "normalise", "strip": "chrome",
               "repair": "repair", "reassemble": "join", "render": "render"}


def kind_of(stage: str, rule_id: str) -> str:
    """What kind of change the rule `rule_id` of `stage` makes (its `kind`, else its stage's).

    An id with a detail after a colon (`ftfy:apply=unescape_html`) is the rule before the colon.
    """
    kinds = kinds_by_id()
    return kinds.get(rule_id) or kinds.get(rule_id.split(":", 1)[0]) or STAGE_KINDS.get(stage, "normalise")


def rules_digest() -> str:
    """Hash of every rule file and the schema: which rules a validation checked."""
    digest = hashlib.sha256()
    for name in [*rule_file_names(), SCHEMA_FILE]:
        digest.update(f"{name}\0{file_hash(name)}\0".encode())
    return digest.hexdigest()


@cache
def file_hash(name: str) -> str:
    """Content hash of a rule file: part of the cache key of every stage using it."""
    return hashlib.sha256((RULES_DIR / name).read_bytes()).hexdigest()
