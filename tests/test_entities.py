"""Region, agency, campaign and period tagging (pipeline.entities), on sentences written for the tests."""
from __future__ import annotations

import doctest

import pytest

from pipeline import entities
from pipeline.entities import canonical_campaign, find_campaigns, period_of, resolve_period, tag_entities
from pipeline.model import Fact, Meta, Sentence
from pipeline.normalise import normalise


def tag(text: str, published: str | None = None):
    norm = normalise(text)
    title = next(iter(norm.text.strip().splitlines()), None)
    return tag_entities(norm, Meta(title=title, published=published))


def test_doctests():
    r = doctest.testmod(entities)
    assert r.attempted > 0 and r.failed == 0


REGION_CASES = [
    # ambiguity: the same district name in different cities, fixed by the agency or the city named
    ("fuzhou-gulou", "鼓楼警方破获一起电信诈骗案\n近日,福州市公安局鼓楼分局破获一起冒充客服诈骗案,抓获犯罪嫌疑人3名。",
     ("福建省", "福州市", "鼓楼区", "350102", "福州市公安局鼓楼分局", "district")),
    ("nanjing-gulou", "鼓楼警方破获一起电信诈骗案\n近日,鼓楼警方破获一起冒充客服诈骗案。据南京市反诈中心介绍,该案涉案金额20万元。",
     ("江苏省", "南京市", "鼓楼区", "320106", "南京市公安局鼓楼分局", "district")),
    ("beijing-chaoyang", "朝阳警方打掉一诈骗团伙\n北京朝阳警方通报,近日破获一起网络诈骗案,抓获5人。",
     ("北京市", "北京市", "朝阳区", "110105", "北京市公安局朝阳分局", "district")),
    ("changchun-chaoyang", "长春市朝阳区开展反诈宣传\n近日,长春市公安局朝阳分局民警走进社区开展宣传。",
     ("吉林省", "长春市", "朝阳区", "220104", "长春市公安局朝阳分局", "district")),
    ("gulou-unknown-city", "鼓楼警方破获一起诈骗案\n近日,鼓楼警方破获一起冒充客服诈骗案,抓获3人。",
     (None, None, None, None, None, None)),                # four 鼓楼区, none of their cities named
    ("station-city-only", "城关派出所开展反诈宣传\n近日,城关派出所民警走进社区。兰州市反诈中心提醒市民提高警惕。",
     ("甘肃省", "兰州市", None, "620100", "城关派出所", "station")),
    # short names with a police word or their parent before them
    ("short-with-parent", "陇南武都警方破获一起诈骗案\n近日,陇南武都警方破获一起冒充公检法诈骗案,抓获嫌疑人2名。",
     ("甘肃省", "陇南市", "武都区", "621202", "陇南市公安局武都分局", "district")),
    # national report: no region
    ("national", "全国公安机关破获电诈案件\n记者从公安部获悉,今年以来,全国公安机关共破获电信网络诈骗案件39万起。北京、上海、广东等地公安机关参与。",
     (None, None, None, None, "公安部", "national")),
    # provincial report: province only, even with cities and a dateline city named
    ("provincial", "浙江警方“断卡”行动成效显著\n记者从浙江省公安厅获悉,今年以来,全省公安机关深入推进“断卡”行动,杭州、宁波等地成效明显。",
     ("浙江省", None, None, "330000", "浙江省公安厅", "provincial")),
    ("dateline", "广东破获电诈案件2万起\n新华社广州5月6日电 记者从广东省公安厅获悉,今年以来,广东警方破获电诈案件2万起。",
     ("广东省", None, None, "440000", "广东省公安厅", "provincial")),
    # city report naming one of its branches in the body
    ("city-with-branch", "宁波警方打击电诈成效显著\n记者从宁波市公安局获悉,今年以来,宁波警方破获电诈案件3000起。其中,海曙分局破获200起。",
     ("浙江省", "宁波市", None, "330200", "宁波市公安局", "city")),
    # police station under a county-level city
    ("station", "贺村派出所成功劝阻一起诈骗\n近日,江山市公安局贺村派出所民警成功劝阻一起刷单诈骗。",
     ("浙江省", "衢州市", "江山市", "330881", "江山市公安局贺村派出所", "station")),
    # a county outlet that names itself only in its masthead
    ("county-outlet", "我县召开反诈工作推进会\n今日龙游讯 4月2日,我县召开打击治理电信网络诈骗推进会,县公安局局长主持会议。",
     ("浙江省", "衢州市", "龙游县", "330825", "龙游县公安局", "district")),
    # Hong Kong, Macau, Taiwan (traditional script in)
    ("hong-kong", "警方拘捕5名涉嫌電話騙案男子\n香港警方昨日拘捕5名涉嫌詐騙的男子,涉款逾300萬港元。警務處呼籲市民提高警覺。",
     ("香港", None, None, "810000", "香港警务处", "provincial")),
    ("macau", "司警偵破電話詐騙案\n司法警察局昨日偵破一宗電話詐騙案,本澳一名女子被騙5萬澳門元,三名香港男子被捕。",
     ("澳门", None, None, "820000", "澳门司法警察局", "provincial")),
    ("taiwan-city", "臺中市警察局宣導防詐\n臺中市警察局今日表示,今年1至7月共查獲詐騙集團50件,逮捕嫌犯300人。",
     ("台湾", "台中市", None, "710000", "台中市政府警察局", "city")),
    ("taiwan-national", "全臺打詐成果\n刑事警察局今天表示,今年上半年全臺共查獲詐騙集團500件。",
     ("台湾", None, None, "710000", "刑事警察局", "provincial")),
    ("hong-kong-no-place", "警務處呼籲市民提防電話騙案\n警務處今日表示,上月共接獲電話騙案報告120宗。",
     ("香港", None, None, "810000", "香港警务处", "provincial")),
    # local outlets writing 市公安局 / 省公安厅 without the place: the place comes from the masthead
    ("city-outlet", "我市召开反诈新闻发布会\n晋城日报讯 昨日,市公安局召开新闻发布会,通报今年以来全市打击电诈工作成效。",
     ("山西省", "晋城市", None, "140500", "晋城市公安局", "city")),
    ("province-outlet", "全省公安机关破获电诈案件\n本报讯 省公安厅昨日通报,今年以来全省破获电诈案件1万起。江西日报记者 张三",
     ("江西省", None, None, "360000", "江西省公安厅", "provincial")),
    # autonomous prefecture by its usual short form; a branch named after a development zone
    ("autonomous-prefecture", "恩施州公安局破获电诈案\n近日,恩施州公安局通报,今年以来破获电诈案件300起。",
     ("湖北省", "恩施土家族苗族自治州", None, "422800", "恩施州公安局", "city")),
    ("zone-branch", "高新警方破获一起诈骗案\n近日,西安市公安局高新分局破获一起刷单诈骗案,抓获3人。",
     ("陕西省", "西安市", None, "610100", "西安市公安局高新分局", "district")),
    # the fraudster's pretended police agency is not the reporter
    ("impersonation", "家住河南郑州的李女士险些被骗\n近日,家住河南郑州的李女士接到一个自称“上海市公安局”民警的电话,"
     "杭州市西湖区公安分局北山派出所民警及时上门劝阻。",
     ("浙江省", "杭州市", "西湖区", "330106", "杭州市西湖区公安分局北山派出所", "station")),
    # a site header listing provinces and related links naming other agencies
    ("site-boilerplate", "首页 | 北京 | 天津 | 河北 | 山西 | 内蒙古 | 辽宁 | 吉林 | 上海 | 江苏\n"
     "温州瓯海警方捣毁一诈骗窝点\n本报讯 近日,温州市公安局瓯海分局捣毁一个诈骗窝点,抓获8人。"
     "今年以来,瓯海分局累计破获电诈案件120起。\n相关阅读\n杭州市公安局破获特大诈骗案\n宁波警方打掉一犯罪团伙",
     ("浙江省", "温州市", "瓯海区", "330304", "温州市公安局瓯海分局", "district")),
    ("city-named-like-a-person", "中山警方打掉一跨境赌博团伙\n中山市公安局近日通报,成功打掉一跨境赌博团伙。",
     ("广东省", "中山市", None, "442000", "中山市公安局", "city")),
    # common words that are also place names, streets named after cities
    ("false-friends", "某地开展“长城”专项行动\n民警在新区、开发区、城区开展反诈宣传,东方红小区居民和平时一样参加。犯罪嫌疑人中山某某被抓获。",
     (None, None, None, None, None, None)),
    ("streets", "昆明警方破获诈骗案\n在北京路与南京路交叉口,昆明市公安局民警抓获2名嫌疑人。",
     ("云南省", "昆明市", None, "530100", "昆明市公安局", "city")),
]


