"""OUTPUT/catalogue.csv: one row per input document, written at the end of every `clean`.

A corpus-level step over the finished reports (docs: architecture.md). Each
report's row and copy signature depend only on its published report, so they
are cached in OUTPUT/.state/catalogue.json under the report's final key and
computed again only when that key changes; copy groups are recomputed only
when the set of reports changes. A rerun with nothing changed just rewrites the
table. Rules: pipeline/rules/catalogue.toml (year, level) and copies.toml.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import regex

from . import copies, gazetteer, rules, store
from .published import han_only, plain_text, split_report
from .stages import STAGES, library_versions
from .store import Doc

COLUMNS = ("path", "title", "region", "admin_code", "level", "year", "date", "speaker", "meeting", "format",
           "encoding", "chars", "han_chars", "removed_chars", "flags", "source_sha256", "copy_group", "best_copy")
INT_COLUMNS = frozenset({"year", "chars", "han_chars", "removed_chars"})
BOOL_COLUMNS = frozenset({"best_copy"})
FRONT_COLUMNS = ("title", "region", "date", "speaker", "meeting", "encoding")
KNOWN_FIELDS = ("title", "region", "date", "speaker", "meeting")
CSV_NAME = "catalogue.csv"
PARQUET_NAME = "catalogue.parquet"
STATE_NAME = store.CATALOGUE_STATE
RULE_FILE = "catalogue.toml"
DEFAULT_FORMAT = "text"  # reports of plain-text sources carry no `format:` in their front matter
REMOVAL_STAGES = ("strip", "reassemble")
FAILED_FLAG = "failed: "
NOT_SPACE = regex.compile(r"\S")
# Modules and rule files whose change makes every cached row out of date.
VERSION_MODULES = ("catalogue", "copies", "published", "canonical", "gazetteer", "shape")
VERSION_RULES = (RULE_FILE, copies.RULE_FILE, "shape.toml")
VERSION_LIBRARIES = ("datasketch", "numpy", "gb2260", "regex")  # copies' sketches, gazetteer's divisions


class ParquetUnavailable(RuntimeError):
    """--catalogue-parquet without pyarrow installed."""


# ------------------------------------------------------------------ naming


def doc_name(doc: Doc) -> str:
    """The document's name: what store.report_path and the runner's summary know it by."""
    return doc.stem


def relative_path(path: str | Path, folder: Path) -> str:
    """A path relative to a folder, with `/` separators (the catalogue's `path`: relative to the input folder)."""
    text, prefix = str(path), str(folder).rstrip(os.sep) + os.sep
    if text.startswith(prefix):  # the usual case, without os.path.relpath's cost (it resolves the cwd)
        return Path(text[len(prefix):]).as_posix()
    return Path(os.path.relpath(path, folder)).as_posix()


# ------------------------------------------------------------------ one report's facts


@cache
def config() -> dict[str, Any]:
    return rules.load(RULE_FILE)


def level_rule(rule_id: str) -> dict[str, Any]:
    return next(r for r in config()["level"] if r["id"] == rule_id)


def year_of(front: Mapping[str, Any], body: str) -> int | None:
    """The year the report is delivered in: its date's, else what the title or an outline heading says."""
    m = regex.match(r"(\d{4})-\d\d-\d\d$", str(front.get("date", "")))
    if m:
        return int(m.group(1))
    for rule in config()["year"]:
        text = str(front.get("title", "")) if rule["field"] == "title" else body
        m = regex.search(rule["pattern"], text)
        if m:
            return int(m.group(1)) + rule["offset"]
    return None


def _revision_order(key: int | None) -> int:
    """gb2260 revisions are keyed yyyy or yyyymm (None: the latest); newest first."""
    if key is None:
        return -1
    return -(key if key > 9999 else key * 100 + 12)


@cache
def division_tables() -> tuple[dict[str, tuple[int, ...]], ...]:
    """For each GB/T 2260 revision, newest first: official name → codes."""
    from gb2260.data import data

    tables = []
    for key in sorted(data, key=_revision_order):
        table: dict[str, list[int]] = {}
        for code, name in data[key].items():
            if name not in gazetteer.NOT_PLACES:
                table.setdefault(name, []).append(code)
        tables.append({k: tuple(v) for k, v in table.items()})
    return tuple(tables)


def _names_of_parents(code: int, table: Mapping[int, str]) -> set[str]:
    """What may stand before a division's name: its province and/or city, in full or short."""
    parents = [table.get(c) for c in (code // 10000 * 10000, code // 100 * 100) if c != code]
    names = [p for p in parents if p and p not in gazetteer.NOT_PLACES]
    forms = {""}
    for name in names:
        forms |= {f + n for f in set(forms) for n in (name, gazetteer.short_name(name))}
    return forms


@cache
def _code_tables() -> tuple[dict[int, str], ...]:
    from gb2260.data import data

    return tuple(data[key] for key in sorted(data, key=_revision_order))


def admin_code(region: str) -> int | None:
    """The GB/T 2260 code of a region as the front matter names it (湘潭市, 衡阳市石鼓区), or None.

    The longest official name the region ends with, whose prefix (if any) names
    its province or city; a name shared by several divisions with nothing to
    tell them apart (朝阳区) has no code. The newest revision that knows the name decides.
    """
    if not region:
        return None
    for names, codes in zip(division_tables(), _code_tables(), strict=True):
        for cut in range(len(region) - 1):
            found = names.get(region[cut:])
            if not found:
                continue
            fits = {c for c in found if region[:cut] in _names_of_parents(c, codes)}
            if len(fits) == 1:
                return fits.pop()
            if fits:
                return None
    return None


def level_of(front: Mapping[str, Any], body: str, code: int | None) -> str:
    """国务院 / 省级 / 市级 / 县级, or "" when the report does not show it."""
    names = level_rule("K5-division-level")["names"]
    if code:
        return names[gazetteer.level(gazetteer.Division(code, "", "")) - 1]
    region = str(front.get("region", ""))
    if region:
        for suffix, level in level_rule("K6-suffix-level")["suffixes"]:
            if region.endswith(suffix):
                return level
        return ""
    national = level_rule("K4-national")
    head = str(front.get("meeting", "")) + "\n" + body[:national["head_chars"]]
    return national["name"] if any(p in head for p in national["patterns"]) else ""


def removed_chars(edits: Iterable[Mapping[str, Any]]) -> int:
    """Non-blank characters strip and reassemble took out (net: a moved fragment counts nothing)."""
    total = 0
    for e in edits:
        if e["stage"] in REMOVAL_STAGES:
            total += len(NOT_SPACE.findall(e["before"])) - len(NOT_SPACE.findall(e["after"]))
    return total


def report_row(path: str, sha256: str, markdown: str, edits: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The catalogue row of one published report (copy_group and best_copy filled in later)."""
    front, body = split_report(markdown)
    text = plain_text(body)
    code = admin_code(str(front.get("region", "")))
    row: dict[str, Any] = {"path": path}
    row.update({key: str(front.get(key, "")) for key in FRONT_COLUMNS})
    row.update(admin_code=str(code) if code else "", level=level_of(front, text, code), year=year_of(front, text),
               format=str(front.get("format") or DEFAULT_FORMAT), chars=len(text), han_chars=len(han_only(text)),
               removed_chars=removed_chars(edits), flags=";".join(front.get("flags", [])), source_sha256=sha256,
               copy_group="", best_copy=None)
    return {c: row[c] for c in COLUMNS}


def failed_row(path: str, sha256: str, reason: str, source: str = "") -> dict[str, Any]:
    """The row of an input that has no report: the reason in flags (without the path it repeats)."""
    for prefix in (source, path):
        if prefix and reason.startswith(f"{prefix}: "):
            reason = reason[len(prefix) + 2:]
            break
    row = {c: "" for c in COLUMNS}
    row.update(path=path, source_sha256=sha256, flags=FAILED_FLAG + reason.replace(";", ","),
               year=None, chars=None, han_chars=None, removed_chars=None, best_copy=None)
    return row


def is_failed(row: Mapping[str, Any]) -> bool:
    return str(row.get("flags", "")).startswith(FAILED_FLAG)


# ------------------------------------------------------------------ writing the table


def csv_bytes(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 CSV with a header; booleans as true/false, unknown values empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else str(row[c]).lower() if isinstance(row[c], bool) else row[c]
                         for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def parquet_missing() -> str | None:
    """Why Parquet cannot be written here (one line), or None."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return "--catalogue-parquet needs pyarrow, which is not installed: pip install 'gwr-clean[parquet]'"
    return None


def parquet_bytes(rows: list[Mapping[str, Any]]) -> bytes:
    missing = parquet_missing()
    if missing:
        raise ParquetUnavailable(missing)
    import pyarrow as pa
    import pyarrow.parquet as pq

    def kind(c: str):
        return pa.int64() if c in INT_COLUMNS else pa.bool_() if c in BOOL_COLUMNS else pa.string()

    schema = pa.schema([(c, kind(c)) for c in COLUMNS])
    table = pa.Table.from_pylist([dict(r) for r in rows], schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


# ------------------------------------------------------------------ the cached state


@cache
def version() -> str:
    """Hash of the code and rules rows and signatures are computed by: cached rows of another version are stale."""
    digest = hashlib.sha256()
    for name in VERSION_MODULES:
        digest.update(Path(__file__).with_name(f"{name}.py").read_bytes())
    for rule_file in VERSION_RULES:
        digest.update(rules.file_hash(rule_file).encode())
    digest.update(library_versions(VERSION_LIBRARIES).encode())
    return digest.hexdigest()[:store.KEY_CHARS]


def state_path(output_dir: Path) -> Path:
    return Path(output_dir) / store.STATE_DIR / STATE_NAME


def load_state(output_dir: Path) -> dict[str, Any]:
    """The cached rows, signatures and groups; empty when missing, unreadable or of another version."""
    try:
        state = store.read_json(state_path(output_dir))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("version") == version() else {}


def final_key(doc: Doc) -> str:
    return store.chain_keys(doc.sha256)[STAGES[-1]]


def document_entry(output_dir: Path, doc: Doc, name: str, path: str) -> dict[str, Any]:
    """Row and copy signature of one finished document: the ones publish computed (published_entry),
    else read from its published report and record."""
    entry = published_entry(output_dir, doc)
    if entry is None:
        report = store.report_path(output_dir, name)
        lines = store.read_own_bytes(store.changes_path(output_dir, name)).splitlines()
        entry = entry_of(doc, relative_path(report, output_dir), store.read_own_text(report),
                         map(orjson.loads, filter(None, lines)))
    return {**entry, "row": {**entry["row"], "path": path}}


def entry_of(doc: Doc, report: str, markdown: str, edits: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Row (its path left to `document_entry`: publish does not know the input folder) and copy signature
    of one report; `report` is its path relative to the output folder."""
    sig = copies.signature(split_report(markdown)[1])
    return {"key": final_key(doc), "report": report,
            "row": report_row("", doc.sha256, markdown, [e for e in edits if e["stage"] in REMOVAL_STAGES]),
            "signature": base64.b64encode(sig).decode("ascii") if sig else None}


def published_entry(output_dir: Path, doc: Doc) -> dict[str, Any] | None:
    """The entry publish stored in the document's published mark, if it is of this version and key."""
    try:
        entry = store.read_mark(store.published_path(output_dir, doc)).get("entry")
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("version") != version() or entry.get("key") != final_key(doc):
        return None
    return {k: v for k, v in entry.items() if k != "version"}


def member(name: str, entry: Mapping[str, Any]) -> copies.Member:
    row = entry["row"]
    return copies.Member(name=name, path=row["path"], sig=base64.b64decode(entry["signature"]),
                         facts={f: row[f] for f in copies.setting("guard")["fields"]},
                         flags=len([f for f in row["flags"].split(";") if f]),
                         known_fields=sum(bool(row[f]) for f in KNOWN_FIELDS), han_chars=row["han_chars"])


def groups_key(entries: Mapping[str, Mapping[str, Any]]) -> str:
    joined = "\0".join(f"{n}\0{e['key']}\0{e['row']['path']}" for n, e in sorted(entries.items()) if e["signature"])
    return hashlib.sha256(f"{version()}\0{joined}".encode()).hexdigest()


def assign_groups(entries: Mapping[str, Mapping[str, Any]], cached: Mapping[str, Any]) -> dict[str, Any]:
    """The copy groups of the current reports (reused when the set of reports is the one cached)."""
    key = groups_key(entries)
    if cached.get("key") == key:
        return dict(cached)
    members = [member(n, e) for n, e in entries.items() if e["signature"]]
    return {"key": key, "assign": {n: list(v) for n, v in copies.assign(members).items()}}


# ------------------------------------------------------------------ the step


def update(input_dir: Path, output_dir: Path, docs: Iterable[Doc], failures: Mapping[str, str],
           problems: Iterable[Any] = (), parquet: bool = False) -> Path:
    """Write OUTPUT/catalogue.csv (and .parquet) for these documents; return the CSV's path.

    `failures` maps a document's name to why it has no report; `problems` are
    inputs that never became documents (objects with .path and .reason).
    """
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    state = load_state(output_dir)
    cached = state.get("documents", {})
    entries: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for doc in docs:
        name, path = doc_name(doc), relative_path(doc.path, input_dir)
        reason = failures.get(name)
        entry = cached.get(name)
        if reason is None and not (entry and entry["key"] == final_key(doc) and entry["row"]["path"] == path):
            try:
                entry = document_entry(output_dir, doc, name, path)
            except (OSError, ValueError, KeyError) as exc:
                why = getattr(exc, "strerror", "") or exc
                reason = f"{doc.path}: its report cannot be read for the catalogue: {why}"
        if reason is not None:
            rows.append(failed_row(path, doc.sha256, reason, doc.path))
        else:
            entries[name] = entry
    rows += [failed_row(relative_path(p.path, input_dir), "", p.reason, str(p.path)) for p in problems]
    groups = assign_groups(entries, state.get("groups", {}))
    for name, entry in entries.items():
        gid, best = groups["assign"].get(name, (name, True))
        rows.append({**entry["row"], "copy_group": gid, "best_copy": best})
    rows.sort(key=lambda r: r["path"])
    new_state = {"version": version(), "documents": entries, "groups": groups}
    if new_state != state:
        store.write_json_atomic(state_path(output_dir), new_state)
    target = output_dir / CSV_NAME
    store.write_bytes_atomic(target, csv_bytes(rows))
    if parquet:
        store.write_bytes_atomic(output_dir / PARQUET_NAME, parquet_bytes(rows))
    return target


def add_to_summary(summary: Any, input_dir: Path, output_dir: Path, problems: Iterable[Any] = (),
                   parquet: bool = False) -> None:
    """The runner's hook: write the catalogue of a finished run; a write that fails is a failure of the run."""
    try:
        summary.catalogue = str(update(input_dir, output_dir, summary.docs, summary.failed, problems, parquet))
    except OSError as exc:
        target = Path(output_dir) / CSV_NAME
        summary.failed[CSV_NAME] = f"{target}: cannot write the catalogue: {exc.strerror or exc}"


def read_rows(output_dir: Path) -> list[dict[str, Any]]:
    """The rows of the last catalogue written (from its state, so types are kept), with each report's path."""
    state = load_state(output_dir)
    if not state:
        raise FileNotFoundError(f"{output_dir}: no catalogue of this version (run `gwr-clean clean` first)")
    out = []
    for name, entry in state["documents"].items():
        gid, best = state["groups"]["assign"].get(name, (name, True))
        out.append({"name": name, "report": entry["report"], "row": {**entry["row"], "copy_group": gid,
                                                                      "best_copy": best}})
    return sorted(out, key=lambda r: r["row"]["path"])
