"""Metadata: title, publication date, outlet, script. Invented page texts."""
from __future__ import annotations

import pytest

from pipeline.meta import detect_meta, detect_script, url_date
from pipeline.model import RawDoc
from pipeline.normalise import normalise

BODY = "今年以来,某县公安局共破获电信网络诈骗案件45起,抓获犯罪嫌疑人37名,冻结涉案资金120万元。"


def _meta(text: str, **raw):
    doc = RawDoc(source="x.txt", status="ok", text=text, fmt="txt", **raw)
    return detect_meta(doc, normalise(text))


def _page(*lines: str) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize("text, title", [
    (_page("某县警方破获诈骗案件45起", BODY), "某县警方破获诈骗案件45起"),
    (_page("您当前的位置:首页 > 警方", "某县警方破获诈骗案件45起", "时间:2023-05-06 来源:某某网", BODY),
     "某县警方破获诈骗案件45起"),
    (_page("原标题:某市警方打掉团伙3个", BODY), "某市警方打掉团伙3个"),
    (_page("2024年6月1日", "", "某地开展反诈宣传", BODY), "某地开展反诈宣传"),
    (_page(BODY, "下一步,继续打击。"), None),
    (_page("某某新闻网讯(记者 张某)某县警方近日破获一起诈骗案,抓获3人。"), None),
    (_page("某縣警方偵破詐騙案件45件", BODY), "某县警方侦破诈骗案件45件"),
])
def test_title(text, title):
    assert _meta(text).title == title


def test_record_title_wins_and_loses_prefix():
    assert _meta(_page("别的标题", BODY), title="原标题:记录里的标题").title == "记录里的标题"


@pytest.mark.parametrize("text, published", [
    (_page("标题", "时间:2022-07-14 07:17:31  来源:某某网", BODY), "2022-07-14"),
    (_page("标题", "来源:某某新闻网 发布时间:2023-10-25 12:35:26", BODY), "2023-10-25"),
    (_page("标题", "某某日报 2021-12-01 10:43", BODY), "2021-12-01"),
    (_page("标题", "2022年01月25日11:12 | 来源:某某日报", BODY), "2022-01-25"),
    (_page("2025年2月14日", "标题", BODY), "2025-02-14"),
    (_page("標題", "時間:2020-02-27 14:28來源:網絡整理", BODY), "2020-02-27"),
    (_page("标题", "2023年9月5日,某县民警接到预警。" + BODY), None),      # a body date is an event
    (_page("标题", BODY, "相关新闻", "- 2022年09月05日某地破获诈骗案"), None),  # related-link date
    (_page("中新网某地4月11日电 (记者 张某)2019年2月23日,市民报警称被骗。" + BODY), "2019-04-11"),
    (_page("某某网9月22日讯 近日,某县公安局返还被骗资金。" + BODY), None),   # year unknown
    (_page("新华社某地1月5日电 2019年2月23日,市民报警。" + BODY), None),     # dateline before it
    (_page("标题", "发布时间:2022-02-30", BODY), None),                       # not a real day
])
def test_published(text, published):
    assert _meta(text).published == published


def test_published_from_record_and_url():
    text = _page("标题", BODY)
    assert _meta(text, published="2021-05-06").published == "2021-05-06"
    assert _meta(text, url="https://news.example.cn/system/2022/09/22/0301.shtml").published == "2022-09-22"
    # a date header line beats the URL
    assert _meta(_page("标题", "2021-01-02 08:00 来源:某某网", BODY),
                 url="https://a.example.cn/2022/0922/1.html").published == "2021-01-02"


@pytest.mark.parametrize("url, iso", [
    ("https://a.cn/2022-01/07/content_1.htm", "2022-01-07"),
    ("http://a.cn/n2/2022/0125/c1-2.html", "2022-01-25"),
    ("http://a.cn/a/gongan/20230106/92446.html", "2023-01-06"),
    ("http://a.cn/Web/202408/20240821/17171.html", "2024-08-21"),
    ("http://a.cn/show-625409.html", None),
    (None, None),
])
def test_url_date(url, iso):
    assert url_date(url) == iso


