"""Timing of the catalogue step on a large corpus: `python bench/catalogue.py [--n 10000]`.

Builds the catalogue's state for N synthetic finished reports (rows and
MinHash signatures; one report in ten has two near copies), then measures:
the first grouping (LSH over all signatures), a rerun with nothing changed
(target: well under a second for 10,000 rows) and a rerun after one report
changed (its row computed again, the groups recomputed).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import catalogue, copies  # noqa: E402
from pipeline.store import Doc  # noqa: E402


def synthetic_entry(doc: Doc, rng: np.random.Generator, base: np.ndarray | None, year: int) -> dict:
    conf = copies.setting("group")
    values = rng.integers(0, 2**32, size=conf["num_perm"], dtype=np.uint64).astype(copies.DTYPE)
    if base is not None:  # a near copy: 90% of the signature shared
        keep = rng.random(conf["num_perm"]) < 0.9
        values = np.where(keep, base, values).astype(copies.DTYPE)
    row = {c: "" for c in catalogue.COLUMNS}
    row.update(path=f"{doc.stem}.txt", year=year, chars=20000, han_chars=17000,
               removed_chars=100, source_sha256=doc.sha256, best_copy=None, region="某市", level="市级")
    return {"key": catalogue.final_key(doc), "report": f"{doc.stem}.md", "row": row,
            "signature": base64.b64encode(values.tobytes()).decode("ascii")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    docs = [Doc(f"doc{i:06d}", f"raw/doc{i:06d}.txt", hashlib.sha256(str(i).encode()).hexdigest())
            for i in range(args.n)]
    entries, base = {}, None
    for i, doc in enumerate(docs):
        entry = synthetic_entry(doc, rng, base if i % 10 in (1, 2) else None, 2000 + i // 10 % 25)
        if i % 10 == 0:
            base = np.frombuffer(base64.b64decode(entry["signature"]), dtype=copies.DTYPE)
        entries[doc.stem] = entry
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        by_name = dict(entries)
        catalogue.document_entry = lambda output_dir, doc, name, path: by_name[name]  # no reports on disk
        results = {}
        start = time.perf_counter()
        catalogue.update(Path("raw"), out, docs, {})
        results["first run (rows cached, groups computed)"] = time.perf_counter() - start
        start = time.perf_counter()
        catalogue.update(Path("raw"), out, docs, {})
        results["rerun, nothing changed"] = time.perf_counter() - start
        changed = Doc(docs[5].stem, docs[5].path, hashlib.sha256(b"changed").hexdigest())
        by_name[changed.stem] = synthetic_entry(changed, rng, None, 2000)
        start = time.perf_counter()
        catalogue.update(Path("raw"), out, [*docs[:5], changed, *docs[6:]], {})
        results["rerun, one report changed"] = time.perf_counter() - start
        groups = {}
        for row in catalogue.read_rows(out):
            groups.setdefault(row["row"]["copy_group"], []).append(row["name"])
        sizes = sorted((len(g) for g in groups.values()), reverse=True)
    for what, seconds in results.items():
        print(f"{what:<45} {seconds:7.3f} s   ({args.n} rows)")
    print(f"groups: {len(groups)}, of 3: {sizes.count(3)}, of 1: {sizes.count(1)}")
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))


if __name__ == "__main__":
    main()
