"""Merge repeated figures within an article (``dedup_facts``). Reprints across articles:
``pipeline.reprints``."""
from __future__ import annotations

import math
import re
from operator import attrgetter

from .model import Fact
from .sentences import TOPIC_TAGS

_START_METRIC = attrgetter("start", "metric")
_SENT_START = attrgetter("sent_start")


def _significant_digits(value: float) -> int:
    """How many significant digits ``value`` has (up to 6).

    >>> _significant_digits(27016000), _significant_digits(130), _significant_digits(0.5)
    (5, 2, 1)
    """
    return len(f"{abs(value):.6g}".split("e")[0].replace(".", "").strip("0"))


def _distinctive(value: float) -> bool:
    """A value with two or more significant digits is unlikely to repeat by chance.

    >>> _distinctive(27016000), _distinctive(130), _distinctive(100), _distinctive(1)
    (True, True, False, False)
    """
    return _significant_digits(value) >= 2


# A line this short with more text after it is a title (a lead paragraph is longer).
TITLE_MAX = 64

# A post's headline in brackets (after #topic# tags): #破案进行时# 【一夜打掉2个窝点】 (split
# off as a sentence of its own: pipeline/sentences.py), a title again.
_BRACKET_HEADLINE = re.compile(TOPIC_TAGS + r"【[^】\n]{1,80}】")

# A reprint's note of the original headline, a title again: (原标题:XX), 原题:XX.
_ORIGINAL_TITLE = re.compile(r"^[(\[【]?\s*(?:原标题|原题|原文标题)\s*[:：]", re.M)


def _heads(starts: list[int], text: str | None) -> frozenset[int]:
    r"""The sentences of the head: the first sentence with a figure and, when it lies in a title
    (a line of at most ``TITLE_MAX`` characters, followed by the body), every other sentence of
    that title (捣毁窝点3处！警方打掉一个团伙: two sentences, one title); and the sentences of a
    reprint's (原标题:…) line and a post's 【headline】, which state a title again.

    >>> sorted(_heads([0, 9, 30], "抓获3人！打掉团伙1个\n正文抓获3人,打掉团伙1个。"))
    [0, 9]
    >>> sorted(_heads([0, 9], "抓获3人！打掉团伙1个"))   # one line: no title, the first only
    [0]
    >>> sorted(_heads([4, 9, 16, 29], "某某网\n抓获3人！打掉团伙1个\n(原标题:打掉团伙1个)\n正文。"))
    [4, 9, 16]
    """
    head = min(starts)
    if text is None:
        return frozenset((head,))
    out = {head}
    line_start = text.rfind("\n", 0, head) + 1
    end = text.find("\n", head)
    if 0 <= end and end - line_start <= TITLE_MAX:
        out.update(s for s in starts if line_start <= s < end)
    if "【" in text:
        out.update(s for s in starts if _BRACKET_HEADLINE.match(text, s))
    if "原" in text:
        for m in _ORIGINAL_TITLE.finditer(text):
            e = text.find("\n", m.start())
            e = len(text) if e < 0 else e
            out.update(s for s in starts if m.start() <= s < e)
    return frozenset(out)


def _same_figure(a: Fact, b: Fact, heads: frozenset[int]) -> bool:
    """Two facts with equal metric, value and qualifier state the same figure when the value is
    distinctive (2701.6万), when the clause is worded the same, or when one of them is in the
    head (title or lead: the first sentence with a figure), which summarises the body; in the head
    the qualifier may differ (a title drops or adds 余). Round values stated differently in two
    body sentences (银行卡一百余张 ... 扣押一百多张银行卡, one per raid) stay two facts."""
    if (a.metric, a.value) != (b.metric, b.value) or a.sent_start == b.sent_start:
        return False  # one sentence does not repeat itself: 打掉赌博团伙3个、电诈团伙3个
    in_head = a.sent_start in heads or b.sent_start in heads
    if a.qualifier != b.qualifier:
        return in_head  # a title rounds: 超3.5亿元 in the title, 3.5亿余元 in the body
    return _distinctive(a.value) or bool(a.figure and a.figure == b.figure) or in_head


