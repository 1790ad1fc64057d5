"""Rule files: every one loads, and every entry says what it is (id) and why (comment)."""

from __future__ import annotations

import pytest

from pipeline import rules


@pytest.mark.parametrize("name", sorted(p.name for p in rules.RULES_DIR.glob("*.toml")))
def test_every_rule_file_loads_with_ids_and_comments(name: str) -> None:
    data = rules.load(name)
    entries = [e for v in data.values() if isinstance(v, list) for e in v if isinstance(e, dict)]
    assert all(e["id"] and e["comment"] for e in entries)


def test_an_entry_without_a_comment_is_a_clear_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "x.toml").write_text('[[line]]\nid = "B9-test"\npattern = "x"\n', encoding="utf-8")
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    rules.load.cache_clear()
    try:
        with pytest.raises(rules.RuleError, match=r"x.toml: entry 0 of \[\[line\]\] has no comment"):
            rules.load("x.toml")
    finally:
        rules.load.cache_clear()