@pytest.mark.parametrize("case, text, expected", REGION_CASES, ids=[c[0] for c in REGION_CASES])
def test_region_and_agency(case, text, expected):
    e = tag(text)
    assert (e.province, e.city, e.district, e.region_code, e.agency, e.agency_level) == expected


@pytest.mark.parametrize("written, canonical", [
    ("云剑-2022", "云剑2022"),
    ("云剑2022", "云剑2022"),
    ("2022云剑", "云剑2022"),
    ("云剑行动", "云剑"),
    ("断卡行动", "断卡"),
    ("净网—2021", "净网2021"),
    ("拔钉二号", "拔钉二号"),
    ("夏季治安打击整治", "夏季治安打击整治百日行动"),
    ("核心使命——2023", "核心使命2023"),           # not in the taxonomy: cleaned as written
    ("两卡", None),
])
def test_canonical_campaign(written, canonical):
    assert canonical_campaign(written) == canonical


@pytest.mark.parametrize("text, expected", [
    ("深入开展“云剑-2022”“断卡”“断流”等专项行动", ["云剑2022", "断卡", "断流"]),
    ("全面推进“云剑”行动,严打“两卡”犯罪", ["云剑"]),
    ("深化断卡行动和净网2021专项行动", ["断卡", "净网2021"]),
    ("组织开展「斷卡」行動", ["断卡"]),                                  # traditional, corner quotes
    ("开展“长城”行动", ["长城"]),
    ("游客在长城脚下参观", []),                                         # the wall, not the campaign
    ("开展代号“雷霆”的集中收网行动", ["雷霆"]),
    ("在“拔钉一号、拔钉二号”行动基础上开展“拔钉三号”行动", ["拔钉一号", "拔钉二号", "拔钉三号"]),
    ("开展“蓝盾2023”专项行动", ["蓝盾2023"]),                            # an unknown name, quoted + 行动
    ("以“无诈社区”创建为抓手,守护群众“钱袋子”", []),
    ("积极投入“清源”“斩链”", ["清源", "斩链"]),                          # listed names count when quoted
    ("全市部署开展打击整治养老诈骗专项行动以来", ["打击整治养老诈骗专项行动"]),      # unquoted, descriptive
    ("全国打击治理电信网络违法犯罪专项行动开展一年来", []),                   # no 开展/部署 before it
    ("开展反诈宣传进社区活动", []),
])
def test_find_campaigns(text, expected):
    assert find_campaigns(normalise(text).text) == expected


