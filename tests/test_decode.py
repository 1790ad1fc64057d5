"""Decode: encodings, BOMs and mojibake, on real sample text re-encoded."""

from __future__ import annotations

import codecs

import pytest

from pipeline.decode import DecodeError, decode, decode_bytes, plausibility

from .conftest import SEEDS

SAMPLE = (SEEDS / "001_1e9ea858cdbe6117.txt").read_text(encoding="utf-8")
SIMPLE_LINE = SAMPLE.splitlines()[1]


@pytest.mark.parametrize("codec,label", [
    ("utf-8", "utf-8"), ("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-16", "utf-16"),
])
def test_each_encoding_decodes_to_the_same_text(codec: str, label: str) -> None:
    text, info = decode_bytes(SAMPLE.encode(codec))
    assert text == SAMPLE
    assert info["encoding"] == label


def test_utf8_bom_is_dropped_and_named() -> None:
    text, info = decode_bytes(codecs.BOM_UTF8 + SAMPLE.encode("utf-8"))
    assert text == SAMPLE and info["encoding_detected_by"] == "byte order mark"


def test_big5_text_decodes() -> None:
    traditional = "各位代表：現在，我代表國務院向大會作政府工作報告，請予審議。" * 20
    text, info = decode_bytes(traditional.encode("big5"))
    assert text == traditional and info["encoding"] == "big5"


def test_utf8_read_as_gbk_is_repaired_and_lost_bytes_flagged() -> None:
    mojibake = SIMPLE_LINE.encode("utf-8").decode("gb18030", errors="replace")
    _, result = decode(mojibake.encode("utf-8"))
    pieces = [p for p in result.text.split("\ufffd") if p]
    # every surviving piece is original text; only the characters whose bytes were lost are missing
    assert all(p in SIMPLE_LINE for p in pieces) and sum(map(len, pieces)) >= len(SIMPLE_LINE) - 2
    assert {e.rule for e in result.edits} == {"mojibake-utf8-read-as-gbk"}
    assert "mojibake-bytes-lost" in result.meta["flags"]


def test_gbk_read_as_latin1_is_repaired_and_recorded() -> None:
    mojibake = SIMPLE_LINE.encode("gb18030").decode("latin-1")
    raw_text, result = decode(("正文\n" + mojibake + "\n").encode("utf-8"))
    assert result.text == "正文\n" + SIMPLE_LINE + "\n"
    assert {e.rule for e in result.edits} == {"mojibake-gbk-read-as-latin1"}


def test_clean_chinese_is_left_alone() -> None:
    raw_text, result = decode(SAMPLE.encode("utf-8"))
    assert result.text == raw_text == SAMPLE
    assert result.edits == []
    assert plausibility(SIMPLE_LINE) > 0.9


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"), (b"   \n", "empty"), (b"%PDF-1.7\n...", "PDF"), (b"\x89PNG\r\n\x1a\n\0\0", "PNG"),
    (b"PK\x03\x04\x14\0", "ZIP"),
])
def test_non_text_input_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_bytes(data)


def test_a_whole_report_of_utf8_read_as_gbk_is_repaired_line_by_line() -> None:
    text = (SEEDS / "002_04fe9f3a688f1548.txt").read_text(encoding="utf-8")
    mojibake = text.encode("utf-8").decode("gb18030", errors="replace")
    _, result = decode(mojibake.encode("utf-8"))
    lines = [line for line in result.text.splitlines() if line.strip()]
    repaired = [line for line in lines if plausibility(line) > 0.9]
    assert len(repaired) >= 0.9 * len(lines)
    assert "各位代表" in result.text and "mojibake-bytes-lost" in result.meta["flags"]
