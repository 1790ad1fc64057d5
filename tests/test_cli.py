"""The command line end to end: clean a folder of mixed encodings, summary and exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import opencc

from .conftest import ROOT, SEEDS


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_help_lists_the_commands() -> None:
    out = run_cli("--help").stdout
    assert "clean" in out and "status" in out
    clean_help = run_cli("clean", "--help").stdout
    assert "--input" in clean_help and "--workers" in clean_help and "--shard-size" in clean_help


def test_clean_reads_gb18030_and_traditional_big5_into_simplified_utf8(tmp_path: Path) -> None:
    src = tmp_path / "raw"
    src.mkdir()
    text = (SEEDS / "002_04fe9f3a688f1548.txt").read_text(encoding="utf-8")
    (src / "gb.txt").write_bytes(text.encode("gb18030"))
    traditional = opencc.OpenCC("s2t.json").convert(text)
    (src / "big5.txt").write_bytes(traditional.encode("big5", errors="replace"))
    (src / "plain.txt").write_text(text, encoding="utf-8")
    result = run_cli("clean", "--input", str(src), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    plain = (tmp_path / "out" / "plain.md").read_text(encoding="utf-8")
    body = plain.split("---\n", 2)[2]
    assert (tmp_path / "out" / "gb.md").read_text(encoding="utf-8").split("---\n", 2)[2] == body
    assert "encoding: gb18030" in (tmp_path / "out" / "gb.md").read_text(encoding="utf-8")
    big5 = (tmp_path / "out" / "big5.md").read_text(encoding="utf-8")
    assert "encoding: big5" in big5
    assert "现在，我代表市人民政府向大会报告工作" in big5
    assert "documents: 3, cleaned: 3, up to date: 0, failed: 0;" in result.stdout


def test_a_missing_input_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("clean", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out"))
    assert result.returncode == 2 and "input folder does not exist" in result.stderr
