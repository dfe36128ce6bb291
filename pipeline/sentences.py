"""Split normalised text into sentences.

A sentence ends at 。！？!?；; (with any closing quotes or brackets right after it) or at a line
break. Quotes and brackets stay balanced: a sentence end inside “…”, 「…」, 《…》 or (…) does not
split, except that a sentence end immediately followed by the closing quote ends the sentence
after the quote (“我们抓获了5人。”随后 -> “我们抓获了5人。” | 随后). When a line has an opening
quote that never closes (truncated page), the rest of that line is split ignoring quotes.

Sentences never lose text: every non-blank character of the input lies in exactly one sentence;
sentence spans exclude the blanks around them.
"""
from __future__ import annotations

import re

from .model import NormText, Sentence

_ENDS = frozenset("。！？!?；;")
_OPEN = {"“": "”", "「": "」", "『": "』", "《": "》", "(": ")", "（": "）", "‘": "’", "【": "】"}
_CLOSE = {v: k for k, v in _OPEN.items()}
# Quotes (not titles or brackets) whose closing mark may end a quoted sentence.
_QUOTES = frozenset("“「『‘")
# Characters that belong to the sentence they follow: closing quotes/brackets, more end marks.
_TRAIL = frozenset("”」』》)）’】…") | _ENDS

# The characters ``_cut_line`` acts on (every other character is skipped in one regex search):
# with quotes, end marks and quotes/brackets; without, end marks only.
_MARKS = re.compile("[" + re.escape("".join(sorted(_ENDS | set(_OPEN) | set(_CLOSE)))) + "]")
_END_MARKS = re.compile("[" + re.escape("".join(sorted(_ENDS))) + "]")


# #topic# tags of a post (#反诈进行时# #国庆反诈#), with the blanks after them.
TOPIC_TAGS = r"(?:#[^#\n]{1,40}#\s*)*"
# What may stand before a headline bracket that opens a sentence or post: blanks and #topic# tags
# (#反诈进行时# 【抓获21人！冻结资金600余万元】近日,…): the bracket ends a sentence, a headline's.
_BEFORE_HEADLINE = re.compile(r"\s*" + TOPIC_TAGS)


def _cut_line(text: str, start: int, end: int, quotes: bool) -> list[tuple[int, int]]:
    """Cut points of ``text[start:end]`` (one line): list of [a, b) pieces covering it."""
    pieces, a, i, stack = [], start, start, []
    headline = False        # a 【…】 opened the sentence (after #topic# tags) and is still open
    marks = _MARKS if quotes else _END_MARKS
    while True:
        m = marks.search(text, i, end)
        if m is None:
            break
        i = m.start()
        c = text[i]
        if quotes and c in _OPEN:
            stack.append(c)
            if c == "【" and len(stack) == 1 and _BEFORE_HEADLINE.fullmatch(text, a, i):
                headline = True
        elif quotes and c in _CLOSE and stack and stack[-1] == _CLOSE[c]:
            stack.pop()
            if headline and not stack:
                headline = False
                pieces.append((a, i + 1))
                a = i = i + 1
                continue
        elif c in _ENDS:
            if stack and quotes:
                # inside a quote: split only if the quote closes right here
                j = i + 1
                while j < end and text[j] in _ENDS:
                    j += 1
                if (j < end and len(stack) == 1 and stack[0] in _QUOTES
                        and text[j] in _CLOSE and stack[0] == _CLOSE[text[j]]):
                    stack.pop()
                    j += 1
                    while j < end and text[j] in _TRAIL and text[j] not in _OPEN:
                        j += 1
                    pieces.append((a, j))
                    a = i = j
                    continue
            else:
                j = i + 1
                while j < end and text[j] in _TRAIL:
                    j += 1
                pieces.append((a, j))
                a = i = j
                continue
        i += 1
    if quotes and stack:
        return []          # unbalanced: caller re-cuts without quotes
    if a < end:
        pieces.append((a, end))
    return pieces


def split_sentences(norm: NormText | str) -> list[Sentence]:
    """Sentences of the normalised text, in order, spans in normalised coordinates.

    >>> [s.text for s in split_sentences("他说:“已抓获5人。”随后返还。\\n标题 ")]
    ['他说:“已抓获5人。”', '随后返还。', '标题']
    >>> [s.text for s in split_sentences("#反诈# 【抓获21人!冻结60万元】近日,警方抓获21人。")]
    ['#反诈# 【抓获21人!冻结60万元】', '近日,警方抓获21人。']
    """
    text = norm if isinstance(norm, str) else norm.text
    out: list[Sentence] = []
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        pieces = _cut_line(text, pos, end, quotes=True)
        if not pieces and pos < end:
            pieces = _cut_line(text, pos, end, quotes=False)
        for a, b in pieces:
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                out.append(Sentence(a, b, text[a:b]))
        if nl < 0:
            break
        pos = nl + 1
    return out
