"""Chinese / Arabic numerals with multipliers and approximation markers (pipeline/numerals.py)."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.numerals import NUMERAL_CHARS, Number, is_vague, parse_number, parse_numeral, parse_tenths

VALUES = [
    ("2701.6万", 27016000),
    ("39.4万", 394000),
    ("1.2亿", 120000000),
    ("7亿4707万", 747070000),
    ("3787.93万", 37879300),
    ("0.5万", 5000),
    ("56.1亿", 5610000000),
    ("十九", 19),
    ("三十九万", 390000),
    ("两千", 2000),
    ("两万", 20000),
    ("一百", 100),
    ("十五", 15),
    ("四", 4),
    ("两", 2),
    ("一千二百三十四万五千", 12345000),
    ("两亿三千万", 230000000),
    ("百亿", 10000000000),
    ("12,345", 12345),
    ("１２", 12),
    ("3千", 3000),
    ("2600", 2600),
    ("4.5", 4.5),
    ("九点八", 9.8),             # a Chinese decimal point
    ("十二点五", 12.5),
    ("一点二亿", 120000000),     # with a multiplier after the fraction
    ("三点零五万", 30500),
]


@pytest.mark.parametrize("text,value", VALUES, ids=[t for t, _ in VALUES])
def test_values(text, value):
    assert parse_number(text) == value


MORE = [
    ("2600余万", 26000000),
    ("1.8万余", 18000),
    ("一百多", 100),
    ("两千余万", 20000000),
    ("三十多万", 300000),
    ("十余", 10),
    ("40多", 40),
]


@pytest.mark.parametrize("text,value", MORE, ids=[t for t, _ in MORE])
def test_inner_more_than_marker(text, value):
    n = parse_numeral(text)
    assert n is not None and n.value == value and n.more_than


def test_exact_numeral_is_not_more_than():
    assert parse_numeral("2701.6万").more_than is False


NOT_NUMBERS = ["", "abc", "万", "亿", ".", "1.2.3", ".5", "5.", "电话", "1-2", "余", "多"]


@pytest.mark.parametrize("text", NOT_NUMBERS, ids=[repr(t) for t in NOT_NUMBERS])
def test_not_numbers(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text,vague", [("数亿", True), ("几十", True), ("上千", True),
                                        ("3亿", False), ("十九", False)])
def test_vague(text, vague):
    assert is_vague(text) is vague


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_crashes_on_any_string(s):
    v = parse_number(s)
    assert v is None or (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=NUMERAL_CHARS + "余多,", max_size=12))
def test_never_crashes_on_numeral_soup(s):
    v = parse_number(s)
    assert v is None or math.isfinite(v)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_arabic_integers_round_trip(n):
    assert parse_number(str(n)) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=99999), st.sampled_from([("万", 10**4), ("亿", 10**8)]))
def test_multiplier(n, mult):
    word, factor = mult
    assert parse_number(f"{n}{word}") == n * factor


# Thousands separators (Taiwan, Hong Kong) alone and inside 亿…万 composites.
THOUSANDS = [
    ("4,200", 4200, False),
    ("2,468,000", 2468000, False),
    ("6,150万", 61500000, False),
    ("3亿4,600万", 346000000, False),
    ("12亿5,073万", 1250730000, False),
    ("9亿1,280万余", 912800000, True),
    ("2,345.5万", 23455000, False),
]


@pytest.mark.parametrize("text,value,more", THOUSANDS, ids=[t for t, _, _ in THOUSANDS])
def test_thousands_separators(text, value, more):
    n = parse_numeral(text)
    assert n is not None and (n.value, n.more_than) == (value, more)


# A comma that is not followed by exactly three digits separates two numbers of a list.
@pytest.mark.parametrize("text", ["7,8", "45,67", "1,2345", "2345,678", "3亿4,60万"])
def test_list_comma_is_not_a_separator(text):
    assert parse_number(text) is None


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_grouped_integers_round_trip(n):
    assert parse_number(f"{n:,}") == n


TENTHS = [("三成", 30, False), ("两成", 20, False), ("五成", 50, False), ("两成半", 25, False),
          ("四成多", 40, True), ("六成余", 60, True), ("3成", 30, False)]


@pytest.mark.parametrize("text,value,more", TENTHS)
def test_tenths_as_percent(text, value, more):
    assert parse_tenths(text) == Number(value, more)


@pytest.mark.parametrize("text", ["成员", "十成", "三成员", "零成", "", "三"])
def test_not_tenths(text):
    assert parse_tenths(text) is None


@pytest.mark.parametrize("text", ["三点二十", "点五", "三点", "五点十五"], ids=["clock-time", "no-whole-part",
                                                                     "no-fraction", "fraction-with-十"])
def test_a_point_that_is_no_decimal_is_no_number(text):
    assert parse_numeral(text) is None