@pytest.mark.parametrize("text, published, expected", [
    ("今年以来,破获案件280余起", "2022-07-14", ("2022-01-01", "2022-07-14")),
    ("今年以来,破获案件280余起", None, (None, None)),
    ("截至目前,抓获嫌疑人120多人", "2022-07-14", (None, "2022-07-14")),
    ("今年4月以来,先后破获6起案件", "2022-07-14", ("2022-04-01", "2022-07-14")),
    ("1至6月份,辖区警情同比下降68%", "2022-07-14", ("2022-01-01", "2022-06-30")),
    ("今年1月至10月,累计止付资金3.5亿元", "2021-12-01", ("2021-01-01", "2021-10-31")),
    ("今年前10个月,止付资金3.5亿元", "2021-12-01", ("2021-01-01", "2021-10-31")),
    ("6月10日至13日,抓获19名嫌疑人", "2022-07-14", ("2022-06-10", "2022-06-13")),
    ("2月7日至2月18日,抓获23人", "2022-03-01", ("2022-02-07", "2022-02-18")),
    ("上半年,全市破获电诈案件500起", "2022-07-20", ("2022-01-01", "2022-06-30")),
    ("今年前三季度,破获案件9000起", "2022-10-20", ("2022-01-01", "2022-09-30")),
    ("一年来,全省破获案件1万起", "2022-07-14", ("2021-07-14", "2022-07-14")),
    ("2020年9月至2022年3月,该团伙诈骗多人", "2022-07-14", ("2020-09-01", "2022-03-31")),
    ("2021年,全省公安机关破获电诈案件1.3万起", "2022-01-25", ("2021-01-01", "2021-12-31")),
    ("去年,全国破获案件20万起", "2020-02-27", ("2019-01-01", "2019-12-31")),
    ("自6月8日开展打击治理电信网络诈骗犯罪“百日行动”以来,共破获案件", "2023-10-25", ("2023-06-08", "2023-10-25")),
    ("12月27日,居民报案称被骗2万元", "2022-03-20", ("2021-12-27", "2021-12-27")),   # later month: last year
    ("12月以来,共劝阻群众300人次", "2023-01-10", ("2022-12-01", "2023-01-10")),
    ("5月份,4名嫌疑人被抓获", "2022-07-14", ("2022-05-01", "2022-05-31")),
    ("近日,警方抓获3名嫌疑人", "2022-07-14", (None, None)),
    ("中新社某地4月30日电 警方30日通报称,29日凌晨捣毁窝点25个", "2019-04-30", ("2019-04-29", "2019-04-29")),
    ("与上年同期相比,立案数下降30.7%", "2022-09-22", (None, None)),
    ("2022年以来,累计冻结资金1亿元", "2023-03-01", ("2022-01-01", "2023-03-01")),
    ("截至6月底,累计劝阻1万人次", "2022-07-14", (None, "2022-06-30")),
    ("截至2022年9月30日,共抓获嫌疑人800名", "2022-10-14", (None, "2022-09-30")),
])
def test_period_of(text, published, expected):
    assert period_of(text, published, len(text)) == expected


