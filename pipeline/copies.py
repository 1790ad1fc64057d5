"""Copies of one report: MinHash signatures, LSH candidates, metadata guards, the best copy.

A corpus-level step over the finished reports (docs: architecture.md, "The
corpus, not only the document"): each report's signature depends on its own
text only, so it is computed once per report and cached by the catalogue;
grouping compares signatures through LSH buckets, never all pairs, so it
scales to 100,000 reports. Settings: pipeline/rules/copies.toml.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from . import rules
from .model import window_numbers
from .published import han_only

RULE_FILE = "copies.toml"
SCHEME = "affine32"  # 32-bit hash values: 4 bytes per permutation in the cache
DTYPE = np.dtype("<u4")


@cache
def config() -> dict[str, Any]:
    return rules.load(RULE_FILE)


def setting(table: str) -> dict[str, Any]:
    return config()[table][0]


def shingles(body: str, size: int) -> set[str]:
    """Every run of `size` consecutive Han characters of the body (markup and punctuation left out)."""
    han = han_only(body)
    return {han[i:i + size] for i in range(len(han) - size + 1)}


# A shingle's hash: its code points read as a number base SHINGLE_BASE (mod 2^64), through the
# MurmurHash3 64-bit finalizer, the high 32 bits. Whole-text numpy arithmetic, where a hash
# library called once per shingle (SHA-1, datasketch's default) took a second per 150 reports.
SHINGLE_BASE = 0x9E3779B97F4A7C15
FMIX64 = (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33)


def fmix(hv: np.ndarray, constants: tuple[int, int, int, int, int]) -> np.ndarray:
    """MurmurHash3's finalizer (FMIX32 or FMIX64) on every value, in the values' own width."""
    width = hv.dtype.type
    s1, m1, s2, m2, s3 = (width(c) for c in constants)
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def shingle_hashes(body: str, size: int) -> np.ndarray:
    """The hashes of the distinct shingles of the body (`shingles`), computed over the whole text at once."""
    distinct = np.unique(window_numbers(han_only(body), size, SHINGLE_BASE))  # `shingles` is a set
    return (fmix(distinct, FMIX64) >> np.uint64(32)).astype(DTYPE)


@cache
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    """datasketch's affine32 permutations (a odd, b; both uint32), drawn as it draws them.

    Made here so that signing a report needs no datasketch import (it pulls in
    scipy, a second or more); tests check them against MinHash(...).permutations.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


# The MurmurHash3 32-bit finalizer, which datasketch's affine32 scheme applies
# to every input hash before its permutations a * h + b (mod 2^32).
FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)
# Shingles permuted at once: bounds the memory of one signature (num_perm x columns x 4 bytes).
CHUNK_COLUMNS = 4096


