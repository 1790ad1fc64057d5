"""The corpus as a whole: catalogue.csv, copy groups, the JSONL/txt export, the Python API, `gwr-clean`.

The corpus here is made from the samples: one report in four copies (as
published, re-wrapped, on a portal page with its chrome in GB18030, with a few
sentences changed), the same report for another year and for another city
(near-identical text that must still stay apart), three other samples, and two
inputs that fail.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

import pipeline
from pipeline import catalogue, cli, copies, export, runner
from pipeline.published import plain_text, split_report

from .conftest import ROOT, SEEDS

BASE = "002_04fe9f3a688f1548"  # 浏阳市 2024
OTHERS = ("001_1e9ea858cdbe6117", "003_d6cddab6bad97324", "004_86683f0543644046")
COPIES = ("liuyang", "liuyang_rewrapped", "liuyang_portal", "liuyang_revised")
GWR_CLEAN = Path(sys.executable).with_name("gwr-clean")


def rewrapped(text: str, width: int = 37) -> str:
    """Every line cut every `width` characters, as a fixed-width page prints it."""
    lines = []
    for line in text.splitlines():
        lines += [line[i:i + width] for i in range(0, len(line), width)] or [""]
    return "\n".join(lines) + "\n"


def on_portal(text: str) -> str:
    head = ("首页 > 政务公开 > 政府工作报告\n来源：浏阳市人民政府门户网站  发布时间：2024-02-01 09:30  浏览次数：2381\n"
            "【字体：大 中 小】 打印本页 关闭窗口\n")
    tail = ("\n责任编辑：刘小平\n主办单位：浏阳市人民政府办公室  版权所有\n网站标识码：4301810001  湘ICP备05012345号\n"
            "扫一扫在手机打开当前页\n")
    return head + text + tail


def revised(text: str) -> str:
    """Four sentences rewritten in their second half (an earlier or later edition)."""
    parts = text.split("。")
    for i in range(7, len(parts), len(parts) // 4):
        parts[i] = parts[i][:len(parts[i]) // 2] + "并在此基础上进一步完善相关工作机制"
    return "。".join(parts)


def make_corpus(raw: Path) -> None:
    raw.mkdir()
    base = (SEEDS / f"{BASE}.txt").read_text(encoding="utf-8")
    (raw / "liuyang.txt").write_text(base, encoding="utf-8")
    (raw / "liuyang_rewrapped.txt").write_text(rewrapped(base), encoding="utf-8")
    (raw / "liuyang_portal.txt").write_bytes(on_portal(base).encode("gb18030"))
    (raw / "liuyang_revised.txt").write_text(revised(base), encoding="utf-8")
    (raw / "liuyang_next_year.txt").write_text(base.replace("2024年", "2025年").replace("2023年", "2024年"),
                                               encoding="utf-8")
    (raw / "liling.txt").write_text(base.replace("浏阳", "醴陵"), encoding="utf-8")
    for stem in OTHERS:
        (raw / f"{stem}.txt").write_bytes((SEEDS / f"{stem}.txt").read_bytes())
    (raw / "empty.txt").write_bytes(b"")
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory) -> tuple[Path, Path, runner.RunSummary]:
    root = tmp_path_factory.mktemp("corpus")
    make_corpus(root / "raw")
    summary = runner.clean(root / "raw", root / "out", catalogue_parquet=True)
    return root / "raw", root / "out", summary


def read_csv(out: Path) -> list[dict[str, str]]:
    with open(out / "catalogue.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by_path(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["path"]: r for r in rows}


# ------------------------------------------------------------------ catalogue


def test_catalogue_has_exactly_the_columns_and_one_row_per_input(cleaned) -> None:
    raw, out, summary = cleaned
    with open(out / "catalogue.csv", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split(",")
    assert tuple(header) == catalogue.COLUMNS
    rows = read_csv(out)
    assert sorted(r["path"] for r in rows) == sorted(p.name for p in raw.iterdir())
    assert summary.catalogue == str(out / "catalogue.csv")


def test_failed_inputs_have_their_row_with_the_reason_in_flags(cleaned) -> None:
    raw, out, _ = cleaned
    rows = by_path(read_csv(out))
    assert rows["empty.txt"]["flags"] == "failed: decode failed: empty file"
    assert rows["broken.pdf"]["flags"] == "failed: extract failed: a truncated PDF (it does not end with %%EOF)"
    for name in ("empty.txt", "broken.pdf"):
        assert rows[name]["source_sha256"] == hashlib.sha256((raw / name).read_bytes()).hexdigest()
        assert rows[name]["chars"] == rows[name]["copy_group"] == rows[name]["best_copy"] == ""


def test_catalogue_values_and_types(cleaned) -> None:
    raw, out, _ = cleaned
    rows = by_path(read_csv(out))
    for path, row in rows.items():
        if row["flags"].startswith("failed: "):
            continue
        for column in ("chars", "han_chars", "removed_chars"):
            assert row[column].isdigit(), (path, column)
        assert row["year"] == "" or row["year"].isdigit() and len(row["year"]) == 4
        assert row["best_copy"] in ("true", "false")
        assert row["level"] in ("", "国务院", "省级", "市级", "县级")
        assert row["format"] == "text"
        assert row["source_sha256"] == hashlib.sha256((raw / path).read_bytes()).hexdigest()
        report = (out / f"{Path(path).stem}.md").read_text(encoding="utf-8")
        front, body = split_report(report)
        assert row["title"] == front.get("title", "") and row["date"] == front.get("date", "")
        assert row["flags"] == ";".join(front.get("flags", []))
        assert int(row["chars"]) == len(plain_text(body))
    liuyang = rows["liuyang.txt"]
    assert (liuyang["region"], liuyang["admin_code"], liuyang["level"], liuyang["year"]) == \
        ("浏阳市", "430181", "县级", "2024")
    assert rows["liuyang_portal.txt"]["encoding"] == "gb18030"
    # the portal page's chrome was removed by strip: more removed than from the bare copy
    assert int(rows["liuyang_portal.txt"]["removed_chars"]) > int(liuyang["removed_chars"])
    assert (rows["004_86683f0543644046.txt"]["admin_code"], rows["004_86683f0543644046.txt"]["level"]) == \
        ("430407", "县级")
    assert rows["001_1e9ea858cdbe6117.txt"]["level"] == "市级"


def test_parquet_has_the_same_rows_with_typed_columns(cleaned) -> None:
    import pyarrow.parquet as pq

    _, out, _ = cleaned
    table = pq.read_table(out / "catalogue.parquet")
    assert tuple(table.column_names) == catalogue.COLUMNS
    assert str(table.schema.field("year").type) == "int64" and str(table.schema.field("best_copy").type) == "bool"
    assert [r["path"] for r in table.to_pylist()] == [r["path"] for r in read_csv(out)]


def test_a_rerun_with_nothing_changed_reuses_every_cached_row(cleaned, monkeypatch) -> None:
    raw, out, summary = cleaned
    before = (out / "catalogue.csv").read_bytes()

    def must_not_run(*args, **kwargs):
        raise AssertionError("a cached row was computed again")

    monkeypatch.setattr(catalogue, "document_entry", must_not_run)
    monkeypatch.setattr(copies, "assign", must_not_run)
    (out / "catalogue.csv").unlink()
    catalogue.update(raw, out, summary.docs, summary.failed)
    assert (out / "catalogue.csv").read_bytes() == before


def test_rows_made_at_publishing_are_the_rows_the_reports_give(cleaned, tmp_path) -> None:
    """Each report's row and signature come from its published mark; from its report and record, the same."""
    import shutil

    from pipeline import store

    raw, src_out, summary = cleaned
    out = tmp_path / "out"
    shutil.copytree(src_out, out)
    before = (out / "catalogue.csv").read_bytes()
    published = [d for d in summary.docs if d.stem not in summary.failed]
    marks = [store.published_path(out, d) for d in published]
    assert published and all(store.read_mark(m)["entry"]["version"] == catalogue.version() for m in marks)
    for mark in marks:  # an entry of another catalogue version is not taken: the files give the row
        data = json.loads(mark.read_text(encoding="utf-8"))
        data["entry"] = {**data["entry"], "version": "older", "row": {**data["entry"]["row"], "title": "错"}}
        mark.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    catalogue.state_path(out).unlink()
    catalogue.update(raw, out, summary.docs, summary.failed)
    assert (out / "catalogue.csv").read_bytes() == before


