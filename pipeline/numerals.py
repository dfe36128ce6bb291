"""Chinese and Arabic numerals as numbers, with the qualifier words that come with them.

Police reports write figures as Arabic digits with Chinese multipliers (``2701.6万``, ``1.2亿``,
``7亿4707万``), as Chinese numerals (``十九``, ``三十九万``, ``两万``), or mixed with an
approximation marker inside (``2600余万``, ``1.8万余``, ``一百多``). The conversion itself is done
by ``cn2an`` (smart mode); this module strips the approximation markers, turns them into a
qualifier, and never raises.

>>> parse_number("2701.6万")
27016000
>>> parse_number("三十九万")
390000
>>> parse_number("两千余万")
20000000
>>> parse_number("not a number") is None
True
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import cn2an

# Characters that can make up a numeral (Arabic or Chinese, with multipliers).
NUMERAL_CHARS = "0123456789.０１２３４５６７８９零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟廿"

# Approximation markers that may sit inside a numeral: 2600余万, 1.8万余, 三十多万.
_INNER_MORE = re.compile(r"[余多]")

# Digit groups written with thousands separators: 1,234,567, 1亿2,350万 (Taiwan, Hong Kong). A
# group is 1-3 digits then groups of exactly 3 digits; 3,5 or 12,34 (a list) is not one.
_THOUSANDS = re.compile(r"""
    (?<![\d,.])            # the group starts the numeral or follows a multiplier (1亿2,350万)
    \d{1,3}(?:,\d{3})+     # 1,234,567
    (?![\d,])              # and is not followed by more digits (1,2345 is no group)
""", re.VERBOSE)

# A decimal point in a Chinese numeral (百分之九点八, 一点二亿): cn2an reads 九点八 but not a
# multiplier after the fraction. The fraction is plain digits only, so a clock time such as
# 三点二十 (twenty past three) is no number.
_CN_DECIMAL = re.compile(r"""
    (?P<int>[零〇一二两三四五六七八九十百千]+)   # the whole part: 九, 十二, 一百零三
    点(?P<frac>[零〇一二三四五六七八九]+)         # the fraction, digit by digit: 八, 零五
    (?P<mult>[万亿]?)                            # then a multiplier: 一点二亿
""", re.VERBOSE)
_CN_DIGITS = str.maketrans("零〇一二三四五六七八九", "00123456789")

# A leading bare multiplier (百亿, 十余, 千万) means one of it.
_BARE_MULT = re.compile(r"^[十百千]")

_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")

# The common case, read without cn2an: Arabic digits with at most one multiplier (2701.6万).
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)([万亿]?)")
_MULT = {"": 1, "万": 10**4, "亿": 10**8}

# The same with an approximation marker before or after the multiplier, ASCII digits only (no
# full-width digits, separators or spaces to clean up first): 10余, 2600余万, 1.8万余, 14.3万.
_ARABIC_PLAIN = re.compile(r"([0-9]+(?:\.[0-9]+)?)([余多]?)([万亿]?)([余多]?)")


@dataclass(frozen=True)
class Number:
    value: float
    more_than: bool      # the numeral itself said 余/多 (2600余万, 一百多)


@lru_cache(maxsize=4096)
def parse_numeral(text: str) -> Number | None:
    """Parse a numeral that may contain 余/多; None if it is not a plain number.

    >>> parse_numeral("2600余万")
    Number(value=26000000, more_than=True)
    >>> parse_numeral("1.8万余")
    Number(value=18000, more_than=True)
    >>> parse_numeral("一百多")
    Number(value=100, more_than=True)
    >>> parse_numeral("7亿4707万")
    Number(value=747070000, more_than=False)
    >>> parse_numeral("一点二亿"), parse_numeral("三点二十")
    (Number(value=120000000, more_than=False), None)
    >>> parse_numeral("") is None
    True
    """
    try:
        return _parse(text)
    except Exception:  # cn2an raises assorted errors on odd input; a non-number is None
        return None


def _parse(text: str) -> Number | None:
    if not isinstance(text, str):
        return None
    if len(text) <= 15 and text.isascii() and text.isdigit():
        return Number(int(text), False)  # plain digits (120), exact as a float: the common case
    plain = _ARABIC_PLAIN.fullmatch(text)
    if plain:  # the next most common (14.3万, 10余, 2600余万): read as below, in one step
        digits, more1, mult, more2 = plain.groups()
        return _number(float(Decimal(digits) * _MULT[mult]), bool(more1 or more2))
    s = text.strip().translate(_FULLWIDTH)
    s = _THOUSANDS.sub(lambda g: g.group().replace(",", ""), s)
    more = bool(_INNER_MORE.search(s))
    s = _INNER_MORE.sub("", s)
    if "点" in s:
        dec = _CN_DECIMAL.fullmatch(s)
        if dec is None:
            return None
        whole = _parse(dec.group("int"))
        if whole is None:
            return None
        frac = Decimal("0." + dec.group("frac").translate(_CN_DIGITS))
        return _number(float((Decimal(whole.value) + frac) * _MULT[dec.group("mult")]), more)
    if not s or any(c not in NUMERAL_CHARS for c in s):
        return None
    if s.startswith(".") or s.endswith(".") or s.count(".") > 1:
        return None
    fast = _ARABIC.fullmatch(s)
    if fast:
        value = float(Decimal(fast.group(1)) * _MULT[fast.group(2)])
    else:
        if _BARE_MULT.match(s):
            s = "一" + s
        value = float(cn2an.cn2an(s, "smart"))
    return _number(value, more)


def _number(value: float, more: bool) -> Number | None:
    if not math.isfinite(value) or value < 0:
        return None
    value = round(value, 6)
    if value == int(value):
        value = int(value)
    return Number(value, more)


# A fraction in tenths: 三成 (30%), 两成半 (25%), 三成多 (more than 30%).
_TENTHS = re.compile(r"(?P<n>[一二两三四五六七八九\d])成(?P<half>半)?(?P<more>[多余])?")


def parse_tenths(text: str) -> Number | None:
    """A fraction written in tenths (成) as a percentage; None if ``text`` is not one.

    >>> parse_tenths("三成")
    Number(value=30, more_than=False)
    >>> parse_tenths("两成半")
    Number(value=25, more_than=False)
    >>> parse_tenths("四成多")
    Number(value=40, more_than=True)
    >>> parse_tenths("成员") is None
    True
    """
    m = _TENTHS.fullmatch(text.strip().translate(_FULLWIDTH)) if isinstance(text, str) else None
    if m is None:
        return None
    digit = parse_numeral(m.group("n"))
    if digit is None or not 0 < digit.value < 10:
        return None
    return Number(int(digit.value * 10 + (5 if m.group("half") else 0)), bool(m.group("more")))


def parse_number(text: str) -> float | None:
    """The value of a numeral, ignoring any 余/多 marker; None if it is not a number.

    >>> parse_number("39.4万")
    394000
    >>> parse_number("十九")
    19
    >>> parse_number("1.2亿")
    120000000
    >>> parse_number("两")
    2
    >>> parse_number("3787.93万")
    37879300
    >>> parse_number("12,345")
    12345
    """
    n = parse_numeral(text)
    return None if n is None else n.value


def is_vague(text: str) -> bool:
    """True for numerals that do not state a figure: 数亿, 几十, 上千, 数十万.

    >>> is_vague("数亿")
    True
    >>> is_vague("3亿")
    False
    """
    return bool(re.match(r"^(?:数|几|上|成)[十百千万亿]", text or ""))
