"""Bad input and faults: clear one-line errors, nothing lost, the rest still processed."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import checks, execute, listing, runner, status, store

from .conftest import ROOT, SEEDS

SAMPLE = (SEEDS / "002_04fe9f3a688f1548.txt").read_text(encoding="utf-8")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def bad_folder(root: Path) -> Path:
    """Good samples plus every kind of bad input a real folder holds."""
    src = root / "raw"
    shutil.copytree(SEEDS, src)
    (src / "empty.txt").write_bytes(b"")
    (src / "report.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    (src / "archive.zip").write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200))
    (src / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (src / "noise.txt").write_bytes(bytes((0x80 + (i * 37) % 0x7F) for i in range(6000)))
    lines = SAMPLE.splitlines()
    (src / "mixed.txt").write_bytes("\n".join(lines[:40]).encode("gb18030") + b"\n"
                                    + "\n".join(lines[40:]).encode("utf-8"))
    (src / "huge.txt").write_bytes(SAMPLE.encode("utf-8") * (50_000_000 // len(SAMPLE.encode("utf-8")) + 1))
    (src / "english.txt").write_text("Minutes of the board meeting.\nThe board approved the budget.\n" * 30,
                                     encoding="utf-8")
    (src / "政府 工作报告 copy.txt").write_text(SAMPLE, encoding="utf-8")
    (src / "linked.txt").symlink_to(SEEDS / "001_1e9ea858cdbe6117.txt")
    (src / "dangling.txt").symlink_to(root / "does-not-exist.txt")
    return src


EXPECTED_FAILURES = {
    "empty": "empty file", "report": "PDF", "archive": "ZIP", "image": "PNG",
    "noise": "do not decode", "huge": "MB",
}
# Not inputs: a link out of the input folder is never read, a link to nothing is no file.
EXPECTED_SKIPPED = {"linked": "outside the input folder", "dangling": "a symbolic link to nothing"}


def test_every_bad_input_fails_alone_with_a_one_line_reason(tmp_path: Path) -> None:
    src, out = bad_folder(tmp_path), tmp_path / "out"
    summary = runner.clean(src, out)
    failed = {Path(k).stem: v for k, v in summary.failed.items()}
    assert set(failed) == set(EXPECTED_FAILURES)
    for stem, words in EXPECTED_FAILURES.items():
        reason = failed[stem]
        assert words in reason and "\n" not in reason and stem in reason
    for name in [p.stem for p in SEEDS.iterdir()] + ["mixed", "english", "政府 工作报告 copy"]:
        assert (out / f"{name}.md").exists(), name
    skipped = {Path(s.path).stem: s.reason for s in summary.not_inputs}
    assert set(skipped) == set(EXPECTED_SKIPPED)
    for stem, words in EXPECTED_SKIPPED.items():
        assert words in skipped[stem] and "\n" not in skipped[stem] and stem in skipped[stem]
        assert not (out / f"{stem}.md").exists()
    assert "flags: [mixed-encodings" in (out / "mixed.md").read_text(encoding="utf-8")
    assert "not-chinese-text" in (out / "english.md").read_text(encoding="utf-8")
    rows = {r.stem: r for r in status.document_status(src, out)}
    assert rows["empty"].state == "failed" and "empty file" in rows["empty"].why


def test_the_exit_code_says_something_failed(tmp_path: Path) -> None:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS, src)
    (src / "empty.txt").write_bytes(b"")
    result = cli("clean", "--input", str(src), "--output", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"FAILED {src / 'empty.txt'}: decode failed: empty file" in result.stdout
    assert "documents: 6, cleaned: 5, up to date: 0, failed: 1;" in result.stdout


def test_an_unreadable_file_is_reported_and_the_rest_processed(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS, src)
    locked = src / "locked.txt"
    locked.write_text(SAMPLE, encoding="utf-8")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: make the read fail the way the OS would
        real = listing.sha256_source

        def refuse(path: Path) -> str:
            if Path(path) == locked:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(listing, "sha256_source", refuse)
    summary = runner.clean(src, tmp_path / "out")
    assert summary.failed == {str(locked): f"{locked}: cannot read: Permission denied"}
    assert len(list((tmp_path / "out").glob("*.md"))) == 5


def test_a_body_much_shorter_than_its_source_without_removal_rules_is_flagged(tmp_path: Path, monkeypatch) -> None:
    from pipeline import reassemble as stage
    from pipeline.model import Recorder

    def losing(text: str, meta: dict):
        rec = Recorder(text, "reassemble")
        rec.set_text(text[: len(text) // 4], "a-buggy-rule")
        return rec.result(dict(meta))

    monkeypatch.setattr(stage, "reassemble", losing)
    src = tmp_path / "raw"
    src.mkdir()
    (src / "doc.txt").write_text(SAMPLE, encoding="utf-8")
    runner.clean(src, tmp_path / "out")
    assert "unexplained-loss" in (tmp_path / "out" / "doc.md").read_text(encoding="utf-8")


def test_removals_by_strip_and_duplicate_rules_explain_a_shorter_body() -> None:
    meta = {"raw_han_chars": 1000, "han_removed_by_rules": 700}
    checks.flag_silent_loss(meta, "汉" * 200)
    assert "flags" not in meta
    meta = {"raw_han_chars": 1000, "han_removed_by_rules": 100}
    checks.flag_silent_loss(meta, "汉" * 200)
    assert meta["flags"] == ["unexplained-loss"]


def many_documents(root: Path, copies: int) -> Path:
    src = root / "raw"
    src.mkdir()
    for i in range(copies):
        for seed in SEEDS.iterdir():
            (src / f"{i:03d}-{seed.name}").write_bytes(seed.read_bytes())
    return src


def test_kill_minus_nine_leaves_no_partial_output_and_the_next_run_completes(tmp_path: Path) -> None:
    src, out = many_documents(tmp_path, 8), tmp_path / "out"
    for delay in (1.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "clean", "--input", str(src), "--output", str(out),
                                 "--workers", "2"], cwd=ROOT, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        reports = {p.name: p.read_bytes() for p in out.glob("*.md")}
        for name, data in reports.items():  # whatever was published is complete
            assert data.startswith(b"---\n") and data.endswith(b"\n"), name
    runner.STALE_TMP_SECONDS, saved = 0.0, runner.STALE_TMP_SECONDS
    try:
        summary = runner.clean(src, out, workers=2)
    finally:
        runner.STALE_TMP_SECONDS = saved
    assert summary.ok and len(list(out.glob("*.md"))) == 40
    assert not list(out.rglob("*.tmp"))
    fresh = tmp_path / "fresh"
    runner.clean(src, fresh, workers=2)
    for report in fresh.glob("*.md"):
        assert (out / report.name).read_bytes() == report.read_bytes()


@contextlib.contextmanager
def small_filesystem(path: Path, size: str):
    """A real tmpfs of the given size where mounting is allowed (root), else None."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True).returncode == 0 if hasattr(os, "geteuid") and os.geteuid() == 0 else False
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def fail_writes(monkeypatch, code: int) -> None:
    """Fallback where no filesystem can be mounted: every write fails as the OS would."""
    def refuse(path: Path, data: bytes) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(store, "write_bytes_atomic", refuse)


