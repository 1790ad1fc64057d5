"""diff, verify and status on the cleaned samples: every change is explained and reversible."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline import audit, cli, rules, runner, stages, status, store
from pipeline.model import Recorder

from .conftest import SEEDS, seed_paths
from .test_cli import run_cli

STEMS = [p.stem for p in seed_paths()]
HUNK = re.compile(r"^@@ -\S+ \+\S+ @@(.*)$", re.M)


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audit") / "out"
    assert runner.clean(SEEDS, out).ok
    return out


def copy_output(cleaned: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(cleaned, out)
    return out


# ---------------------------------------------------------------- verify

def test_every_sample_rebuilds_its_decoded_source_byte_for_byte(cleaned: Path) -> None:
    verdicts = audit.verify_folder(SEEDS, cleaned)
    assert [v.stem for v in verdicts] == STEMS
    assert all(v.ok for v in verdicts), [v.message for v in verdicts if not v.ok]
    for stem in STEMS:
        edits = audit.read_changes(cleaned, stem)
        doc = audit.find_doc(SEEDS, stem)
        raw = audit.load_state(cleaned, doc, "decode")["raw_text"]
        assert audit.revert_record((cleaned / f"{stem}.md").read_text(encoding="utf-8"), edits) == raw
        # the record is every stage's edits, in order
        per_stage = [e for s in stages.STAGES for e in audit.load_state(cleaned, doc, s)["edits"]]
        assert [e.to_json() for e in edits] == per_stage


def test_verify_names_the_document_and_first_mismatch_when_the_report_was_edited(cleaned: Path,
                                                                                 tmp_path: Path) -> None:
    out = copy_output(cleaned, tmp_path)
    stem = STEMS[1]
    report = out / f"{stem}.md"
    text = report.read_text(encoding="utf-8")
    pos = text.index("各位代表")
    report.write_text(text[:pos] + "诸" + text[pos + 1:], encoding="utf-8")
    verdict = audit.verify_document(out, audit.find_doc(SEEDS, stem))
    assert not verdict.ok and verdict.message.startswith(f"{stem}: MISMATCH")
    raw = audit.load_state(out, audit.find_doc(SEEDS, stem), "decode")["raw_text"]
    assert f"character {raw.index('各位代表')} " in verdict.message


def test_verify_finds_an_edit_missing_from_the_record(cleaned: Path, tmp_path: Path) -> None:
    out = copy_output(cleaned, tmp_path)
    stem = STEMS[1]
    path = out / f"{stem}.changes.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    victim = next(i for i, line in enumerate(lines) if json.loads(line)["stage"] == "strip")
    edits = audit.read_changes(out, stem)
    raw_start = next(s for s, _, e in audit.input_spans(edits) if e == edits[victim])
    path.write_text("".join(lines[:victim] + lines[victim + 1:]), encoding="utf-8")
    verdict = audit.verify_document(out, audit.find_doc(SEEDS, stem))
    assert not verdict.ok and stem in verdict.message
    assert f"character {raw_start} " in verdict.message


def test_verify_cli_exit_codes(cleaned: Path, tmp_path: Path) -> None:
    ok = run_cli("verify", "--all", "--input", str(SEEDS), "--output", str(cleaned))
    assert ok.returncode == 0 and f"verified: {len(STEMS)}, failed: 0" in ok.stdout
    out = copy_output(cleaned, tmp_path)
    (out / f"{STEMS[0]}.md").write_text("# 空\n", encoding="utf-8")
    bad = run_cli("verify", STEMS[0], "--input", str(SEEDS), "--output", str(out))
    assert bad.returncode == 1 and f"{STEMS[0]}: MISMATCH" in bad.stderr
    unknown = run_cli("verify", "nope", "--input", str(SEEDS), "--output", str(out))
    assert unknown.returncode == 2 and "nope: no such document" in unknown.stderr


# ---------------------------------------------------------------- where edits end up

def test_spans_follow_edits_through_later_batches() -> None:
    rec = Recorder("甲,乙。版权所有\n丙", "x")
    rec.sub("W1", ",", "，")
    rec.sub("B", "版权所有\n", "")
    rec.sub("R", "丙", "丁")
    assert rec.text == "甲，乙。丁"
    out = {e.rule: (s, t) for s, t, e in audit.output_spans(rec.edits)}
    assert out == {"W1": (1, 2), "B": (4, 4), "R": (4, 5)}
    back = {e.rule: (s, t) for s, t, e in audit.input_spans(rec.edits)}
    assert back == {"W1": (1, 2), "B": (4, 9), "R": (9, 10)}


@pytest.mark.parametrize("stem", STEMS)
def test_spans_of_a_sample_point_at_each_edits_text(cleaned: Path, stem: str) -> None:
    edits = audit.read_changes(cleaned, stem)
    raw = audit.load_state(cleaned, audit.find_doc(SEEDS, stem), "decode")["raw_text"]
    first_batch = [e for e in edits if (e.stage, e.batch) == (edits[0].stage, edits[0].batch)]
    spans = {id(e): (s, t) for s, t, e in audit.input_spans(edits)}
    for e in first_batch:  # nothing earlier moved them: they must sit exactly on the raw text
        s, t = spans[id(e)]
        assert raw[s:t] == e.before
    report = (cleaned / f"{stem}.md").read_text(encoding="utf-8")
    last = [e for e in edits if (e.stage, e.batch) == (edits[-1].stage, edits[-1].batch)]
    out = {id(e): (s, t) for s, t, e in audit.output_spans(edits)}
    for e in last:
        s, t = out[id(e)]
        assert report[s:t] == e.after


# ---------------------------------------------------------------- diff

@pytest.mark.parametrize("stem", STEMS)
def test_every_hunk_of_the_source_diff_names_the_rules_behind_it(cleaned: Path, stem: str) -> None:
    diff = audit.document_diff(SEEDS, cleaned, stem)
    hunks = HUNK.findall(diff)
    assert hunks and all(h.strip() for h in hunks), "a hunk without a rule: a change nobody explains"
    named = {r.split("×")[0] for h in hunks for r in h.split()}
    assert named == {f"{e.stage}/{e.rule}" for e in audit.read_changes(cleaned, stem)}


def test_a_stage_diff_shows_its_own_edits_only(cleaned: Path) -> None:
    stem, stage = STEMS[1], "strip"
    doc = audit.find_doc(SEEDS, stem)
    edits = audit.load_state(cleaned, doc, stage)["edits"]
    diff = audit.document_diff(SEEDS, cleaned, stem, stage)
    named = {r.split("×")[0] for h in HUNK.findall(diff) for r in h.split()}
    assert named == {f"strip/{e['rule']}" for e in edits}
    removed = {line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")}
    for e in edits:
        for line in e["before"].splitlines():
            if line.strip() and e["after"] == "":
                assert line in removed


def test_diff_colours_only_when_asked_or_on_a_terminal(cleaned: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["diff", STEMS[0], "--stage", "reassemble", "--input", str(SEEDS), "--output", str(cleaned)]
    plain = run_cli(*args)
    assert plain.returncode == 0 and "@@" in plain.stdout and "\x1b[" not in plain.stdout
    assert "\x1b[31m-" in run_cli(*args, "--color", "always").stdout
    assert "\x1b[" not in run_cli(*args, "--color", "never").stdout
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli.use_color("auto")
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli.use_color("auto")


def test_diff_of_a_document_not_cleaned_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("diff", STEMS[0], "--input", str(SEEDS), "--output", str(tmp_path / "empty"))
    assert result.returncode == 2 and "not up to date" in result.stderr and STEMS[0] in result.stderr


# ---------------------------------------------------------------- status

def clear_caches() -> None:
    for fn in (rules.load, rules.file_hash, stages.stage_fingerprint, store.chain_keys):
        fn.cache_clear()


def test_status_says_what_changed(cleaned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS, src)
    out = tmp_path / "out"  # cleaned from where the sources are: a moved source renders again (its front matter)
    assert runner.clean(src, out).ok
    edited, removed = src / f"{STEMS[0]}.txt", src / f"{STEMS[4]}.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n网站地图\n", encoding="utf-8")
    removed.unlink()
    shutil.copy(SEEDS / f"{STEMS[1]}.txt", src / "another.txt")
    (src / "empty.txt").write_bytes(b"")
    rows = {r.stem: r for r in status.document_status(src, out)}
    assert rows[STEMS[0]].state == "stale" and "source changed" in rows[STEMS[0]].why
    assert rows[STEMS[1]].state == "up-to-date"
    assert rows["another"].state == "new" and rows["empty"].state == "new"
    assert rows[STEMS[4]].state == "gone"
    # an edited rule file: stale from that stage on, and the file is named
    folder = tmp_path / "rules"
    shutil.copytree(rules.RULES_DIR, folder)
    monkeypatch.setattr(rules, "RULES_DIR", folder)
    clear_caches()
    try:
        rule_file = folder / "repair.toml"
        rule_file.write_text(rule_file.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        rows = {r.stem: r for r in status.document_status(src, out)}
        why = rows[STEMS[1]].why
        assert rows[STEMS[1]].state == "stale" and "stage 'repair'" in why and "repair.toml" in why
    finally:
        monkeypatch.undo()
        clear_caches()


def test_status_reports_failures_with_their_stage_and_exit_code(tmp_path: Path) -> None:
    src = tmp_path / "raw"
    src.mkdir()
    shutil.copy(SEEDS / f"{STEMS[2]}.txt", src)
    (src / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    runner.clean(src, out)
    result = run_cli("status", "--input", str(src), "--output", str(out))
    assert result.returncode == 1
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if len(line.split()) > 2}
    assert lines["empty"].startswith("failed") and "decode failed: empty file" in lines["empty"]
    assert lines[STEMS[2]].startswith("up-to-date")
    assert "up-to-date: 1, stale: 0, new: 0, failed: 1, gone: 0" in result.stdout
