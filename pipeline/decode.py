"""Stage 1, decode: bytes to text (encoding detection) and mojibake repair.

The decoded text before any repair is the *raw text*: `pipeline diff` and
`pipeline verify` compare against it. Mojibake repairs and ftfy fixes are
recorded as edits on top of it, line by line. Thresholds and rules live in
rules/decode.toml.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

import chardet
import ftfy

from .model import Recorder, StageResult, add_flag

STAGE = "decode"
RULE_FILES = ("decode.toml",)

BINARY_SIGNATURES = {
    b"%PDF": "a PDF file",
    b"PK\x03\x04": "a ZIP archive (or DOCX/XLSX)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an OLE document (DOC/XLS)",
    b"\x1f\x8b": "a gzip archive",
}
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# chardet's labels mapped to the codec we decode with: GB2312/GBK are read as
# their superset GB18030, Big5 as Big5-HKSCS (a superset of Big5).
CODEC_FOR_LABEL = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "hz-gb-2312": "gb18030",
    "big5": "big5hkscs", "cp950": "big5hkscs", "big5hkscs": "big5hkscs",
    "utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be",
    "utf-32": "utf-32", "utf-8": "utf-8", "ascii": "utf-8",
}
FALLBACK_CODECS = ("gb18030", "big5hkscs")
UTF16_WITHOUT_BOM = ("utf-16-le", "utf-16-be")
FTFY_CONFIG = ftfy.TextFixerConfig(
    fix_character_width=False, uncurl_quotes=False, normalization="NFC", explain=True,
)

LOST_RUN = re.compile("\ufffd+")
# what errors="surrogateescape" makes of each byte that is not UTF-8
STRAY_BYTE = re.compile("[\udc80-\udcff]")
NON_ASCII_BYTES = bytes(range(0x80, 0x100))
ASCII_TEXT = frozenset("".join(map(chr, range(0x20, 0x7F))) + "\t\n\r")


class DecodeError(ValueError):
    """The bytes are not a text document we can read; the message says why."""


@cache
def _rules() -> dict[str, Any]:
    from .rules import load

    return load("decode.toml")


@cache
def rule(rule_id: str) -> dict[str, Any]:
    """The entry of rules/decode.toml with this id (any table)."""
    for entries in _rules().values():
        for entry in entries:
            if entry["id"] == rule_id:
                return entry
    raise KeyError(f"decode.toml has no rule {rule_id!r}")


@cache
def ftfy_candidate() -> re.Pattern[str]:
    """A character ftfy might change: anything outside the ftfy rule's inert class."""
    return re.compile(f"[^{rule('ftfy')['inert_chars']}]")


@cache
def common_hanzi() -> frozenset[str]:
    """GB2312 level 1 (the 3,755 most common characters, read from the codec itself)
    and their traditional forms (via OpenCC), so Big5 text counts as plausible too."""
    import opencc

    chars = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    simplified = "".join(sorted(chars))
    return frozenset(chars | set(opencc.OpenCC("s2t.json").convert(simplified)))


COMMON_MARKS = frozenset("，。、；：？！“”‘’（）《》——…·%．0123456789 \n\t")


@cache
def common_chars() -> frozenset[str]:
    """What plausible Chinese text is made of: common hanzi and marks."""
    return common_hanzi() | COMMON_MARKS


@cache
def uncommon_char() -> re.Pattern[str]:
    """A character plausibility counts against the text: non-ASCII, not U+FFFD, not common."""
    return re.compile("[^\\x00-\\x7f\ufffd" + "".join(map(re.escape, sorted(common_chars()))) + "]")


def non_ascii_count(text: str) -> int:
    """Non-ASCII characters of the text, counted in C (this runs on every line)."""
    return len(text) - len(text.encode("ascii", errors="ignore"))


def plausibility(text: str) -> float:
    """Share of non-ASCII characters (but U+FFFD) that are common Chinese characters or marks."""
    counted = non_ascii_count(text) - text.count("\ufffd")
    if not counted:
        return 0.0
    return (counted - len(uncommon_char().findall(text))) / counted


