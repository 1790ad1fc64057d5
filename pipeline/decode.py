"""Stage 1, decode: bytes to text (encoding detection) and mojibake repair.

The decoded text before any repair is the *raw text*: `pipeline diff` and
`pipeline verify` compare against it. Mojibake repairs and ftfy fixes are
recorded as edits on top of it, line by line.
"""

from __future__ import annotations

import codecs
import re
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
FTFY_CONFIG = ftfy.TextFixerConfig(
    fix_character_width=False, uncurl_quotes=False, normalization="NFC", explain=False,
)


LOST_RUN = re.compile("\ufffd+")
# Real Chinese text in a legacy encoding scores above 0.9; random bytes about 0.3.
MIN_PLAUSIBILITY = 0.6


class DecodeError(ValueError):
    """The bytes are not a text document we can read; the message says why."""


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


def plausibility(text: str) -> float:
    """Share of non-ASCII characters that are common Chinese characters or marks."""
    common = common_hanzi()
    counted = [c for c in text if not c.isascii() and c != "\ufffd"]
    if not counted:
        return 0.0
    good = sum(1 for c in counted if c in common or c in COMMON_MARKS)
    return good / len(counted)


def sniff_binary(raw: bytes) -> str | None:
    """Name the kind of binary file, or None when the bytes may be text."""
    if any(raw.startswith(bom) for bom, _ in BOMS):
        return None
    for signature, kind in BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            return kind
    head = raw[:4096]
    if head.count(0) > len(head) // 20 and not _looks_utf16(head):
        return "binary data (NUL bytes)"
    return None


def _looks_utf16(head: bytes) -> bool:
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return max(even, odd) > len(head) // 6 and min(even, odd) < len(head) // 50


def detect_encoding(raw: bytes) -> tuple[str, str]:
    """Return (codec, how it was found). UTF-8 wins whenever it decodes cleanly."""
    for bom, codec in BOMS:
        if raw.startswith(bom):
            return codec, "byte order mark"
    try:
        raw.decode("utf-8")
        return "utf-8", "valid UTF-8"
    except UnicodeDecodeError:
        pass
    if _looks_utf16(raw[:4096]):
        even_zeros = raw[0:4096:2].count(0)
        odd_zeros = raw[1:4096:2].count(0)
        return ("utf-16-be" if even_zeros > odd_zeros else "utf-16-le"), "NUL byte pattern"
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


