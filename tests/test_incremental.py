"""Incremental runs keyed by content, proven with Luigi's detailed summary."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipeline import rules, runner, stages, store
from pipeline.stages import STAGES

from .conftest import SEEDS

FAMILIES = {"Extract": "extract", "Decode": "decode", "Normalise": "normalise", "Strip": "strip", "Repair": "repair",
            "Reassemble": "reassemble", "Render": "render"}


def ran(summary: runner.RunSummary) -> Counter[str]:
    """How many stage tasks ran, by stage (the CleanReports wrapper aside)."""
    return Counter(FAMILIES[family] for family, _ in summary.luigi_ran if family in FAMILIES)


def ran_docs(summary: runner.RunSummary) -> set[str]:
    return {stem for family, stems in summary.luigi_ran if family in FAMILIES for stem in stems}


@pytest.fixture()
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS, src)
    return src, tmp_path / "out"


@pytest.fixture()
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the rule files, so a test can edit one."""
    folder = tmp_path / "rules"
    shutil.copytree(rules.RULES_DIR, folder)
    monkeypatch.setattr(rules, "RULES_DIR", folder)
    clear_caches()
    yield folder
    clear_caches()


def clear_caches() -> None:
    for fn in (rules.load, rules.file_hash, stages.stage_fingerprint, store.chain_keys):
        fn.cache_clear()


def test_first_run_runs_every_stage_then_a_rerun_runs_nothing(corpus) -> None:
    src, out = corpus
    first = runner.clean(src, out)
    assert first.ok and ran(first) == Counter({stage: 5 for stage in STAGES})
    assert sorted(p.name for p in out.glob("*.md")) == sorted(p.stem + ".md" for p in src.iterdir())
    second = runner.clean(src, out)
    assert ran(second) == Counter() and second.skipped["render"] == 5
    assert second.luigi_status == runner.UP_TO_DATE and second.up_to_date == 5  # Luigi not even started


@pytest.mark.parametrize("rule_file", ["repair.toml", "run.toml"])  # a stage's rules; rules in no stage's key
def test_a_rule_file_broken_after_a_run_stops_the_next_run_before_any_document(corpus, rules_copy,
                                                                               rule_file: str) -> None:
    """A no-op run checks no rule file it checked before, but any changed rule file is checked again."""
    src, out = corpus
    runner.clean(src, out)
    reports = {p: p.read_bytes() for p in out.glob("*.md")}
    path = rules_copy / rule_file
    path.write_text(path.read_text(encoding="utf-8").replace("comment =", "coment =", 1), encoding="utf-8")
    clear_caches()
    with pytest.raises(rules.RuleError, match=rule_file):
        runner.clean(src, out)
    assert {p: p.read_bytes() for p in out.glob("*.md")} == reports


def test_an_edited_source_reruns_only_its_own_chain(corpus) -> None:
    src, out = corpus
    runner.clean(src, out)
    victim = sorted(src.iterdir())[2]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n网站地图\n", encoding="utf-8")
    again = runner.clean(src, out)
    assert ran(again) == Counter({stage: 1 for stage in STAGES})
    assert ran_docs(again) == {victim.stem}
    # the stale results of the old version are gone, the new ones are there
    assert len(list(store.doc_dir(out, victim.stem).glob("decode-*.json"))) == 1


def test_an_edited_rule_file_reruns_from_its_stage_on(corpus, rules_copy) -> None:
    src, out = corpus
    runner.clean(src, out)
    path = rules_copy / "repair.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment changes the rule file's hash\n",
                    encoding="utf-8")
    clear_caches()
    again = runner.clean(src, out)
    assert ran(again) == Counter({"repair": 5, "reassemble": 5, "render": 5})


def test_a_vanished_source_has_its_outputs_removed(corpus) -> None:
    src, out = corpus
    runner.clean(src, out)
    gone = sorted(src.iterdir())[0]
    gone.unlink()
    again = runner.clean(src, out)
    assert again.removed == [gone.stem] and ran(again) == Counter()
    assert not (out / f"{gone.stem}.md").exists()
    assert not (out / f"{gone.stem}.changes.jsonl").exists()
    assert not store.doc_dir(out, gone.stem).exists()


def test_a_deleted_report_is_published_again(corpus) -> None:
    """Its stages from normalise on run again (their states are stubs the report rebuilt), in the run
    with the others: its render counts as run, and the report is the same."""
    src, out = corpus
    runner.clean(src, out)
    report = next(out.glob("*.md"))
    text = report.read_text(encoding="utf-8")
    report.unlink()
    again = runner.clean(src, out)
    assert again.ok and report.read_text(encoding="utf-8") == text
    assert ran(again) == Counter({"render": 1}) and again.cleaned == 1


def test_shards_give_the_same_outputs_as_single_documents(corpus, tmp_path: Path) -> None:
    src, out = corpus
    runner.clean(src, out)
    sharded = tmp_path / "sharded"
    summary = runner.clean(src, sharded, workers=2, shard_size=2)
    assert summary.ok and summary.ran["render"] == 5
    assert Counter(f for f, _ in summary.luigi_ran)["Render"] == 3  # 5 documents in shards of 2
    for report in out.glob("*.md"):
        assert (sharded / report.name).read_text(encoding="utf-8") == report.read_text(encoding="utf-8")
    assert ran(runner.clean(src, sharded, shard_size=2)) == Counter()


def test_a_shard_whose_result_was_replaced_runs_that_stage_again(corpus, rules_copy) -> None:
    """A rule file changed and changed back: the shard's old marker is there, its documents' results not."""
    src, out = corpus
    assert runner.clean(src, out, shard_size=2).ok
    reports = {p.name: p.read_bytes() for p in out.glob("*.md")}
    path = rules_copy / "strip.toml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n# a comment changes the rule file's hash\n", encoding="utf-8")
    clear_caches()
    assert runner.clean(src, out, shard_size=2).ok  # strip's results of the first keys are replaced
    path.write_text(original, encoding="utf-8")
    clear_caches()
    back = runner.clean(src, out, shard_size=2)
    assert back.ok and back.ran["strip"] == 5
    assert {p.name: p.read_bytes() for p in out.glob("*.md")} == reports


def test_no_temporary_files_are_left_behind(corpus) -> None:
    src, out = corpus
    runner.clean(src, out, workers=2)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_large_folders_get_two_shards_per_worker_and_more_under_a_shared_scheduler() -> None:
    """Every task is a forked process: few large shards locally, more when other machines help."""
    from pipeline.runner import SMALL_FOLDER, auto_shard_size

    assert auto_shard_size(SMALL_FOLDER, 2) == 1
    assert auto_shard_size(150, 2) == 38 and auto_shard_size(2000, 2) == 500
    assert auto_shard_size(2000, 2, shared_scheduler=True) == 125
