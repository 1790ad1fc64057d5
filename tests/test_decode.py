"""Decode: encodings, BOMs and mojibake, on real sample text re-encoded."""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from pathlib import Path

import ftfy
import pytest
from ftfy import chardata
from ftfy.badness import MOJIBAKE_CATEGORIES, is_bad

from pipeline import runner
from pipeline.chain import clean_bytes
from pipeline.decode import FTFY_CONFIG, DecodeError, decode, decode_bytes, ftfy_candidate, plausibility, rule
from pipeline.rules import load

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


# ------------------------------------------------------------ issue 12: fidelity of decoding

PARAGRAPH = max(SAMPLE.splitlines(), key=len)
MIDDLE = SAMPLE.index(PARAGRAPH) + len(PARAGRAPH) // 2


def with_bytes_at(text: str, at: int, bad: bytes) -> bytes:
    """The text as UTF-8 with `bad` inserted before character `at`."""
    return text[:at].encode("utf-8") + bad + text[at:].encode("utf-8")


def han(text: str) -> str:
    return "".join(c for c in text if "\u4e00" <= c <= "\u9fff")


def test_item10_a_stray_byte_in_a_utf8_paragraph_is_one_flagged_replacement_character() -> None:
    text, info = decode_bytes(with_bytes_at(SAMPLE, MIDDLE, b"\xff"))
    assert text == SAMPLE[:MIDDLE] + "\ufffd" + SAMPLE[MIDDLE:]
    assert info["encoding"] == "utf-8" and info["undecodable_bytes"] == 1
    assert "undecodable-bytes" in info["flags"]


def test_item10_a_stray_byte_loses_no_han_character_and_merges_no_paragraph() -> None:
    _, clean, _, _ = clean_bytes(SAMPLE.encode("utf-8"))
    _, damaged, _, meta = clean_bytes(with_bytes_at(SAMPLE, MIDDLE, b"\xff"))
    assert han(damaged) == han(clean)
    assert len(damaged.splitlines()) == len(clean.splitlines())
    assert "undecodable-bytes" in meta["flags"]


@pytest.mark.parametrize("bad", [
    b"\xed\xa0\x80",  # a UTF-16 surrogate written as UTF-8
    b"\xc0\xaf", b"\xe0\x80\xaf",  # overlong forms of '/'
    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",  # above U+10FFFF
])
def test_item10_invalid_utf8_sequences_are_replacement_characters_not_invented_hanzi(bad: bytes) -> None:
    text, info = decode_bytes(with_bytes_at(SAMPLE, MIDDLE, bad))
    assert text == SAMPLE[:MIDDLE] + "\ufffd" * len(bad) + SAMPLE[MIDDLE:]
    assert info["undecodable_bytes"] == len(bad) and "undecodable-bytes" in info["flags"]


def test_item10_a_gbk_line_in_utf8_text_is_still_read_as_gbk() -> None:
    lines = SAMPLE.split("\n")
    data = "\n".join(lines[:3]).encode("gb18030") + b"\n" + with_bytes_at("\n".join(lines[3:]), 50, b"\xff")
    text, info = decode_bytes(data)
    rest = "\n".join(lines[3:])
    assert text == "\n".join(lines[:3]) + "\n" + rest[:50] + "\ufffd" + rest[50:]
    assert {"mixed-encodings", "undecodable-bytes"} <= set(info["flags"]) and info["undecodable_bytes"] == 1


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_item11_utf16_without_a_byte_order_mark_is_read(codec: str) -> None:
    for text in (SAMPLE, PARAGRAPH):  # with ASCII (NUL-rich) and nearly without
        decoded, info = decode_bytes(text.encode(codec))
        assert decoded == text and info["encoding"] == codec


def test_item11_binary_data_with_nul_bytes_is_still_refused() -> None:
    with pytest.raises(DecodeError, match="binary data"):
        decode_bytes(bytes(range(256)) * 8 + bytes(400))


def blank_copy(text: str) -> str:
    """The text's layout with every visible character made Unicode whitespace."""
    blanks = "\u3000\u00a0\u200b"
    return "".join(c if c == "\n" else blanks[i % 3] for i, c in enumerate(text))


@pytest.mark.parametrize("data", [
    blank_copy(SAMPLE).encode("utf-8"), blank_copy(PARAGRAPH).encode("gb18030"),
    codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF8 + "\u3000\n".encode("utf-8"),
    codecs.BOM_UTF16_BE + blank_copy(PARAGRAPH).encode("utf-16-be"),
])
def test_item12_only_unicode_whitespace_or_a_bom_fails_as_empty(data: bytes) -> None:
    with pytest.raises(DecodeError, match="empty file"):
        decode_bytes(data)


