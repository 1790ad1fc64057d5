"""Property tests on the pure stages with arbitrary text (hypothesis).

The stages never raise on text, every change is in the record (reverting it
rebuilds the input exactly), and cleaning a cleaned report changes nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.chain import clean_bytes, text_step
from pipeline.decode import DecodeError, decode
from pipeline.model import revert_all
from pipeline.stages import STAGES

from .conftest import seed_paths

SEED_LINES = [line for path in seed_paths() for line in path.read_text(encoding="utf-8").splitlines() if line][:400]
ALPHABET = ("政府工作报告各位代表一二三四五六七八九十年月日最蕞头部第次会议名词解释奋斗习近平同志为核心的党中央"
            "，。、；：？！“”‘’（）《》——…·,.:;!?()[]^#*>-+ \u00a0\u3000\u200b\ufffd\n0123456789abcdefgGDPii")
# Fixed examples (derandomize) keep CI deterministic; run with more examples locally to explore.
pieces = st.one_of(st.sampled_from(SEED_LINES), st.text(alphabet=ALPHABET, max_size=40))
texts = st.lists(pieces, max_size=12).map(lambda parts: "\n".join(parts))
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("stage", STAGES[STAGES.index("normalise"):])
@PROPERTY
@given(text=texts)
def test_text_stages_never_raise_and_record_every_change(stage: str, text: str) -> None:
    result = text_step(stage, text, {"raw_han_chars": len(text), "han_removed_by_rules": 0})
    assert isinstance(result.text, str)
    assert revert_all(result.text, result.edits) == text


@PROPERTY
@given(data=st.binary(max_size=400))
def test_decode_raises_only_decode_errors_on_arbitrary_bytes(data: bytes) -> None:
    try:
        raw_text, result = decode(data)
    except DecodeError as exc:
        assert str(exc)
        return
    assert revert_all(result.text, result.edits) == raw_text


@PROPERTY
@given(text=texts)
def test_the_whole_chain_records_every_change_and_is_idempotent(text: str) -> None:
    try:
        raw_text, markdown, edits, _ = clean_bytes(text.encode("utf-8"), "x.txt", "0" * 64)
    except DecodeError:
        return
    assert revert_all(markdown, edits) == raw_text
    _, again, _, _ = clean_bytes(markdown.encode("utf-8"), "x.txt", "0" * 64)
    assert again == markdown



def test_spanning_match_is_the_longest_string_across_the_cut_that_the_text_holds() -> None:
    """reassemble.spanning_match (all places of the cut's two characters at once, in numpy) against its
    definition, on drawn texts where the cut's characters occur from never to hundreds of times."""
    import random

    from pipeline import reassemble

    rng = random.Random(7)
    for case in range(400):
        alphabet = "发展改革经济社会。\n"[: rng.randint(3, 10)]
        text = "".join(rng.choice(alphabet) for _ in range(rng.choice((0, 5, 50, 500, 3000))))
        a, b = ("".join(rng.choice(alphabet[:6]) for _ in range(rng.randint(0, 9))) for _ in range(2))
        wanted = max((i + j for i in range(1, min(len(a), 6) + 1) for j in range(1, min(len(b), 6) + 1)
                      if a[-i:] + b[:j] in text), default=0)
        assert reassemble.spanning_match(reassemble.document_stats(text), a, b) == wanted, (case, a, b)