@pytest.mark.parametrize("text, outlet", [
    (_page("标题", "2019-04-30 15:53:03 来源:某某新闻网", BODY), "某某新闻网"),
    (_page("标题", "时间:2020-02-27 14:28来源:网络整理 浏览:", BODY), None),
    (_page("标题", "某某日报 2021-12-01 10:43", BODY), "某某日报"),
    (_page("《某某日报》(2025年2月14日) 05版", "本报讯 " + BODY), "某某日报"),
    (_page("某某网9月22日讯 " + BODY), "某某网"),
    (_page("新华社某地12月24日电(记者 张某)" + BODY), "新华社"),
    (_page(BODY, "Copyright©2006-2019某某在线 All Rights Reserved"), "某某在线"),
])
def test_outlet(text, outlet):
    assert _meta(text).outlet == outlet


def test_outlet_from_site_name_and_domain():
    assert _meta(BODY, site_name="某某法治网").outlet == "某某法治网"
    assert _meta(BODY, url="http://www.people.com.cn/n1/1.html").outlet == "人民网"
    assert _meta(BODY, url="http://unknown.example/x").outlet is None


@pytest.mark.parametrize("text, script", [
    ("今年以來,某縣警察局偵破電信詐騙案件12件,拘捕嫌疑人8名。", "traditional"),
    (BODY, "simplified"),
    ("亚洲热门_在线看\n" + "去年全國破獲電信網絡詐騙案件20萬件,勸阻受害人101萬人次,攔截資金。", "traditional"),
    ("Police arrested 3 men.", "simplified"),
    ("", "simplified"),
])
def test_script(text, script):
    assert detect_script(text) == script
    assert _meta(text or "空").script == (script if text else "simplified")
    from pipeline.meta import _script_by_sets, _script_by_table
    assert _script_by_sets(text) == _script_by_table(text) == script   # both ways of counting


def test_script_counts_agree_on_mixed_texts():
    """The per-text character sets and the table of all CJK characters (used in long builds)
    count the same characters: random mixes of traditional, simplified and shared characters."""
    import random

    from pipeline.meta import _script_by_sets, _script_by_table
    pool = "電信詐騙凍結資金萬顯著乾瞭电信诈骗冻结资金万显著干了的是在警方破获案件" + "abc 123,。"
    rnd = random.Random(2)
    texts = ["".join(rnd.choice(pool) for _ in range(rnd.randrange(1, 40))) for _ in range(500)]
    got = [_script_by_table(t) for t in texts]
    assert got == [_script_by_sets(t) for t in texts]
    assert 50 < got.count("traditional") < 450


def test_s2t_of_single_characters_is_the_full_s2t():
    """Script detection loads s2t reduced to its character table (its phrase dictionaries are
    slow to load and never reached by a character alone): same result for every CJK character."""
    import opencc

    from pipeline.meta import _s2t_characters
    reduced = _s2t_characters()
    assert reduced is not None
    cjk = "\n".join(chr(c) for a, b in ((0x3400, 0x9FFF), (0xF900, 0xFAFF)) for c in range(a, b + 1))
    assert reduced.convert(cjk) == opencc.OpenCC("s2t").convert(cjk)


def test_legal_outlet_rule_ignores_case_of_copyright_only():
    """The copyright rule ignores case for ``copyright`` alone (a cheaper compile than for the
    whole pattern): the same matches as with ignore-case for all of it, as no other character
    of the pattern has a case and no character of another case folds into its classes."""
    import random
    import re

    from pipeline.meta import rules
    new = next(rx for where, rx in rules().outlet_rules if where == "legal")
    assert "(?i:copyright)" in new.pattern and not new.flags & re.I
    old = re.compile(new.pattern.replace("(?i:copyright)", "copyright"), new.flags | re.I)
    rest = new.pattern.replace("(?i:copyright)", "")
    assert not any(c.lower() != c or c.upper() != c for c in re.sub(r"\\u[0-9a-f]{4}|\\[a-z]", "", rest))
    cls = re.compile(r"[\u4e00-\u9fff·]")
    cls_i = re.compile(cls.pattern, re.I)
    assert [c for c in map(chr, range(0x110000)) if bool(cls.match(c)) != bool(cls_i.match(c))] == []
    rnd = random.Random(3)
    parts = ["Copyright", "COPYRIGHT", "CoPyRiGhT", "©", " ", "2006-2019", "中国甘肃在线", "新闻网",
             "版权", "·", "网", "\u017f", "\u212a", "İ", "北疆", "-", "\n"]
    for _ in range(3000):
        s = "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 8)))
        a, b = old.search(s), new.search(s)
        assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), s
