"""Boilerplate spans: what goes, what stays, and the span contract. Invented page texts."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.boilerplate import boilerplate_spans, classify_lines

BODY = "今年以来,某县公安局共破获电信网络诈骗案件45起,抓获犯罪嫌疑人37名,冻结涉案资金120万元。"
BODY2 = "下一步,该局将持续加大打击力度,切实守护群众财产安全,全力压降发案。"


def _kept(text: str) -> str:
    out, pos = [], 0
    for a, b in boilerplate_spans(text):
        out.append(text[pos:a])
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _page(*lines: str) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize("line", [
    "您当前的位置:首页 > 新闻中心 > 警方动态",
    "当前位置: 首页 > 平安建设 >",
    "某某法治网 主编信箱:editor@example.cn 新闻热线:0000-12345678",
    "发布时间:2023-05-06 09:10:11 来源:某某日报 作者:张三",
    "2021-03-02 08:15 来源:某某新闻网",
    "某某晚报 2020-11-12 10:43",
    "2024年6月1日",
    "《某某日报》(2024年6月1日) 03版",
    "打印 放大 缩小",
    "分享到: 微信 微博 QQ空间",
    "发表评论 共有0条评论",
    "用户名: 密码:",
    "验证码: 匿名发表",
    "责任编辑:李某",
    "编辑:王某某",
    "(责编:赵某、钱某)",
    "本网记者 孙某",
    "文/记者 周某",
    "(吴某  郑某)",
    "IMG_20230101_1234.jpg",
    "a1b2c3d4e5f60718293a4b5c6d7e8f9.png",
    "Copyright © 2010-2023 某某网 All Rights Reserved",
    "某公网安备 12345678901234号",
    "凡本站注明来源的稿件,版权均属本站所有,未经授权不得转载。",
    "Police News Release",
    "热门_推荐_某某在线看_免费观看",
    "扫码阅读手机版",
    "【字体:大 中 小】",
    "【打印本页】【关闭窗口】",
    "上一篇:某市破获案件3起",
    "下一篇:某县抓获嫌疑人5人",
    "关键词:反诈 宣传",
    "主办单位:某市公安局 技术支持:某公司",
    "打开APP阅读更多精彩内容",
    "【来源:某某日报】",
    "网站地图 | 联系我们 | 关于我们",
])
def test_boilerplate_lines_go(line):
    text = _page(line, "某县警方破获一批电诈案件", BODY, BODY2)
    kept = _kept(text)
    assert line not in kept
    assert BODY in kept and BODY2 in kept and "某县警方破获一批电诈案件" in kept


@pytest.mark.parametrize("block", [
    ["相关新闻", "- 2023年05月01日某市警方破获3起诈骗案", "- 2023年04月20日某区抓获嫌疑人12名"],
    ["推荐阅读", "某省公安厅部署夏季行动", "某市反诈中心劝阻群众200人次"],
    ["栏目热门", "某县民警上门劝阻", "某市止付资金500万元"],
    ["版权声明", "本网刊发的原创作品,版权归本网所有,转载须经授权。", "如需使用,请致电0000-1234567。"],
])
def test_related_and_legal_blocks_go_with_their_numbers(block):
    text = _page("某县警方破获一批电诈案件", BODY, BODY2, *block)
    kept = _kept(text)
    assert kept.rstrip().endswith(BODY2)
    for line in block:
        assert line not in kept


@pytest.mark.parametrize("menu", [
    ["首页 | 要闻 | 政法 | 平安建设 | 视频 | 专题"],
    ["推荐  本地  政务  法治  财经  更多>>"],
    ["首页", "要闻", "政法", "平安建设"],
])
def test_menus_go(menu):
    text = _page(*menu, "温情敲开“安全门” 反诈宣传进万家", BODY)
    assert _kept(text) == _page("温情敲开“安全门” 反诈宣传进万家", BODY)


def test_dated_link_runs_go_without_a_header():
    text = _page(BODY, BODY2, "2023-05-01某市警方破获3起诈骗案", "2023-04-20某区抓获嫌疑人12名")
    assert _kept(text).rstrip() == _page(BODY, BODY2)


def test_tail_links_go_but_truncated_last_sentence_stays():
    text = _page(BODY, BODY2, "某地警方捣毁窝点5个", "分享", "- 评论")
    assert _kept(text).rstrip() == _page(BODY, BODY2)
    truncated = _page(BODY, "同时,该局累计劝阻潜在受害人1200人次,挽回损失")
    assert _kept(truncated) == truncated


def test_headline_with_figure_above_breadcrumb_stays():
    text = _page("某市警方打掉团伙3个", "您当前的位置:首页 > 警方", BODY)
    assert _kept(text) == _page("某市警方打掉团伙3个", BODY)


def test_header_above_breadcrumb_goes():
    text = _page("某某法治网", "网站头图", "今日要闻:某地召开会议", "您当前的位置:首页 > 警方",
                 "某县警方破获一批电诈案件", BODY)
    kept = _kept(text)
    assert kept.splitlines() == ["某县警方破获一批电诈案件", BODY]


@pytest.mark.parametrize("line, gone", [
    (BODY + "xQ7某某法治网", "xQ7某某法治网"),
    (BODY + "Ab3", "Ab3"),
    ("某日报讯(记者 张某 通讯员 李某)" + BODY, "(记者 张某 通讯员 李某)"),
    ("新华社某地5月6日电 (王某 陈某)" + BODY, " (王某 陈某)"),
    ("(刘某某)" + BODY, "(刘某某)"),
    (BODY + "(完)", "(完)"),
    ("民警在社区开展反诈宣传。某县公安局供图", "某县公安局供图"),
    ("民警在社区开展反诈宣传。图:警方提供", "图:警方提供"),
    ("见图DSC_0001.jpg" + BODY, "DSC_0001.jpg"),
])
def test_inline_tokens_go(line, gone):
    kept = _kept(_page(line, BODY2))
    assert gone not in kept
    assert kept == _page(line.replace(gone, "", 1), BODY2)


@pytest.mark.parametrize("text", [
    # statistics of the body, in shapes that resemble boilerplate
    _page("某市警方打掉诈骗团伙3个抓获嫌疑人41名", BODY),
    _page(BODY, "- 抓获犯罪嫌疑人12名,止付资金30万元;", BODY2),
    _page(BODY, "(山东省某市公安局)"),
    _page(BODY, "另外,警方还查获手机APP注册账号300个。"),
    _page("2023年5月,某县警方破获诈骗案件8起,涉案金额90万元。", BODY2),
    _page(BODY, "该团伙非法复制银行卡200张,依法追究法律责任。"),
    _page(BODY, "小王(化名)被骗5万元。"),
])
def test_body_statistics_survive(text):
    assert _kept(text) == text


@pytest.mark.parametrize("text", [
    _page("您当前的位置:首页 > 新闻", "某县警方破获一批电诈案件", "时间:2023-05-06 来源:某某网",
          BODY, "责任编辑:李某", "相关新闻", "- 2023-05-01某地破获3起"),
    _page(BODY + "xQ7某某法治网", "IMG_1.jpg", BODY2, "打印 放大 缩小"),
])
def test_idempotent(text):
    kept = _kept(text)
    assert boilerplate_spans(kept) == []


def test_classify_lines_reports_kinds():
    tags = classify_lines(_page("您当前的位置:首页 > 新闻", "发布时间:2023-05-06", BODY))
    assert [t.kind for t in tags] == ["nav", "meta", None]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("警方破获案件起名万元。,!?;:\n -_>()“”《》年月日0123456789"
                                             "abcXYZ首页相关新闻责任编辑来源时间.jpg版权")),
               max_size=300))
def test_spans_contract(text):
    spans = boilerplate_spans(text)
    assert spans == sorted(spans)
    for (a, b), nxt in zip(spans, spans[1:] + [(len(text) + 1, len(text) + 1)]):
        assert 0 <= a < b <= len(text)
        assert b < nxt[0]          # non-overlapping and merged


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_spans_contract_any_text(text):
    spans = boilerplate_spans(text)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))


_POOL = [BODY, BODY2, "某县警方破获诈骗案件5起", "您当前的位置:首页 > 新闻", "时间:2023-05-06 来源:某某网",
         "相关新闻", "- 2023-05-01某地破获3起", "2023-04-20某区抓获嫌疑人12名", "责任编辑:李某", "打印 放大 缩小",
         "首页", "要闻", "政法", "版权声明", "本网作品版权所有,转载须授权。", "IMG_1.jpg", "", "分享",
         "同时,该局累计劝阻潜在受害人1200人次,挽回损失", BODY + "xQ7某某法治网", "(王某 李某)",
         "推荐  本地  政务  法治  财经  更多>>", "某市警方打掉团伙3个", "- 抓获犯罪嫌疑人12名,止付资金30万元;"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_POOL), max_size=14))
def test_idempotent_on_page_like_text(lines):
    kept = _kept(_page(*lines))
    assert boilerplate_spans(kept) == []


def _rules_with_prefilters() -> list:
    """(regex, prefilter) of the line rules and of the inline rules."""
    from pipeline.boilerplate import rules
    return ([(x.regex, x.pre) for x in rules().line_rules]
            + [(rx, pre) for _kind, rx, pre in rules().inline])


def _assert_prefilters_pass(line: str) -> None:
    """Every rule whose regex matches ``line`` has a prefilter that passes it (or none)."""
    for rx, pre in _rules_with_prefilters():
        if pre is not None and rx.search(line):
            assert pre(line), (rx.pattern, line)


def _rule_alphabet() -> list[str]:
    """Characters of the rule patterns (their literals), case variants, and text around them."""
    chars = set("警方破获案件起名万元。,!?;:\n -_>()“”《》【】年月日0123456789 \u3000\t")
    for rx, _pre in _rules_with_prefilters():
        chars |= set(rx.pattern) - set("\\\n")
    chars |= {c.swapcase() for c in list(chars)} | set("ſKİı")    # (?i) folds these too
    return sorted(chars)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_rule_alphabet()), max_size=60))
def test_rule_prefilters_never_miss_a_match(line):
    """A line a rule's regex matches always passes the rule's prefilter (derived
    from the regex's parse tree), so skipping the lines the prefilter misses changes nothing."""
    _assert_prefilters_pass(line)


@pytest.mark.parametrize("pattern, line", [
    (r"(?i)copyright|版权", "COPYRIGHT"), (r"(?i)copyright|版权", "ſ Copyright"),
    (r"(?i:logo)|头图", "LOGO"), (r"a(?:b|c)+\s*[xyz]", "acbx"), (r"(?:甲|乙)?丙{2,}", "丙丙"),
    (r"(?>ab)c", "abc"), (r"x*+y", "y"), (r"(?i)k", "\u212a"),
])
def test_prefilter_examples(pattern, line):
    import re

    from pipeline.boilerplate import _prefilter
    rx = re.compile(pattern)
    pre = _prefilter(rx)
    assert rx.search(line) and (pre is None or pre(line))


_MATCHING = ["您当前的位置:首页 > 新闻中心", "首页 » 法治", "社会 > 正文", "热门_推荐_某某在线看_免费观看",
             "河北新闻本网原创", "LOGO 头图", "主编信箱:ed.x@example.cn 新闻热线:0000-12345678",
             "如需使用相关内容,请致电0931-8159799。", "Copyright © 2010 All Rights Reserved",
             "某公网安备 1234号", "ICP备123号", "来源:某某日报 发布时间:2023-05-06", "浏览次数:12",
             "福建日报 2021-12-01 10:43", "date 2025-08-26 快讯", "《某某日报》(2024年6月1日) 05版",
             "责任编辑:李某", "(王某 李某)", "(完)", "IMG_20230101.JPG", "上一篇:某市破获案件3起",
             "关键词:反诈 宣传", "主办单位:某市公安局", "首页 | 要闻 | 政法 | 专题", "Police News Release",
             "- 2022-08-29某地抓获5人", "2022年09月05日某地破获3起", "某地抓获5人 [08-29]", "要闻",
             "• 某地抓获5人", "某地开展宣传活动,发放资料", "破获案件3起。RjY法治山东网", "见DSC_4817.JPG",
             "(记者 张三 通讯员 李四)", "4月30日电 (梁盛 王其章)", "(樊奕昕)", "抓获3人。(完)",
             "抓获3人。江苏省公安厅供图", "抓获3人。图:警方提供"]


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(_MATCHING), st.lists(st.tuples(st.integers(0, 60), st.integers(0, 3),
                                                      st.text(alphabet=st.sampled_from(_rule_alphabet()),
                                                              max_size=3)), max_size=4),
       st.booleans())