def min_hashes(hv: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """The signature of these input hashes: what MinHash(scheme='affine32').update_batch gives, in chunks.

    One permutation a row, the shingles along it: each row's minimum runs over contiguous memory,
    in a buffer made once (five times faster than a column per permutation).
    """
    a, b = (np.asarray(x, dtype=DTYPE).reshape(-1, 1) for x in _permutations(num_perm, seed))
    out = np.full(num_perm, np.iinfo(np.uint32).max, dtype=DTYPE)
    mixed = fmix(hv.astype(DTYPE), FMIX32)
    buffer = np.empty((num_perm, min(len(mixed), CHUNK_COLUMNS)), dtype=DTYPE)
    for start in range(0, len(mixed), CHUNK_COLUMNS):
        chunk = mixed[start:start + CHUNK_COLUMNS]
        permuted = buffer[:, :len(chunk)]
        np.multiply(a, chunk, out=permuted)
        np.add(permuted, b, out=permuted)
        np.minimum(out, permuted.min(axis=1), out=out)
    return out


def signature(body: str) -> bytes | None:
    """The MinHash signature of a report body, or None when it is too short to compare."""
    conf = setting("group")
    hashes = shingle_hashes(body, conf["shingle_chars"])
    if len(hashes) < conf["min_shingles"]:
        return None
    return min_hashes(hashes, conf["num_perm"], conf["seed"]).astype(DTYPE).tobytes()


def values_of(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype=DTYPE)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two shingle sets from their signatures."""
    return float(np.mean(a == b))


@dataclass
class Member:
    """What grouping needs to know of one report."""

    name: str
    path: str
    sig: bytes
    facts: dict[str, Any] = field(default_factory=dict)  # the guard fields (year, admin_code, level)
    flags: int = 0
    known_fields: int = 0
    han_chars: int = 0

    @property
    def values(self) -> np.ndarray:
        return values_of(self.sig)


def candidate_pairs(members: list[Member]) -> list[tuple[float, str, str]]:
    """(similarity, name, name) of every pair at or above the threshold, most similar first.

    LSH proposes the pairs: reports sharing a band of their signature (datasketch's
    MinHashLSH banding, `lsh_bands` × `lsh_rows`, done here: datasketch's LSH module
    loads scipy, half a second a run); the signatures then confirm them.
    """
    conf = setting("group")
    if conf["lsh_bands"] * conf["lsh_rows"] > conf["num_perm"]:
        raise rules.RuleError(f"{rules.RULES_DIR / RULE_FILE}: lsh_bands × lsh_rows ({conf['lsh_bands']} × "
                              f"{conf['lsh_rows']}) is more than a signature's {conf['num_perm']} values (num_perm)")
    width = conf["lsh_rows"] * DTYPE.itemsize
    buckets: dict[tuple[int, bytes], list[Member]] = {}
    for m in members:
        for band in range(conf["lsh_bands"]):
            buckets.setdefault((band, m.sig[band * width:(band + 1) * width]), []).append(m)
    sims: dict[tuple[str, str], float] = {}
    for sharing in buckets.values():
        for k, a in enumerate(sharing):
            for b in sharing[k + 1:]:
                pair = (a.name, b.name) if a.name < b.name else (b.name, a.name)
                if pair not in sims:
                    sims[pair] = similarity(a.values, b.values)
    pairs = [(sim, a, b) for (a, b), sim in sims.items() if sim >= conf["threshold"]]
    return sorted(pairs, key=lambda p: (-p[0], p[1], p[2]))


def compatible(a: dict[str, set], b: dict[str, set]) -> bool:
    """Two groups may be one report: no guard field has two different known values."""
    return all(len(a[f] | b[f]) <= 1 for f in setting("guard")["fields"])


def _facts(member: Member) -> dict[str, set]:
    return {f: {member.facts[f]} if member.facts.get(f) not in (None, "") else set()
            for f in setting("guard")["fields"]}


def group(members: list[Member]) -> list[list[Member]]:
    """Copy groups: pairs joined most similar first, never across a guard (year, code, level)."""
    parent = {m.name: m.name for m in members}
    facts = {m.name: _facts(m) for m in members}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for _, a, b in candidate_pairs(members):
        ra, rb = root(a), root(b)
        if ra != rb and compatible(facts[ra], facts[rb]):
            parent[rb] = ra
            facts[ra] = {f: facts[ra][f] | facts[rb][f] for f in facts[ra]}
    groups: dict[str, list[Member]] = {}
    for m in members:
        groups.setdefault(root(m.name), []).append(m)
    return [sorted(g, key=lambda m: m.path) for g in groups.values()]


def completeness(members: list[Member]) -> list[float]:
    """Each member's share of the group's shingles (its similarity to the union of the group)."""
    union = np.minimum.reduce([m.values for m in members])
    return [similarity(m.values, union) for m in members]


def best_copy(members: list[Member]) -> Member:
    """Most complete (within the tolerance), then least flagged, most fields known, most Han characters."""
    if len(members) == 1:
        return members[0]
    scores = completeness(members)
    top = max(scores) - setting("best")["tolerance"]
    near = [m for m, s in zip(members, scores, strict=True) if s >= top]
    return min(near, key=lambda m: (m.flags, -m.known_fields, -m.han_chars, m.path))


def assign(members: Iterable[Member]) -> dict[str, tuple[str, bool]]:
    """name → (copy group id, is the best copy). A group's id is the name of its first member by path."""
    out: dict[str, tuple[str, bool]] = {}
    for members_of_group in group(list(members)):
        best = best_copy(members_of_group)
        gid = members_of_group[0].name
        for m in members_of_group:
            out[m.name] = (gid, m is best)
    return out