def is_blank(text: str) -> bool:
    """Nothing but whitespace (any Unicode space) and invisible format characters (ZWSP, BOM)."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def sniff_binary(raw: bytes) -> str | None:
    """Name the kind of binary file, or None when the bytes may be text."""
    if any(raw.startswith(bom) for bom, _ in BOMS):
        return None
    for signature, kind in BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            return kind
    nul = rule("read-binary-nul")
    head = raw[:nul["sniff_bytes"]]
    if head.count(0) > len(head) // nul["nul_one_in"] and not utf16_without_bom(raw):
        return "binary data (NUL bytes)"
    return None


def readable_share(text: str) -> float:
    """Share of characters that are ASCII text or common Chinese characters and marks."""
    common = common_chars()
    return sum(n for c, n in Counter(text).items() if c in common or c in ASCII_TEXT) / max(1, len(text))


def utf16_without_bom(raw: bytes) -> str | None:
    """The UTF-16 byte order that reads the bytes as text, when they have NUL bytes.

    Only UTF-16 (and UTF-32) put NUL bytes in text: the high byte of every ASCII
    character. CJK characters have no NUL, so their share says nothing; which byte
    order reads as text decides."""
    head = raw[:rule("read-binary-nul")["sniff_bytes"] // 2 * 2]
    if 0 not in head:
        return None
    share = {codec: readable_share(head.decode(codec, errors="replace")) for codec in UTF16_WITHOUT_BOM}
    best = max(UTF16_WITHOUT_BOM, key=share.__getitem__)
    return best if share[best] >= rule("read-utf16-without-bom")["min_readable_share"] else None


def utf8_line(chunk: bytes) -> tuple[str, int] | None:
    """(text, bad bytes) of a line that is UTF-8 but for a few bytes, each made U+FFFD;
    None when too many of its bytes are not UTF-8 (another encoding)."""
    text = chunk.decode("utf-8", errors="surrogateescape")
    bad = len(STRAY_BYTE.findall(text))
    if not bad:
        return text, 0
    non_ascii = len(chunk) - len(chunk.translate(None, NON_ASCII_BYTES))
    if bad > rule("read-utf8-stray-bytes")["max_bad_share"] * non_ascii:
        return None
    return STRAY_BYTE.sub("\ufffd", text), bad


def non_utf8_lines(raw: bytes) -> Iterator[bytes]:
    """The lines of the bytes that are not valid UTF-8."""
    for chunk in raw.split(b"\n"):
        if not chunk.isascii():
            try:
                chunk.decode("utf-8")
            except UnicodeDecodeError:
                yield chunk


def detect_encoding(raw: bytes) -> tuple[str, str]:
    """Return (codec, how it was found). UTF-8 wins whenever it decodes cleanly,
    or all but a few bytes of every line do."""
    for bom, codec in BOMS:
        if raw.startswith(bom):
            return codec, "byte order mark"
    utf16 = utf16_without_bom(raw)
    if utf16:
        return utf16, "NUL byte pattern"
    try:
        raw.decode("utf-8")
        return "utf-8", "valid UTF-8"
    except UnicodeDecodeError:
        pass
    if all(utf8_line(chunk) for chunk in non_utf8_lines(raw)):
        return "utf-8", "UTF-8 but for a few bytes"
    guess = chardet.detect(raw)
    label = (guess.get("encoding") or "").lower()
    guessed = CODEC_FOR_LABEL.get(label)
    if guessed and _decodes(raw, guessed):
        return guessed, f"chardet {guess.get('encoding')} ({guess.get('confidence', 0):.2f})"
    for codec in FALLBACK_CODECS:
        if _decodes(raw, codec):
            return codec, f"strict {codec} decode (chardet said {guess.get('encoding')})"
    return guessed or FALLBACK_CODECS[0], f"line by line (chardet said {guess.get('encoding')})"


def _decodes(raw: bytes, codec: str) -> bool:
    try:
        raw.decode(codec)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def max_source_bytes() -> int:
    """The size limit of one source (rule `read-size-limit`); the listing checks it before reading."""
    return int(rule("read-size-limit")["max_megabytes"] * 1_000_000)


def decode_bytes(raw: bytes) -> tuple[str, dict[str, Any]]:
    """Bytes to the raw text, with the encoding facts for the record."""
    if len(raw) > max_source_bytes():
        raise DecodeError(f"file is {len(raw) / 1e6:.1f} MB, more than any report "
                          f"({max_source_bytes() / 1e6:g} MB limit in decode.toml)")
    if not raw.strip():
        raise DecodeError("empty file")
    kind = sniff_binary(raw)
    if kind:
        raise DecodeError(f"not a text document: {kind}")
    codec, how = detect_encoding(raw)
    info: dict[str, Any] = {"encoding": codec.replace("-sig", "").replace("big5hkscs", "big5"),
                            "encoding_detected_by": how}
    replaced = 0
    if codec.startswith(("utf-8-sig", "utf-16", "utf-32")) or _decodes(raw, codec):
        text = raw.decode(codec, errors="replace")
    else:  # two encodings pasted into one file, or UTF-8 but for a few bytes
        text, replaced, utf8_lines = _decode_lines(raw, codec)
        if utf8_lines and codec != "utf-8":
            info["utf8_lines"] = utf8_lines
            add_flag(info, "mixed-encodings")
    if is_blank(text):
        raise DecodeError("empty file")
    if not codec.startswith("utf") and plausibility(text) < rule("read-legacy-plausible")["min_plausibility"]:
        raise DecodeError(f"bytes do not decode as readable text in any supported encoding (best: {codec})")
    if replaced:
        info["undecodable_bytes"] = replaced
        add_flag(info, "undecodable-bytes")
        limit = rule("read-undecodable-limit")
        if replaced > max(limit["min_bad_sequences"], len(text) // limit["bad_one_in"]):
            raise DecodeError(f"bytes do not decode as any supported encoding ({replaced} bad sequences as {codec})")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, info


def _decode_lines(raw: bytes, codec: str) -> tuple[str, int, int]:
    """Decode line by line: a line that is UTF-8 (but for a few stray bytes) with
    non-ASCII text is UTF-8 (two encodings pasted into one file), any other line
    uses the file's codec. Returns (text, bytes replaced, UTF-8 lines)."""
    lines, replaced, utf8_lines = [], 0, 0
    for chunk in raw.split(b"\n"):
        if not chunk.isascii():
            utf8 = utf8_line(chunk)
            if utf8:
                lines.append(utf8[0])
                replaced += utf8[1]
                utf8_lines += 1
                continue
        line = chunk.decode(codec, errors="replace")
        replaced += len(LOST_RUN.findall(line)) - len(LOST_RUN.findall(chunk.decode(codec, errors="ignore")))
        lines.append(line)
    return "\n".join(lines), replaced, utf8_lines


