"""Rule files: every one loads and fits its schema; a malformed one is an error naming file, entry and key."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import checks, rules
from pipeline.model import Edit

from .conftest import SEEDS

SCHEMA = """
[x.line]
pattern = "regex"
max_len = "int?"
[x.settings]
min_chars = "int"
"""
GOOD_LINE = '[[line]]\nid = "B9-test"\nkind = "chrome"\ncomment = "a test rule"\npattern = "x"\n'


@pytest.fixture
def rules_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty rules folder with a schema declaring x.toml; caches cleared around the test."""
    (tmp_path / "schema.toml").write_text(SCHEMA, encoding="utf-8")
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    for fn in (rules.load, rules.schemas, rules.kinds_by_id):
        fn.cache_clear()
    yield tmp_path
    for fn in (rules.load, rules.schemas, rules.kinds_by_id):
        fn.cache_clear()


@pytest.mark.parametrize("name", sorted(p.name for p in rules.RULES_DIR.glob("*.toml") if p.name != "schema.toml"))
def test_every_rule_file_fits_its_schema(name: str) -> None:
    assert Path(name).stem in rules.schemas(), f"{name} has no schema in schema.toml"
    data = rules.load(name)
    assert all(entry["kind"] in rules.KINDS for _, _, entry in rules.entries_of(data))


@pytest.mark.parametrize(("text", "message"), [
    (GOOD_LINE.replace('pattern = "x"', 'pattern = "x"\nmaxlen = 40'),
     r"x.toml: entry 0 of \[\[line\]\] \(B9-test\): unknown key 'maxlen'"),
    (GOOD_LINE.replace('comment = "a test rule"\n', ""), r"x.toml: entry 0 of \[\[line\]\] \(B9-test\) has no comment"),
    (GOOD_LINE.replace('id = "B9-test"\n', ""), r"x.toml: entry 0 of \[\[line\]\] has no id"),
    (GOOD_LINE.replace('kind = "chrome"\n', ""), r"x.toml: entry 0 of \[\[line\]\] \(B9-test\) has no kind"),
    (GOOD_LINE.replace('kind = "chrome"', 'kind = "chrom"'), r"key 'kind' must be one of chrome, duplicate"),
    (GOOD_LINE + GOOD_LINE, r"entry 1 of \[\[line\]\] \(B9-test\): duplicate id 'B9-test' \(also entry 0"),
    (GOOD_LINE.replace('pattern = "x"', 'pattern = "(x"'), r"key 'pattern' is not a valid pattern"),
    (GOOD_LINE.replace('pattern = "x"', 'pattern = "x"\nmax_len = "40"'), r"key 'max_len' must be int, not '40'"),
    (GOOD_LINE.replace('pattern = "x"\n', ""), r"entry 0 of \[\[line\]\] \(B9-test\) has no pattern"),
    ('[settings]\nid = "s"\nkind = "setting"\ncomment = "c"\nmin_chars = 1.5\n', r"\[settings\]: key 'min_chars' must be int"),
    ('[footer]\nid = "s"\nkind = "setting"\ncomment = "c"\n', r"\[footer\]: unknown table \[footer\]"),
])
def test_a_malformed_rule_file_is_an_error_naming_file_entry_and_key(rules_dir: Path, text: str, message: str) -> None:
    (rules_dir / "x.toml").write_text(text, encoding="utf-8")
    with pytest.raises(rules.RuleError, match=message):
        rules.load("x.toml")


def test_validate_all_stops_at_the_first_bad_file(rules_dir: Path) -> None:
    (rules_dir / "x.toml").write_text(GOOD_LINE.replace("pattern", "patern"), encoding="utf-8")
    with pytest.raises(rules.RuleError, match="unknown key 'patern'"):
        rules.validate_all()


def test_a_file_without_a_schema_gets_the_generic_check(rules_dir: Path) -> None:
    (rules_dir / "y.toml").write_text('[[any]]\nid = "Y1"\ncomment = "c"\nwhatever = 3\n', encoding="utf-8")
    assert rules.load("y.toml")["any"][0]["whatever"] == 3
    (rules_dir / "y.toml").write_text('[[any]]\nid = "Y1"\nwhatever = 3\n', encoding="utf-8")
    rules.load.cache_clear()
    with pytest.raises(rules.RuleError, match=r"y.toml: entry 0 of \[\[any\]\] \(Y1\) has no comment"):
        rules.load("y.toml")


def test_the_kind_is_a_field_of_the_rule_not_a_word_of_its_id(rules_dir: Path) -> None:
    (rules_dir / "x.toml").write_text(
        GOOD_LINE.replace("B9-test", "B9-duplicate-looking")
        + GOOD_LINE.replace("B9-test", "B9-plain").replace('"chrome"', '"duplicate"'), encoding="utf-8")
    assert rules.kind_of("repair", "B9-duplicate-looking") == "chrome"
    assert rules.kind_of("reassemble", "B9-plain") == "duplicate"
    assert rules.kind_of("repair", "S9-not-in-any-file") == "repair"  # a rule of code: its stage's kind
    removed = [Edit(0, 4, "网站首页", "", "B9-plain", "reassemble"), Edit(0, 2, "赌场", "", "S5-injected-spam", "repair")]
    assert checks.removed_by_rules(removed) == 4  # the duplicate's characters are explained, the spam's are not


def test_a_typo_in_a_rule_file_stops_clean_before_any_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline import cli, stages

    copy = tmp_path / "rules"
    shutil.copytree(rules.RULES_DIR, copy)
    strip_rules = copy / "strip.toml"
    strip_rules.write_text(strip_rules.read_text(encoding="utf-8").replace("max_len = 80", "maxlen = 80", 1),
                           encoding="utf-8")
    caches = (rules.load, rules.schemas, rules.kinds_by_id, rules.file_hash, stages.stage_fingerprint)
    monkeypatch.setattr(rules, "RULES_DIR", copy)
    for fn in caches:
        fn.cache_clear()
    try:
        code = cli.main(["clean", "--input", str(SEEDS), "--output", str(tmp_path / "out"), "--progress-seconds", "0"])
    finally:
        for fn in caches:
            fn.cache_clear()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [f"error: {strip_rules}: entry 0 of [[line]] (B1-breadcrumb): unknown key 'maxlen' "
                   "(allowed: comment, id, kind, max_len, pattern, prose, scope, unless)"]
    assert not list((tmp_path / "out").glob("*.md"))


def test_one_id_has_one_kind_across_the_rule_files(rules_dir: Path) -> None:
    (rules_dir / "x.toml").write_text(GOOD_LINE, encoding="utf-8")
    (rules_dir / "y.toml").write_text(GOOD_LINE.replace('"chrome"', '"repair"'), encoding="utf-8")
    with pytest.raises(rules.RuleError, match=r"y.toml: entry 0 of \[\[line\]\] \(B9-test\): id 'B9-test' has kind "
                                              r"'repair' here and 'chrome' in x.toml"):
        rules.kind_of("strip", "B9-test")
