"""normalise: romanisation, script, width, with a faithful map back to the original text."""
import pytest
from hypothesis import given, settings, strategies as st

from pipeline.normalise import normalise


@pytest.mark.parametrize("raw, clean", [
    ("面(mian)對面", "面对面"),
    ("電(dian)(dian)信詐(zha)騙", "电信诈骗"),
    ("網(wǎng)絡", "网络"),
    ("全（quan）力", "全力"),
    ("反诈中心(APP)", "反诈中心(APP)"),            # an acronym is not romanisation
    ("破获案件(含跨省案件)3起", "破获案件(含跨省案件)3起"),  # brackets with Chinese stay
    ("2022年(ren)", "2022年"),
], ids=["pinyin", "repeated", "tone-marks", "full-width-brackets", "acronym-kept",
        "chinese-in-brackets", "after-year"])
def test_romanisation(raw, clean):
    assert normalise(raw).text == clean


@pytest.mark.parametrize("raw, clean", [
    ("凍結資金２７０１．６萬元", "冻结资金2701.6万元"),
    ("同比下降６８．２６％", "同比下降68.26%"),
    ("抓獲犯罪嫌疑人１２０多人", "抓获犯罪嫌疑人120多人"),
    ("警務處拘捕３人", "警务处拘捕3人"),
    ("臺灣刑事警察局", "台湾刑事警察局"),
    ("今年以来，破获案件", "今年以来,破获案件"),
    ("a\u200bb\ufeffc", "abc"),
    ("一\r\n二\r三", "一\n二\n三"),
], ids=["traditional-amount", "percent", "arrested", "hong-kong", "taiwan", "comma",
        "invisible", "line-breaks"])
def test_script_and_width(raw, clean):
    assert normalise(raw).text == clean


def test_evidence_maps_back_to_original_script():
    raw = "累計預(yu)警(jing)１７２９人次，凍結資金2701.6萬元。"
    n = normalise(raw)
    i = n.text.index("冻结")
    assert n.orig_slice(i, n.text.index("元") + 1) == "凍結資金2701.6萬元"
    j = n.text.index("预警")
    assert n.orig_slice(j, j + 8) == "預(yu)警(jing)１７２９人次"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_is_idempotent(s):
    once = normalise(s).text
    assert normalise(once).text == once


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("面(mian)對電網wǎng（）２０％，。\n\r 凍結萬元臺灣abcAPP\u200b"))))
def test_offsets_are_monotonic_and_in_bounds(s):
    n = normalise(s)
    assert len(n.offsets) == len(n.text) + 1
    assert all(0 <= o <= len(s) for o in n.offsets)
    assert all(a < b for a, b in zip(n.offsets[:-2], n.offsets[1:-1]))
    for i in range(len(n.text)):  # every kept character comes from a real original character
        a, b = n.to_orig(i, i + 1)
        assert 0 <= a < b <= len(s)


@pytest.mark.parametrize("raw, clean", [
    ("今年以来成效显著,破获案件12起", "今年以来成效显著,破获案件12起"),   # simplified 著 stays
    ("今年以來成效顯著,破獲案件12起", "今年以来成效显著,破获案件12起"),
], ids=["simplified-untouched", "traditional-converted"])
def test_simplified_text_is_not_reconverted(raw, clean):
    assert normalise(raw).text == clean
    assert normalise(normalise(raw).text).text == clean


def test_script_is_decided_on_the_article_not_on_the_site_around_it():
    """A traditional article on a page whose (simplified) footer is long: the footer is removed
    as boilerplate and the article is converted, so that normalising again changes nothing and
    the extraction sees 破获, not 破獲."""
    footer = ("版权所有©某某市公安局网站 主办单位:某某市公安局宣传处 承办单位:某某市公安局网络安全"
              "保卫支队 技术支持:某某信息技术有限公司 地址:某某市人民路一号 备案号:某ICP备12345678号\n")
    n = normalise("警方近日破獲電信詐騙案3起。\n" + footer * 3)
    assert n.text.strip() == "警方近日破获电信诈骗案3起。"
    assert normalise(n.text).text == n.text
    assert n.orig_slice(n.text.index("破获"), n.text.index("案")) == "破獲電信詐騙"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("電信诈骗面對(（)）dianmiàn12 \u200b\u00adAPP,。")), max_size=40),
       st.integers(0, 40), st.integers(0, 40))
def test_has_romanisation_covers_every_part(text, a, b):
    """A text without romanisation (the build's test before stripping evidence) has none in
    any of its parts."""
    from pipeline.normalise import has_romanisation, strip_romanisation
    if not has_romanisation(text):
        assert strip_romanisation(text[a:b]) == text[a:b]
    else:
        assert strip_romanisation(text) != text


# --- hard-wrapped text (a report copied from a PDF) --------------------------------------------
_WRAPPED = ("某县公安局\n关于打击治理电信网络诈骗工作情况的报告\n"
            "    今年以来,全县公安机关持续开展打击治理电信网\n"
            "络诈骗专项行动,全年共破获电信网络诈骗案件163\n"
            "起,同比上升9.4%;抓获犯罪嫌疑人217名,打掉犯罪\n"
            "团伙16个;冻结涉案资金1.37亿元,为群众挽回经济损\n"
            "失260余万元。\n\n- 1 -\n\n"
            "    下一步,全县公安机关将持续深化打击整治工作,坚\n"
            "决守护好人民群众的钱袋子。\n")


def test_a_hard_wrapped_report_reads_as_paragraphs():
    from pipeline.extract import extract_facts
    from pipeline.sentences import split_sentences
    n = normalise(_WRAPPED)
    assert "电信网络诈骗专项行动" in n.text and "- 1 -" not in n.text
    assert n.text.splitlines()[2].endswith("挽回经济损失260余万元。")
    facts = {(f.metric, f.value) for f in extract_facts(n, split_sentences(n))}
    assert {("cases_solved", 163), ("suspects_arrested", 217), ("gangs_dismantled", 16),
            ("funds_frozen", 137000000), ("losses_recovered", 2600000)} <= facts
    assert normalise(n.text).text == n.text
    i = n.text.index("163")                       # provenance across the removed line break
    assert n.orig_slice(i, i + 4) == "163\n起"


@pytest.mark.parametrize("text", [
    "一、主要数据\n电诈警情:同比下降23.4%,环比下降5.1%\n预警推送:12345条\n劝阻:3456人次(其中见面劝阻1021人次)\n"
    "紧急止付:1268.3万元\n冻结资金:532万元\n反诈宣传:进社区、进企业、进校园142场\n",
    "反诈中心提醒广大市民,以下五类情形都是诈骗,请务必牢记:\n一、凡是让你先垫付资金做任务的刷单,都是诈骗;\n"
    "二、凡是自称有内幕消息带你投资稳赚不赔的,都是诈骗;\n三、凡是贷款前要求先交保证金解冻费的,都是诈骗;\n"
    "四、凡是客服主动联系要求退款并索要验证码的都是诈骗\n五、凡是公检法电话要求转账到安全账户的都是诈骗\n",
], ids=["bulletin-lines", "numbered-list"])
def test_lists_of_similar_lines_are_not_joined(text):
    assert normalise(text).text.count("\n") == text.count("\n")