def test_resolve_period_takes_the_expression_before_the_figure():
    text = "今年以来,共破获案件200起,其中6月10日至13日抓获19人"
    sent = Sentence(100, 100 + len(text), text)
    meta = Meta(published="2022-07-14")
    first = Fact("cases_solved", 200, "起", start=100 + text.index("共破获"), end=100 + text.index(",其中"))
    second = Fact("suspects_arrested", 19, "人", start=100 + text.index("抓获19"), end=100 + len(text))
    third = Fact("suspects_arrested", 5, "人", start=100, end=100 + 3)      # no expression before it
    assert resolve_period(first, sent, meta) == ("2022-01-01", "2022-07-14")
    assert resolve_period(second, sent, meta) == ("2022-06-10", "2022-06-13")
    assert resolve_period(third, Sentence(100, 103, "抓获5"), meta) == (None, None)


def test_entity_scores(tmp_path):
    import json

    import pandas as pd

    from pipeline.evaluate import entity_scores, format_entity_scores
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "a", "region": {"province": "甘肃省", "city": "兰州市", "district": None},
         "agency": "兰州市公安局", "campaigns": ["断卡", "断流"]},
        {"id": "b", "region": None, "agency": "公安部", "campaigns": []},
        {"id": "c", "region": None, "agency": None, "campaigns": []},     # missing from the table
    ]), encoding="utf-8")
    arts = pd.DataFrame([
        {"source": "x/a.txt", "province": "甘肃省", "city": "兰州市", "district": float("nan"),
         "agency": "兰州市公安局", "campaigns": ["断流", "断卡"]},
        {"source": "x/b.txt", "province": "北京市", "city": None, "district": None,
         "agency": "公安部", "campaigns": ["断卡"]},
    ])
    s = entity_scores(str(gold), arts)
    assert s["n"] == 3
    assert s["correct"]["region"] == 2            # a right; b wrong province; c: nothing predicted = null
    assert s["correct"]["agency"] == 3
    assert s["correct"]["campaigns"] == 2
    assert ("b", "province", None, "北京市") in s["mismatches"]
    line = next(x for x in format_entity_scores(s).splitlines() if x.startswith("agency"))
    assert line.split()[1] == "3/3"


# --- properties -----------------------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from pipeline.gazetteer import gazetteer  # noqa: E402

_PIECES = ["兰州", "七里河", "分局", "公安局", "警方", "派出所", "鼓楼区", "朝阳", "香港", "本澳", "“", "”", "断卡",
           "行动", "今年以来", "6月10日至13日", "13月45日", "至", ",", "。", "\n", "市", "县", "区", "省公安厅",
           "冒充", "公安部", "2022年", "上半年", "前13个月", "截至目前", "中山", "长城", "台中市警察局", "x", "1"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.sampled_from([None, "2022-07-14", "2020-02-29"]))
