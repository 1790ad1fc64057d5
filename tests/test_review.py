"""The HTML review pages, rendered by a real headless chromium: counts, colours, escaping.

The browser is Debian's chromium (`apt-get install chromium`; `.ci/run` installs
it). Without it the browser test fails and says how to install it; a developer
who cannot install it sets GWR_NO_BROWSER=1, and the same count checks then run
on the page files as written (they are static: no scripts, so the DOM a browser
builds holds the same text), with a warning that nothing was rendered.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import warnings
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline import review, runner, store
from pipeline.model import Edit

from .conftest import SEEDS, seed_paths
from .test_cli import run_cli

STEMS = [p.stem for p in seed_paths()]
KINDS = ["duplicate", "chrome", "moved", "repair", "normalise", "render"]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The legend's background colours (pipeline/review.py CSS): a rendered page must show every one.
LEGEND_RGB = {"duplicate": (0xE4, 0xC8, 0xF5), "chrome": (0xF8, 0xC4, 0xC4), "moved": (0xC4, 0xDC, 0xF8),
              "repair": (0xFB, 0xD9, 0xA6), "normalise": (0xF3, 0xF0, 0xB8), "render": (0xC9, 0xEC, 0xC9)}


def expected_counts(out: Path, stem: str) -> Counter[str]:
    """Kinds counted from a change record (the mapping itself: test_kinds_are_the_rules_kind_field)."""
    lines = (out / f"{stem}.changes.jsonl").read_text(encoding="utf-8").splitlines()
    return Counter(review.edit_kind(Edit.from_json(json.loads(line))) for line in lines)


def expected_flags(out: Path, stem: str) -> list[str]:
    doc = next(d for d in runner.discover(SEEDS)[0] if d.stem == stem)
    return store.read_json(store.state_path(out, doc, "render"))["meta"].get("flags", [])


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("review") / "out"
    assert runner.clean(SEEDS, out).ok
    result = run_cli("review", "--input", str(SEEDS), "--output", str(out))
    assert result.returncode == 0, result.stderr
    return out


# ---------------------------------------------------------------- reading a DOM

class Cells(HTMLParser):
    """Texts of elements carrying an id or a data-kind/data-total (inside their data-doc row)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.doc, self.open_key, self.text = "", None, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.doc = a.get("data-doc") or ""
        for name in ("data-kind", "data-total", "id"):
            if a.get(name) and self.open_key is None and tag in ("td", "b", "span"):
                self.open_key, self.text = (self.doc if name == "data-kind" else name, a[name]), []

    def handle_data(self, data: str) -> None:
        if self.open_key:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.open_key and tag in ("td", "b", "span"):
            self.values[self.open_key] = "".join(self.text).strip()
            self.open_key = None


def cells(dom: str) -> dict[tuple[str, str], str]:
    parser = Cells()
    parser.feed(dom)
    return parser.values


def chromium() -> str | None:
    """Path of the chromium to drive; None only when the developer opted out with GWR_NO_BROWSER=1."""
    found = os.environ.get("GWR_CHROMIUM") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    if os.environ.get("GWR_NO_BROWSER") == "1":
        warnings.warn("GWR_NO_BROWSER=1: review pages checked as files, not rendered in a browser", stacklevel=2)
        return None
    pytest.fail("chromium is needed to test the review pages: install it (as root: apt-get update && "
                "apt-get install -y chromium), or set GWR_NO_BROWSER=1 to check the page files without a browser")


