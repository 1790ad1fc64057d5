"""Command line: `gwr-clean clean|status|diff|verify|review|export …` (run with --help for details).

`gwr-clean` is the installed console script; `python -m pipeline` runs the same.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

from . import audit, runner, status
from .listing import FolderError, printable
from .rules import RuleError
from .stages import STAGES

Command = Callable[[argparse.Namespace], int]


def _add_folders(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, default=Path("seeds"),
                        help="folder of raw reports, one file per report, searched recursively (default: seeds)")
    parser.add_argument("--output", type=Path, default=Path("output"),
                        help="folder for the <name>.md reports and their records, mirroring --input; not the "
                             "input folder nor a folder holding it (default: output)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gwr-clean",
        description="Clean scraped Chinese government work reports into canonical Markdown.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="clean every file under --input into --output/<name>.md",
                           description="Clean every regular file under --input (searched recursively; hidden "
                                       "files and folders are left out; links leading out of it, FIFOs, devices "
                                       "and earlier output folders are skipped with a note) into "
                                       "--output/<name>.md with its change record <name>.changes.jsonl beside "
                                       "it, and write "
                                       "--output/catalogue.csv. <name> is the file's path relative to --input "
                                       "without extension (湖南/2021/a), so the output mirrors the input's "
                                       "folders; a last part over 200 bytes is shortened to a prefix, ~ and a "
                                       "hash. Only documents whose source, code or rules changed are processed. "
                                       "Exit code 1 when a document failed, 2 when the run could not start.")
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
    clean.add_argument("--catalogue-parquet", action="store_true",
                       help="also write <output>/catalogue.parquet next to catalogue.csv (needs pyarrow: "
                            "pip install 'gwr-clean[parquet]')")
    clean.add_argument("--debug", action="store_true",
                       help="print Luigi's traceback of every failed document (without it: one line each; the "
                            "traceback is also in the document's .state/…/<stage>-<key>.error.json)")
    clean.set_defaults(func=cmd_clean)

    st = sub.add_parser("status", help="which documents are up to date, stale, new, failed or gone, and why",
                        description="For every document of --input: up-to-date, stale (from which stage, and "
                                    "whether its source or that stage's code/rule files changed), new (never "
                                    "cleaned), failed (the recorded reason), or gone (outputs whose source "
                                    "vanished); then every entry skipped as not an input, and why. Documents "
                                    "are named by their path relative to --input without extension. Exit code "
                                    "1 when a document failed.")
    _add_folders(st)
    st.set_defaults(func=cmd_status)

    diff = sub.add_parser("diff", help="unified diff of a document's decoded source against its cleaned text",
                          description="Unified diff of the decoded source against the cleaned Markdown (or, "
                                      "with --stage, of one stage's input against its output). Each hunk "
                                      "header names the stage/rule of every edit in it.")
    diff.add_argument("stem", help="the document's name: its path relative to --input, without or with its "
                                   "extension (湖南/2021/a or 湖南/2021/a.txt), or as the summary prints it; a "
                                   "name starting with '-' goes after `--`")
    diff.add_argument("--stage", choices=STAGES, default=None, help="diff only this stage's input → output")
    diff.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="colour the diff (auto: only on a terminal, and not when NO_COLOR is set)")
    _add_folders(diff)
    diff.set_defaults(func=cmd_diff)

    verify = sub.add_parser("verify", help="rebuild the decoded source from the cleaned text and its record",
                            description="Revert every edit of <name>.changes.jsonl, newest first, starting "
                                        "from <name>.md, and check that the result is the decoded source byte "
                                        "for byte. Exit code 1 when any document does not verify.")
    verify.add_argument("stems", nargs="*", metavar="name",
                        help="documents to verify, named as for diff (path relative to --input, with or "
                             "without extension; after `--` when one starts with '-')")
    verify.add_argument("--all", action="store_true", help="verify every document of --input")
    _add_folders(verify)
    verify.set_defaults(func=cmd_verify)

    review = sub.add_parser("review", help="write static HTML review pages to <output>/review/",
                            description="Write <output>/review/<page>.html for every cleaned document (raw and "
                                        "cleaned side by side, changes coloured by kind, flags) and "
                                        "<output>/review/index.html with the counts. <page> is the document's "
                                        "name as one file name (湖南%2F2021%2Fa). HTML files in review/ that "
                                        "gwr-clean did not write are never overwritten or removed. Open them "
                                        "in any browser.")
    _add_folders(review)
    review.set_defaults(func=cmd_review)
    _add_export(sub)
    return parser


def _add_export(sub) -> None:
    from .export import FORMATS

    export = sub.add_parser("export", help="write the cleaned corpus as one JSONL file or plain-text files",
                            description="Write the reports of --output (as listed in its catalogue.csv) as one "
                                        "JSONL file, one {\"id\", \"text\", \"meta\"} object per report (text: "
                                        "the Markdown without front matter; meta: front matter and catalogue "
                                        "fields; id: the document's name), or with --format txt as plain-text "
                                        "files <name>.txt in a folder, mirroring the input's folders. Files "
                                        "gwr-clean did not write are never overwritten.")
    export.add_argument("--output", type=Path, default=Path("output"),
                        help="the folder `clean` wrote (default: output)")
    export.add_argument("--format", choices=FORMATS, default="jsonl", help="jsonl (default) or txt")
    export.add_argument("--to", type=Path, required=True,
                        help="the JSONL file to write (jsonl), or the folder for the .txt files (txt)")
    export.add_argument("--best-copies-only", action="store_true",
                        help="leave out every copy of a report but the best one (catalogue column best_copy)")
    export.set_defaults(func=cmd_export)


class UsageError(ValueError):
    """Options that cannot work together; the message says which."""


def exits_2_on(*errors: type[Exception]) -> Callable[[Command], Command]:
    """A command that meets one of `errors` (or a malformed rule file) prints it as one line and exits 2."""
    def wrap(command: Command) -> Command:
        @functools.wraps(command)
        def run(args: argparse.Namespace) -> int:
            try:
                return command(args)
            except (UsageError, RuleError, *errors) as exc:
                print(printable(f"error: {exc}"), file=sys.stderr)
                return 2
        return run
    return wrap


@exits_2_on(OSError, FolderError, runner.SummaryTargetError)
def cmd_clean(args: argparse.Namespace) -> int:
    if args.workers < 1 or (args.shard_size is not None and args.shard_size < 1):
        raise UsageError("--workers and --shard-size must be at least 1")
    if args.catalogue_parquet:
        from .catalogue import parquet_missing

        if parquet_missing():
            raise UsageError(parquet_missing())
    if args.summary_json:
        runner.check_summary_target(args.summary_json, args.input)
    summary = runner.clean(args.input, args.output, args.workers, args.shard_size, args.scheduler_url,
                           progress_seconds=args.progress_seconds, catalogue_parquet=args.catalogue_parquet,
                           debug=args.debug)
    if args.summary_json:
        summary.write_json(args.summary_json)
    for line in summary.lines():
        print(printable(line))
    return 0 if summary.ok else 1


@exits_2_on(FileNotFoundError, FolderError)
def cmd_status(args: argparse.Namespace) -> int:
    rows = status.document_status(args.input, args.output)
    for row in rows:
        print(printable(f"{row.state:<10} {row.stem:<40} {row.why}"))
    counts = {s: sum(r.state == s for r in rows) for s in status.STATES}
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 1 if counts["failed"] else 0


def use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@exits_2_on(audit.AuditError, FileNotFoundError, FolderError)
def cmd_diff(args: argparse.Namespace) -> int:
    text = audit.document_diff(args.input, args.output, args.stem, args.stage, use_color(args.color))
    sys.stdout.write(text or printable(f"{args.stem}: no changes") + "\n")
    return 0


@exits_2_on(audit.AuditError, FileNotFoundError, FolderError)
def cmd_verify(args: argparse.Namespace) -> int:
    if args.all == bool(args.stems):
        raise UsageError("name the documents to verify, or give --all")
    verdicts = audit.verify_folder(args.input, args.output, None if args.all else args.stems)
    for verdict in verdicts:
        print(printable(verdict.message), file=sys.stdout if verdict.ok else sys.stderr)
    failed = sum(not v.ok for v in verdicts)
    print(f"verified: {len(verdicts) - failed}, failed: {failed}")
    return 1 if failed else 0


@exits_2_on(OSError, FolderError)
def cmd_review(args: argparse.Namespace) -> int:
    from . import review

    index = review.write_review(args.input, args.output)
    print(f"review pages written: {index}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export import ExportError, export

    @exits_2_on(ExportError, OSError)
    def run(args: argparse.Namespace) -> int:
        count = export(args.output, args.format, args.to, args.best_copies_only)
        print(f"exported {count} reports to {args.to}")
        return 0

    return run(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