def test_never_raises_and_stays_consistent(pieces, published):
    text = "".join(pieces)
    e = tag(text, published)
    g = gazetteer()
    if e.district:
        assert e.province and any(d.province == e.province for d in g.by_full[e.district])
    if e.city:
        assert e.province
    if e.province:
        assert e.region_code and len(e.region_code) == 6
    if e.agency_level == "national":
        assert e.province is None
    assert len(set(e.campaigns)) == len(e.campaigns)
    a, b = period_of(text, published, len(text))
    assert a is None or b is None or a <= b


def test_title_given_apart_from_the_text():
    norm = normalise("近日,该局破获一起电信诈骗案,抓获3人。")
    e = tag_entities(norm, Meta(title="莆田警方破獲一起電信詐騙案"))
    assert (e.province, e.city, e.agency) == ("福建省", "莆田市", "莆田市公安局")


# --- Hong Kong, Macau and Taiwan organs; county-level bureaus; police outlets -----------------------

SAR_CASES = [
    # Hong Kong police units name no place: the unit implies the Hong Kong Police Force
    ("hk-unit", "警方破獲網上投資騙案\n商業罪案調查科人員昨日拘捕八名男子,涉款約500萬港元。",
     ("香港", None, None, "810000", "香港警务处", "provincial")),
    ("hk-region", "西九龍總區拘捕兩名騙徒\n西九龍總區刑事部昨日拘捕兩名涉嫌電話騙案的男子。",
     ("香港", None, None, "810000", "香港警务处", "provincial")),
    ("hk-district", "觀塘警區破獲騙案\n觀塘警區人員拘捕一名涉嫌詐騙的女子。",
     ("香港", None, None, "810000", "香港警务处", "provincial")),
    ("hk-adcc", "反詐騙協調中心截停款項\n反詐騙協調中心今日表示,上月成功截停款項約2000萬港元。",
     ("香港", None, None, "810000", "香港警务处", "provincial")),
    # Macau: the public security police and the abbreviation of the judiciary police
    ("macau-psp", "治安警察局拘捕一名騙徒\n治安警察局昨日拘捕一名涉嫌詐騙的男子。",
     ("澳门", None, None, "820000", "澳门治安警察局", "provincial")),
    ("macau-short", "司警破獲電話騙案\n司警昨日拘捕兩名男子,涉款十萬澳門元。",
     ("澳门", None, None, "820000", "澳门司法警察局", "provincial")),
    # Taiwan: the national bureau after its parents, its abbreviation, the agency alone
    ("tw-cib", "刑事局破獲詐團\n內政部警政署刑事警察局今天表示,刑事局日前破獲一個詐騙集團。",
     ("台湾", None, None, "710000", "刑事警察局", "provincial")),
    ("tw-npa", "警政署公布打詐成果\n警政署今天公布上月詐欺案件統計。",
     ("台湾", None, None, "710000", "警政署", "provincial")),
    # Taiwan: municipalities' bureaus are 市政府警察局, counties' 县警察局, however written
    ("tw-municipality", "高雄市政府警察局破獲機房\n高雄市政府警察局今日表示,破獲一處詐騙機房。",
     ("台湾", "高雄市", None, "710000", "高雄市政府警察局", "city")),
    ("tw-municipality-branch", "新北市政府警察局三重分局破獲詐團\n新北市政府警察局三重分局今日表示,逮捕車手5人。",
     ("台湾", "新北市", None, "710000", "新北市政府警察局", "city")),
    ("tw-county", "屏東縣警察局宣導防詐\n屏東縣警察局今日呼籲民眾提防假投資詐騙。",
     ("台湾", "屏东县", None, "710000", "屏东县警察局", "city")),
    ("tw-county-short", "嘉義縣警局打詐\n嘉義縣警局今日表示,今年已逮捕車手30人。",
     ("台湾", "嘉义县", None, "710000", "嘉义县警察局", "city")),
    ("tw-informal", "臺南警方破獲車手集團\n臺南警方今日表示,逮捕車手10人。",
     ("台湾", "台南市", None, "710000", "台南市政府警察局", "city")),
    # a county-level city's or a county's bureau goes by its own name, without its prefecture
    ("county-city-bureau", "瑞安警方破获一起诈骗案\n近日,温州市瑞安市公安局破获一起刷单诈骗案,抓获3人。",
     ("浙江省", "温州市", "瑞安市", "330381", "瑞安市公安局", "district")),
    ("county-bureau", "于都警方打掉一个洗钱团伙\n近日,赣州市于都县公安局打掉一个洗钱团伙,抓获6人。",
     ("江西省", "赣州市", "于都县", "360731", "于都县公安局", "district")),
    ("district-bureau-keeps-city", "武侯警方破获诈骗案\n近日,成都市武侯区公安分局破获一起诈骗案,抓获2人。",
     ("四川省", "成都市", "武侯区", "510107", "成都市武侯区公安分局", "district")),
]


