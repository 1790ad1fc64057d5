"""Copy signatures: computed in chunks with the hash fed at once, equal to datasketch's own MinHash."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from pipeline import copies

from .conftest import gold_paths


def datasketch_signature(body: str) -> bytes | None:
    """datasketch's MinHash updated shingle by shingle, each hashed on its own (shingle_hash)."""
    conf = copies.setting("group")
    grams = copies.shingles(body, conf["shingle_chars"])
    if len(grams) < conf["min_shingles"]:
        return None
    sketch = MinHash(num_perm=conf["num_perm"], seed=conf["seed"], scheme=copies.SCHEME, hashfunc=copies.shingle_hash)
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
    assert len(copies.shingle_hashes(body, 5)) > 4 * copies.CHUNK_ROWS
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