def _reencode_candidates(line: str) -> list[tuple[str, str, int]]:
    """Possible readings of a mojibake line: (repaired text, rule id, bytes lost)."""
    out = []
    for reading in _rules()["mojibake"]:
        try:  # a U+FFFD in the mojibake stands for bytes lost before us: keep it lost
            data = b"\xff".join(part.encode(reading["shown_as"]) for part in line.split("\ufffd"))
        except UnicodeEncodeError:
            continue
        fixed = data.decode(reading["written_in"], errors="replace")
        out.append((fixed, reading["id"], len(LOST_RUN.findall(fixed))))
    return out


def repair_mojibake_line(line: str) -> tuple[str, str, int] | None:
    """The repaired line, its rule and lost bytes, when clearly more plausible Chinese."""
    evidence = rule("mojibake-evidence")
    if non_ascii_count(line) < evidence["min_non_ascii"]:
        return None
    before = plausibility(line)
    if before > evidence["max_plausibility"]:
        return None
    if before > evidence["clear_below"]:
        least, one_in = evidence["borderline_lost_min"], evidence["borderline_lost_one_in"]
    else:
        least, one_in = evidence["clear_lost_min"], evidence["clear_lost_one_in"]
    best = None
    for fixed, rule_id, lost in _reencode_candidates(line):
        if lost > max(least, len(fixed) // one_in):
            continue
        score = plausibility(fixed)
        if (score >= evidence["min_repaired"] and score - before >= evidence["min_gain"]
                and (best is None or score > best[0])):
            best = (score, fixed, rule_id, lost)
    return best[1:] if best else None


def lines_with_offsets(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) for every line of the text."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def fix_with_ftfy(line: str) -> tuple[str, str]:
    """ftfy.fix_text on one line, and the rule naming ftfy's own explanation of its steps.

    Like fix_text, a line longer than ftfy's max_decode_length is fixed in segments."""
    config, size, out, steps = FTFY_CONFIG, FTFY_CONFIG.max_decode_length, [], []
    for start in range(0, len(line), size):
        segment = line[start:start + size]
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        fixed = ftfy.fix_and_explain(segment, config)
        out.append(fixed.text)
        steps += fixed.explanation or []
    return "".join(out), "ftfy:" + ",".join(f"{step.action}={step.parameter}" for step in steps)


def mojibake_spans(text: str) -> tuple[list[tuple[int, int, str, str]], int]:
    """Repairs of the lines that are mojibake, and the bytes they had lost.

    Screen: a line without a character that plausibility counts against it is
    never mojibake, so a text without one is not read line by line at all."""
    uncommon = uncommon_char()
    spans: list[tuple[int, int, str, str]] = []
    lost = 0
    if not uncommon.search(text):
        return spans, lost
    for offset, line in lines_with_offsets(text):
        fixed = repair_mojibake_line(line) if uncommon.search(line) else None
        if fixed:
            spans.append((offset, offset + len(line), fixed[0], fixed[1]))
            lost += fixed[2]
    return spans, lost


def ftfy_spans(text: str) -> list[tuple[int, int, str, str]]:
    """ftfy's fixes of the lines it changes and that stay at least as plausible.

    Screen: a line made only of ftfy-inert characters (decode.toml) is not given to ftfy."""
    candidate = ftfy_candidate()
    spans: list[tuple[int, int, str, str]] = []
    if not candidate.search(text):
        return spans
    for offset, line in lines_with_offsets(text):
        if not candidate.search(line):
            continue
        fixed, rule_id = fix_with_ftfy(line)
        if fixed != line and plausibility(fixed) >= plausibility(line):
            spans.append((offset, offset + len(line), fixed, rule_id))
    return spans


def decode(raw: bytes | str) -> tuple[str, StageResult]:
    """Decode bytes; return (raw text, result with mojibake and ftfy repairs recorded).

    Text that extract already decoded (HTML, DOCX, PDF) gets the repairs only."""
    raw_text, info = (raw, {}) if isinstance(raw, str) else decode_bytes(raw)
    rec = Recorder(raw_text, STAGE)
    meta: dict[str, Any] = dict(info)
    spans, lost = mojibake_spans(raw_text)
    if rec.replace_spans(spans):
        meta["mojibake_repaired_lines"] = len(spans)
    if lost:
        add_flag(meta, "mojibake-bytes-lost")
    rec.replace_spans(ftfy_spans(rec.text))
    return raw_text, rec.result(meta)
