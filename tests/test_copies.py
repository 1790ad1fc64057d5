"""Copy signatures: computed in chunks with the hash fed at once, equal to datasketch's own MinHash."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash

from pipeline import copies

from .conftest import gold_paths


def shingle_hash(gram: bytes) -> int:
    """One UTF-8 shingle hashed on its own as copies.shingle_hashes hashes them all at once:
    datasketch's `hashfunc` for a MinHash updated shingle by shingle."""
    number = 0
    for char in gram.decode("utf-8"):
        number = (number * copies.SHINGLE_BASE + ord(char)) % (1 << 64)
    return int(copies.fmix(np.array([number], dtype=np.uint64), copies.FMIX64)[0] >> np.uint64(32))


def datasketch_signature(body: str) -> bytes | None:
    """datasketch's MinHash updated shingle by shingle, each hashed on its own (shingle_hash)."""
    conf = copies.setting("group")
    grams = copies.shingles(body, conf["shingle_chars"])
    if len(grams) < conf["min_shingles"]:
        return None
    sketch = MinHash(num_perm=conf["num_perm"], seed=conf["seed"], scheme=copies.SCHEME, hashfunc=shingle_hash)
    sketch.update_batch(g.encode("utf-8") for g in grams)
    return np.asarray(sketch.hashvalues, dtype=copies.DTYPE).tobytes()


def bodies() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in gold_paths()]
    rare = "𠀀𠀁𠀂"  # characters outside the basic plane: four bytes each in UTF-8
    return [*texts, rare.join(texts[0].split(",")), texts[0][:300]]


@pytest.mark.parametrize("body", bodies(), ids=range(len(bodies())))
def test_signature_is_datasketchs(body: str) -> None:
    assert copies.signature(body) == datasketch_signature(body)


def test_a_long_body_is_signed_in_bounded_chunks() -> None:
    body = "".join(bodies()[:3]) * 3
    assert len(copies.shingle_hashes(body, 5)) > 2 * copies.CHUNK_COLUMNS
    assert copies.signature(body) == datasketch_signature(body)


def test_permutations_are_datasketchs() -> None:
    conf = copies.setting("group")
    ours = copies._permutations(conf["num_perm"], conf["seed"])
    theirs = MinHash(num_perm=conf["num_perm"], seed=conf["seed"], scheme=copies.SCHEME).permutations
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


@pytest.mark.parametrize("body", bodies(), ids=range(len(bodies())))
def test_one_hash_per_distinct_shingle(body: str) -> None:
    conf = copies.setting("group")
    assert len(copies.shingle_hashes(body, conf["shingle_chars"])) == len(copies.shingles(body, conf["shingle_chars"]))


def test_the_lsh_banding_is_datasketchs_optimal_one_for_the_threshold() -> None:
    from datasketch import MinHashLSH

    conf = copies.setting("group")
    lsh = MinHashLSH(threshold=conf["threshold"], num_perm=conf["num_perm"])
    assert (conf["lsh_bands"], conf["lsh_rows"]) == (lsh.b, lsh.r)


def edited(body: str, seed: int, share: float) -> str:
    """The body with a share of its lines dropped: a copy as far from it as the share says."""
    rng = random.Random(seed)
    return "\n".join(line for line in body.split("\n") if rng.random() >= share)


def datasketch_pairs(members: list[copies.Member]) -> list[tuple[float, str, str]]:
    """candidate_pairs through datasketch's own MinHashLSH."""
    from datasketch import MinHashLSH

    conf = copies.setting("group")
    perms = copies._permutations(conf["num_perm"], conf["seed"])
    sketches = {m.name: MinHash(seed=conf["seed"], hashvalues=m.values, permutations=perms, scheme=copies.SCHEME)
                for m in members}
    lsh = MinHashLSH(threshold=conf["threshold"], num_perm=conf["num_perm"])
    for name, sketch in sketches.items():
        lsh.insert(name, sketch)
    values = {m.name: m.values for m in members}
    pairs = {(copies.similarity(values[a], values[b]), a, b)
             for a, sketch in sketches.items() for b in lsh.query(sketch) if b > a}
    return sorted((p for p in pairs if p[0] >= conf["threshold"]), key=lambda p: (-p[0], p[1], p[2]))


def test_candidate_pairs_are_the_pairs_datasketchs_lsh_finds() -> None:
    """Each gold text and copies of it with 5–60 % of its lines dropped: near ones pair, far ones not."""
    members = []
    for k, body in enumerate(bodies()[:5]):
        for seed, share in enumerate([0.0, 0.05, 0.2, 0.4, 0.6]):
            sig = copies.signature(edited(body, seed, share))
            if sig:
                members.append(copies.Member(name=f"{k}-{share}", path=f"{k}-{share}", sig=sig))
    pairs = copies.candidate_pairs(members)
    assert pairs == datasketch_pairs(members)
    assert any(a.endswith("-0.0") and b.endswith("-0.05") for _, a, b in pairs)
    assert len(pairs) < len(members) * (len(members) - 1) // 2