def run_chromium(binary: str, tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    result = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1400,1000",
                             *args, url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def rendered_dom(binary: str | None, tmp_path: Path, page: Path) -> str:
    if binary is None:
        return page.read_text(encoding="utf-8")
    return run_chromium(binary, tmp_path, page.as_uri(), "--dump-dom").stdout


def png_pixels(path: Path) -> tuple[int, int, set[tuple[int, int, int]]]:
    """Width, height and the set of RGB colours of an 8-bit RGB/RGBA, non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    previous, colours = bytearray(stride), set()
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + a) & 255
            elif kind == 2:
                row[i] = (row[i] + b) & 255
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours |= {tuple(row[i:i + 3]) for i in range(0, stride, bpp)}
        previous = row
    return width, height, colours


# ---------------------------------------------------------------- tests

@pytest.mark.parametrize(("stage", "rule", "kind"), [
    ("strip", "B3-qr-follow", "chrome"),
    ("strip", "B1-outside-body", "chrome"),  # a rule of code, no rule file: its stage's kind
    ("strip", "F3-duplicate-block", "duplicate"),  # copies are dropped before strip finds the body
    ("extract", "H1-navigation", "chrome"),
    ("extract", "P4-hard-wrap", "moved"),  # a join: moves and joins share a colour
    ("reassemble", "F1-reading-order", "moved"),
    ("reassemble", "F2-split-paragraph", "moved"),
    ("repair", "S1-zui", "repair"),
    ("repair", "W4-dash-bar", "repair"),  # defined in shape.toml
    ("normalise", "W1-punct", "normalise"),
    ("decode", "ftfy", "normalise"),
    ("normalise", "canonical-front-matter", "render"),  # our own front matter read back
    ("render", "R6-title", "render"),
])
def test_kinds_are_the_rules_kind_field(stage: str, rule: str, kind: str) -> None:
    assert review.edit_kind(Edit(0, 1, "x", "", rule, stage)) == kind


def test_every_piece_of_text_is_escaped() -> None:
    doc = store.Doc('<b onmouseover="x">&stem', "<src>.txt", "0" * 64)
    raw = "<script>alert(1)</script>&amp;\n报告"
    edits = [Edit(0, 31, raw[:31], "", "B1-<i>", "strip", 0, 1)]
    page = review.document_page(doc, raw, "报告", edits, ["<flag>"], review.audit.Verdict(doc.stem, True, "<ok>"))
    assert "<script" not in page and "<b onmouseover" not in page and "<flag>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;" in page
    index = review.index_page([review.DocReview(doc.stem, "failed", "<why>")], [("<p>", "<bad>")])
    assert "<why>" not in index and "<bad>" not in index and "&lt;why&gt;" in index


def test_pages_are_static_and_load_nothing_from_outside(reviewed: Path) -> None:
    pages = sorted((reviewed / "review").glob("*.html"))
    assert [p.name for p in pages] == sorted([f"{s}.html" for s in STEMS] + ["index.html"])
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and " src=" not in text and 'href="http' not in text
        assert "Content-Security-Policy" in text and "default-src 'none'" in text


def test_a_page_shows_raw_and_cleaned_text_with_each_change_marked(reviewed: Path) -> None:
    stem = STEMS[1]
    page = (reviewed / "review" / f"{stem}.html").read_text(encoding="utf-8")
    for record in map(json.loads, (reviewed / f"{stem}.changes.jsonl").read_text(encoding="utf-8").splitlines()):
        if record["stage"] == "strip" and record["before"].strip():
            shown = page.split('id="raw">', 1)[1].split("</pre>", 1)[0]
            assert f'class="k-chrome" title="strip/{record["rule"]}' in shown


def test_review_pages_in_a_browser_show_the_counts_of_the_change_records(reviewed: Path, tmp_path: Path) -> None:
    binary = chromium()
    index = cells(rendered_dom(binary, tmp_path, reviewed / "review" / "index.html"))
    assert index[("id", "doc-count")] == str(len(STEMS)) == index[("id", "cleaned-count")]
    totals = Counter[str]()
    for stem in STEMS:
        want = expected_counts(reviewed, stem)
        totals.update(want)
        assert {k: int(index[(stem, k)]) for k in KINDS} == {k: want[k] for k in KINDS}, stem
        assert int(index[(stem, "all")]) == sum(want.values())
        assert int(index[(stem, "flags")]) == len(expected_flags(reviewed, stem))
        page = cells(rendered_dom(binary, tmp_path, reviewed / "review" / f"{stem}.html"))
        assert {k: int(page[("", k)]) for k in KINDS} == {k: want[k] for k in KINDS}, stem
        assert int(page[("id", "edit-count")]) == sum(want.values())
        assert int(page[("id", "flag-count")]) == len(expected_flags(reviewed, stem))
    assert {k: int(index[("data-total", k)]) for k in KINDS} == {k: totals[k] for k in KINDS}
    if binary is None:
        return
    shot = tmp_path / "page.png"
    run_chromium(binary, tmp_path, (reviewed / "review" / f"{STEMS[1]}.html").as_uri(), f"--screenshot={shot}")
    width, height, colours = png_pixels(shot)
    assert (width, height) == (1400, 1000)
    assert (255, 255, 255) in colours
    missing = {k for k, rgb in LEGEND_RGB.items() if rgb not in colours}
    assert not missing, f"colours of these kinds not on screen: {missing}"
