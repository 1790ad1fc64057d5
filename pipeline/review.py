"""Static HTML review pages: raw and cleaned side by side, every change coloured by kind.

`write_review` writes <output>/review/<stem>.html for every cleaned document
and <output>/review/index.html with the counts. The pages are self-contained
(inline CSS, no scripts, a Content-Security-Policy forbidding any external
load) and every piece of document text is HTML-escaped, so a scraped page
cannot inject markup into the review.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from . import audit, rules, store
from .model import Edit
from .runner import discover, failure_reason
from .stages import STAGES
from .store import Doc

REVIEW_DIR = "review"
# Kinds of change, strongest first: where edits overlap, the stronger one colours the text.
KINDS: tuple[tuple[str, str], ...] = (
    ("duplicate", "dropped duplicates"),
    ("chrome", "removed chrome"),
    ("moved", "moved fragments and joins"),
    ("repair", "repairs"),
    ("normalise", "normalisation"),
    ("render", "rendering"),
)
KIND_NAMES = [k for k, _ in KINDS]
PRIORITY = {k: i for i, k in enumerate(KIND_NAMES)}
TITLE_CHARS = 80
GAP_TITLES = 10

CSS = """
body{font-family:system-ui,sans-serif;margin:1em;color:#222;background:#fff}
h1{font-size:1.3em;margin:.2em 0} h2{font-size:1.1em;margin:.8em 0 .3em}
table{border-collapse:collapse;margin:.3em 0} td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
td.l,th.l{text-align:left} tr.total{font-weight:bold}
.panes{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.pane{border:1px solid #bbb;max-height:78vh;overflow:auto;margin:0;padding:.5em;white-space:pre-wrap;
word-break:break-all;font:14px/1.5 "Noto Sans Mono CJK SC","Noto Sans CJK SC",monospace}
.k-duplicate{background:#e4c8f5} .k-chrome{background:#f8c4c4} .k-moved{background:#c4dcf8}
.k-repair{background:#fbd9a6} .k-normalise{background:#f3f0b8} .k-render{background:#c9ecc9}
.raw .k-chrome,.raw .k-duplicate{text-decoration:line-through}
.gap{display:inline-block;width:0;height:1.1em;border-left:3px solid;vertical-align:middle}
.gap.k-duplicate{border-color:#9b4dca}.gap.k-chrome{border-color:#d33}.gap.k-moved{border-color:#36c}
.gap.k-repair{border-color:#d80}.gap.k-normalise{border-color:#aa0}.gap.k-render{border-color:#393}
.legend span{padding:1px 6px;margin-right:.5em;border-radius:3px}
.ok{color:#060} .bad{color:#b00;font-weight:bold} .flag{color:#b00}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'"
PAGE_HEAD = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')


# A rule's kind (rules.kind_of) as the page shows it: moves and joins are one colour.
SHOWN_AS = {"move": "moved", "join": "moved"}


def edit_kind(edit: Edit) -> str:
    """Which kind of change an edit is, for colouring and counting: its rule's `kind`."""
    kind = rules.kind_of(edit.stage, edit.rule)
    shown = SHOWN_AS.get(kind, kind)
    return shown if shown in PRIORITY else "normalise"


def kind_counts(edits: Sequence[Edit]) -> Counter[str]:
    counts = Counter(edit_kind(e) for e in edits)
    return Counter({k: counts[k] for k in KIND_NAMES})


# ---------------------------------------------------------------- one document

@dataclass
class DocReview:
    """What the index says about one document."""

    stem: str
    state: str  # cleaned | failed | not cleaned | no page
    reason: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    edits: int = 0
    flags: list[str] = field(default_factory=list)
    verified: bool = False
    page: str = ""


class ReviewError(OSError):
    """The review pages cannot be written (a read-only output folder); str() says where and why."""


def page_name(stem: str) -> str:
    """The document's page, one per document: its name as one file name (`store.safe_name`, which
    escapes `~`), and `index~doc.html` for a document named `index`, which must not overwrite the index."""
    name = store.safe_name(stem)
    return f"{name}.html" if name != "index" else "index~doc.html"


def describe_edit(edit: Edit) -> str:
    def short(s: str) -> str:
        return s if len(s) <= TITLE_CHARS else s[:TITLE_CHARS] + "…"

    return f"{edit.stage}/{edit.rule} [{edit_kind(edit)}]: {short(edit.before)!r} → {short(edit.after)!r}"


def by_kind(edits: Sequence[Edit]) -> dict[str, list[Edit]]:
    groups: dict[str, list[Edit]] = {}
    for edit in edits:
        groups.setdefault(edit_kind(edit), []).append(edit)
    return groups


def gap_marker(kind: str, edits: Sequence[Edit]) -> str:
    """One thin bar where text of this kind was removed (or, in the source pane, later inserted)."""
    lines = [describe_edit(e) for e in edits[:GAP_TITLES]]
    if len(edits) > GAP_TITLES:
        lines.append(f"… {len(edits) - GAP_TITLES} more")
    return f'<span class="gap k-{kind}" title="{html.escape(chr(10).join(lines))}"></span>'


def paint(text: str, spans: Sequence[audit.Span]) -> str:
    """The text as escaped HTML, each changed character wrapped in the colour of its strongest edit."""
    owner: list[Edit | None] = [None] * len(text)
    gaps: dict[int, list[Edit]] = {}
    for start, end, edit in spans:
        if start == end:
            gaps.setdefault(start, []).append(edit)
            continue
        rank = PRIORITY[edit_kind(edit)]
        for i in range(start, min(end, len(text))):
            current = owner[i]
            if current is None or PRIORITY[edit_kind(current)] >= rank:
                owner[i] = edit
    parts, i = [], 0
    while i <= len(text):
        parts += [gap_marker(kind, group) for kind, group in by_kind(gaps.get(i, ())).items()]
        if i == len(text):
            break
        j = i + 1
        while j < len(text) and owner[j] is owner[i] and j not in gaps:
            j += 1
        chunk = html.escape(text[i:j])
        edit = owner[i]
        if edit is None:
            parts.append(chunk)
        else:
            parts.append(f'<span class="k-{edit_kind(edit)}" title="{html.escape(describe_edit(edit))}">{chunk}</span>')
        i = j
    return "".join(parts)


def legend(counts: Counter[str]) -> str:
    items = "".join(f'<span class="k-{k}">{html.escape(label)}: <b data-kind="{k}">{counts[k]}</b></span>'
                    for k, label in KINDS)
    return f'<p class="legend">{items}</p>'


def rules_table(edits: Sequence[Edit]) -> str:
    """One row per rule: what it is, how often it fired, one example."""
    by_rule: dict[tuple[str, str], list[Edit]] = {}
    for edit in edits:
        by_rule.setdefault((edit.stage, edit.rule), []).append(edit)
    rows = []
    for (stage, rule), group in sorted(by_rule.items(), key=lambda kv: (STAGES.index(kv[0][0])
                                                                        if kv[0][0] in STAGES else 99, kv[0][1])):
        first = group[0]
        rows.append(f'<tr><td class="l">{html.escape(stage)}</td><td class="l">{html.escape(rule)}</td>'
                    f'<td class="l k-{edit_kind(first)}">{edit_kind(first)}</td><td>{len(group)}</td>'
                    f'<td class="l">line {first.line}: {html.escape(describe_edit(first))}</td></tr>')
    head = '<tr><th class="l">stage</th><th class="l">rule</th><th class="l">kind</th><th>edits</th>' \
           '<th class="l">first edit</th></tr>'
    return f'<table id="rules">{head}{"".join(rows)}</table>'


def document_page(doc: Doc, raw: str, report: str, edits: Sequence[Edit], flags: Sequence[str],
                  verdict: audit.Verdict) -> str:
    counts = kind_counts(edits)
    flag_items = "".join(f'<li class="flag">{html.escape(f)}</li>' for f in flags) or "<li>none</li>"
    status = (f'<p id="verify" class="{"ok" if verdict.ok else "bad"}">{html.escape(verdict.message)}</p>')
    body = f"""
<p><a href="index.html">← all documents</a></p>
<h1>{html.escape(doc.stem)}</h1>
<p>source: {html.escape(doc.path)} · sha256 {html.escape(doc.sha256[:16])}… ·
edits: <b id="edit-count">{len(edits)}</b></p>
{status}
{legend(counts)}
<h2>Flags (what could not be repaired): <span id="flag-count">{len(flags)}</span></h2>
<ul id="flags">{flag_items}</ul>
<div class="panes">
<div><h2>Decoded source</h2><pre class="pane raw" id="raw">{paint(raw, audit.input_spans(edits))}</pre></div>
<div><h2>Cleaned Markdown</h2><pre class="pane clean" id="clean">{paint(report, audit.output_spans(edits))}</pre></div>
</div>
<h2>Rules applied</h2>
{rules_table(edits)}
"""
    return wrap_page(f"review: {doc.stem}", body)


def wrap_page(title: str, body: str) -> str:
    return f"{PAGE_HEAD}<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>{body}</body></html>\n"


def is_our_page(path: Path) -> bool:
    """A page this tool wrote (it starts with PAGE_HEAD); any other file in review/ is the user's and stays."""
    try:
        return store.read_own_bytes(path).startswith(PAGE_HEAD.encode("utf-8"))
    except OSError:
        return False


def page_taken(path: Path) -> bool:
    """A file the tool did not write is at this page's path."""
    return (path.exists() or path.is_symlink()) and not is_our_page(path)


def review_document(output_dir: Path, doc: Doc, review_dir: Path) -> DocReview:
    """Write one document's page (when it is cleaned and up to date) and say what the index shows."""
    reason = failure_reason(output_dir, doc)
    if reason:
        return DocReview(doc.stem, "failed", reason)
    try:
        raw = audit.load_state(output_dir, doc, "decode")["raw_text"]
        flags = list(audit.load_state(output_dir, doc, STAGES[-1])["meta"].get("flags", []))
        report = audit.read_report(output_dir, doc.stem)
        edits = audit.read_changes(output_dir, doc.stem)
    except audit.AuditError as exc:
        return DocReview(doc.stem, "not cleaned", str(exc))
    verdict = audit.verify_document(output_dir, doc)
    page = page_name(doc.stem)
    if page_taken(review_dir / page):
        return DocReview(doc.stem, "no page", f"{review_dir / page}: exists and was not written by gwr-clean; "
                                              f"left as it is (move it away to get this document's page)")
    store.write_text_atomic(review_dir / page, document_page(doc, raw, report, edits, flags, verdict))
    return DocReview(doc.stem, "cleaned", "", kind_counts(edits), len(edits), flags, verdict.ok, page)


# ---------------------------------------------------------------- the index

def index_page(rows: Sequence[DocReview], problems: Sequence[tuple[str, str]]) -> str:
    head = ('<tr><th class="l">document</th><th class="l">state</th><th>edits</th>'
            + "".join(f'<th class="k-{k}">{html.escape(label)}</th>' for k, label in KINDS)
            + '<th>flags</th><th class="l">flag names</th><th class="l">verified</th></tr>')
    body_rows = []
    for row in rows:
        name = (f'<a href="{html.escape(quote(row.page))}">{html.escape(row.stem)}</a>' if row.page
                else html.escape(row.stem))
        if row.state != "cleaned":
            body_rows.append(f'<tr data-doc="{html.escape(row.stem)}"><td class="l">{name}</td>'
                             f'<td class="l bad" data-state="{row.state}">{row.state}</td>'
                             f'<td class="l" colspan="{len(KINDS) + 4}">{html.escape(row.reason)}</td></tr>')
            continue
        cells = "".join(f'<td data-kind="{k}">{row.counts[k]}</td>' for k in KIND_NAMES)
        verified = '<span class="ok">byte for byte</span>' if row.verified else '<span class="bad">MISMATCH</span>'
        body_rows.append(f'<tr data-doc="{html.escape(row.stem)}"><td class="l">{name}</td>'
                         f'<td class="l" data-state="cleaned">cleaned</td><td data-kind="all">{row.edits}</td>'
                         f'{cells}<td data-kind="flags">{len(row.flags)}</td>'
                         f'<td class="l flag">{html.escape(", ".join(row.flags))}</td>'
                         f'<td class="l" data-verified="{str(row.verified).lower()}">{verified}</td></tr>')
    cleaned = [r for r in rows if r.state == "cleaned"]
    totals = Counter[str]()
    for row in cleaned:
        totals.update(row.counts)
    total_cells = "".join(f'<td data-total="{k}">{totals[k]}</td>' for k in KIND_NAMES)
    body_rows.append(f'<tr class="total"><td class="l">total</td><td class="l">{len(cleaned)} cleaned</td>'
                     f'<td data-total="all">{sum(r.edits for r in cleaned)}</td>{total_cells}'
                     f'<td data-total="flags">{sum(len(r.flags) for r in cleaned)}</td><td></td>'
                     f'<td class="l">{sum(r.verified for r in cleaned)} of {len(cleaned)}</td></tr>')
    failed = sum(r.state != "cleaned" for r in rows) + len(problems)
    problem_items = "".join(f"<li>{html.escape(reason)}</li>" for _, reason in problems)
    body = f"""
<h1>Review of the cleaned reports</h1>
<p>documents: <b id="doc-count">{len(rows) + len(problems)}</b> · cleaned: <b id="cleaned-count">{len(cleaned)}</b>
· not cleaned or failed: <b id="failed-count">{failed}</b></p>
{legend(totals)}
<table id="documents">{head}{"".join(body_rows)}</table>
{f"<h2>Inputs that could not be read</h2><ul>{problem_items}</ul>" if problems else ""}
"""
    return wrap_page("review: all documents", body)


def write_review(input_dir: Path, output_dir: Path) -> Path:
    """Write every document's page and the index under <output>/review/; return the index path."""
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    if not output_dir.is_dir():
        raise ReviewError(f"{output_dir}: output folder does not exist (run `gwr-clean clean` first)")
    docs, problems = discover(input_dir, output_dir)
    review_dir = output_dir / REVIEW_DIR
    index = review_dir / "index.html"
    if page_taken(index):
        raise ReviewError(f"{index}: exists and was not written by gwr-clean; not overwritten (move it away)")
    try:
        review_dir.mkdir(parents=True, exist_ok=True)
        rows = [review_document(output_dir, doc, review_dir) for doc in docs]
        store.write_text_atomic(index, index_page(rows, [(p.path, p.reason) for p in problems]))
        keep = {index.name} | {r.page for r in rows if r.page}
        for page in review_dir.glob("*.html"):
            if page.name not in keep and is_our_page(page):
                page.unlink(missing_ok=True)
    except OSError as exc:
        raise ReviewError(f"{review_dir}: cannot write the review pages: {exc.strerror or exc}") from exc
    return index
