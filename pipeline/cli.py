"""Command line: `python -m pipeline clean|status …` (run with --help for details)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import runner, status


def _add_folders(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, default=Path("seeds"),
                        help="folder of raw reports, one file per report (default: seeds)")
    parser.add_argument("--output", type=Path, default=Path("output"),
                        help="folder for <stem>.md reports and their records (default: output)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Clean scraped Chinese government work reports into canonical Markdown.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="clean every file of --input into --output/<stem>.md",
                           description="Clean every file of --input into --output/<stem>.md. "
                                       "Only documents whose source, code or rules changed are processed.")
    _add_folders(clean)
    clean.add_argument("--workers", type=int, default=1, help="parallel Luigi workers (default: 1)")
    clean.add_argument("--shard-size", type=int, default=None,
                       help="documents per Luigi task (default: 1 for folders of up to 100 documents, "
                            "else shards giving each worker ~8 tasks per stage)")
    clean.add_argument("--scheduler-url", default=None,
                       help="URL of a central luigid (e.g. http://host:8082/); default: local scheduler")
    clean.add_argument("--progress-seconds", type=float, default=10.0,
                       help="print a line of counts to stderr this often while running; 0 = never (default: 10)")
    clean.add_argument("--summary-json", type=Path, default=None,
                       help="also write the run summary (what ran, what failed) to this JSON file")
    clean.set_defaults(func=cmd_clean)

    st = sub.add_parser("status", help="which documents are up to date, stale or failed, and why")
    _add_folders(st)
    st.set_defaults(func=cmd_status)
    return parser


def cmd_clean(args: argparse.Namespace) -> int:
    if args.workers < 1 or (args.shard_size is not None and args.shard_size < 1):
        print("error: --workers and --shard-size must be at least 1", file=sys.stderr)
        return 2
    try:
        summary = runner.clean(args.input, args.output, args.workers, args.shard_size, args.scheduler_url,
                               progress_seconds=args.progress_seconds)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.summary_json:
        summary.write_json(args.summary_json)
    for line in summary.lines():
        print(line)
    return 0 if summary.ok else 1


def cmd_status(args: argparse.Namespace) -> int:
    try:
        rows = status.document_status(args.input, args.output)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for row in rows:
        print(f"{row.state:<10} {row.stem:<40} {row.why}")
    counts = {s: sum(r.state == s for r in rows) for s in ("up-to-date", "stale", "failed", "new")}
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 1 if counts["failed"] else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
