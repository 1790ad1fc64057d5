"""Scale-out for real: a central luigid on loopback, two worker processes on one input."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS

LUIGID = Path(sys.executable).parent / "luigid"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def scheduler(tmp_path: Path):
    """luigid on a loopback port with a temporary state path; stopped after the test."""
    port = free_port()
    (tmp_path / "luigid-log").mkdir()
    proc = subprocess.Popen([str(LUIGID), "--address", "127.0.0.1", "--port", str(port),
                             "--state-path", str(tmp_path / "luigi-state.pickle"),
                             "--logdir", str(tmp_path / "luigid-log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("luigid did not start")
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    proc.wait(timeout=30)


def worker(src: Path, out: Path, url: str, summary: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pipeline", "clean", "--input", str(src), "--output", str(out),
                             "--workers", "2", "--scheduler-url", url, "--summary-json", str(summary),
                             "--progress-seconds", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stage_runs(summary: Path) -> list[tuple[str, str]]:
    data = json.loads(summary.read_text(encoding="utf-8"))
    return [(family, stem) for family, stems in data["luigi_ran"] if family != "CleanReports" for stem in stems]


def test_two_workers_share_the_work_exactly_once_and_a_third_run_does_nothing(tmp_path: Path, scheduler: str) -> None:
    src, out = tmp_path / "raw", tmp_path / "shared-output"
    src.mkdir()
    for i in range(6):
        for seed in SEEDS.iterdir():
            shutil.copy(seed, src / f"{i}-{seed.name}")
    a, b = (worker(src, out, scheduler, tmp_path / f"{name}.json") for name in ("a", "b"))
    for proc in (a, b):
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stdout + stderr
    runs = stage_runs(tmp_path / "a.json") + stage_runs(tmp_path / "b.json")
    expected = {(family, f"{i}-{seed.stem}") for family in ("Extract", "Decode", "Normalise", "Strip", "Repair", "Reassemble",
                                                              "Render")
                for i in range(6) for seed in SEEDS.iterdir()}
    assert sorted(runs) == sorted(expected)  # every stage of every document ran once, in one of the two
    assert stage_runs(tmp_path / "a.json") and stage_runs(tmp_path / "b.json")  # both took part
    assert len(list(out.glob("*.md"))) == 30
    third = worker(src, out, scheduler, tmp_path / "c.json")
    third.communicate(timeout=600)
    assert third.returncode == 0 and stage_runs(tmp_path / "c.json") == []