def test_item12_a_blank_file_is_a_failed_document_like_ascii_whitespace(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "spaces.txt").write_bytes(b"  \n\t\n")
    (src / "ideographic.txt").write_bytes(blank_copy(PARAGRAPH).encode("utf-8"))
    (src / "bom.txt").write_bytes(codecs.BOM_UTF8)
    summary = runner.clean(src, tmp_path / "out")
    failed = {Path(k).stem: v for k, v in summary.failed.items()}
    assert set(failed) == {"spaces", "ideographic", "bom"}
    assert all("empty file" in why for why in failed.values())
    assert not list((tmp_path / "out").glob("*.md"))


# ------------------------------------------------------------ issue 13: ftfy's own explanation

@pytest.mark.parametrize("mess,fixed,rule", [
    ("&amp;", "&", "ftfy:apply=unescape_html"),
    (" Café".encode().decode("cp1252"), " Café", "ftfy:apply=decode_inconsistent_utf8"),
    ("\ufb01", "fi", "ftfy:apply=fix_latin_ligatures"),
])
def test_each_ftfy_edit_names_ftfys_own_explanation(mess: str, fixed: str, rule: str) -> None:
    line = SIMPLE_LINE[:10] + mess + SIMPLE_LINE[10:]
    _, result = decode(("正文\n" + line + "\n").encode("utf-8"))
    assert result.text == "正文\n" + SIMPLE_LINE[:10] + fixed + SIMPLE_LINE[10:] + "\n"
    assert [e.rule for e in result.edits] == [rule]


def test_every_decode_rule_has_an_id_a_comment_and_a_kind() -> None:
    entries = [e for table in load("decode.toml").values() for e in table]
    assert len({e["id"] for e in entries}) == len(entries)
    assert all(e["comment"] for e in entries)
    assert {e["id"] for e in entries if e["kind"] == "repair"} == {
        "mojibake-utf8-read-as-gbk", "mojibake-gbk-read-as-latin1", "mojibake-gbk-read-as-cp1252"}
    assert {e["kind"] for e in entries} == {"setting", "repair", "normalise"}


# ------------------------------------------------------------ issue 17: the screens

def test_ftfy_inert_characters_are_left_alone_by_every_ftfy_fix() -> None:
    inert = re.compile(f"[{rule('ftfy')['inert_chars']}]")
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF and inert.fullmatch(chr(i))]
    joined = "".join(chars)
    assert unicodedata.is_normalized("NFC", joined) and not any(unicodedata.combining(c) for c in chars)
    touched = set(chardata.CONTROL_CHARS) | set(chardata.LIGATURES) | {ord(c) for c in "&\r\x1b\x85\u2028\u2029"}
    assert not touched & {ord(c) for c in chars} and not chardata.C1_CONTROL_RE.search(joined)
    # the mojibake detector: no string of them matches (its patterns are at most 4 characters
    # long; of these characters they know a few quotes and dashes, ASCII, and the rest as \w or \s)
    known = [c for c in chars if any(c in v for v in MOJIBAKE_CATEGORIES.values()) and not c.isascii()]
    alphabet = known + list("aZz .,?!;:'\"(1-\t") + ["一", "。", "，", "（", "\u3000", "Ⅱ", "①", "○", "∶"]
    for n in (1, 2, 3, 4):
        assert not any(is_bad("".join(s)) for s in itertools.product(alphabet, repeat=n))


def test_lines_of_the_seeds_without_ftfy_candidates_are_unchanged_by_ftfy() -> None:
    lines = [line for path in SEEDS.glob("*.txt") for line in path.read_text(encoding="utf-8").split("\n")]
    inert = [line for line in lines if not ftfy_candidate().search(line)]
    assert len(inert) > len(lines) // 2
    assert all(ftfy.fix_text(line, config=FTFY_CONFIG) == line for line in inert)


def test_a_clean_report_is_not_given_to_ftfy_and_a_mojibake_line_is(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = ftfy.fix_and_explain
    monkeypatch.setattr(ftfy, "fix_and_explain", lambda text, config: calls.append(text) or real(text, config))
    decode(SAMPLE.encode("utf-8"))
    assert calls == []
    line = SIMPLE_LINE[:10] + "&amp;" + SIMPLE_LINE[10:]
    decode((SAMPLE + "\n" + line + "\n").encode("utf-8"))
    assert calls == [line]