def _rounds(head: Fact, body: Fact) -> bool:
    """Whether the head's approximate round figure is the body's figure rounded: a title's
    逾5亿元 for the body's 5亿2760万余元, 近1.1亿 for 1.08亿. The head value has one or two
    significant digits; the body value lies above it by less than one unit of its last digit
    (逾/超/余: more than), or within half a unit on either side (约/近: about).

    >>> h = Fact("funds_stopped", 5e8, "元", qualifier="more_than")
    >>> _rounds(h, Fact("funds_stopped", 5.276e8, "元")), _rounds(h, Fact("funds_stopped", 6.1e8, "元"))
    (True, False)
    >>> h.qualifier = "about"
    >>> _rounds(h, Fact("funds_stopped", 4.8e8, "元")), _rounds(h, Fact("funds_stopped", 5.6e8, "元"))
    (True, False)
    """
    if (head.metric, head.unit, head.currency) != (body.metric, body.unit, body.currency) \
            or head.qualifier not in ("more_than", "about"):
        return False
    digits = _significant_digits(head.value)
    if not head.value > 0 or digits > 2:
        return False
    unit = 10.0 ** (math.floor(math.log10(head.value)) - digits + 1)
    if head.qualifier == "more_than":
        return head.value < body.value < head.value + unit
    return abs(body.value - head.value) < unit / 2


def _merge_rounded(kept: list[Fact], heads: frozenset[int]) -> list[Fact]:
    """A head figure that rounds a body figure of its metric (``_rounds``) is that figure: its
    mentions go to the body fact, the better evidence."""
    body = [f for f in kept if f.sent_start not in heads]
    if len(body) == len(kept) or not body:
        return kept
    gone = set()
    for i, h in enumerate(kept):
        if h.sent_start in heads and h.qualifier != "exact":
            twin = next((b for b in body if _rounds(h, b)), None)
            if twin is not None:
                twin.mentions += h.mentions
                gone.add(i)
    return [f for i, f in enumerate(kept) if i not in gone] if gone else kept


def dedup_facts(facts: list[Fact], text: str | None = None) -> list[Fact]:
    """One fact per figure per article: repeats (title, lead, body) are merged into the first
    body mention, counting ``mentions``. The same number for two metrics stays two facts.
    ``text``, the normalised text the facts were found in, tells the sentences of a title.

    >>> f = lambda v, s, fig: Fact("suspects_arrested", v, "人", sent_start=s, figure=fig)
    >>> [(x.value, x.mentions) for x in dedup_facts([f(130, 0, "a"), f(130, 50, "b"), f(24, 90, "c")])]
    [(130, 2), (24, 1)]
    >>> len(dedup_facts([f(24, 0, "x"), f(100, 50, "a"), f(100, 90, "b")]))
    3
    >>> t, b = f(3.5e8, 0, "超3.5亿元"), f(3.5e8, 40, "3.5亿余元")
    >>> t.qualifier, b.qualifier = "exact", "more_than"
    >>> [(x.qualifier, x.mentions) for x in dedup_facts([t, b])]
    [('more_than', 2)]
    """
    facts = sorted(facts, key=_START_METRIC)
    if not facts:
        return []
    heads = _heads(list(map(_SENT_START, facts)), text)
    kept: list[Fact] = []
    by_value: dict[tuple, list[int]] = {}  # (metric, value) -> indexes into kept
    for f in facts:
        key = (f.metric, f.value)
        slots = by_value.get(key)
        if slots is None:               # the first of its value (most): nothing to compare
            by_value[key] = [len(kept)]
            kept.append(f)
            continue
        i = next((i for i in slots if _same_figure(kept[i], f, heads)), None)
        if i is None:
            slots.append(len(kept))
            kept.append(f)
            continue
        twin = kept[i]
        twin.mentions += f.mentions
        if twin.sent_start in heads and f.sent_start not in heads:
            # the body sentence is better evidence than the title, and states the qualifier
            f.mentions = twin.mentions
            if f.qualifier == twin.qualifier:
                f.scope = twin.scope
            kept[i] = f
    return _merge_rounded(kept, heads)
