"""Deterministic benchmark corpora: N messy documents made from the sample reports.

Each document is a sample (or a corpus page, when ../shared/corpus/raw is
there) with a seeded mix of the mess the pipeline cleans: another encoding,
site chrome around it, ad-law substitutions, two paragraphs swapped.
"""

from __future__ import annotations

import random
from pathlib import Path

import opencc

# Lines in the style of site chrome, written for the benchmark.
HEADERS = (
    "当前位置：首页 > 政务公开 > 政府工作报告",
    "来源：本站 发布时间：2024-01-30 09:00 浏览次数：{n}",
    "【字体：大 中 小】 打印 关闭",
)
FOOTERS = (
    "版权所有：某某市人民政府办公室 网站标识码：0000000000",
    "备案号：某ICP备00000000号-{n}",
    "扫一扫在手机上查看当前页面",
    "相关阅读：",
)
ENCODINGS = ("utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16", "big5")


def source_texts(seeds: Path, corpus: Path | None) -> list[str]:
    """Decoded sample texts to build documents from."""
    paths = sorted(seeds.glob("*.txt"))
    if corpus and corpus.is_dir():
        paths += sorted(corpus.glob("*.txt"))
    texts = []
    for path in paths:
        data = path.read_bytes()
        for codec in ("utf-8", "gb18030"):
            try:
                texts.append(data.decode(codec))
                break
            except UnicodeDecodeError:
                continue
    return texts


def swap_paragraphs(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    candidates = [i for i in range(1, len(lines) - 1) if len(lines[i]) > 40 and len(lines[i + 1]) > 40]
    if candidates:
        i = rng.choice(candidates)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "\n".join(lines)


def messy_document(text: str, n: int, rng: random.Random, to_traditional: opencc.OpenCC) -> bytes:
    """One benchmark document: the text with seeded mess, encoded."""
    if rng.random() < 0.3 and text.count("最") >= 2:
        text = text.replace("最", "蕞")
    if rng.random() < 0.3:
        text = swap_paragraphs(text, rng)
    head = [h.format(n=n) for h in rng.sample(HEADERS, rng.randint(0, len(HEADERS)))]
    foot = [f.format(n=n) for f in rng.sample(FOOTERS, rng.randint(0, len(FOOTERS)))]
    text = "\n".join([*head, text, *foot]) + "\n"
    codec = rng.choice(ENCODINGS)
    if codec == "big5":
        return to_traditional.convert(text).encode("big5", errors="replace")
    return text.encode(codec)


def generate(n: int, seed: int, seeds: Path, corpus: Path | None, out: Path) -> list[Path]:
    """Write n documents into `out` (deterministic for a given seed and sources)."""
    rng = random.Random(seed)
    texts = source_texts(seeds, corpus)
    to_traditional = opencc.OpenCC("s2t.json")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = out / f"doc{i:06d}.txt"
        path.write_bytes(messy_document(rng.choice(texts), i, rng, to_traditional))
        paths.append(path)
    return paths