def test_parquet_without_pyarrow_is_a_one_line_error(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(catalogue, "parquet_missing", lambda: "--catalogue-parquet needs pyarrow, which is "
                                                              "not installed: pip install 'gwr-clean[parquet]'")
    code = cli.main(["clean", "--input", str(SEEDS), "--output", str(tmp_path / "out"), "--catalogue-parquet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pip install 'gwr-clean[parquet]'" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ copy groups


def test_copies_of_one_report_share_a_group_with_one_best_copy(cleaned) -> None:
    _, out, _ = cleaned
    rows = by_path(read_csv(out))
    groups = defaultdict(list)
    for row in rows.values():
        if row["copy_group"]:
            groups[row["copy_group"]].append(row)
    liuyang = {r["path"] for r in groups[rows["liuyang.txt"]["copy_group"]]}
    assert liuyang == {f"{c}.txt" for c in COPIES}
    for members in groups.values():
        best = [r for r in members if r["best_copy"] == "true"]
        assert len(best) == 1
        fewest = min(len([f for f in r["flags"].split(";") if f]) for r in members)
        assert len([f for f in best[0]["flags"].split(";") if f]) == fewest


def test_different_reports_are_never_grouped(cleaned) -> None:
    _, out, _ = cleaned
    rows = by_path(read_csv(out))
    alone = ["liuyang_next_year.txt", "liling.txt"] + [f"{s}.txt" for s in OTHERS]
    for path in alone:
        assert rows[path]["copy_group"] == Path(path).stem and rows[path]["best_copy"] == "true", path
    sizes = Counter(r["copy_group"] for r in rows.values() if r["copy_group"])
    assert sorted(sizes.values()) == [1] * len(alone) + [len(COPIES)]


def test_markup_and_wrapping_do_not_change_a_signature() -> None:
    text = (SEEDS / f"{BASE}.txt").read_text(encoding="utf-8")
    html = "".join(f"<p class=\"txt\">{line}</p>\n" for line in text.splitlines())
    assert copies.signature(text) == copies.signature(html) == copies.signature(rewrapped(text, 23))
    assert copies.signature("各位代表：现在我代表政府报告工作。") is None  # too short to compare


def test_the_guard_keeps_apart_what_the_text_cannot() -> None:
    sig = copies.signature((SEEDS / f"{BASE}.txt").read_text(encoding="utf-8"))
    members = [copies.Member(f"m{i}", f"m{i}.txt", sig, facts) for i, facts in enumerate([
        {"year": 2024, "admin_code": "430181", "level": "县级"},
        {"year": 2024, "admin_code": "", "level": ""},          # unknown: no evidence either way
        {"year": 2025, "admin_code": "430181", "level": "县级"},  # another year
        {"year": 2024, "admin_code": "430281", "level": "县级"},  # another city
        {"year": None, "admin_code": "", "level": "市级"}])]     # another level
    groups = sorted(sorted(m.name for m in g) for g in copies.group(members))
    assert groups == [["m0", "m1"], ["m2"], ["m3"], ["m4"]]


# ------------------------------------------------------------------ export


def test_jsonl_export_round_trip(cleaned, tmp_path) -> None:
    _, out, _ = cleaned
    target = tmp_path / "corpus.jsonl"
    assert export.export(out, "jsonl", target) == 9
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    rows = by_path(read_csv(out))
    assert len({r["id"] for r in records}) == len(records) == 9
    key_sets = {tuple(r["meta"]) for r in records}
    assert len(key_sets) == 1  # every record has the same meta keys
    types = defaultdict(set)
    for rec in records:
        assert tuple(rec) == ("id", "text", "meta")
        report = (out / f"{rec['id']}.md").read_text(encoding="utf-8")
        assert rec["text"] == split_report(report)[1] and not rec["text"].startswith("---")
        row = rows[rec["meta"]["path"]]
        for column in catalogue.COLUMNS:
            value = rec["meta"][column]
            shown = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            assert shown == row[column], column
        for key, value in rec["meta"].items():
            if value is not None:
                types[key].add(type(value))
    assert all(len(t) == 1 for t in types.values()), types
    assert types["year"] == {int} and types["best_copy"] == {bool} and types["flags"] == {str}


def test_jsonl_export_loads_with_the_arrow_json_reader(cleaned, tmp_path) -> None:
    """datasets.load_dataset("json", …) reads JSON Lines with pyarrow's reader: the file must load as a table."""
    import pyarrow.json as paj

    _, out, _ = cleaned
    export.export(out, "jsonl", tmp_path / "corpus.jsonl")
    table = paj.read_json(tmp_path / "corpus.jsonl")
    assert table.num_rows == 9 and table.column_names == ["id", "text", "meta"]


def test_best_copies_only_leaves_one_record_per_group(cleaned, tmp_path) -> None:
    _, out, _ = cleaned
    target = tmp_path / "best.jsonl"
    count = export.export(out, "jsonl", target, best_copies_only=True)
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    groups = [r["meta"]["copy_group"] for r in records]
    assert count == len(records) == len(set(groups)) == 9 - (len(COPIES) - 1)


def test_txt_export_writes_plain_text_and_only_overwrites_its_own_files(cleaned, tmp_path) -> None:
    _, out, _ = cleaned
    folder = tmp_path / "txt"
    assert export.export(out, "txt", folder) == 9
    text = (folder / "liuyang.txt").read_text(encoding="utf-8")
    assert text == plain_text(split_report((out / "liuyang.md").read_text(encoding="utf-8"))[1])
    assert not text.startswith("---") and "\n## " not in text and "一、2023年工作回顾" in text
    assert export.export(out, "txt", folder, best_copies_only=True) == 9 - (len(COPIES) - 1)
    assert not (folder / "liuyang_revised.txt").exists()  # removed: it was ours and is no longer exported
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(export.ExportError, match="did not write"):
        export.export(out, "txt", folder)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_export_never_overwrites_a_file_it_did_not_write(cleaned, tmp_path) -> None:
    _, out, _ = cleaned
    foreign = tmp_path / "corpus.jsonl"
    foreign.write_text('{"title": "my own data"}\n', encoding="utf-8")
    result = subprocess.run([str(GWR_CLEAN), "export", "--output", str(out), "--to", str(foreign)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "not overwritten" in result.stderr
    assert foreign.read_text(encoding="utf-8") == '{"title": "my own data"}\n'


# ------------------------------------------------------------------ API and command


def test_api_gives_the_command_lines_report_byte_for_byte(tmp_path) -> None:
    result = subprocess.run([str(GWR_CLEAN), "clean", "--input", "seeds", "--output", str(tmp_path / "out"),
                             "--progress-seconds", "0"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for seed in sorted(SEEDS.glob("*.txt")):
        report = pipeline.clean(seed.read_bytes(), name=f"seeds/{seed.name}")
        assert report.markdown.encode("utf-8") == (tmp_path / "out" / f"{seed.stem}.md").read_bytes(), seed.name
        record = (tmp_path / "out" / f"{seed.stem}.changes.jsonl").read_text(encoding="utf-8").splitlines()
        assert [e.to_json() for e in report.edits] == [json.loads(line) for line in record]


def test_api_report_fields() -> None:
    text = (SEEDS / f"{BASE}.txt").read_text(encoding="utf-8")
    report = pipeline.clean(text)
    from_gb18030 = pipeline.clean(text.encode("gb18030"))
    assert split_report(report.markdown)[1] == split_report(from_gb18030.markdown)[1]
    assert (report.meta["encoding"], from_gb18030.meta["encoding"]) == ("utf-8", "gb18030")
    assert not report.text.startswith("---") and "## " not in report.text
    assert report.text.startswith("政府工作报告\n\n")
    assert (report.meta["region"], report.meta["level"], report.meta["year"]) == ("浏阳市", "县级", 2024)
    assert report.meta["han_chars"] > 10000 and report.edits
    with pytest.raises(ValueError, match="empty file"):
        pipeline.clean(b"")


def test_the_console_script_is_the_documented_command() -> None:
    result = subprocess.run([str(GWR_CLEAN), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("usage: gwr-clean ")
    assert "export" in result.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.strip() for line in readme.splitlines() if line.startswith("    ")]
    assert not [c for c in commands if "python -m pipeline" in c]
    assert [c for c in commands if c.startswith("gwr-clean clean --input")]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(BIN)/gwr-clean clean" in makefile