def test_rule_prefilters_never_miss_a_match_near_matching_lines(line, edits, swap):
    """Lines that match rules, edited at random (characters replaced, case swapped)."""
    for at, cut, ins in edits:
        at = min(at, len(line))
        line = line[:at] + ins + line[at + cut:]
    if swap:
        line = line.swapcase()
    _assert_prefilters_pass(line)


_UI_PARTS = ["打印", "关闭窗口", "放大", "缩小", "分享到", "评论", "首页", "上一篇", "扫一扫", "微信", "用户名",
             "大 中 小", "共有12条评论", "打开新闻APP", " ", "|", "/", "·", ":", ">", "-", "、", "(", "【", "1",
             "某", "x", "今年"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_UI_PARTS), min_size=1, max_size=8))
def test_ui_line_test_skipping_by_first_character_changes_nothing(parts):
    """_is_ui answers lines whose first character neither starts a UI phrase nor is a separator
    without searching: the same answer as removing phrases and separators."""
    from pipeline.boilerplate import _is_ui, rules
    line = "".join(parts).strip()
    if line:
        r = rules()
        plain = (len(line) <= 60 and bool(r.ui_phrase.search(line))
                 and r.ui_sep.sub("", r.ui_phrase.sub("", line)) == "")
        assert _is_ui(line, r) == plain