def make_read_only(out: Path, mounted: bool, monkeypatch) -> None:
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
    else:
        fail_writes(monkeypatch, errno.EROFS)


def fill_up(out: Path, mounted: bool, monkeypatch) -> None:
    if mounted:
        with open(out / "filler.bin", "wb") as fh, contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
    else:
        fail_writes(monkeypatch, errno.ENOSPC)


@pytest.mark.parametrize("break_folder,size,message", [
    (make_read_only, "20m", "output folder is not writable: Read-only file system"),
    (fill_up, "4m", "output folder is not writable: No space left on device"),
], ids=["read-only", "full"])
def test_an_unwritable_output_folder_is_a_clear_error_and_outputs_stay_intact(
        tmp_path: Path, monkeypatch, break_folder, size: str, message: str) -> None:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS, src)
    with small_filesystem(tmp_path / "out", size) as mounted:
        out = tmp_path / "out"
        runner.clean(src, out)
        (src / "001_1e9ea858cdbe6117.txt").write_text(SAMPLE + "\n新增一段。", encoding="utf-8")
        break_folder(out, mounted, monkeypatch)
        before = snapshot(out)
        with pytest.raises(runner.OutputError, match=message):
            runner.clean(src, out)
        assert snapshot(out) == before


def test_a_write_failure_inside_a_stage_names_the_document(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS, src)
    doc = runner.discover(src)[0][0]

    def refuse(path: Path, data: bytes, durable: bool = True) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(store, "write_bytes_atomic", refuse)
    with pytest.raises(execute.DocumentFailed, match=f"{doc.path}: cannot write its extract output"):
        execute.run_stage("extract", doc, tmp_path / "out")


def test_the_front_matter_of_a_report_read_back_explains_its_own_length() -> None:
    from pipeline.chain import clean_bytes

    _, markdown, _, _ = clean_bytes("2019年石鼓区政府工作报告".encode(), "x.txt", "0" * 64)
    _, again, _, meta = clean_bytes(markdown.encode(), "x.txt", "0" * 64)
    assert again == markdown and "unexplained-loss" not in meta.get("flags", [])


def test_the_han_characters_removed_by_rules_are_counted_edit_by_edit() -> None:
    """Deletions are counted together; a replacement counts what it takes away, never less than none."""
    from pipeline.checks import han_count, removed_by_rules
    from pipeline.model import Edit

    edits = [Edit(0, 4, "版权所有", "", "B5-licence", "strip", 0, 1),
             Edit(5, 9, "网站地图x", "", "B1-outside-body", "strip", 0, 2),
             Edit(9, 12, "甲乙丙", "甲", "F3-duplicate-block", "strip", 1, 3),
             Edit(12, 13, "丁", "丁戊己", "F3-duplicate-block", "strip", 1, 3),
             Edit(13, 15, "，,", "，，", "W1-punct", "normalise", 0, 4)]
    assert removed_by_rules(edits) == han_count("版权所有") + han_count("网站地图") + 2 == 10
