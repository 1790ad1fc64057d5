"""The peer for HTML pages: trafilatura's main-content extraction, written where score.py reads it.

    python bench/peer_trafilatura.py PAGES_DIR OUT_DIR

For every page PAGES_DIR/<stem>.html, trafilatura's text (with its title, as
the page shows it) goes to OUT_DIR/<stem>.md. Eval only: trafilatura is in the
`eval` extra, never a runtime dependency.
"""

from __future__ import annotations

import sys
from pathlib import Path


def extract(page: bytes) -> str:
    import trafilatura

    text = trafilatura.extract(page, output_format="txt", include_comments=False, include_tables=True,
                               favor_recall=True) or ""
    meta = trafilatura.extract_metadata(page)
    title = meta.title if meta is not None and meta.title else ""
    return (title + "\n\n" if title and title not in text[:200] else "") + text + "\n"


def main(pages: Path, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(pages.glob("*.html")):
        (out / f"{path.stem}.md").write_text(extract(path.read_bytes()), encoding="utf-8")
        count += 1
    print(f"trafilatura: {count} pages extracted into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
