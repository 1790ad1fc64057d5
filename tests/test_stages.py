"""Stage boundaries: a stage never edits the metadata it was given; its version covers the libraries it uses."""

from __future__ import annotations

import copy

import pytest

from pipeline import chain, stages
from pipeline.strip import strip

from .conftest import seed_paths


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.stem[:3])
def test_no_stage_edits_the_metadata_it_was_given(path) -> None:
    extracted_from, extracted = chain.extract_step(path.read_bytes())
    _, result = chain.decode_step(path.read_bytes(), str(path), "0" * 64, extracted, extracted_from)
    for stage in stages.STAGES[2:]:
        given = copy.deepcopy(result.meta)
        before = copy.deepcopy(given)
        result = stages.stage_function(stage)(result.text, given)
        assert given == before, stage


def test_strip_flags_its_own_copy_of_the_flags() -> None:
    meta = {"flags": ["lost-characters"]}
    result = strip("版权所有 某某市人民政府网站\n网站标识码 1234567890\n", meta)
    assert result.meta["flags"] == ["lost-characters", "no-report-body"]
    assert meta == {"flags": ["lost-characters"]}


def test_the_stage_version_covers_the_libraries_that_shape_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    libraries = {name for names in stages.STAGE_LIBRARIES.values() for name in names} | set(stages.SHARED_LIBRARIES)
    assert {"ftfy", "opencc", "chardet", "regex", "gb2260", "lxml", "python-docx", "pypdfium2"} <= libraries
    assert all(stages.library_version(name) != "absent" for name in libraries)
    before, real_decode = stages.stage_fingerprint("normalise"), stages.stage_fingerprint("decode")
    real = stages.library_version
    monkeypatch.setattr(stages, "library_version", lambda name: "9.9" if name == "opencc" else real(name))
    stages.stage_fingerprint.cache_clear()
    try:
        assert stages.stage_fingerprint("normalise") != before
        assert stages.stage_fingerprint("decode") == real_decode
    finally:
        stages.stage_fingerprint.cache_clear()


def test_an_edit_record_has_no_note_and_earlier_records_still_read() -> None:
    from pipeline.model import Edit

    edit = Edit(0, 2, "首页", "", "B1-site-tokens", "strip", 0, 1)
    assert "note" not in edit.to_json()
    assert Edit.from_json({**edit.to_json(), "note": ""}) == edit


def test_reorder_hands_links_to_the_join_by_position_so_repeated_lines_do_not_collide() -> None:
    from pipeline.reassemble import document_stats, plan_joins

    cut = "我们将继续推进产业转型升级，加快培育新兴产业和"  # printed twice, each copy continued elsewhere
    texts = ["政府工作报告", "各位代表：", cut, "未来产业集群发展壮大。", cut, "现代服务业提质增效。", "最后一段。"]
    stats = document_stats("\n".join(texts))
    assert plan_joins(texts, 2, {}, stats) == {}
    assert set(plan_joins(texts, 2, {2: 3, 4: 5}, stats)) == {2, 4}
    assert set(plan_joins(texts, 2, {4: 5}, stats)) == {4}  # only the linked copy joins
