"""Stage states stored compactly: read back exactly, older plain JSON still read, a torn one made again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench import formats
from pipeline import audit, execute, runner, statefile, store
from pipeline.stages import STAGES

from .conftest import GOLD, SEEDS


def cleaned(tmp_path: Path) -> tuple[store.Doc, Path]:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS, src)
    doc = runner.discover(src)[0][0]
    out = tmp_path / "out"
    for stage in STAGES:
        execute.run_stage(stage, doc, out)
    return doc, out


def test_a_state_reads_back_exactly_and_is_smaller_than_its_json(tmp_path: Path) -> None:
    doc, out = cleaned(tmp_path)
    path = store.state_path(out, doc, "normalise")
    state = store.read_json(path)
    assert state["stage"] == "normalise" and state["edits"]
    plain = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
    assert statefile.loads(plain) == state  # state written by older versions
    assert path.stat().st_size < len(plain) / 2


def test_a_torn_intermediate_state_is_made_again(tmp_path: Path) -> None:
    doc, out = cleaned(tmp_path)
    report = store.report_path(out, doc.stem).read_bytes()
    record = store.changes_path(out, doc.stem).read_bytes()
    torn = store.state_path(out, doc, "strip")
    torn.write_bytes(torn.read_bytes()[:40])
    with pytest.raises(statefile.StateCorrupt, match="strip"):
        store.read_json(torn)
    store.state_path(out, doc, "render").unlink()
    store.state_path(out, doc, "repair").unlink()
    for stage in STAGES:
        execute.run_stage(stage, doc, out)
    assert store.read_json(torn)["stage"] == "strip"
    assert store.report_path(out, doc.stem).read_bytes() == report
    assert store.changes_path(out, doc.stem).read_bytes() == record


def cleaned_until(tmp_path: Path, last: str) -> tuple[store.Doc, Path]:
    src = tmp_path / "raw"
    shutil.copytree(SEEDS, src)
    doc = runner.discover(src)[0][0]
    out = tmp_path / "out"
    for stage in STAGES[:STAGES.index(last) + 1]:
        execute.run_stage(stage, doc, out)
    return doc, out


def test_intermediate_texts_are_rebuilt_from_a_full_one(tmp_path: Path) -> None:
    doc, out = cleaned_until(tmp_path, STAGES[-2])  # not published yet: the states hold the chain
    stored = {s: statefile.loads(store.state_path(out, doc, s).read_bytes()) for s in STAGES[:-1]}
    derived = [s for s, state in stored.items() if statefile.TEXT_FROM in state]
    assert derived == [s for s in STAGES[:-1] if s not in ("extract", execute.STORED_WHOLE)]  # each from the one before
    assert statefile.TEXT_FROM not in stored[execute.STORED_WHOLE]  # the chain's base after decode
    assert stored["decode"][statefile.TEXT_FROM] == statefile.OWN_RAW_TEXT
    assert stored["decode"][statefile.OWN_RAW_TEXT] is None  # a plain-text source: decoded again when needed
    statefile.forget_texts()  # read from the files alone: each text rebuilt through its chain
    texts = {s: store.read_json(store.state_path(out, doc, s), execute.source_text(doc))["text"] for s in STAGES[:-1]}
    raw = execute.read_state("decode", doc, out, want_raw=True)["raw_text"]
    assert raw == Path(doc.path).read_text(encoding="utf-8")
    for previous, stage in zip(STAGES[1:-1], STAGES[2:-1], strict=False):
        edits = store.read_json(store.state_path(out, doc, stage))["edits"]
        assert statefile.replay(texts[previous], edits) == texts[stage]


def test_published_states_are_stubs_the_report_and_record_rebuild(tmp_path: Path) -> None:
    doc, out = cleaned_until(tmp_path, STAGES[-2])
    statefile.forget_texts()
    before = {s: store.read_json(store.state_path(out, doc, s), execute.source_text(doc)) for s in STAGES[:-1]}
    execute.run_stage(STAGES[-1], doc, out)
    stored = {s: statefile.loads(store.state_path(out, doc, s).read_bytes()) for s in STAGES}
    stubbed = [s for s in STAGES if statefile.FROM_OUTPUTS in stored[s]]
    assert {execute.STORED_WHOLE, STAGES[-1]} <= set(stubbed) <= set(STAGES[STAGES.index(execute.STORED_WHOLE):])
    assert all("text" not in stored[s] and "edits" not in stored[s] for s in stubbed)
    statefile.forget_texts()
    after = {s: store.read_json(store.state_path(out, doc, s), execute.source_text(doc)) for s in STAGES}
    for stage in STAGES[:-1]:
        assert (after[stage]["text"], after[stage]["edits"], after[stage]["meta"]) == \
            (before[stage]["text"], before[stage]["edits"], before[stage]["meta"])
    assert after["render"]["text"] == store.report_path(out, doc.stem).read_text(encoding="utf-8")
    assert statefile.replay(after["reassemble"]["text"], after["render"]["edits"]) == after["render"]["text"]


def test_a_stub_whose_report_was_edited_is_made_again(tmp_path: Path) -> None:
    doc, out = cleaned(tmp_path)
    report = store.report_path(out, doc.stem)
    original = report.read_bytes()
    statefile.forget_texts()
    report.write_bytes(original.replace("。".encode(), "，".encode(), 1))
    stub = store.state_path(out, doc, execute.STORED_WHOLE)
    assert statefile.FROM_OUTPUTS in statefile.loads(stub.read_bytes())
    assert "text" not in store.read_json(stub)  # its metadata still reads (status)
    assert store.read_json(stub, want_text=False)["meta"]
    report.write_bytes(original)
    store.changes_path(out, doc.stem).unlink()  # the record gone: nothing to take the edits from
    assert "edits" not in store.read_json(stub, want_text=False)
    state = execute.read_state(execute.STORED_WHOLE, doc, out)  # made again from decode
    assert state["text"] and statefile.FROM_OUTPUTS not in statefile.loads(stub.read_bytes())


def test_a_state_whose_source_changed_reads_without_its_text(tmp_path: Path) -> None:
    """The raw text comes from the source: a source edited since is not taken for the one cleaned."""
    doc, out = cleaned(tmp_path)
    statefile.forget_texts()
    Path(doc.path).write_text("改过的文本\n", encoding="utf-8")
    assert "text" not in store.read_json(store.state_path(out, doc, "decode"), execute.source_text(doc))


def test_a_state_whose_base_is_gone_is_made_again(tmp_path: Path) -> None:
    doc, out = cleaned_until(tmp_path, STAGES[-2])
    strip = store.state_path(out, doc, "strip")
    base = store.doc_dir(out, doc.stem) / statefile.loads(strip.read_bytes())[statefile.TEXT_FROM]
    statefile.forget_texts()
    base.unlink()
    assert "text" not in store.read_json(strip)  # an old result's metadata still reads (status)
    state = execute.read_state("strip", doc, out)
    assert state["text"] and base.exists()


def test_an_extracted_text_is_stored_once(tmp_path: Path) -> None:
    """Decode's raw text of an HTML page is extract's: read back from extract's state, not stored twice."""
    src = tmp_path / "raw"
    src.mkdir()
    report = (GOLD / f"{sorted(p.stem for p in GOLD.glob('*.txt'))[0]}.txt").read_text(encoding="utf-8")
    (src / "page.html").write_bytes(formats.page(formats.KINDS[0], report, seed=1))
    doc = runner.discover(src)[0][0]
    out = tmp_path / "out"
    for stage in STAGES:
        execute.run_stage(stage, doc, out)
    decode = statefile.loads(store.state_path(out, doc, "decode").read_bytes())
    assert decode[statefile.OWN_RAW_TEXT] is None
    assert decode[statefile.RAW_FROM] == store.state_path(out, doc, "extract").name
    statefile.forget_texts()
    extracted = store.read_json(store.state_path(out, doc, "extract"))["raw_text"]
    assert execute.read_state("decode", doc, out, want_raw=True)["raw_text"] == extracted
    assert all(v.ok for v in audit.verify_folder(src, out))
    store.state_path(out, doc, "extract").unlink()  # its base gone: decode is made again, with extract
    statefile.forget_texts()
    assert execute.read_state("decode", doc, out, want_raw=True)["raw_text"] == extracted


def test_a_published_document_leaves_no_text_in_memory(tmp_path: Path) -> None:
    """The texts kept for the next stage are dropped once the report is published (a run of thousands
    of reports would otherwise fill the cache with texts no stage reads, and keep nothing new)."""
    statefile.forget_texts()
    cleaned(tmp_path)
    assert statefile._kept_chars == 0 and not statefile._full_texts and not statefile._metas
