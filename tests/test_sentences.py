"""Sentence splitting: boundaries, balanced quotes, and never losing text. Invented sentences."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.model import NormText
from pipeline.sentences import split_sentences


def _texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(NormText(text, list(range(len(text) + 1)), text))]


@pytest.mark.parametrize("text, expected", [
    ("警方破获案件5起。抓获嫌疑人3名!还有吗?有", ["警方破获案件5起。", "抓获嫌疑人3名!", "还有吗?", "有"]),
    ("冻结资金10万元;止付资金20万元;", ["冻结资金10万元;", "止付资金20万元;"]),
    ("第一行没有句号\n第二行也没有", ["第一行没有句号", "第二行也没有"]),
    ("民警说:“已经抓获5人。还在追查。”随后离开。",
     ["民警说:“已经抓获5人。还在追查。”", "随后离开。"]),
    ("“真是太感谢了!”群众说。", ["“真是太感谢了!”", "群众说。"]),
    ("栏目名为《住手!有诈!》,每周一期。", ["栏目名为《住手!有诈!》,每周一期。"]),
    ("这是什么?!真的吗。。。好", ["这是什么?!", "真的吗。。。", "好"]),
    ("据介绍(详见附表。)案件已移送。", ["据介绍(详见附表。)案件已移送。"]),
    ("    前面有空格。   \n\n   ", ["前面有空格。"]),
    ("引号没有关闭:“抓获5人。后来又抓获3人。\n下一行。", ["引号没有关闭:“抓获5人。", "后来又抓获3人。", "下一行。"]),
    ("", []),
])
def test_split(text, expected):
    assert _texts(text) == expected


def test_spans_index_the_text():
    text = "甲。\n  乙!丙"
    for s in split_sentences(NormText(text, list(range(len(text) + 1)), text)):
        assert text[s.start:s.end] == s.text


def test_accepts_plain_string():
    assert [s.text for s in split_sentences("一。二。")] == ["一。", "二。"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("警方破获案件5起。!?;!?；\n “”「」《》()（）a ,\t")),
               max_size=200) | st.text(max_size=200))
def test_never_loses_text_never_crashes(text):
    sents = split_sentences(text)
    # in order, non-overlapping, each exactly its slice, no blank at either end
    pos = 0
    for s in sents:
        assert pos <= s.start < s.end <= len(text)
        assert text[s.start:s.end] == s.text
        assert not s.text[0].isspace() and not s.text[-1].isspace()
        assert "\n" not in s.text
        pos = s.end
    # every non-blank character is in a sentence
    covered = set()
    for s in sents:
        covered.update(range(s.start, s.end))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("警方破获案件,5")), min_size=1, max_size=20),
                min_size=1, max_size=8))
def test_balanced_quotes_stay_whole(parts):
    quoted = "“" + "。".join(parts) + "。”"
    text = "他说:" + quoted + "然后走了。"
    sents = _texts(text)
    assert any(quoted in s for s in sents)
    for s in sents:
        assert s.count("“") == s.count("”")


def test_a_headline_bracket_opening_a_post_is_its_own_sentence():
    # a Weibo post: #topic# tags, a 【headline】 with a sentence end inside, then the body
    text = "#反诈进行时# 【抓获21人!冻结资金600余万元】近日,警方抓获嫌疑人21名。【警方提醒】勿转账。"
    assert [s.text for s in split_sentences(text)] == [
        "#反诈进行时# 【抓获21人!冻结资金600余万元】", "近日,警方抓获嫌疑人21名。", "【警方提醒】", "勿转账。"]
    # a bracket inside a sentence stays in it
    assert [s.text for s in split_sentences("他说【注意】不要转账。")] == ["他说【注意】不要转账。"]