def decode_bytes(raw: bytes) -> tuple[str, dict[str, Any]]:
    """Bytes to the raw text, with the encoding facts for the record."""
    limit = _settings()["max_megabytes"]
    if len(raw) > limit * 1_000_000:
        raise DecodeError(f"file is {len(raw) / 1e6:.1f} MB, more than any report ({limit} MB limit in decode.toml)")
    if not raw.strip():
        raise DecodeError("empty file")
    kind = sniff_binary(raw)
    if kind:
        raise DecodeError(f"not a text document: {kind}")
    codec, how = detect_encoding(raw)
    info: dict[str, Any] = {"encoding": codec.replace("-sig", "").replace("big5hkscs", "big5"),
                            "encoding_detected_by": how}
    if codec.startswith(("utf-8", "utf-16", "utf-32")) or _decodes(raw, codec):
        text = raw.decode(codec, errors="replace")
        replaced = 0
    else:
        text, replaced, utf8_lines = _decode_lines(raw, codec)
        if utf8_lines:
            info["utf8_lines"] = utf8_lines
            add_flag(info, "mixed-encodings")
    if not codec.startswith("utf") and plausibility(text) < MIN_PLAUSIBILITY:
        raise DecodeError(f"bytes do not decode as readable text in any supported encoding (best: {codec})")
    if replaced:
        info["undecodable_bytes"] = replaced
        add_flag(info, "undecodable-bytes")
        if replaced > max(20, len(text) // 50):
            raise DecodeError(f"bytes do not decode as any supported encoding ({replaced} bad sequences as {codec})")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, info


def _decode_lines(raw: bytes, codec: str) -> tuple[str, int, int]:
    """Decode line by line: a line that is valid UTF-8 with non-ASCII text is UTF-8
    (two encodings pasted into one file), any other line uses the file's codec."""
    lines, replaced, utf8_lines = [], 0, 0
    for chunk in raw.split(b"\n"):
        if not chunk.isascii():
            try:
                lines.append(chunk.decode("utf-8"))
                utf8_lines += 1
                continue
            except UnicodeDecodeError:
                pass
        line = chunk.decode(codec, errors="replace")
        replaced += len(LOST_RUN.findall(line)) - len(LOST_RUN.findall(chunk.decode(codec, errors="ignore")))
        lines.append(line)
    return "\n".join(lines), replaced, utf8_lines


@cache
def _settings() -> dict[str, Any]:
    from .rules import load

    return load("decode.toml")["limits"]


def _reencode_candidates(line: str) -> list[tuple[str, str, int]]:
    """Possible readings of a mojibake line: (repaired text, rule id, bytes lost)."""
    out = []
    for src, dst, rule in (("gb18030", "utf-8", "mojibake-utf8-read-as-gbk"),
                           ("latin-1", "gb18030", "mojibake-gbk-read-as-latin1"),
                           ("cp1252", "gb18030", "mojibake-gbk-read-as-cp1252")):
        try:  # a U+FFFD in the mojibake stands for bytes lost before us: keep it lost
            data = b"\xff".join(part.encode(src) for part in line.split("\ufffd"))
        except UnicodeEncodeError:
            continue
        fixed = data.decode(dst, errors="replace")
        out.append((fixed, rule, len(LOST_RUN.findall(fixed))))
    return out


def repair_mojibake_line(line: str) -> tuple[str, str, int] | None:
    """The repaired line, its rule and lost bytes, when clearly more plausible Chinese."""
    if sum(1 for c in line if not c.isascii()) < 4:
        return None
    before = plausibility(line)
    if before > 0.75:
        return None
    best = None
    for fixed, rule, lost in _reencode_candidates(line):
        # bytes lost before us leave U+FFFD runs; a line that is clearly mojibake may
        # have many, a borderline one few (the lost characters are flagged, not guessed)
        allowed = max(1, len(fixed) // 20) if before > 0.5 else max(2, len(fixed) // 4)
        if lost > allowed:
            continue
        score = plausibility(fixed)
        if score >= 0.85 and score - before >= 0.3 and (best is None or score > best[0]):
            best = (score, fixed, rule, lost)
    return best[1:] if best else None


def decode(raw: bytes | str) -> tuple[str, StageResult]:
    """Decode bytes; return (raw text, result with mojibake and ftfy repairs recorded).

    Text that extract already decoded (HTML, DOCX, PDF) gets the repairs only."""
    raw_text, info = (raw, {}) if isinstance(raw, str) else decode_bytes(raw)
    rec = Recorder(raw_text, STAGE)
    meta: dict[str, Any] = dict(info)
    spans, offset, lost_total = [], 0, 0
    for line in raw_text.split("\n"):
        fixed = repair_mojibake_line(line)
        if fixed:
            spans.append((offset, offset + len(line), fixed[0], fixed[1]))
            lost_total += fixed[2]
        offset += len(line) + 1
    if rec.replace_spans(spans):
        meta["mojibake_repaired_lines"] = len(spans)
    if lost_total:
        add_flag(meta, "mojibake-bytes-lost")
    spans, offset = [], 0
    for line in rec.text.split("\n"):
        fixed_line = ftfy.fix_text(line, config=FTFY_CONFIG)
        if fixed_line != line and plausibility(fixed_line) >= plausibility(line):
            spans.append((offset, offset + len(line), fixed_line, "ftfy"))
        offset += len(line) + 1
    rec.replace_spans(spans)
    return raw_text, rec.result(meta)