@pytest.mark.parametrize("case, text, expected", SAR_CASES, ids=[c[0] for c in SAR_CASES])
def test_sar_taiwan_and_county_agencies(case, text, expected):
    e = tag(text)
    assert (e.province, e.city, e.district, e.region_code, e.agency, e.agency_level) == expected


@pytest.mark.parametrize("outlet, expected", [
    ("成都市公安局锦江区分局", "成都市公安局锦江区分局"),     # the outlet is the same organ: its formal name
    ("【成都市锦江区公安分局】", "成都市锦江区公安分局"),
    ("成都日报", "成都市公安局锦江分局"),                       # not an organ: the constructed name
    ("成都市公安局", "成都市公安局锦江分局"),                   # another organ: ignored
])
def test_police_outlet_names_an_informally_written_agency(outlet, expected):
    norm = normalise("锦江警方提醒谨防刷单诈骗\n近日,锦江警方提醒市民谨防刷单诈骗。")
    e = tag_entities(norm, Meta(title="锦江警方提醒谨防刷单诈骗", outlet=outlet))
    assert (e.district, e.agency) == ("锦江区", expected)


@pytest.mark.parametrize("text, expected", [
    ("警方配合執行「春安專案」查緝詐欺集團", ["春安专案"]),          # Taiwan: 專案 inside the quotes
    ("在“5·20”专案中抓获嫌疑人12名", []),                          # a mainland case number
    ("组织社区民警开展“敲门行动”,逐户上门提醒", []),                 # a publicity drive
    ("开展“反诈宣传进万家”行动", []),
    ("自“夏季行动”开展以来,破获案件30起", ["夏季治安打击整治百日行动"]),
    ("开展“雷霆”行动和“敲门行动”", ["雷霆"]),
])
def test_find_campaigns_sar_and_prevention(text, expected):
    assert find_campaigns(normalise(text).text) == expected


# --- per-fact region ------------------------------------------------------------------------------

from pipeline.entities import fact_region  # noqa: E402
from pipeline.model import Entities  # noqa: E402

_CITY = Entities(province="甘肃省", city="兰州市", region_code="620100", agency="兰州市公安局", agency_level="city")
_PROV = Entities(province="甘肃省", region_code="620000", agency="甘肃省公安厅", agency_level="provincial")
_DIST = Entities(province="甘肃省", city="兰州市", district="西固区", region_code="620104")


@pytest.mark.parametrize("ents, sentence, expected", [
    (_CITY, "其中,七里河区破获电诈案件20起", ("甘肃省", "兰州市", "七里河区", "620103")),
    (_CITY, "安宁分局抓获犯罪嫌疑人8名", ("甘肃省", "兰州市", "安宁区", "620105")),     # short name + 分局
    (_CITY, "兰州市西固区公安分局冻结资金30万元", ("甘肃省", "兰州市", "西固区", "620104")),
    (_PROV, "其中,天水市破获案件300起", ("甘肃省", "天水市", None, "620500")),           # provincial report
    (_CITY, "七里河区、西固区分别破获案件5起和7起", None),                                # two districts
    (_CITY, "在七里河区和榆中等地抓获5人", None),                                          # a list of places
    (_CITY, "在成都市武侯区抓获3名嫌疑人", None),                                          # outside the city
    (_CITY, "民警在七里河路抓获2人", None),                                                # a street
    (_CITY, "全市共破获案件500起", None),
    (_DIST, "其中七里河区破获20起", None),                                                 # already a district
    (Entities(agency="公安部", agency_level="national"), "其中甘肃省破获1万起", None),      # national report
])
def test_fact_region(ents, sentence, expected):
    norm = normalise(sentence)
    e = fact_region(norm, Sentence(0, len(norm.text), norm.text), ents)
    if expected is None:
        assert e is None
    else:
        assert (e.province, e.city, e.district, e.region_code) == expected
        assert (e.agency, e.agency_level) == (ents.agency, ents.agency_level)     # the reporter stays
