"""Property tests with arbitrary Unicode: normalise, numeral parsing, extraction and the whole
``process_document`` never raise, give finite values, and keep evidence a verbatim slice of the
original text at its offsets; normalise is idempotent.

Texts mix random Unicode with the pieces police reports are made of (verbs, counters, numerals,
traditional characters, full-width digits, romanisation, invisible characters, line breaks), so
that the extraction rules really fire on fuzzed input.
"""
from __future__ import annotations

import math

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.build import process_document
from pipeline.extract import extract_facts
from pipeline.model import RawDoc
from pipeline.normalise import normalise, strip_romanisation
from pipeline.numerals import NUMERAL_CHARS, parse_number, parse_numeral
from pipeline.sentences import split_sentences
from pipeline.validate import bounds

PIECES = ["破获", "侦破", "抓获", "犯罪嫌疑人", "案件", "起", "人", "名", "冻结", "止付", "资金",
          "涉案", "万", "亿", "元", "万元", "港元", "新台币", "余", "多", "约", "逾", "以上", "共",
          "今年以来", "累计", "1-6月", "同比下降", "%", "％", "張", "銀行卡", "電話卡", "凍結",
          "詐騙", "萬", "億", "１２３", "3.5", "12,345", "2701.6", "三十九", "两千", "〇", "零",
          "(dian)", "（xin）", "\u200b", "\ufeff", "\u00ad", "\r\n", "\n", "\r", "。", "，", "；",
          "：", "“", "”", "《", "》", "<script>", "</p>", "&amp;", "$", "\\", "\u3000", " ",
          "公安局", "派出所", "断卡", "行动", "记者", "首页", "责任编辑", "分享到", "99999999999999"]

# single characters of every kind (including surrogates' neighbours, controls and astral planes)
ANY_CHAR = st.characters(blacklist_categories=("Cs",))
NOISE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(ANY_CHAR, max_size=4),
                           st.integers(0, 10**9).map(str)), max_size=6).map("".join)
# a clause as reports write it (verb, object, numeral, counter), wrapped in noise: the
# extraction rules fire on these, so the invariants below are checked on real facts
CLAUSE = st.tuples(
    NOISE, st.sampled_from(["", "今年以来，", "共", "累计", "1至6月，", "警方", "該局"]),
    st.sampled_from(["破获", "抓获", "冻结", "紧急止付", "侦破", "查获", "劝阻", "凍結", "打掉"]),
    st.sampled_from(["电信网络诈骗案件", "犯罪嫌疑人", "涉案资金", "银行卡", "群众", "诈骗团伙", ""]),
    st.one_of(st.integers(0, 10**15).map(str), st.sampled_from(
        ["2701.6万", "三十九", "两千余", "1.2亿", "99999999999999亿", "１２", "7亿4707万", "十余"])),
    st.sampled_from(["起", "人", "名", "万元", "亿元", "元", "张", "人次", "个", "港元", "%", ""]),
    NOISE, st.sampled_from(["。", "，", "；", "\n", "", "！"])).map("".join)
TEXTS = st.lists(st.one_of(CLAUSE, NOISE), max_size=12).map("".join)
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(st.one_of(TEXTS, st.text(ANY_CHAR, max_size=200)))
def test_normalise_never_raises_maps_back_and_is_idempotent(text):
    n = normalise(text)
    assert len(n.offsets) == len(n.text) + 1
    assert all(0 <= o <= len(text) for o in n.offsets)
    assert all(a <= b for a, b in zip(n.offsets, n.offsets[1:]))
    for i in range(len(n.text)):
        a, b = n.to_orig(i, i + 1)
        assert 0 <= a < b <= len(text)
    again = normalise(n.text)
    assert again.text == n.text


NUMERALS = st.text(st.sampled_from(NUMERAL_CHARS + "余多,.．"), max_size=30)


@FUZZ
@given(st.one_of(NUMERALS, st.text(ANY_CHAR, max_size=40), st.text("0123456789", min_size=1, max_size=6000)))
def test_numeral_parsing_is_finite_or_none(s):
    n = parse_numeral(s)
    v = parse_number(s)
    if n is None:
        assert v is None
    else:
        assert isinstance(n.value, (int, float)) and math.isfinite(n.value) and n.value >= 0
        assert v == n.value


def test_huge_numerals_are_none_not_errors():
    assert parse_numeral("9" * 5000) is None
    assert parse_numeral("9" * 5000 + "亿") is None
    assert parse_number("99999999999999亿") == pytest.approx(9.9999999999999e21)


@FUZZ
@given(TEXTS)
def test_extraction_spans_lie_in_the_text(text):
    norm = normalise(text)
    sents = split_sentences(norm)
    for s in sents:
        assert norm.text[s.start:s.end] == s.text
    for f in extract_facts(norm, sents):
        assert math.isfinite(f.value)
        assert 0 <= f.sent_start <= f.start <= f.end <= f.sent_end <= len(norm.text)
        assert norm.text[f.start:f.end] == f.figure


def _subsequence(shown: str, original: str) -> bool:
    """``shown`` is ``original`` with characters left out (never added or changed)."""
    it = iter(original)
    return all(c in it for c in shown)


@FUZZ
@given(TEXTS)
def test_process_document_evidence_is_verbatim_at_its_offsets(text):
    art, facts = process_document(RawDoc(source="fuzz.txt", status="ok", text=text, fmt="txt"))
    assert art["n_facts"] == len(facts)
    b = bounds()
    for f in facts:
        assert math.isfinite(f["value"])
        lo, hi = b[f["metric"]]
        assert lo <= f["value"] <= hi
        # the original at its offsets; the shown string leaves out romanisation such as 電(dian)
        # and invisible characters, and adds nothing
        ev = text[f["evidence_start"]:f["evidence_end"]]
        fig = text[f["figure_start"]:f["figure_end"]]
        assert ev == ev.strip() and f["evidence"] == strip_romanisation(ev)
        assert f["figure_text"] == strip_romanisation(fig)
        assert _subsequence(f["evidence"], ev) and _subsequence(f["figure_text"], fig)
        assert f["figure_text"] and f["evidence"]
        assert f["evidence_start"] <= f["figure_start"] <= f["figure_end"] <= f["evidence_end"]
    for r in art.get("dropped_facts") or []:
        assert r.split(":")[0] in ("implausible_value", "non_finite_value")
