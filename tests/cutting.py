"""Cut a report the way a newspaper prints it across columns and pages, then shuffle.

Used by tests/test_reorder.py (on the seeds' gold texts) and bench/eval_cuts.py (on
../shared/corpus/gold at run time). A cut falls at a random character of the body:
inside a paragraph, a sentence or a word, or between two paragraphs; never right
after a sentence end inside a paragraph (nothing in the print says such a
paragraph went on, so no reader could join it back). The pieces are printed in a
shuffled order, each starting on a new line, some with jump markers in one of
the wordings newspapers use.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

SENTENCE_END = "。！？；：”"
UP_WORDINGS = ("上接第{p}版", "（上接第{p}版）", "（上接A{p}版）", "上接{p}版", "上接A{p}版 ")
DOWN_WORDINGS = ("下转第{p}版", "（下转第{p}版）", "（下转A{p}版）", "下转{p}版", " 下转A{p}版")


@dataclass(frozen=True)
class Cut:
    """A cut-and-shuffled report: the text to clean and the pieces in their true order."""

    text: str
    pieces: list[str]
    printed: list[int]  # printed[k] = index (in reading order) of the k-th printed piece


def paragraphs(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def cut_points(paras: list[str], n: int, rng: random.Random) -> list[tuple[int, int]]:
    """n distinct cuts (paragraph, offset) after the first paragraph; offset 0 = between paragraphs."""
    spots = [(i, k) for i, p in enumerate(paras) if i >= 1 for k in range(len(p))
             if k == 0 or p[k - 1] not in SENTENCE_END]
    return sorted(rng.sample(spots, min(n, len(spots))))


def pieces_of(paras: list[str], cuts: list[tuple[int, int]]) -> list[list[str]]:
    """The paragraphs cut into pieces of lines, in reading order."""
    pieces: list[list[str]] = [[]]
    queue = list(cuts)
    for i, p in enumerate(paras):
        rest = p
        consumed = 0
        while queue and queue[0][0] == i:
            k = queue.pop(0)[1] - consumed
            if k > 0:
                pieces[-1].append(rest[:k])
                rest, consumed = rest[k:], consumed + k
            pieces.append([])
        pieces[-1].append(rest)
    return [piece for piece in pieces if piece]


def mark(pieces: list[list[str]], pages: list[int], rng: random.Random) -> list[list[str]]:
    """Jump markers: a piece continued elsewhere ends 下转第N版, its continuation starts 上接第M版."""
    marked = [list(piece) for piece in pieces]
    for k in range(len(pieces) - 1):
        if rng.random() < 0.8:
            down = rng.choice(DOWN_WORDINGS).format(p=pages[k + 1])
            up = rng.choice(UP_WORDINGS).format(p=pages[k])
            last, first = marked[k][-1], marked[k + 1][0]
            marked[k][-1:] = [last + down] if down.startswith(" ") else [last, down.strip()]
            marked[k + 1][:1] = [up + first] if up.endswith(" ") else [up.strip(), first]
    return marked


def word_cuts(paras: list[str], words: Callable[[str], bool], n: int, rng: random.Random) -> list[tuple[int, int]]:
    """n cuts inside two-character words (贯|彻), in n different paragraphs past the opening ones."""
    spots = [(i, k) for i, p in enumerate(paras) if i > 2 and len(p) > 40 for k in range(5, len(p) - 5)
             if words(p[k - 1:k + 1]) and p[k - 1] not in SENTENCE_END + "，、"]
    chosen: list[tuple[int, int]] = []
    for spot in rng.sample(spots, len(spots)):
        if all(spot[0] != c[0] for c in chosen):
            chosen.append(spot)
        if len(chosen) == n:
            break
    return sorted(chosen)


def print_pieces(pieces: list[list[str]], printed: list[int]) -> Cut:
    body = "\n\n".join("\n\n".join(pieces[k]) for k in printed)
    return Cut(body + "\n", ["\n\n".join(p) for p in pieces], printed)


def cut_and_shuffle(text: str, seed: int, markers: bool | None = None, cuts: int | None = None) -> Cut:
    """The report cut at 2–8 random places (or `cuts`), pieces shuffled, markers on a random choice."""
    rng = random.Random(seed)
    paras = paragraphs(text)
    pieces = pieces_of(paras, cut_points(paras, cuts or rng.randint(2, 8), rng))
    printed = list(range(len(pieces)))
    while printed == sorted(printed) and len(printed) > 1:
        rng.shuffle(printed)
    pages = [rng.randint(1, 12) for _ in pieces]
    with_markers = rng.random() < 0.5 if markers is None else markers
    shown = mark(pieces, pages, rng) if with_markers else pieces
    cut = print_pieces(shown, printed)
    return Cut(cut.text, ["\n\n".join(p) for p in pieces], printed)
