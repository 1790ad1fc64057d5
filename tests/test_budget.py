"""The per-document time budget: a stage that runs too long fails that document with one line."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from pipeline import budget, chain, execute, runner, store


def test_a_stage_over_its_budget_fails_the_document_with_one_line(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "raw"
    shutil.copytree(Path(__file__).parent.parent / "seeds", src)
    doc = runner.discover(src)[0][0]
    out = tmp_path / "out"
    for stage in ("extract", "decode"):
        execute.run_stage(stage, doc, out)

    def stalls(stage, text, meta):
        time.sleep(30)

    monkeypatch.setattr(chain, "text_step", stalls)
    monkeypatch.setattr(budget, "seconds_for", lambda size: 0.2)
    start = time.perf_counter()
    with pytest.raises(execute.DocumentFailed) as failed:
        execute.run_stage("normalise", doc, out)
    assert time.perf_counter() - start < 5
    reason = str(failed.value)
    assert reason.startswith(f"{doc.path}: normalise failed: over its time budget") and "\n" not in reason
    assert "T1-stage-time-budget" in reason
    assert store.read_json(store.error_path(out, doc, "normalise"))["reason"] == reason
    assert not store.state_path(out, doc, "normalise").exists()


def test_the_budget_grows_with_the_source() -> None:
    assert budget.seconds_for(5_000_000) > budget.seconds_for(50_000) >= 60
