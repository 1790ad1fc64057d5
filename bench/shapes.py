"""Pathological input shapes for `make bench`, made from the same sample texts as the corpus.

Each shape is one kind of input that made a stage super-linear before:
very many short lines, one huge line, a page whose report sits on a few long
lines, a report hard-wrapped at 38 characters. `write_shapes` writes one
folder per shape; bench.py times each against the rate on the generated corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.generate import FOOTERS, HEADERS, source_texts


def _report_text(texts: list[str], chars: int) -> str:
    """The sample reports one after another, lines kept, until `chars` characters."""
    parts, size, i = [], 0, 0
    while size < chars:
        text = texts[i % len(texts)].strip("\n")
        parts.append(text)
        size += len(text) + 1
        i += 1
    return "\n".join(parts)[:chars]


def _han_only(text: str) -> str:
    return "".join(c for c in text if "\u4e00" <= c <= "\u9fff")


def short_lines(texts: list[str]) -> str:
    """200,000 lines of five characters each (~3 MB): a listing, a table split into cells."""
    han = _han_only(_report_text(texts, 1_200_000))
    span = len(han) - 5
    lines = [han[i % span:i % span + 5] for i in range(0, 200_000 * 5, 5)]
    return "\n".join(lines) + "\n"


def one_line(texts: list[str]) -> str:
    """A 5 MB report on one line: every paragraph break lost."""
    text = _report_text(texts, 1_700_000)
    return text.replace("\n", "") + "\n"


def long_line_page(texts: list[str]) -> str:
    """A ~60 KB web page whose report sits on a few long lines between site chrome."""
    body = _report_text(texts[:1], 20_000).split("\n")
    step = max(1, len(body) // 4)
    long_lines = ["".join(body[i:i + step]) for i in range(0, len(body), step)]
    head = [h.format(n=1) for h in HEADERS]
    foot = [f.format(n=1) for f in FOOTERS]
    return "\n".join([*head, *long_lines, *foot]) + "\n"


def hard_wrapped(texts: list[str]) -> str:
    """A ~120 KB report hard-wrapped at 38 characters a line, as e-mail and old portals print it."""
    text = _report_text(texts, 40_000)
    lines = []
    for paragraph in text.split("\n"):
        lines += [paragraph[i:i + 38] for i in range(0, max(len(paragraph), 1), 38)]
    return "\n".join(lines) + "\n"


SHAPES: dict[str, Callable[[list[str]], str]] = {
    "short_lines": short_lines,
    "one_line": one_line,
    "long_line_page": long_line_page,
    "hard_wrapped": hard_wrapped,
}


def write_shapes(seeds: Path, corpus: Path | None, out: Path) -> dict[str, Path]:
    """One folder per shape under `out`, each holding its one document (UTF-8)."""
    texts = source_texts(seeds, corpus)
    folders = {}
    for name, make in SHAPES.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.txt").write_text(make(texts), encoding="utf-8")
        folders[name] = folder
    return folders
