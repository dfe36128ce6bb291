"""Normalise: original article text -> clean simplified text, with a map back to the original.

Steps, in order, each keeping the offset map (``NormText.offsets``):

1. drop invisible characters (zero-width spaces, BOM, soft hyphen), unify line breaks;
2. drop inline romanisation after Chinese characters: ``面(mian)對`` -> ``面對``,
   ``電(dian)(dian)信`` -> ``電信``, ``網(wǎng)`` -> ``網``;
3. traditional -> simplified with OpenCC (Hong Kong / Taiwan variants where the text is from there);
4. full-width ASCII forms (digits, letters, ，：；（）％ …) and the ideographic space -> half-width;
5. drop site boilerplate (navigation, related-link lists, comment forms, watermark tokens ...)
   found by ``pipeline.boilerplate.boilerplate_spans``;
6. undo the line breaks of a hard-wrapped text (a report copied from a PDF: ``hard_wraps``).

``normalise`` is idempotent: normalising normalised text changes nothing.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import opencc

from .boilerplate import boilerplate_spans
from .model import NormText

# Characters that carry nothing: zero-width space/joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ"
# Romanisation in brackets right after a CJK character, possibly repeated: 電(dian)(dian)信.
# Lower-case Latin letters (tone marks allowed), at most 7 of them: pinyin syllables, not
# acronyms such as (APP) or words in brackets such as (记者 张三).
# The bracket comes first in the pattern (the regex engine then skips to brackets), the CJK
# ideograph before it is a look-behind.
_ROMANISATION = re.compile(rf"""
    [(（]                                  # half- or full-width opening bracket
    (?<=[\u3400-\u9fff\uf900-\ufaff][(（])  # ... right after a CJK ideograph
    [a-z{_TONED}]{{1,7}}[1-5]?             # one syllable, optional tone digit
    [)）]
    (?:[(（][a-z{_TONED}]{{1,7}}[1-5]?[)）])*  # more of them: 電(dian)(dian)信
""", re.VERBOSE)

# Hints that a traditional-script text comes from Hong Kong or Taiwan (OpenCC variant tables).
_HK_HINTS = re.compile(r"香港|港島|九龍|新界|警務處|澳門|司警|治安警察局")
_TW_HINTS = re.compile(r"臺灣|台灣|臺北|台北|警政署|新北|高雄|臺中|台中|刑事警察局")

# Full-width ASCII block U+FF01..U+FF5E -> U+0021..U+007E; ideographic space -> space.
_HALF_WIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_HALF_WIDTH["\u3000"] = " "
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


@lru_cache(maxsize=8)
def half_width(text: str) -> str:
    """``text`` with full-width ASCII forms and the ideographic space made half-width.

    The full-width characters are found by one regex and each distinct one is replaced over
    the whole text by ``str.replace`` (a text has a handful: ，：（）and digits): ``str.translate``
    costs a dictionary look-up per character (5x slower), a callback per run of them (one per
    ，) 2.5x. Cached: ``normalise`` and ``meta`` mostly convert the same text.

    >>> half_width("冻结资金２７０１．６万元，抓获３人")
    '冻结资金2701.6万元,抓获3人'
    """
    for c in set(_FULL_WIDTH.findall(text)):
        text = text.replace(c, _HALF_WIDTH[c])
    return text


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@lru_cache(maxsize=8)
def t2s(text: str) -> str:
    """OpenCC ``t2s`` of ``text``, cached: ``normalise`` and ``meta`` convert the same text."""
    return _converter("t2s").convert(text)


def _opencc_config(text: str) -> str:
    if _HK_HINTS.search(text):
        return "hk2s"
    if _TW_HINTS.search(text):
        return "tw2s"
    return "t2s"


def _delete(text: str, offsets: Sequence[int],
            spans: list[tuple[int, int]]) -> tuple[str, Sequence[int]]:
    """Remove sorted, non-overlapping ``spans`` from ``text``, keeping the offset map."""
    if not spans:
        return text, offsets
    parts, offs, pos = [], [], 0
    for a, b in spans:
        if a < pos:
            a = pos
        if b <= a:
            continue
        parts.append(text[pos:a])
        offs.extend(offsets[pos:a])
        pos = b
    parts.append(text[pos:])
    offs.extend(offsets[pos:])  # includes the end sentinel
    return "".join(parts), offs


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Characters that OpenCC t2s changes but that are standard simplified characters as well
# (显著, 乾坤, 瞭望): they say nothing about the script of a text.
_BOTH_SCRIPTS = frozenset("著乾瞭")


def is_traditional(text: str, converted: str | None = None) -> bool:
    """True when enough of ``text`` changes under traditional -> simplified conversion.

    Characters such as 著 or 乾 are valid in simplified text too, so a simplified text changes
    in a few places only; a traditional one in many (at least 3% of
    its CJK characters).

    >>> is_traditional("成效顯著,凍結資金"), is_traditional("成效显著,冻结资金")
    (True, False)
    """
    if converted is None:
        converted = t2s(text)
    if converted == text:                   # cheap pre-check: nothing changed (simplified text)
        return False
    if len(converted) == len(text):
        # positions that differ, less those of 著乾瞭 (each position counts 0 or 1): counted on
        # the head first, which settles a traditional text (more changes than 3% of all its
        # characters, so of its CJK ones) without counting the rest or its CJK characters
        head = _changed(text, converted, 0, _HEAD)
        if head >= 1 and head >= 0.03 * len(text):
            return True
        changed = head + _changed(text, converted, _HEAD, len(text))
    else:
        changed = abs(len(text) - len(converted)) + 1
    return changed >= 1 and changed >= 0.03 * len(_CJK.findall(text))


_HEAD = 400


def _changed(text: str, converted: str, a: int, b: int) -> int:
    """Positions in [a, b) where ``converted`` differs from ``text``, less those of 著乾瞭.

    Compared as arrays of code points (UTF-32, one unit a character; lone surrogates kept):
    comparing the strings character by character makes a string of each CJK character
    (8x slower, 20 us for the head of a traditional text)."""
    changed = int(np.count_nonzero(_code_points(text[a:b]) != _code_points(converted[a:b])))
    if changed:
        for c in _BOTH_SCRIPTS:
            i = text.find(c, a, b)
            while i >= 0:
                changed -= converted[i] != c
                i = text.find(c, i + 1, b)
    return changed


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _convert(text: str, offsets: Sequence[int], config: str,
             force: bool = False) -> tuple[str, Sequence[int]]:
    """OpenCC conversion of a traditional text; where a line changes length, align with difflib.

    Simplified text is left alone (unless ``force``): converting it again would turn 显著 into 显着.
    """
    cc = _converter(config)
    out = t2s(text) if config == "t2s" else cc.convert(text)
    if not force and not is_traditional(text, out):
        return text, offsets
    if len(out) == len(text):
        return out, offsets
    new_parts, new_offs, pos = [], [], 0
    for line in text.splitlines(keepends=True):
        conv = cc.convert(line)
        if len(conv) == len(line):
            new_offs.extend(offsets[pos:pos + len(line)])
        else:
            sm = difflib.SequenceMatcher(None, line, conv, autojunk=False)
            for tag, i1, i2, j1, j2 in sm.get_opcodes():
                for k in range(j2 - j1):  # each output char maps to a proportional input char
                    src = i1 + min(k * max(i2 - i1, 1) // max(j2 - j1, 1), max(i2 - i1 - 1, 0))
                    new_offs.append(offsets[pos + src])
        new_parts.append(conv)
        pos += len(line)
    new_offs.append(offsets[len(text)])
    return "".join(new_parts), new_offs


def strip_romanisation(text: str) -> str:
    """``text`` in its own script with inline romanisation and invisible characters removed.

    >>> strip_romanisation("凍結(dong)資(zi)金\u200b2701.6萬元")
    '凍結資金2701.6萬元'
    """
    return _ROMANISATION.sub("", _INVISIBLE.sub("", text))


def has_romanisation(text: str) -> bool:
    """Whether ``strip_romanisation`` changes ``text``, or any part of it: a part has a
    romanisation only where ``text`` has one (the look-behind sees the same characters), and
    an invisible character only if ``text`` has one.

    >>> has_romanisation("凍結(dong)資金"), has_romanisation("抓获(APP)3人")
    (True, False)
    """
    return _INVISIBLE.search(text) is not None or _ROMANISATION.search(text) is not None


def normalise(text: str) -> NormText:
    """Clean ``text`` and keep a map from every kept character back to ``text``.

    >>> n = normalise("面(mian)對電(dian)(dian)信詐騙，凍結資金２７０１．６萬元")
    >>> n.text
    '面对电信诈骗,冻结资金2701.6万元'
    >>> n.orig_slice(n.text.index("冻结"), len(n.text))
    '凍結資金２７０１．６萬元'
    """
    # The map starts as the identity, a ``range`` (sliced and indexed like the list it stands
    # for): the first deletion builds the list from its slices, a text without one gets a list
    # at the end -- one list built instead of a list copied at each deletion.
    offsets: Sequence[int] = range(len(text) + 1)
    cur = text
    if "\r" in text:
        cur = text.replace("\r\n", "\n").replace("\r", "\n")
        if len(cur) != len(text):  # "\r\n" -> "\n": re-derive offsets by deleting the "\r"s
            cur, offsets = _delete(text, offsets, [(m.start(), m.end()) for m in re.finditer(r"\r(?=\n)", text)])
            cur = cur.replace("\r", "\n")
    cur, offsets = _delete(cur, offsets, [m.span() for m in _INVISIBLE.finditer(cur)])
    cur, offsets = _delete(cur, offsets, [m.span() for m in _ROMANISATION.finditer(cur)])
    config = _opencc_config(cur)
    conv, conv_offsets = _convert(cur, offsets, config)
    kept, kept_offsets = _clean(conv, conv_offsets)
    if conv is cur and t2s(cur) != cur and is_traditional(kept):
        # the article is traditional, the site around it (removed as boilerplate) simplified:
        # the script is the kept text's, so that normalising the result again changes nothing
        kept, kept_offsets = _clean(*_convert(cur, offsets, config, force=True))
    if isinstance(kept_offsets, range):
        kept_offsets = list(kept_offsets)
    return NormText(text=kept, offsets=kept_offsets, original=text)


def _clean(text: str, offsets: Sequence[int]) -> tuple[str, Sequence[int]]:
    """Half-width forms, then boilerplate (navigation, related links, footers) removed, then
    the line breaks of a hard-wrapped text (copied from a PDF) undone."""
    text = half_width(text)
    text, offsets = _delete(text, offsets, boilerplate_spans(text))
    return _delete(text, offsets, hard_wraps(text))


# A page number between two pages of a copied PDF: "- 3 -", "—3—", "3".
_PAGE_NUMBER = re.compile(r"\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*")
# Ends a sentence or clause: a full line ending in one of these ended it there.
_SENTENCE_END = frozenset("。!?！？;；:：")
# Starts an item of a list (一、 (二) 3. 4、): the line before it ended.
_LIST_ITEM = re.compile(r"\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、](?!\d))")
_WRAP_MIN = 30          # display width (CJK 2, ASCII 1) of the shortest wrap width considered


def _width(line: str) -> int:
    """Display width: 2 for a CJK character, 1 for ASCII (from the UTF-8 length).

    >>> _width("抓获12人"), _width("    ab")
    (8, 6)
    """
    return (len(line.encode("utf-8")) + len(line)) // 2


def hard_wraps(text: str) -> list[tuple[int, int]]:
    r"""Spans to delete so that a hard-wrapped text (a report copied from a PDF: every full line
    cut at one width, mid-sentence, page numbers between pages) reads as paragraphs again.

    The wrap width is the width most lines of 30 or more have (within a tolerance for narrow
    punctuation): at least 4 lines, and half of all lines with text, most of the lines that
    reach it not ending a sentence (a bulletin of "label: value" lines is no such text). A full line then joins the next line unless that one is indented (a paragraph
    starts), blank-and-then-indented, or ends the text; blank lines and page numbers between
    them go too. Text without such lines is left as it is, which keeps ``normalise``
    idempotent: joined lines are longer than the wrap width.

    >>> t = ("    今年以来某县公安局共破获电信网络诈骗\n案件163起,同比上升9.4%;抓获犯罪嫌疑人\n"
    ...      "217名;打掉犯罪团伙16个;冻结涉案资金\n1.37亿元,为群众挽回经济损失260余万\n\n"
    ...      "- 1 -\n\n元。\n    下一步将持续开展打击整治行动。")
    >>> print("".join(t[i] for i in range(len(t)) if not any(a <= i < b for a, b in hard_wraps(t))))
        今年以来某县公安局共破获电信网络诈骗案件163起,同比上升9.4%;抓获犯罪嫌疑人217名;打掉犯罪团伙16个;冻结涉案资金1.37亿元,为群众挽回经济损失260余万元。
        下一步将持续开展打击整治行动。
    """
    if text.count("\n") < 4:
        return []
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    widths = [_width(line.rstrip()) for _, line in lines]
    wide = [w for w in widths if w >= _WRAP_MIN]
    if len(wide) < 4:
        return []
    counts = Counter(wide)          # a histogram: linear in the lines, whatever their number
    best, support = 0, 0
    for w in counts:
        tol = max(6, w // 8)
        n = sum(counts.get(x, 0) for x in range(w - tol, w + tol + 1))
        if n > support or (n == support and w > best):
            best, support = w, n
    text_lines = sum(1 for _, line in lines if line.strip() and not _PAGE_NUMBER.fullmatch(line))
    if support < 4 or support < 0.5 * text_lines:
        return []   # most lines are not of one width: a list, a bulletin, ordinary paragraphs
    # a full line reaches the wrap width, or passes it (a line with more full-width quotes)
    full = [i for i, w in enumerate(widths) if w >= best - max(6, best // 8)]
    if sum(lines[i][1].rstrip()[-1] in _SENTENCE_END for i in full) > 0.4 * len(full):
        return []
    spans = []
    for i in full:
        j = i + 1       # the next line with text, past blank lines and page numbers
        while j < len(lines) and (not lines[j][1].strip() or _PAGE_NUMBER.fullmatch(lines[j][1])):
            j += 1
        if (j >= len(lines) or lines[j][1][:1].isspace() or lines[i][1].rstrip()[-1] in _SENTENCE_END
                or _LIST_ITEM.match(lines[j][1])):
            continue
        a = lines[i][0] + len(lines[i][1].rstrip())
        spans.append((a, lines[j][0]))
    return spans
