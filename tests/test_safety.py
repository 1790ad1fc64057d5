"""Never lose the user's data: the sixteen failures of issue 12, each reproduced from its recipe.

Each test is named after its item; the recipes use the samples in seeds/ and
small files made here. Nested input (issue 18 item 1) and the retry of a
document that failed inside a shard are at the end.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import audit, cli, execute, listing, review, runner, status, store
from pipeline.canonical import FRONT_MATTER

from .conftest import ROOT, SEEDS

SAMPLE = SEEDS / "000_b001f09903136b50.txt"
OTHER = SEEDS / "002_04fe9f3a688f1548.txt"


def cli_run(*args: str, umask: int | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, "-m", "pipeline", *args, *(["--progress-seconds", "0"]
                                                                       if args[0] == "clean" else [])],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)


def one_report(root: Path, name: str = "a.txt", seed: Path = SAMPLE) -> Path:
    src = root / "in"
    (src / name).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(seed, src / name)
    return src


def front(report: Path) -> dict:
    """The report's front matter as a YAML parser reads it."""
    text = report.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    assert match, text[:200]
    return yaml.safe_load(match.group(1))


def every_output_byte(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and not p.is_symlink())


# ---------------------------------------------------------------- data loss and silent corruption


def test_item01_user_markdown_in_output_is_kept(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "notes.md").write_text("keep\n", encoding="utf-8")
    (out / "notes.changes.jsonl").write_text("mine\n", encoding="utf-8")
    result = cli_run("clean", "--input", str(src), "--output", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "notes" not in result.stdout
    assert (out / "notes.md").read_text(encoding="utf-8") == "keep\n"
    assert (out / "notes.changes.jsonl").read_text(encoding="utf-8") == "mine\n"
    # an input of that name does not overwrite the user's file either: it fails, with the reason
    shutil.copy(OTHER, src / "notes.txt")
    summary = runner.clean(src, out)
    assert "not written by gwr-clean" in summary.failed["notes"]
    assert (out / "notes.md").read_text(encoding="utf-8") == "keep\n"
    # outputs the tool wrote still go when their source goes
    (src / "notes.txt").unlink()
    (src / "a.txt").unlink()
    summary = runner.clean(src, out)
    assert summary.removed == ["a"] and not (out / "a.md").exists() and not (out / "a.changes.jsonl").exists()
    assert (out / "notes.md").read_text(encoding="utf-8") == "keep\n"


def test_item02_overlapping_input_and_output_are_refused(tmp_path: Path) -> None:
    src = one_report(tmp_path)
    (src / "raw.md").write_bytes(OTHER.read_bytes())
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    for output in (src, src / ".." / "in", tmp_path):  # the same folder (also spelled otherwise); one holding it
        result = cli_run("clean", "--input", str(src), "--output", str(output))
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    for command in ("status", "verify --all", "review"):
        result = cli_run(*command.split(), "--input", str(src), "--output", str(src))
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
    # an output folder inside the input folder is left out of the listing: its outputs are never inputs
    inner = src / "clean"
    first = runner.clean(src, inner)
    second = runner.clean(src, inner)
    assert first.documents == second.documents == 2 and second.up_to_date == 2
    assert {p.name: p.read_bytes() for p in src.iterdir() if p.is_file()} == before


def test_item03_a_source_rewritten_during_the_run_never_leaves_a_wrong_report(tmp_path: Path, monkeypatch) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    path, full = src / "a.txt", SAMPLE.read_bytes()
    real = runner.list_inputs

    def list_then_truncate(*args, **kwargs):
        found = real(*args, **kwargs)
        path.write_bytes(full[: len(full) // 3])  # rewritten after it was listed and hashed
        return found

    monkeypatch.setattr(runner, "list_inputs", list_then_truncate)
    summary = runner.clean(src, out)
    assert "changed while being read" in summary.failed["a"] and not (out / "a.md").exists()
    monkeypatch.undo()
    path.write_bytes(full)  # restored
    summary = runner.clean(src, out)
    assert summary.ok and summary.cleaned == 1
    fresh = tmp_path / "fresh"
    runner.clean(src, fresh)
    assert (out / "a.md").read_bytes() == (fresh / "a.md").read_bytes()
    assert all(v.ok for v in audit.verify_folder(src, out))
    # the second read (decode re-reads a plain-text source) is checked as well
    doc = runner.discover(src)[0][0]
    other = tmp_path / "other"
    execute.run_stage("extract", doc, other)
    path.write_bytes(full[:100])
    with pytest.raises(execute.DocumentFailed, match="changed while being read"):
        execute.run_stage("decode", doc, other)


# ---------------------------------------------------------------- security and availability


def test_item04_symlinks_out_of_the_input_folder_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("各位代表：机密文件的内容，不应出现在输出中。\n" * 40, encoding="utf-8")
    src, out = one_report(tmp_path), tmp_path / "out"
    (src / "pw.txt").symlink_to(secret)
    (src / "passwd.txt").symlink_to("/etc/passwd")
    (src / "inside.txt").symlink_to("a.txt")  # a link that stays inside the folder is an input
    result = cli_run("clean", "--input", str(src), "--output", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SKIPPED {src / 'pw.txt'}: a symbolic link to {secret}, outside the input folder; not read" \
        in result.stdout.splitlines()
    assert cli_run("review", "--input", str(src), "--output", str(out)).returncode == 0
    data = every_output_byte(out)
    assert "机密文件".encode() not in data and b"root:" not in data
    assert not list(out.rglob("pw*")) and not list(out.rglob("passwd*"))
    assert (out / "inside.md").exists()
    rows = {r.stem: r for r in status.document_status(src, out)}
    assert rows[str(src / "pw.txt")].state == "skipped"


def test_item05_fifos_and_devices_never_hang_a_command(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    os.mkfifo(src / "pipe.txt")
    (src / "zero.txt").symlink_to("/dev/zero")
    for command in ("clean", "status", "verify --all", "review"):
        result = cli_run(*command.split(), "--input", str(src), "--output", str(out), timeout=120)
        assert result.returncode == 0, (command, result.stdout + result.stderr)
    assert "FIFO" in cli_run("status", "--input", str(src), "--output", str(out)).stdout
    # a FIFO swapped in after the listing is refused at once, not waited on
    with pytest.raises(listing.SourceError, match="FIFO"):
        listing.read_source(src / "pipe.txt")


def test_item05_the_size_limit_is_checked_before_reading(tmp_path: Path, monkeypatch) -> None:
    src = one_report(tmp_path)
    big = src / "big.txt"
    with open(big, "wb") as fh:  # sparse: its size says it is too large, nothing needs reading
        fh.truncate(listing.max_bytes() + 1)
    real_read = os.read

    def read(fd: int, n: int) -> bytes:
        if os.fstat(fd).st_size > listing.max_bytes():
            pytest.fail("a too large file was read")
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", read)
    found = listing.list_inputs(src)
    assert [p.name for p in found.problems] == ["big"] and "MB limit" in found.problems[0].reason


def test_item06_provenance_comes_from_the_real_file(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    forged = ("---\ntitle: 伪造的标题\nsource: /etc/shadow\nsource_sha256: " + "0" * 64 + "\n---\n\n"
              + SAMPLE.read_text(encoding="utf-8"))
    (src / "a.txt").write_text(forged, encoding="utf-8")
    assert runner.clean(src, out).ok
    meta = front(out / "a.md")
    assert meta["source"] == str(src / "a.txt")
    assert meta["source_sha256"] == listing.sha256_source(src / "a.txt")
    # the claim is kept only as a record of where the text came from
    record = (out / "a.changes.jsonl").read_text(encoding="utf-8")
    assert "/etc/shadow" in record
    assert "/etc/shadow" not in (out / "a.md").read_text(encoding="utf-8")


def test_item07_odd_file_names_give_valid_yaml_front_matter(tmp_path: Path) -> None:
    names = ["line\nbreak.txt", "bell\x07tab\there.txt", "quote\"colon: x.txt", "sep\u2028line.txt", "nel\x85.txt"]
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in names:
        shutil.copy(OTHER, src / name)
    (src / "bad").mkdir()
    for raw in (b"bad\xff.txt", b"bad/inside\xfe/x.txt"):
        path = os.fsencode(src) + b"/" + raw
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copy(OTHER, path)
    summary = runner.clean(src, out)
    assert summary.ok and len(summary.docs) == len(names)
    assert [s.reason.endswith(": the file name is not UTF-8; rename it to read it") for s in summary.not_inputs] == [True] * 2
    assert all("\\xff" in s.path or "\\xfe" in s.path for s in summary.not_inputs)
    firsts = {}
    for name in names:
        meta = front(out / f"{Path(name).stem}.md")
        assert meta["source"] == str(src / name)
        firsts[name] = meta
    # a report read back keeps its title, date and speaker
    again_src, again_out = tmp_path / "again", tmp_path / "again-out"
    again_src.mkdir()
    for name in names:
        shutil.copy(out / f"{Path(name).stem}.md", again_src / f"{Path(name).stem}.md")
    assert runner.clean(again_src, again_out).ok
    for name in names:
        meta = front(again_out / f"{Path(name).stem}.md")
        for key in ("title", "date", "speaker"):
            assert meta.get(key) == firsts[name].get(key) and firsts[name].get(key), (name, key)


def test_item08_a_long_stem_is_shortened_deterministically(tmp_path: Path) -> None:
    stem = ("湖南省人民政府关于印发二〇二一年政府工作报告重点工作部门分工方案的通知全文及解读" * 2)[:76]
    assert len(stem) == 76 and len(stem.encode()) == 228
    src, out = one_report(tmp_path, f"{stem}.txt"), tmp_path / "out"
    result = cli_run("clean", "--input", str(src), "--output", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    reports = list(out.glob("*.md"))
    assert len(reports) == 1 and reports[0] == store.report_path(out, stem)
    name = reports[0].name
    assert len(name.encode()) <= 255 and name.startswith(stem[:40]) and name != f"{stem}.md"
    assert store.changes_path(out, stem).exists()
    assert status.document_status(src, out)[0].state == "up-to-date"
    assert cli_run("verify", stem, "--input", str(src), "--output", str(out)).returncode == 0
    assert cli_run("review", "--input", str(src), "--output", str(out)).returncode == 0
    again = tmp_path / "again"
    runner.clean(src, again)
    assert [p.name for p in again.glob("*.md")] == [name]


def test_item09_a_moved_input_folder_updates_the_source_in_front_matter(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    runner.clean(src, out)
    moved = tmp_path / "moved"
    src.rename(moved)
    assert status.document_status(moved, out)[0].state == "stale"
    summary = runner.clean(moved, out)
    assert summary.ran["render"] == 1 and summary.ran["strip"] == 0  # only the stage that states it reruns
    assert front(out / "a.md")["source"] == str(moved / "a.txt")
    assert status.document_status(moved, out)[0].state == "up-to-date"
    assert all(v.ok for v in audit.verify_folder(moved, out))


# ---------------------------------------------------------------- honest output and messages


def nine_failures(root: Path) -> Path:
    src = one_report(root)
    for i in range(9):
        (src / f"empty{i}.txt").write_bytes(b"" if i % 2 else b"\x89PNG\r\n\x1a\n" + bytes(50))
    return src


@pytest.mark.parametrize("extra", [[], ["--shard-size", "3", "--workers", "2"]], ids=["per-document", "shards"])
def test_item13_expected_failures_print_one_line_each(tmp_path: Path, extra: list[str]) -> None:
    src, out = nine_failures(tmp_path), tmp_path / "out"
    result = cli_run("clean", "--input", str(src), "--output", str(out), *extra)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.strip() == "", result.stderr
    assert sum(line.startswith("FAILED ") for line in result.stdout.splitlines()) == 9
    record = next(out.glob(".state/empty1/decode-*.error.json"))
    assert "Traceback" in store.read_json(record)["traceback"]
    debug = cli_run("clean", "--input", str(src), "--output", str(tmp_path / "debug"), "--debug", *extra)
    assert "Traceback" in debug.stderr


def test_item14_record_and_report_are_replaced_together(tmp_path: Path, monkeypatch) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    runner.clean(src, out)
    report, record = out / "a.md", out / "a.changes.jsonl"
    old = (report.read_bytes(), record.read_bytes())
    (src / "a.txt").write_bytes(OTHER.read_bytes())
    real = store.write_temporary

    def full_disk_at_the_report(path: Path, data: bytes, durable: bool = True) -> str:
        if path == report:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data, durable)

    monkeypatch.setattr(store, "write_temporary", full_disk_at_the_report)
    summary = runner.clean(src, out)
    assert "No space left on device" in summary.failed["a"]
    assert (report.read_bytes(), record.read_bytes()) == old
    assert not [p for p in out.rglob("*") if store.is_temporary(p)]
    monkeypatch.undo()
    assert runner.clean(src, out).ok
    assert report.read_bytes() != old[0] and all(v.ok for v in audit.verify_folder(src, out))
    # killed between the two renames: the next run writes both again from the stored result
    doc = runner.discover(src)[0][0]
    record.write_bytes(old[1])
    store.published_path(out, doc).unlink()
    assert status.document_status(src, out)[0].state == "stale"
    summary = runner.clean(src, out)
    assert summary.up_to_date == 1 and all(v.ok for v in audit.verify_folder(src, out))


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_item15_outputs_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    assert cli_run("clean", "--input", str(src), "--output", str(out), umask=umask).returncode == 0
    files = [out / "a.md", out / "a.changes.jsonl", out / "catalogue.csv", *out.glob(".state/a/*")]
    assert len(files) > 5
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {mode}


def test_item16_the_summary_adds_up(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, src)
    (src / "empty.txt").write_bytes(b"")
    (src / "000_b001f09903136b50.html").write_bytes(SAMPLE.read_bytes())  # same name as a sample: not read
    first = runner.clean(src, out)
    assert (first.documents, first.cleaned, first.up_to_date, first.failed_documents) == (7, 5, 0, 2)
    (src / "001_1e9ea858cdbe6117.txt").write_bytes(OTHER.read_bytes())
    second = runner.clean(src, out)
    assert (second.documents, second.cleaned, second.up_to_date, second.failed_documents) == (7, 1, 4, 2)
    assert second.lines()[0].startswith("documents: 7, cleaned: 1, up to date: 4, failed: 2;")


def test_item16_review_on_a_read_only_output_folder_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    runner.clean(src, out)

    def read_only(path: Path, data: bytes, durable: bool = True) -> str:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(store, "write_temporary", read_only)
    assert cli.main(["review", "--input", str(src), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the review pages: Read-only file system" in err


def test_item16_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = cli_run("clean", "--input", str(one_report(tmp_path)), "--output", str(tmp_path / "out"),
                     "--scheduler-url", f"http://127.0.0.1:{port}/", timeout=30)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "cannot reach the scheduler" in result.stderr


def test_item16_review_pages_of_similar_names_are_distinct(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name, seed in (("index.txt", SAMPLE), ("index~doc.txt", OTHER)):
        shutil.copy(seed, src / name)
    runner.clean(src, out)
    review.write_review(src, out)
    pages = {p.name: p.read_text(encoding="utf-8") for p in (out / "review").glob("*.html")}
    assert len(pages) == 3 and "index.html" in pages
    assert {review.page_name("index"), review.page_name("index~doc")} == set(pages) - {"index.html"}
    titles = sorted(page.split("<h1>")[1].split("</h1>")[0] for name, page in pages.items() if name != "index.html")
    assert titles == ["index", "index~doc"]


def test_item16_temporaries_of_a_killed_run_are_removed_whatever_their_age(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    runner.clean(src, out)
    left = [out / ".gwr-a1b2c3.tmp", out / ".state" / "a" / ".gwr-x9.tmp"]
    for path in left:
        path.write_bytes(b"half a report")  # just written: as young as a live write
    users = out / ".notes.tmp"
    users.write_bytes(b"mine")
    runner.clean(src, out)
    assert not any(p.exists() for p in left) and users.read_bytes() == b"mine"
    # while another run holds the folder, only old temporaries go
    with runner.holding_folder(out):
        left[0].write_bytes(b"a live write")
        runner.clean(src, out)
        assert left[0].exists()


# ---------------------------------------------------------------- shards and nested folders


def test_a_document_that_failed_inside_a_shard_is_retried_on_the_next_run(tmp_path: Path, monkeypatch) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, src)
    real = execute.read_source

    def flaky(path, sha=None):
        if Path(path).name.startswith("003"):
            raise listing.SourceError(f"{path}: changed while being read")
        return real(path, sha)

    monkeypatch.setattr(execute, "read_source", flaky)
    first = runner.clean(src, out, shard_size=3)
    assert list(first.failed) == ["003_d6cddab6bad97324"] and first.cleaned == 4
    monkeypatch.undo()
    second = runner.clean(src, out, shard_size=3)
    assert second.ok and second.cleaned == 1 and second.up_to_date == 4
    third = runner.clean(src, out, shard_size=3)
    assert third.luigi_ran == [] and third.up_to_date == 5


def test_nested_input_mirrors_the_tree_and_names_documents_by_relative_path(tmp_path: Path) -> None:
    src, out = tmp_path / "raw", tmp_path / "raw" / "clean"
    for rel, seed in (("湖南/2021/a.txt", SAMPLE), ("湖南/2022/a.txt", OTHER), ("top.txt", SAMPLE),
                      (".hidden/x.txt", OTHER), ("湖南/.x.txt", OTHER)):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(seed, src / rel)
    summary = runner.clean(src, out)
    assert summary.ok and sorted(d.stem for d in summary.docs) == ["top", "湖南/2021/a", "湖南/2022/a"]
    for name in ("湖南/2021/a", "湖南/2022/a", "top"):
        assert (out / f"{name}.md").exists() and (out / f"{name}.changes.jsonl").exists()
    assert (out / "湖南/2021/a.md").read_bytes() != (out / "湖南/2022/a.md").read_bytes()
    assert not list(out.rglob("x.md"))
    rows = {r.stem: r.state for r in status.document_status(src, out)}
    assert rows == {"top": "up-to-date", "湖南/2021/a": "up-to-date", "湖南/2022/a": "up-to-date"}
    for name in ("湖南/2021/a", "湖南/2021/a.txt"):
        result = cli_run("verify", name, "--input", str(src), "--output", str(out))
        assert result.returncode == 0 and "湖南/2021/a: OK" in result.stdout, result.stdout + result.stderr
    diff = cli_run("diff", "湖南/2022/a", "--input", str(src), "--output", str(out))
    assert diff.returncode == 0 and "--- 湖南/2022/a (decoded source)" in diff.stdout
    review.write_review(src, out)
    assert (out / "review" / f"{review.page_name('湖南/2021/a')}").exists()
    with open(out / "catalogue.csv", encoding="utf-8") as fh:
        assert sorted(r["path"] for r in csv.DictReader(fh)) == ["top.txt", "湖南/2021/a.txt", "湖南/2022/a.txt"]
    # the output folder inside the input is never read back; a vanished nested source takes its outputs along
    (src / "湖南/2022/a.txt").unlink()
    again = runner.clean(src, out)
    assert again.documents == 2 and again.removed == ["湖南/2022/a"] and not (out / "湖南/2022/a.md").exists()


# ---------------------------------------------------------------- found by the hostile re-test (issue 12 follow-up)


def test_qa_a_fifo_or_dev_zero_link_in_place_of_a_report_never_hangs_and_is_rewritten(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    shutil.copy(OTHER, src / "b.txt")
    assert runner.clean(src, out).ok
    (out / "a.md").unlink()
    os.mkfifo(out / "a.md")
    (out / "b.changes.jsonl").unlink()
    (out / "b.changes.jsonl").symlink_to("/dev/zero")
    verify = cli_run("verify", "--all", "--input", str(src), "--output", str(out), timeout=60)
    assert verify.returncode == 1 and "out/a.md: not a regular file" in verify.stderr, verify.stderr
    assert "b.changes.jsonl: a symbolic link" in verify.stderr
    diff = cli_run("diff", "a", "--input", str(src), "--output", str(out), timeout=60)
    assert diff.returncode == 2 and len(diff.stderr.splitlines()) == 1, diff.stderr
    assert cli_run("review", "--input", str(src), "--output", str(out), timeout=60).returncode == 0
    assert {r.stem: r.state for r in status.document_status(src, out)} == {"a": "stale", "b": "stale"}
    assert runner.clean(src, out).ok
    assert stat.S_ISREG((out / "a.md").lstat().st_mode) and not (out / "b.changes.jsonl").is_symlink()
    assert all(v.ok for v in audit.verify_folder(src, out))


def test_qa_summary_json_never_overwrites_a_source_or_a_file_of_the_user(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    source_bytes = (src / "a.txt").read_bytes()
    (tmp_path / "mine.json").write_text('{"mine": 1}\n', encoding="utf-8")
    for target in (src / "a.txt", src / "new.json", tmp_path / "mine.json"):
        result = cli_run("clean", "--input", str(src), "--output", str(out), "--summary-json", str(target))
        assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert str(target) in result.stderr
    assert (src / "a.txt").read_bytes() == source_bytes and not (src / "new.json").exists()
    assert (tmp_path / "mine.json").read_text(encoding="utf-8") == '{"mine": 1}\n'
    summary = tmp_path / "summary.json"
    for _ in range(2):  # a summary of ours is replaced by the next run's
        assert cli_run("clean", "--input", str(src), "--output", str(out), "--summary-json", str(summary)
                       ).returncode == 0
    assert json.loads(summary.read_text(encoding="utf-8"))["up_to_date_documents"] == 1


def test_qa_review_never_deletes_or_overwrites_the_users_html_in_review(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    shutil.copy(OTHER, src / "case.txt")
    assert runner.clean(src, out).ok
    (out / "review").mkdir()
    (out / "review" / "notes.html").write_text("mine\n", encoding="utf-8")
    (out / "review" / "case.html").write_text("mine too\n", encoding="utf-8")
    index = review.write_review(src, out)
    assert (out / "review" / "notes.html").read_text(encoding="utf-8") == "mine\n"
    assert (out / "review" / "case.html").read_text(encoding="utf-8") == "mine too\n"
    assert "case.html: exists and was not written by gwr-clean" in index.read_text(encoding="utf-8")
    assert review.is_our_page(out / "review" / "a.html")
    (src / "a.txt").unlink()  # our own page of a vanished document still goes
    review.write_review(src, out)
    assert not (out / "review" / "a.html").exists() and (out / "review" / "notes.html").exists()
    index.write_text("my index\n", encoding="utf-8")
    with pytest.raises(review.ReviewError, match="index.html: exists and was not written by gwr-clean"):
        review.write_review(src, out)
    assert index.read_text(encoding="utf-8") == "my index\n"
    with pytest.raises(review.ReviewError, match="output folder does not exist"):
        review.write_review(src, tmp_path / "typo")
    assert not (tmp_path / "typo").exists()


def test_qa_an_earlier_output_folder_inside_the_input_is_never_read_as_input(tmp_path: Path) -> None:
    src = one_report(tmp_path, "raw.txt")
    assert runner.clean(src, src / "out1").ok
    second = runner.clean(src, src / "out2")  # out1 now is just a folder of the input
    assert second.ok and [d.stem for d in second.docs] == ["raw"]
    assert [s.path for s in second.not_inputs] == [str(src / "out1")]
    assert "an output folder of gwr-clean" in second.not_inputs[0].reason
    assert sorted(p.name for p in (src / "out2").iterdir() if not p.name.startswith(".")) == \
        ["catalogue.csv", "raw.changes.jsonl", "raw.md"]
    result = cli_run("clean", "--input", str(src / "out1"), "--output", str(tmp_path / "o3"))
    assert result.returncode == 2 and "is an output folder of gwr-clean" in result.stderr, result.stderr
    assert not (tmp_path / "o3").exists()


@pytest.mark.parametrize("name", ["run.lock", "catalogue.json", "_shards"])
def test_qa_a_document_named_like_the_tools_own_state_files_is_cleaned_and_pruned(tmp_path: Path, name: str) -> None:
    src, out = one_report(tmp_path, f"{name}.txt"), tmp_path / "out"
    shutil.copy(OTHER, src / "b.txt")
    for shard_size in (1, 2):  # one task per document, and shards (whose markers live in .state/_shards)
        summary = runner.clean(src, out, shard_size=shard_size)
        assert summary.ok and (out / f"{name}.md").exists(), summary.failed
    assert (out / ".state" / "run.lock").is_file() and (out / ".state" / "catalogue.json").is_file()
    assert {r.stem: r.state for r in status.document_status(src, out)} == {name: "up-to-date", "b": "up-to-date"}
    assert all(v.ok for v in audit.verify_folder(src, out))
    (src / f"{name}.txt").unlink()
    again = runner.clean(src, out)
    assert again.removed == [name] and not (out / f"{name}.md").exists()


def test_qa_a_name_with_a_newline_or_tab_is_printed_on_one_line_by_every_command(tmp_path: Path) -> None:
    src, out = one_report(tmp_path, "a\nb.txt"), tmp_path / "out"
    shutil.copy(OTHER, src / "t\tc.txt")
    (src / "bad\x07.txt").write_bytes(b"")
    clean = cli_run("clean", "--input", str(src), "--output", str(out))
    assert clean.returncode == 1 and f"FAILED {src}/bad\\x07.txt: decode failed: empty file" in clean.stdout.splitlines()
    lines = cli_run("status", "--input", str(src), "--output", str(out)).stdout.splitlines()
    assert sorted(line.split()[1] for line in lines[:3]) == ["a\\nb", "bad\\x07", "t\\tc"]
    assert len(lines) == 4
    verify = cli_run("verify", "--all", "--input", str(src), "--output", str(out))
    assert "a\\nb: OK" in verify.stdout.splitlines()[0] and len(verify.stderr.splitlines()) == 1
    for name in ("a\nb", "a\\nb", f"{src}/t\tc.txt"):  # the name as it is, as printed, as the path given
        diff = cli_run("diff", name, "--input", str(src), "--output", str(out))
        assert diff.returncode == 0 and diff.stdout.splitlines()[0].startswith("--- "), diff.stderr
        assert diff.stdout.splitlines()[0] in ("--- a\\nb (decoded source)", "--- t\\tc (decoded source)")
    unknown = cli_run("diff", "nope", "--input", str(src), "--output", str(out))
    assert unknown.returncode == 2 and len(unknown.stderr.splitlines()) == 1 and "a\\nb" in unknown.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_qa_names_with_wildcard_characters_print_no_luigi_warning(tmp_path: Path, workers: str) -> None:
    src, out = one_report(tmp_path, "[2021]政府工作报告.txt"), tmp_path / "out"
    shutil.copy(OTHER, src / "a*b?{c}.txt")
    result = cli_run("clean", "--input", str(src), "--output", str(out), "--workers", workers)
    assert result.returncode == 0 and result.stderr == "", result.stderr[:500]
    assert (out / "[2021]政府工作报告.md").exists() and (out / "a*b?{c}.md").exists()


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_qa_export_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    assert cli_run("clean", "--input", str(src), "--output", str(out), umask=umask).returncode == 0
    for fmt, target in (("jsonl", tmp_path / "c.jsonl"), ("txt", tmp_path / "txt")):
        assert cli_run("export", "--output", str(out), "--format", fmt, "--to", str(target), umask=umask
                       ).returncode == 0
    files = [tmp_path / "c.jsonl", tmp_path / "txt" / "a.txt", tmp_path / "txt" / ".gwr-clean-export.json"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {mode}


def test_qa_an_export_stopped_by_a_full_disk_says_which_file_and_can_be_run_again(tmp_path: Path, monkeypatch) -> None:
    from pipeline import export

    src, out = one_report(tmp_path), tmp_path / "out"
    shutil.copy(OTHER, src / "b.txt")
    assert runner.clean(src, out).ok
    real, calls = export.plain_text, []

    def disk_fills(text: str) -> str:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(text)

    monkeypatch.setattr(export, "plain_text", disk_fills)
    with pytest.raises(export.ExportError, match=r"txt/b.txt: cannot write: No space left on device"):
        export.export(out, "txt", tmp_path / "txt")
    assert not [p for p in (tmp_path / "txt").iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    assert export.export(out, "txt", tmp_path / "txt") == 2  # not refused as a folder holding files not ours
    assert sorted(p.name for p in (tmp_path / "txt").iterdir()) == [".gwr-clean-export.json", "a.txt", "b.txt"]


def test_qa_a_source_that_cannot_be_read_now_is_failed_not_gone_and_keeps_its_report(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    shutil.copy(OTHER, src / "b.txt")
    assert runner.clean(src, out).ok
    report = (out / "b.md").read_bytes()
    with open(src / "b.txt", "ab") as fh:  # grown past the size limit: listed as a problem, never read
        fh.truncate(listing.max_bytes() + 1)
    summary = runner.clean(src, out)
    assert summary.removed == [] and "MB limit" in summary.failed[str(src / "b.txt")]
    assert (out / "b.md").read_bytes() == report and (out / "b.changes.jsonl").exists()
    assert {r.stem: r.state for r in status.document_status(src, out)}["b"] == "failed"
    shutil.copy(OTHER, src / "b.txt")
    assert runner.clean(src, out).up_to_date == 2


def test_qa_a_folder_named_like_an_output_file_fails_its_documents_with_the_reason(tmp_path: Path) -> None:
    src, out = one_report(tmp_path, "x.txt"), tmp_path / "out"
    for rel in ("x.md/z.txt", "x.changes.jsonl/w.txt", "catalogue.csv/c.txt"):
        (src / rel).parent.mkdir(parents=True)
        shutil.copy(OTHER, src / rel)
    summary = runner.clean(src, out)
    assert [d.stem for d in summary.docs] == ["x"] and (out / "x.md").is_file()
    assert summary.failed[str(src / "x.md/z.txt")] == \
        f"{src}/x.md/z.txt: its output would go into a folder x.md/, but x.md is the output of {src}/x.txt; " \
        f"rename the folder"
    assert "catalogue.csv is the catalogue" in summary.failed[str(src / "catalogue.csv/c.txt")]
    assert (out / "catalogue.csv").is_file() and summary.catalogue
    with open(out / "catalogue.csv", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 4


def test_qa_help_of_each_command_names_documents_by_relative_path() -> None:
    def help_of(command: str) -> str:
        return " ".join(cli_run(command, "--help").stdout.split())

    assert "<name>.md" in help_of("clean") and "path relative to --input" in help_of("clean")
    assert "<stem>" not in help_of("clean") + help_of("verify") + help_of("review")
    assert "湖南/2021/a.txt" in help_of("diff") and "after `--`" in help_of("diff")
    assert "after `--`" in help_of("verify")
    assert "湖南%2F2021%2Fa" in help_of("review") and "never overwritten or removed" in help_of("review")
    assert "skipped" in help_of("status")


def test_qa_the_python_api_refuses_what_is_not_bytes_or_text() -> None:
    import pipeline

    for wrong in (123, None, ["各位代表"]):
        with pytest.raises(TypeError, match="takes bytes or str"):
            pipeline.clean(wrong)  # type: ignore[arg-type]
    data = SAMPLE.read_bytes()
    assert pipeline.clean(bytearray(data), "a.txt").markdown == pipeline.clean(data, "a.txt").markdown


def test_qa_a_link_inside_the_output_folder_never_makes_reports_land_in_the_input(tmp_path: Path) -> None:
    src, out = one_report(tmp_path, "sub/a.txt"), tmp_path / "out"
    shutil.copy(OTHER, src / "b.txt")
    out.mkdir()
    (out / "sub").symlink_to(src / "sub")
    summary = runner.clean(src, out)
    assert f"{out}/sub is a symbolic link" in summary.failed["sub/a"] and (out / "b.md").exists()
    assert sorted(p.name for p in (src / "sub").iterdir()) == ["a.txt"]
    (out / "sub").unlink()
    linked = tmp_path / "out-link"  # the output folder itself may be reached through a link
    linked.symlink_to(out)
    assert runner.clean(src, linked).ok and (out / "sub" / "a.md").is_file()


def test_qa_a_full_disk_that_keeps_even_the_error_record_out_says_so(tmp_path: Path, monkeypatch) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"

    def disk_full(path: Path, data) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(execute.store, "write_json_atomic", disk_full)
    summary = runner.clean(src, out)
    assert summary.failed_documents == 1
    assert summary.failed["a"].startswith(f"{src}/a.txt: did not finish and left no error record (a full or "
                                          f"unwritable output folder?)")
    monkeypatch.undo()
    assert runner.clean(src, out).cleaned == 1


def test_qa_two_runs_starting_together_never_sweep_each_others_files(tmp_path: Path, monkeypatch) -> None:
    import fcntl

    out = tmp_path / "out"
    real_write = store.write_temporary

    def another_run_sweeps(path: Path, data: bytes) -> str:  # a run starting beside us sweeps every temporary
        tmp = real_write(path, data)
        runner.sweep_temporary_files(out, 0.0)
        return tmp

    monkeypatch.setattr(store, "write_temporary", another_run_sweeps)
    runner.check_writable(out)  # its probe is not a temporary another run may take
    monkeypatch.undo()
    exclusive_while_sweeping = []
    real_sweep = runner.sweep_temporary_files

    def sweep(folder: Path, older_than=None) -> int:
        fd = os.open(store.lock_path(folder), os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            exclusive_while_sweeping.append(False)
        except OSError:
            exclusive_while_sweeping.append(True)
        finally:
            os.close(fd)
        return real_sweep(folder, older_than)

    monkeypatch.setattr(runner, "sweep_temporary_files", sweep)
    with runner.holding_folder(out) as alone:
        assert alone
    assert exclusive_while_sweeping == [True]  # a run starting meanwhile waits until the sweep is over


def test_qa_a_report_edited_by_hand_is_the_users_and_never_overwritten_or_removed(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    shutil.copy(OTHER, src / "b.txt")
    assert runner.clean(src, out).ok
    edited = (out / "a.md").read_text(encoding="utf-8") + "我的修订。\n"
    (out / "a.md").write_text(edited, encoding="utf-8")
    assert runner.clean(src, out).up_to_date == 2  # nothing changed: the edit is left alone
    with open(src / "a.txt", "a", encoding="utf-8") as fh:
        fh.write("\n第二版。\n")
    summary = runner.clean(src, out)
    assert f"{out}/a.md exists and was not written by gwr-clean (or was edited since)" in summary.failed["a"]
    assert (out / "a.md").read_text(encoding="utf-8") == edited
    (src / "a.txt").unlink()
    gone = runner.clean(src, out)
    assert gone.removed == [] and (out / "a.md").read_text(encoding="utf-8") == edited
    (out / "b.md").unlink()  # a report of ours deleted by hand is written again
    assert runner.clean(src, out).ok and (out / "b.md").exists()
    (src / "b.txt").unlink()  # and ours still go with their source
    assert runner.clean(src, out).removed == ["b"] and not (out / "b.md").exists()


def test_qa_an_export_killed_midway_leaves_nothing_that_stops_the_next(tmp_path: Path) -> None:
    from pipeline import export

    src, out = one_report(tmp_path, "[1]a.txt"), tmp_path / "out"
    assert runner.clean(src, out).ok
    assert export.export(out, "txt", tmp_path / "txt") == 1
    killed = [tmp_path / "txt" / ".gwr-export-[1]a.txt.k1ll3d.tmp", tmp_path / ".gwr-export-c.jsonl.k1ll3d.tmp"]
    for path in killed:  # what kill -9 leaves while a file is being written
        path.write_bytes(b"half")
    assert export.export(out, "txt", tmp_path / "txt") == 1
    assert export.export(out, "jsonl", tmp_path / "c.jsonl") == 1
    assert not any(p.exists() for p in killed)


@pytest.mark.parametrize("line", [b"null", b"[1]", b'{"start":"x","end":1,"before":"a","after":"b","rule":"r",'
                                                    b'"stage":"render","batch":0,"line":1}'])
def test_a_record_edited_by_hand_is_named_not_a_crash(tmp_path: Path, line: bytes) -> None:
    """A record that no longer rebuilds the published stages (a line of another shape added): the stages
    run again and the document fails with the one-line reason, the record left as the user made it."""
    src, out = one_report(tmp_path), tmp_path / "out"
    runner.clean(src, out)
    record = out / "a.changes.jsonl"
    edited = record.read_bytes() + line + b"\n"
    record.write_bytes(edited)
    for state in (out / ".state").rglob("render-*.json"):
        state.unlink()  # as a render rule changed since would
    summary = runner.clean(src, out)
    assert "was not written by gwr-clean (or was edited since)" in summary.failed["a"]
    assert record.read_bytes() == edited


def test_a_deleted_report_whose_record_was_edited_fails_on_every_run(tmp_path: Path) -> None:
    src, out = one_report(tmp_path), tmp_path / "out"
    runner.clean(src, out)
    (out / "a.md").unlink()
    record = out / "a.changes.jsonl"
    record.write_bytes(record.read_bytes() + b"\n")
    for _ in range(2):
        summary = runner.clean(src, out)
        assert not summary.ok and "was not written by gwr-clean" in summary.failed["a"]
        assert not (out / "a.md").exists()
