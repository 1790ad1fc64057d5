"""Chinese administrative divisions (GB/T 2260, from the gb2260 package), for naming a report's region.

A report that never states its region names it bare (湘潭 rather than 湘潭市)
and refers to itself as 全市 / 全县 / 全省. The division list tells which
bare names are places and at which level; the self-reference picks the level.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

import numpy as np

from .model import pair_number, pair_numbers
from .shape import region_suffixes

SELF_REFERENCE = {"省": "全省", "市": "全市", "州": "全州", "盟": "全盟", "县": "全县", "旗": "全旗", "区": "全区"}
NOT_PLACES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class Division:
    code: int
    name: str  # as officially written, e.g. 湘潭市
    short: str  # without its suffix, e.g. 湘潭

    def contains(self, other: Division) -> bool:
        """Same division, or one inside the other (GB/T 2260 codes nest by digits)."""
        for digits in (10000, 100):
            if self.code % digits == 0 or other.code % digits == 0:
                return self.code // digits == other.code // digits
        return self.code == other.code


def short_name(name: str) -> str:
    for suffix in region_suffixes():  # longest first, so 自治县 is taken off before 县
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@cache
def divisions_by_short_name() -> dict[str, tuple[Division, ...]]:
    """Every division of the latest GB/T 2260 list, by its name without suffix."""
    from gb2260.data import data

    table: dict[str, list[Division]] = {}
    for code, name in data[None].items():
        short = short_name(name)
        if name not in NOT_PLACES and len(short) >= 2:
            table.setdefault(short, []).append(Division(code, name, short))
    return {k: tuple(v) for k, v in table.items()}


@cache
def name_heads() -> frozenset[str]:
    """The first two characters of every short name (place_counts' screen)."""
    return frozenset(name[:2] for name in divisions_by_short_name())


def place_counts(text: str, common_words: frozenset[str]) -> Counter[str]:
    """How often each division's short name occurs (longest match at each position, the text
    after a match read on from its end), leaving out names that are also common words (资源, 合作 …)."""
    table = divisions_by_short_name()
    counts: Counter[str] = Counter()
    free = 0  # the first position not inside a name already counted
    for i in name_starts(text):
        if i < free:
            continue
        for size in (4, 3, 2):
            if text[i:i + size] in table:
                if text[i:i + size] not in common_words:
                    counts[text[i:i + size]] += 1
                free = i + size
                break
    return counts


def name_starts(text: str) -> list[int]:
    """The positions where a name's first two characters stand (found in C: most positions hold none)."""
    return np.flatnonzero(np.isin(pair_numbers(text), head_keys())).tolist()


@cache
def head_keys() -> np.ndarray:
    """name_heads as pair numbers, as name_starts compares them."""
    return np.array(sorted(pair_number(h) for h in name_heads() if len(h) == 2), dtype=np.int64)


def is_national(text: str) -> bool:
    """A national report speaks of 我国 more than of 全省/全市/全县/全区."""
    local = sum(text.count(ref) for ref in set(SELF_REFERENCE.values()))
    return local == 0 or text.count("我国") > local


def pick_level(text: str, candidates: tuple[Division, ...]) -> Division | None:
    """Among divisions sharing a short name (湘潭市, 湘潭县), the one whose self-reference
    the text uses most (全市, 全县); on a tie the higher level, which a bare name means."""
    if len(candidates) == 1:
        return candidates[0]
    refs = sorted(((text.count(SELF_REFERENCE.get(d.name[-1], "\0")), -level(d), d) for d in candidates),
                  key=lambda x: (x[0], x[1]), reverse=True)
    return refs[0][2] if refs[0][:2] != refs[1][:2] else None


def level(d: Division) -> int:
    return 1 if d.code % 10000 == 0 else 2 if d.code % 100 == 0 else 3


def full_name(d: Division) -> str:
    """A city district is named with its city (衡阳市石鼓区): district names repeat across cities."""
    if level(d) == 3 and d.name.endswith("区"):
        from gb2260.data import data

        parent = data[None].get(d.code // 100 * 100)
        if parent and parent not in NOT_PLACES:
            return parent + d.name
    return d.name


def own_region(text: str, common_words: frozenset[str], min_count: int, dominance: float) -> str | None:
    """The division the body names as its own most often (at least `min_count` times and
    `dominance` times as often as any place outside it; render.toml [region]), or None."""
    if is_national(text):
        return None
    table = divisions_by_short_name()
    ranked = place_counts(text, common_words).most_common()
    if not ranked or ranked[0][1] < min_count:
        return None
    best = pick_level(text, table[ranked[0][0]])
    if best is None:
        return None
    rivals = [n for short, n in ranked[1:] if not any(best.contains(d) for d in table[short])]
    if rivals and ranked[0][1] < dominance * rivals[0]:
        return None
    return full_name(best)
