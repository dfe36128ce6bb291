"""Fact extraction (pipeline/extract.py) on invented report sentences, one table per concern."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dedup import dedup_facts
from pipeline.extract import extract_facts, find_mentions, load_rules
from pipeline.model import NormText
from pipeline.normalise import normalise
from pipeline.sentences import split_sentences


def plain(text: str) -> NormText:
    return NormText(text=text, offsets=list(range(len(text) + 1)), original=text)


def facts_of(text: str, norm: NormText | None = None):
    """Facts of ``text`` after the real normalisation (traditional script, half-width)."""
    norm = norm or normalise(text)
    return extract_facts(norm, split_sentences(norm))


def triples(text: str) -> list[tuple]:
    return sorted((f.metric, f.value, f.qualifier) for f in facts_of(text))


def case(text, *expected, id):
    return pytest.param(text, sorted(expected), id=id)


E, M, A = "exact", "more_than", "about"

# --- one or more facts per metric, in the wording police reports use --------------------------
POSITIVE = [
    # cases_solved
    case("今年以来,该局共破获电信网络诈骗案件356起。", ("cases_solved", 356, E), id="cases-破获-案件-起"),
    case("全年侦破各类涉诈案件1.2万余起。", ("cases_solved", 12000, M), id="cases-侦破-万余"),
    case("分局破案47起,同比上升12%。", ("cases_solved", 47, E), id="cases-破案-N起"),
    case("专案组先后破获12起跨境诈骗案。", ("cases_solved", 12, E), id="cases-number-first"),
    case("串并案件八十一起。", ("cases_solved", 81, E), id="cases-串并-chinese"),
    case("警方偵破詐騙案件23宗。", ("cases_solved", 23, E), id="cases-宗-hk"),
    case("民警成功破获一起冒充客服诈骗案。", ("cases_solved", 1, E), id="cases-一起"),
    # suspects_arrested
    case("抓获犯罪嫌疑人58名。", ("suspects_arrested", 58, E), id="arrested-抓获-名"),
    case("共抓获违法犯罪人员2.3万人。", ("suspects_arrested", 23000, E), id="arrested-万人"),
    case("当场抓获王某某等十二名犯罪嫌疑人。", ("suspects_arrested", 12, E), id="arrested-named-等"),
    case("民警于6月3日将李某等3人抓获归案。", ("suspects_arrested", 3, E), id="arrested-将-post-verb"),
    case("其中217名外逃人员已全部抓捕到案。", ("suspects_arrested", 217, E), id="arrested-到案"),
    case("行动中拘捕9名男子。", ("suspects_arrested", 9, E), id="arrested-拘捕-hk"),
    case("经连续奋战,14名犯罪嫌疑人全部落网。", ("suspects_arrested", 14, E), id="arrested-落网-post-verb"),
    case("抓获为30余个诈骗团伙提供洗钱服务的犯罪嫌疑人18名。", ("suspects_arrested", 18, E),
         id="arrested-figure-inside-object-phrase"),
    case("警方隨即將兩名涉案女子拘捕。", ("suspects_arrested", 2, E), id="arrested-将-拘捕-trad"),
    case("抓获“跑分”人员近40名。", ("suspects_arrested", 40, A), id="arrested-about"),
    # suspects_under_measures
    case("依法对29名犯罪嫌疑人采取刑事强制措施。", ("suspects_under_measures", 29, E), id="measures-对N名-采取"),
    case("目前,7名犯罪嫌疑人已被依法刑事拘留。", ("suspects_under_measures", 7, E), id="measures-被刑事拘留"),
    case("刑事拘留犯罪嫌疑人41名。", ("suspects_under_measures", 41, E), id="measures-刑拘-verb-first"),
    case("抓获并刑事拘留涉诈嫌疑人17名。",
         ("suspects_arrested", 17, E), ("suspects_under_measures", 17, E), id="arrested-and-measures"),
    # gangs_dismantled
    case("打掉诈骗犯罪团伙14个。", ("gangs_dismantled", 14, E), id="gangs-打掉-团伙"),
    case("捣毁窝点6处。", ("gangs_dismantled", 6, E), id="gangs-捣毁-处"),
    case("一举捣毁9个电诈窝点。", ("gangs_dismantled", 9, E), id="gangs-number-first"),
    case("成功打掉一个为诈骗分子洗钱的犯罪团伙。", ("gangs_dismantled", 1, E), id="gangs-一个"),
    case("市局打掉一跨省电信诈骗团伙。", ("gangs_dismantled", 1, E), id="gangs-indefinite-一"),
    case("警方宣布破獲一個電話騙案集團,拘捕六人。", ("gangs_dismantled", 1, E),
         ("suspects_arrested", 6, E), id="gangs-head-noun-集团-not-case"),
    # funds_frozen / accounts_frozen
    case("冻结涉案资金4321.5万元。", ("funds_frozen", 43215000, E), id="frozen-万元"),
    case("止付冻结资金1.8亿余元。", ("funds_frozen", 180000000, M), id="frozen-combined-止付冻结"),
    case("快速止付、冻结涉案资金5.6亿元。", ("funds_frozen", 560000000, E), id="frozen-止付、冻结"),
    case("冻结涉案账户318个。", ("accounts_frozen", 318, E), id="accounts-冻结-账户"),
    case("民警对涉案的52个对公账户进行了冻结。", ("accounts_frozen", 52, E), id="accounts-对N个-post-verb"),
    case("止付冻结涉案银行账户2.1万个。", ("accounts_frozen", 21000, E), id="accounts-combined"),
    # funds_stopped
    case("紧急止付涉案资金785万元。", ("funds_stopped", 7850000, E), id="stopped-紧急止付"),
    case("成功拦截涉诈资金逾3000万元。", ("funds_stopped", 30000000, M), id="stopped-拦截-逾"),
    case("共成功攔阻詐騙匯款金額達3億2050萬餘元。", ("funds_stopped", 320500000, M), id="stopped-攔阻-tw"),
    # losses_recovered
    case("为群众挽回经济损失2.4亿元。", ("losses_recovered", 240000000, E), id="recovered-挽回"),
    case("追回被骗资金86万余元。", ("losses_recovered", 860000, M), id="recovered-追回"),
    case("集中返还受骗群众资金12.5万元。", ("losses_recovered", 125000, E), id="recovered-返还"),
    case("嫌疑人主动退赔3万元。", ("losses_recovered", 30000, E), id="recovered-退赔"),
    case("将追缴的48万余元涉案资金发还给6名被害人。", ("losses_recovered", 480000, M),
         id="recovered-number-first"),
    # amount_involved
    case("经查,该团伙涉案金额达1.3亿元。", ("amount_involved", 130000000, E), id="amount-涉案金额"),
    case("抓获嫌疑人5名,涉案资金700余万元。",
         ("suspects_arrested", 5, E), ("amount_involved", 7000000, M), id="amount-separate-clause"),
    case("涉案流水超2亿元。", ("amount_involved", 200000000, M), id="amount-流水-超"),
    # warnings_issued / victims_dissuaded
    case("累计推送预警信息3.6万条。", ("warnings_issued", 36000, E), id="warnings-推送-条"),
    case("下发预警指令5210条。", ("warnings_issued", 5210, E), id="warnings-指令"),
    case("电话预警2.7万人次。", ("warnings_issued", 27000, E), id="warnings-人次"),
    case("见面劝阻1800余人次。", ("victims_dissuaded", 1800, M), id="dissuaded-见面劝阻"),
    case("开展预警劝阻46万人次。", ("victims_dissuaded", 460000, E), id="dissuaded-预警劝阻-not-warning"),
    case("成功劝阻潜在受害人3200人。", ("victims_dissuaded", 3200, E), id="dissuaded-人"),
    case("金融機構共成功攔阻詐騙案件1,320件,攔阻金額達新臺幣8億元。",
         ("funds_stopped", 800000000, E), id="tw-攔阻-cases-are-prevented-not-dissuaded"),
    # cards and phones
    case("现场扣押手机27部。", ("phones_seized", 27, E), id="phones-扣押"),
    case("缴获电话卡8000余张。", ("sim_cards_seized", 8000, M), id="sim-缴获"),
    case("查获银行卡320张。", ("bank_cards_seized", 320, E), id="bank-查获"),
    case("查扣两百多张银行卡。", ("bank_cards_seized", 200, M), id="bank-number-first"),
    # regional wording and layout
    case("行动中警方冻结了67个银行户口,涉款约800万港元。",
         ("accounts_frozen", 67, E), ("amount_involved", 8000000, A), id="hk-户口-涉款"),
    case("刑事警察局今年共查獲詐欺集團52個。", ("gangs_dismantled", 52, E), id="tw-查获-集团-个"),
    case("民警将9涉嫌帮助信息网络犯罪活动的嫌疑人抓获归案。", ("suspects_arrested", 9, E),
         id="classifier-left-out-after-将"),
    case("抓获犯罪嫌疑人 15 名,冻结资金 2,701.6 万元。",
         ("suspects_arrested", 15, E), ("funds_frozen", 27016000, E), id="spaced-digits"),
    case("破案23起 抓获41人 冻结资金300万元", ("cases_solved", 23, E), ("suspects_arrested", 41, E),
         ("funds_frozen", 3000000, E), id="title-parts-spaces"),
    # case_change_pct
    case("全市电信网络诈骗发案数同比下降21.4%。", ("case_change_pct", -21.4, E), id="pct-发案-down"),
    case("电诈警情同比上升6.2%。", ("case_change_pct", 6.2, E), id="pct-警情-up"),
    case("全省共立诈骗案件512起、同比下降8.5%。", ("case_change_pct", -8.5, E), id="pct-subject-in-previous-item"),
    case("本港上半年共录得9,880宗诈骗案,按年上升12.4%。", ("case_change_pct", 12.4, E), id="pct-hk-按年"),
    case("全市电诈发案数同比下降百分之十二点五。", ("case_change_pct", -12.5, E), id="pct-百分之-chinese-decimal"),
    case("全市电诈警情同比下降17.4%,环比上升3.1%。", ("case_change_pct", -17.4, E),
         id="pct-环比-after-同比-is-no-case-change"),
    case("电诈警情同比、环比分别下降19.3%、6.8%。", ("case_change_pct", -19.3, E), id="pct-同比-环比-分别"),
    case("电诈警情环比、同比分别下降6.8%、19.3%。", ("case_change_pct", -19.3, E), id="pct-环比-同比-分别"),
    case("刷单类警情环比下降12.4%,同比下降8%。", ("case_change_pct", -8, E), id="pct-环比-first"),
    case("全区电诈警情同比下降19.3%、环比下降6.8%。", ("case_change_pct", -19.3, E), id="pct-、环比-in-one-clause"),
    case("全区电诈警情环比下降6.8%、同比下降19.3%。", ("case_change_pct", -19.3, E), id="pct-环比、同比-in-one-clause"),
    case("发案数同比环比均下降5%。", ("case_change_pct", -5, E), id="pct-同比环比均"),
    case("发案数同比下降：１７．３％", ("case_change_pct", -17.3, E), id="pct-bulletin-label-line"),
    case("目前,11名犯罪嫌疑人中有9人已被依法刑事拘留。", ("suspects_under_measures", 9, E),
         id="post-verb-is-the-later-counts-N中有M"),
    case("民警将5名嫌疑人及3名同伙抓获。", ("suspects_arrested", 5, E), ("suspects_arrested", 3, E),
         id="post-verb-shared-by-list-items"),
    case("本澳首季錄得詐騙案三百宗,按年減少百分之七點二。", ("case_change_pct", -7.2, E),
         id="pct-traditional-點-decimal"),
    case("冻结涉案资金一点二亿元。", ("funds_frozen", 120000000, E), id="money-chinese-decimal-亿"),
    case("警方拘捕七名男女(五男二女),涉案金额三百万元。", ("suspects_arrested", 7, E),
         ("amount_involved", 3000000, E), id="gender-split-in-brackets-is-no-second-count"),
    case("警方拘捕五男二女。", ("suspects_arrested", 7, E), id="gender-split-is-the-count"),
    # spaces that sites put around Arabic numbers
    case("查获电话卡 300 余张。", ("sim_cards_seized", 300, M), id="space-before-余"),
    case("全县冻结涉案资金超 1200 万元。", ("funds_frozen", 12000000, M), id="space-after-qualifier-超"),
    case("抓获涉诈人员近 40 名。", ("suspects_arrested", 40, A), id="space-after-qualifier-近"),
    case("全县电诈发案同比下降 23.7%。", ("case_change_pct", -23.7, E), id="space-after-change-word"),
    case("全市发案数同比下降三成以上。", ("case_change_pct", -30, M), id="tenths-以上"),
    case("某县警方侦破一起帮助境外诈骗集团洗钱案。", ("cases_solved", 1, E),
         id="indefinite-一起-counts-a-case-not-the-集团-in-it"),
    case("警方檢獲手提電話35部、銀行提款卡190餘張。", ("phones_seized", 35, E),
         ("bank_cards_seized", 190, M), id="enumeration-item-银行提款卡-hk-tw"),
    case("今年以来共抓获嫌疑人860名,其中诈欺车手112人。", ("suspects_arrested", 860, E),
         ("suspects_arrested", 112, E), id="subset-role-noun-outside-the-lexicon"),
    case("抓获涉两卡嫌疑人320名,其中银行、通信行业内部人员9名。", ("suspects_arrested", 320, E),
         ("suspects_arrested", 9, E), id="subset-role-phrase-with-enumeration"),
    case("专案组抓获嫌疑人3名。经边境合作,移交电诈嫌疑人2.1万名,其中网上在逃人员800余名。",
         ("suspects_arrested", 3, E), id="subset-of-a-hand-over-is-no-arrest"),
    case("警方拘捕二十人,当中十二男八女,包括两名主脑。", ("suspects_arrested", 20, E),
         ("suspects_arrested", 2, E), id="subset-after-a-breakdown-of-the-count"),
]


@pytest.mark.parametrize("text,expected", POSITIVE)
def test_positive(text, expected):
    assert triples(text) == expected


# --- enumerations sharing one verb -----------------------------------------------------------
ENUMERATIONS = [
    case("扣押手机64部、电话卡150余张、银行卡92张。",
         ("phones_seized", 64, E), ("sim_cards_seized", 150, M), ("bank_cards_seized", 92, E),
         id="enum-、-inherits-扣押"),
    case("现场查获作案用电脑11台,作案用手机36部,银行卡58张。",
         ("phones_seized", 36, E), ("bank_cards_seized", 58, E), id="enum-comma-computers-skipped"),
    case("抓获犯罪嫌疑人31名,其中骨干成员4名。",
         ("suspects_arrested", 31, E), ("suspects_arrested", 4, E), id="enum-subset-其中"),
    case("查获诈骗集团52件,逮捕犯嫌610人;查缉车手233件,犯嫌247人。",
         ("cases_solved", 52, E), ("suspects_arrested", 610, E), ("cases_solved", 233, E),
         ("suspects_arrested", 247, E), id="enum-tw-查缉"),
    case("破获案件210起,抓获犯罪嫌疑人180名,冻结资金3200万元。",
         ("cases_solved", 210, E), ("suspects_arrested", 180, E), ("funds_frozen", 32000000, E),
         id="enum-three-verbs"),
    case("全市警情数、立案数、损失数同比分别下降18.1%、15.6%、30.2%。",
         ("case_change_pct", -18.1, E), ("case_change_pct", -15.6, E), id="enum-分别-aligned"),
    case("抓获嫌疑人62名、起诉48人。", ("suspects_arrested", 62, E), id="enum-own-verb-not-inherited"),
    case("紧急止付涉案资金57笔、金额318万元。", ("funds_stopped", 3180000, E), id="enum-金额-inherits-止付"),
    case("打掉跨境赌博团伙3个、电诈团伙5个。",
         ("gangs_dismantled", 3, E), ("gangs_dismantled", 5, E), id="enum-modifier-nouns"),
    case("专案组抓获犯罪嫌疑人56名,其中刑事拘留48人,取保候审8人。",
         ("suspects_arrested", 56, E), ("suspects_under_measures", 48, E), id="enum-subset-own-verbs"),
    case("其中11名犯罪嫌疑人已被刑事拘留,扣押手机9部。",
         ("suspects_under_measures", 11, E), ("phones_seized", 9, E), id="enum-post-verb-beats-inheritance"),
]


@pytest.mark.parametrize("text,expected", ENUMERATIONS)
def test_enumerations(text, expected):
    assert triples(text) == expected


# --- distractors: no fact --------------------------------------------------------------------
NEGATIVE = [
    pytest.param("如有疑问请拨打0871-6543210或96110咨询。", id="phone-numbers"),
    pytest.param("6月份全市电诈警情环比下降6.2%。", id="pct-环比-month-on-month"),
    pytest.param("三季度全市电诈警情较上季度下降6.8%。", id="pct-较上季度-quarter-on-quarter"),
    pytest.param("今年以来,全市两级法院共审结电信网络诈骗及其关联犯罪案件412件。",
                 id="court-cases-concluded-关联-is-no-verb-here"),
    pytest.param("民警走访群众500人,其中外来务工人员120人。", id="subset-of-people-visited"),
    pytest.param("2023年5月18日,记者从市公安局获悉。", id="dates"),
    pytest.param("出动警力320余名,组成抓捕组25个。", id="staff-and-teams"),
    pytest.param("共发放宣传资料3000余份,张贴海报200张。", id="leaflets"),
    pytest.param("开展反诈宣传活动80余场次,培训群众1.2万人次。", id="publicity-events"),
    pytest.param("为群众避免经济损失560万元。", id="avoided-losses"),
    pytest.param("成功阻止10万元以上被骗案件35起。", id="prevented-cases"),
    pytest.param("现场扣押现金43万元,查扣赃款12万元。", id="seized-cash"),
    pytest.param("第二批8名犯罪嫌疑人被押解回当地。", id="escorted-suspects"),
    pytest.param("该团伙涉案金额达数亿元。", id="vague-amount"),
    pytest.param("缴获手机卡、银行卡共460张。", id="combined-two-kinds"),
    pytest.param("收缴涉案“两卡”2100张。", id="combined-两卡"),
    pytest.param("全市接报电诈警情1235起,受理诈骗案件880件。", id="reported-not-solved"),
    pytest.param("破案数同比上升35%,抓获数同比上升20%,被骗损失下降11%。", id="pct-other-subjects"),
    pytest.param("国家反诈中心APP注册率上升至62%。", id="pct-rose-to"),
    pytest.param("受害人张某被骗18万元。", id="victim-loss"),
    pytest.param("关停涉案手机卡3.2万张,封停银行卡1.1万张。", id="cards-shut-down-not-seized"),
    pytest.param("涉案车辆、房产等总价值900余万元。", id="total-value-goods"),
    pytest.param("联席会议由26家成员单位组成,下设8个工作组。", id="departments"),
    pytest.param("民警和群众一起来到现场。", id="一起-together"),
    pytest.param("锁定80余个窝点的准确位置。", id="dens-located-not-dismantled"),
    pytest.param("共查获手机卡、银行卡等作案工具2600余件。", id="tools-counted-in-件-not-cases"),
    pytest.param("法院判处其有期徒刑五年,并责令退赔被害人损失42万元。", id="court-ordered-restitution"),
    pytest.param("民警走访商户120家、居民860户,帮助300余名群众下载反诈APP。", id="outreach-counts"),
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative(text):
    assert triples(text) == []


# --- qualifiers -------------------------------------------------------------------------------
QUALIFIERS = [
    case("抓获犯罪嫌疑人逾百名。", ("suspects_arrested", 100, M), id="逾-prefix"),
    case("抓获犯罪嫌疑人100人以上。", ("suspects_arrested", 100, M), id="以上-suffix"),
    case("冻结资金约1500万元。", ("funds_frozen", 15000000, A), id="约-prefix"),
    case("冻结资金1500万元左右。", ("funds_frozen", 15000000, A), id="左右-suffix"),
    case("止付资金近两亿元。", ("funds_stopped", 200000000, A), id="近-prefix-chinese"),
    case("冻结资金超过2亿元。", ("funds_frozen", 200000000, M), id="超过-prefix"),
    case("挽回损失2600余万元。", ("losses_recovered", 26000000, M), id="余-inside"),
    case("涉案金额高达800万元。", ("amount_involved", 8000000, E), id="高达-is-exact"),
]


@pytest.mark.parametrize("text,expected", QUALIFIERS)
def test_qualifiers(text, expected):
    assert triples(text) == expected


# --- scope -----------------------------------------------------------------------------------
SCOPES = [
    pytest.param("今年以来,全县破获电诈案件73起。", "cumulative", id="今年以来"),
    pytest.param("1至9月,全市累计止付资金1.1亿元。", "cumulative", id="month-range"),
    pytest.param("截至目前,共抓获犯罪嫌疑人96名。", "cumulative", id="截至目前"),
    pytest.param("2022年,全省公安机关破获案件1.5万起。", "cumulative", id="year-total"),
    pytest.param("3月5日凌晨,专案组在某小区抓获犯罪嫌疑人11名。", "operation", id="raid-date"),
    pytest.param("此次行动中,共捣毁窝点4个。", "operation", id="此次行动"),
    pytest.param("民警当场抓获赵某等5名犯罪嫌疑人。", "operation", id="named-suspects"),
]


@pytest.mark.parametrize("text,scope", SCOPES)
def test_scope(text, scope):
    facts = facts_of(text)
    assert facts and {f.scope for f in facts} == {scope}


# Whole articles: the headline sets the default, background time words do not make a period,
# a clause about one case inside a period report is that case's. (metric, value) -> scope.
DOC_SCOPES = [
    pytest.param("某县警方捣毁一电诈窝点\n近年来,电诈案件多发。民警抓获犯罪嫌疑人9名。",
                 {("suspects_arrested", 9): "operation"}, id="case-headline-近年来"),
    pytest.param("警方拘捕8名男女涉投资骗案\n自前年起该集团诱骗市民,至今涉款约500万元。",
                 {("amount_involved", 5e6): "operation"}, id="case-headline-至今"),
    pytest.param("某市反诈中心通报打击成果\n抓获犯罪嫌疑人120名,冻结资金300万元。",
                 {("suspects_arrested", 120): "cumulative", ("funds_frozen", 3e6): "cumulative"},
                 id="summary-headline"),
    pytest.param("某县公安局工作动态\n今年以来,全县破获电诈案件40起。在一起虚假贷款诈骗案中,"
                 "民警抓获犯罪嫌疑人6名。",
                 {("cases_solved", 40): "cumulative", ("suspects_arrested", 6): "operation"},
                 id="case-clause-in-period-report"),
    pytest.param("某区警方打击电诈\n近年来诈骗多发,今年以来,全区共抓获犯罪嫌疑人75名。",
                 {("suspects_arrested", 75): "cumulative"}, id="period-report-keeps-period"),
    pytest.param("某区开展打击电诈行动\n全区共抓获犯罪嫌疑人31名。今年以来警情下降。",
                 {("suspects_arrested", 31): "cumulative"}, id="area-word-in-period-report"),
    pytest.param("某警方破获一起网络赌博诈骗案\n民警在全市多个地点抓获犯罪嫌疑人14名。近年来诈骗多发。",
                 {("suspects_arrested", 14): "operation"}, id="area-word-in-case-report"),
    pytest.param("某区反诈工作动态\n今年以来诈骗多发。在各类诈骗案件中,共劝阻群众210人次。",
                 {("victims_dissuaded", 210): "cumulative"}, id="plural-cases-not-one-case"),
]


@pytest.mark.parametrize("text,want", DOC_SCOPES)
def test_scope_in_article(text, want):
    got = {(f.metric, f.value): f.scope for f in facts_of(text)}
    assert {k: got.get(k) for k in want} == want


# --- currency, units, spans -------------------------------------------------------------------
def test_currency_explicit_and_by_region():
    hk = facts_of("警方冻结涉案资金120万港元。")
    assert [(f.currency, f.value) for f in hk] == [("HKD", 1200000)]
    tw = facts_of("桃园市警察局表示,今年成功拦截诈骗汇款4500万元,民众可拨打165反诈骗专线。")
    assert [f.currency for f in tw] == ["TWD"]
    passing = facts_of("来自台中市的旅客在兰州被骗,民警冻结涉案资金12万元。")
    assert [f.currency for f in passing] == ["CNY"]
    cn = facts_of("冻结涉案资金120万元。")
    assert [f.currency for f in cn] == ["CNY"]
    assert all(f.currency is None for f in facts_of("抓获犯罪嫌疑人8名。"))


def test_spans_point_at_figure_clause_and_sentence():
    text = "据悉,今年以来累计预警1729人次,冻结资金2701.6万元。另有说明。"
    facts = {f.metric: f for f in facts_of(text)}
    f = facts["funds_frozen"]
    assert text[f.start:f.end] == "冻结资金2701.6万元"
    assert text[f.sent_start:f.sent_end].startswith("据悉") and f.sent_end <= text.index("另有")
    w = facts["warnings_issued"]
    assert text[w.start:w.end] == "预警1729人次"
    assert f.figure == "冻结资金2701.6万元"


def test_traditional_script_after_normalise():
    text = "警方共抓獲犯罪嫌疑人45名,凍結涉案資金3600萬元。"
    norm = normalise(text)
    facts = extract_facts(norm, split_sentences(norm))
    assert sorted((f.metric, f.value) for f in facts) == [("funds_frozen", 36000000),
                                                          ("suspects_arrested", 45)]
    f = next(f for f in facts if f.metric == "funds_frozen")
    assert norm.orig_slice(f.start, f.end) == "凍結涉案資金3600萬元"


# --- repeats within an article (dedup_facts) ---------------------------------------------------
def test_title_and_body_repeat_is_one_fact():
    text = "警方打掉一诈骗团伙抓获嫌疑人130名\n日前,警方开展收网行动,抓获嫌疑人130名,冻结资金56万元。"
    facts = dedup_facts(facts_of(text))
    arrested = [f for f in facts if f.metric == "suspects_arrested"]
    assert len(arrested) == 1 and arrested[0].mentions == 2
    assert arrested[0].sent_start > 0  # the body sentence is kept as evidence


def test_a_title_of_two_sentences_is_all_head():
    # the title's second sentence states the body's round figure again: one fact, not two
    text = "捣毁窝点2处!警方打掉一个诈骗团伙\n近日,警方成功打掉一个诈骗团伙,抓获嫌疑人9名。"
    norm = normalise(text)
    facts = dedup_facts(facts_of(text, norm), norm.text)
    gangs = [f for f in facts if f.metric == "gangs_dismantled" and f.value == 1]
    assert len(gangs) == 1 and gangs[0].mentions == 2
    assert gangs[0].sent_start > text.index("\n")  # the body sentence is kept as evidence


def test_a_reprints_original_title_line_restates_the_title():
    # a site line before the title; the reprint's (原标题:…) line states the round figure again
    text = ("某某网 首页 新闻\n某地警方打掉一跨境团伙 抓获9人\n(原标题:某区警方侦破一起洗钱案)\n"
            "近日,某区警方成功侦破一起洗钱案,打掉一个犯罪团伙,抓获犯罪嫌疑人9名。")
    norm = normalise(text)
    facts = dedup_facts(facts_of(text, norm), norm.text)
    assert sorted((f.metric, f.value) for f in facts) == [
        ("cases_solved", 1), ("gangs_dismantled", 1), ("suspects_arrested", 9)]
    assert all(f.sent_start >= norm.text.index("近日") for f in facts)  # the body is the evidence


def test_a_posts_headline_bracket_is_head():
    text = "#反诈进行时# 【抓获21人!冻结资金600余万元】近日,警方抓获犯罪嫌疑人21名,冻结涉案资金600余万元。"
    norm = normalise(text)
    facts = dedup_facts(facts_of(text, norm), norm.text)
    assert sorted((f.metric, f.value, f.mentions) for f in facts) == [
        ("funds_frozen", 6000000, 2), ("suspects_arrested", 21, 2)]


def test_a_later_posts_headline_bracket_is_head_too():
    text = ("#国庆反诈# 国庆前三天,反诈中心推送预警信息1234条。\n"
            "#破案进行时# 【一夜打掉2个窝点】9月30日晚,警方捣毁电诈窝点2个,抓获嫌疑人15名。")
    norm = normalise(text)
    facts = dedup_facts(facts_of(text, norm), norm.text)
    gangs = [f for f in facts if f.metric == "gangs_dismantled"]
    assert [(f.value, f.mentions) for f in gangs] == [(2, 2)]


def test_a_one_line_text_has_no_title():
    # a short text without a line break is no title: two raids' round values stay two
    text = "全市抓获嫌疑人51名!甲分局打掉一个诈骗团伙!乙分局打掉1个诈骗团伙。"
    norm = normalise(text)
    assert [f.value for f in dedup_facts(facts_of(text, norm), norm.text)
            if f.metric == "gangs_dismantled"] == [1, 1]
    # the same sentences after a title line: the title is the head, the raids stay two
    text = "全市抓获嫌疑人51名\n" + text
    norm = normalise(text)
    assert [f.value for f in dedup_facts(facts_of(text, norm), norm.text)
            if f.metric == "gangs_dismantled"] == [1, 1]


@pytest.mark.parametrize("title,body,merged", [
    ("攔阻詐騙匯款逾5億元", "今年成功攔阻詐騙匯款5億2,760萬餘元。", True),
    ("冻结涉案资金近1.1亿元", "全年冻结涉案资金1.08亿元。", True),
    ("冻结涉案资金超3亿元", "全年冻结涉案资金4.2亿元。", False),      # not a rounding of it
    ("冻结涉案资金3亿元", "全年冻结涉案资金3.2亿元。", False),         # the title says exactly
    ("抓获嫌疑人逾50名", "全年冻结涉案资金50.3万元。", False),         # another metric
], ids=["逾-trad", "近", "too-far", "exact-title", "other-metric"])
def test_a_title_rounding_the_body_figure_is_one_fact(title, body, merged):
    text = f"{title}\n{body}"
    norm = normalise(text)
    facts = dedup_facts(facts_of(text, norm), norm.text)
    assert len(facts) == (1 if merged else 2)
    if merged:
        assert facts[0].sent_start > 0 and facts[0].mentions == 2  # the body's figure is kept


def test_round_values_in_two_raids_stay_two_facts():
    text = ("全市抓获嫌疑人51名。\n10月5日,甲分局抓获8名嫌疑人,缴获银行卡一百余张。"
            "10月7日,乙分局捣毁一诈骗团伙,扣押一百多张银行卡。")
    facts = dedup_facts(facts_of(text))
    assert [f.value for f in facts if f.metric == "bank_cards_seized"] == [100, 100]


def test_same_value_twice_in_one_sentence_is_two_facts():
    facts = dedup_facts(facts_of("打掉跨境赌博团伙3个、电诈团伙3个。"))
    assert [f.value for f in facts] == [3, 3]


def test_same_value_two_metrics_are_two_facts():
    facts = dedup_facts(facts_of("抓获并刑事拘留犯罪嫌疑人24名。"))
    assert sorted(f.metric for f in facts) == ["suspects_arrested", "suspects_under_measures"]


# --- mentions and rules --------------------------------------------------------------------------
def test_find_mentions_units_and_vague():
    ms = find_mentions("抓获120多人,冻结2701.6万元,上千人,第3批,下降30.7%")
    assert [(m.value, m.unit) for m in ms] == [(120, "人"), (27016000, "元"), (30.7, "%")]


def test_rules_are_consistent():
    rules = load_rules()
    known_units = set(rules.units.values()) | {"money"}
    for name, spec in rules.metrics.items():
        assert set(spec["units"]) <= known_units, name
        assert set(spec["objects"]) <= set(rules.data["objects"]), name
        assert spec.get("verbs") or spec.get("nouns"), name


# --- scanning machinery: faster, and the same matches ----------------------------------------------
SCAN_ALPHABET = ("抓获破获冻结资金万元亿起名人张部个以上余多约近逾超过人民币HK$同比下降%,，。、;：: \u3000\n"
                 "将对其中团伙银行卡手机该案今年去年截至目前某等月日至前自在一起宗百分之成男女战果捣毁拘捕押解案”」"
                 "0123456789一二三十百两零年以来份")


def _rule_regexes():
    from pipeline.extract import _CLAUSE_BREAK
    rules = load_rules()
    return {"mention": rules.mention_re, "scope": rules.scope_re, "clause": _CLAUSE_BREAK,
            "period": rules.period_re, "lead_summary": rules.lead_summary_re,
            "lead_case": rules.lead_case_re}


def test_scanner_narrows_the_rule_regexes():
    from pipeline.extract import _Scanner
    for name, rx in _rule_regexes().items():
        assert _Scanner(rx).starts is not None, name


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=SCAN_ALPHABET, max_size=60))
def test_scanner_finds_what_finditer_finds(text):
    from pipeline.extract import _Scanner
    for name, rx in _rule_regexes().items():
        want = [(m.span(), m.lastgroup) for m in rx.finditer(text)]
        assert [(m.span(), m.lastgroup) for m in _Scanner(rx).finditer(text)] == want, name
        first = _Scanner(rx).search(text)
        assert (first and first.span()) == (want[0][0] if want else None), name


@pytest.mark.parametrize("pattern, text", [
    (r"a*", "baaab"),                      # can match the empty string: no narrowing
    (r".b", "abcb"),                       # any character first
    (r"(?i:x)y", "XyxY"),                  # ignore-case
    (r"(?<!q)(?:ab)?c|[^a-z]{2}", "qc abc 12c"),
])
def test_scanner_odd_patterns(pattern, text):
    import re

    from pipeline.extract import _Scanner
    rx = re.compile(pattern)
    assert [m.span() for m in _Scanner(rx).finditer(text)] == [m.span() for m in rx.finditer(text)]
    assert repr(_Scanner(rx).search(text)) == repr(rx.search(text))


@pytest.mark.parametrize("pattern, text, starts", [
    # a run of digits is tried only where the run ends before 年 (not at every digit of 2701.6万)
    (r"\d{4}年|[\d一二三]+(?:月份?)?至[\d一二三]+月", "2701.6万元，12022年1至3月，三月至一月",
     r"[\d](?=[\d]*+[年])|[\d一二三](?=[\d一二三]*+[月至])"),
    (r"[\d一二]+月|[\d一二]+日", "1月2日，12日", r"[\d一二](?=[\d一二]*+[日月])"),  # merged
    (r"\d+\.\d|\d+年", "3.5年 12年", r"[\d](?=[\d]*+[\.年])"),
    (r"[0-9年]+年", "2022年年", r"[0-9年]"),   # the next character may be in the run: no look-ahead
    (r"\d+[\d年]", "2022年", r"[\d]"),        # (a category after the run: no look-ahead)
])
def test_scanner_runs(pattern, text, starts):
    import re

    from pipeline.extract import _Scanner
    rx = re.compile(pattern)
    assert _Scanner(rx).starts == starts
    assert [m.span() for m in _Scanner(rx).finditer(text)] == [m.span() for m in rx.finditer(text)]


def test_scanner_without_the_regex_syntax_tree_scans_everywhere(monkeypatch):
    import pipeline.extract as ex
    monkeypatch.setattr(ex, "_parser", None)  # a Python whose re keeps its parser elsewhere
    rx = load_rules().scope_re
    sc = ex._Scanner(rx)
    text = "今年以来，张某某等人在一起案件中被抓获。"
    assert sc.starts is None
    assert [m.span() for m in sc.finditer(text)] == [m.span() for m in rx.finditer(text)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="抓获归案冻结止付", min_size=1, max_size=5), min_size=1, max_size=12),
       st.text(alphabet="抓获归案冻结止付，", max_size=40))
def test_word_trie_matches_longest_first_alternation(words, text):
    import re

    from pipeline.extract import _longest_word_re
    plain = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
    assert re.findall(_longest_word_re(words), text) == plain.findall(text)


def test_scope_of_a_figure_less_sentence_reaches_over_another_in_its_paragraph_only():
    text = ("某县警方捣毁一电诈窝点\n截至目前，民警持续追查。民警走访群众。抓获嫌疑人20名。\n"
            "民警走访群众。抓获嫌疑人8名。")
    scopes = {f.value: f.scope for f in facts_of(text) if f.metric == "suspects_arrested"}
    assert scopes == {20: "cumulative", 8: "operation"}


def test_arrest_in_a_sentence_without_figures_opens_a_subset():
    # the sentence before has no figure, but its arrest makes 其中3名 part of the arrest count
    assert triples("民警连夜抓获涉诈嫌疑人。其中3名男子为团伙骨干。") == [("suspects_arrested", 3, E)]
    assert triples("警方连夜巡查。其中3名男子为团伙骨干。") == []


# --- robustness ------------------------------------------------------------------------------------
ALPHABET = "抓获破获冻结资金万元亿起名人张部个以上余多约近同比下降%,。、;将对其中团伙银行卡手机0123456789一二三十百 \n"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_never_crashes_and_values_finite(text):
    facts = facts_of(text)
    for f in facts:
        assert math.isfinite(f.value)
        assert 0 <= f.start <= f.end <= len(text)
        assert f.sent_start <= f.start and f.end <= f.sent_end


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_never_crashes_on_arbitrary_text(text):
    for f in facts_of(text):
        assert math.isfinite(f.value)


# --- Hong Kong, Macau, Taiwan and number-first wording (invented sentences, grouped by cause) -----
UNSEEN_WORDING = [
    # 1. thousands separators, alone and inside 亿…万 composites
    case("警方今年攔截詐騙款項新臺幣3億4,600萬元。", ("funds_stopped", 346000000, E), id="num-亿-comma-万"),
    case("全年共抓獲詐欺犯嫌2,345人。", ("suspects_arrested", 2345, E), id="num-comma-persons"),
    case("冻结涉案资金9亿1,280万余元。", ("funds_frozen", 912800000, M), id="num-亿-comma-万余"),
    case("涉案金額約6,150萬元。", ("amount_involved", 61500000, A), id="num-comma-万"),
    # 2. number before its noun, classifiers 部/支/张; a shared verb does not reach other nouns
    case("警方在單位內檢獲十八部手提電話及六十張銀行卡。",
         ("phones_seized", 18, E), ("bank_cards_seized", 60, E), id="seize-hk-手提電話-and-cards"),
    case("現場搜出三十五部手提電話。", ("phones_seized", 35, E), id="seize-搜出-手提電話"),
    case("民警当场查获四十七部手机。", ("phones_seized", 47, E), id="seize-mainland-number-first"),
    case("扣押提款卡二百三十張。", ("bank_cards_seized", 230, E), id="seize-提款卡"),
    case("行动中缴获九十六张提款卡、五部手机。",
         ("bank_cards_seized", 96, E), ("phones_seized", 5, E), id="seize-number-first-list"),
    case("查扣手機二十六支、電腦九台、帳冊兩本。", ("phones_seized", 26, E), id="seize-支-not-computers"),
    case("現場扣押手機7支。", ("phones_seized", 7, E), id="seize-手機N支"),
    case("起获9部手机及4部对讲机。", ("phones_seized", 9, E), id="seize-number-first-other-noun"),
    case("員警扣得手機14支及現金新臺幣36萬元。", ("phones_seized", 14, E), id="seize-tw-扣得-cash-no-fact"),
    # 3. arrests: groups of men and women, Taiwan roles, subsets of an arrest count
    case("警方拘捕十四名男女。", ("suspects_arrested", 14, E), id="arrest-名男女"),
    case("警方在大埔拘捕6男3女。", ("suspects_arrested", 9, E), id="arrest-N男M女-one-group"),
    case("警方深夜拘三男女。", ("suspects_arrested", 3, E), id="arrest-拘-N男女"),
    case("共逮捕涉案嫌犯二十三名。", ("suspects_arrested", 23, E), id="arrest-tw-逮捕-嫌犯"),
    case("刑事局查獲詐欺犯嫌76人。", ("suspects_arrested", 76, E), id="arrest-tw-查获-犯嫌"),
    case("本次行動逮捕犯嫌320人，其中車手140人、收水手52人。",
         ("suspects_arrested", 320, E), ("suspects_arrested", 140, E), ("suspects_arrested", 52, E),
         id="arrest-tw-roles"),
    case("警方拘捕十人。其中兩名男子懷疑負責招募傀儡戶口。",
         ("suspects_arrested", 10, E), ("suspects_arrested", 2, E), id="subset-next-sentence"),
    case("警方共拘捕二十一人，包括三名懷疑主腦及九名骨幹成員。",
         ("suspects_arrested", 21, E), ("suspects_arrested", 3, E), ("suspects_arrested", 9, E),
         id="subset-包括-list"),
    case("查獲詐欺犯嫌900人，其中首腦及幹部45人。",
         ("suspects_arrested", 900, E), ("suspects_arrested", 45, E), id="subset-首脑及干部"),
    case("共拘捕二十人，當中十二男八女。", ("suspects_arrested", 20, E), id="subset-breakdown-is-the-total"),
    case("抓获涉案人员45名。其中，6人为团伙骨干。",
         ("suspects_arrested", 45, E), ("suspects_arrested", 6, E), id="subset-其中-comma"),
    case("抓获嫌疑人12名，其中5人已被刑事拘留。",
         ("suspects_arrested", 12, E), ("suspects_under_measures", 5, E), id="subset-with-own-verb"),
    case("警方拘捕五人。其中三名受害人為長者。", ("suspects_arrested", 5, E), id="subset-not-victims"),
    case("抓获嫌疑人10人，走访群众300人，其中老人120人。", ("suspects_arrested", 10, E),
         id="subset-of-the-last-count-only"),
    # 4. on the mainland 批准逮捕 / 逮捕 is a coercive measure
    case("县公安局抓获犯罪嫌疑人30名，其中12人已被检察院批准逮捕。",
         ("suspects_arrested", 30, E), ("suspects_under_measures", 12, E), id="measures-批准逮捕"),
    case("市公安局依法逮捕犯罪嫌疑人8名。", ("suspects_under_measures", 8, E), id="measures-mainland-逮捕"),
    case("刑事警察局本週逮捕犯嫌58人。", ("suspects_arrested", 58, E), id="arrest-tw-逮捕-is-arrest"),
    # 5. stopped and frozen money: referring noun, amount before its verb, passive
    case("反詐騙協調中心成功截停多宗轉賬，涉及款項約86萬港元。",
         ("funds_stopped", 860000, A), id="stopped-截停-涉及款项"),
    case("成功攔阻民眾匯款新臺幣2,680萬元。", ("funds_stopped", 26800000, E), id="stopped-攔阻-匯款"),
    case("民警将其被骗的28万元全部拦截在涉诈账户内。", ("funds_stopped", 280000, E), id="stopped-将-money-拦截"),
    case("涉案资金560万元已被依法冻结。", ("funds_frozen", 5600000, E), id="frozen-passive"),
    case("警方同時凍結涉及約2,750萬港元的銀行戶口。", ("funds_frozen", 27500000, A), id="frozen-hk-冻结涉及"),
    case("成功截停涉及約640萬港元的可疑轉賬。", ("funds_stopped", 6400000, A), id="stopped-hk-截停涉及"),
    # 6. call-centre dens and syndicates are groups
    case("今年共破獲詐騙機房14處。", ("gangs_dismantled", 14, E), id="gangs-机房-处"),
    case("警方破獲一處設於民宅內的詐欺機房。", ("gangs_dismantled", 1, E), id="gangs-一处-机房"),
    case("全年查獲詐欺集團27個。", ("gangs_dismantled", 27, E), id="gangs-诈欺集团"),
    # 7. dissuaded transactions
    case("银行网点协助劝阻可疑交易860余笔。", ("victims_dissuaded", 860, M), id="dissuaded-笔"),
    # 8. synonyms
    case("該集團涉款約4,500萬港元。", ("amount_involved", 45000000, A), id="syn-涉款"),
    case("詐騙案件按年下降12.5%。", ("case_change_pct", -12.5, E), id="syn-按年下降"),
    case("騙案數字按年上升8.1%。", ("case_change_pct", 8.1, E), id="syn-按年上升"),
    case("司警今年共偵破詐騙案47宗，按年減少9.6%。", ("cases_solved", 47, E),
         id="change-of-solved-cases-is-no-case-change"),
]


@pytest.mark.parametrize("text,expected", UNSEEN_WORDING)
def test_unseen_wording(text, expected):
    assert triples(text) == expected


UNSEEN_NEGATIVE = [
    pytest.param("查扣電腦12台、帳冊三本。", id="computers-are-no-metric"),
    pytest.param("警方派出一支專責隊伍跟進。", id="支-team-is-no-phone"),
    pytest.param("本月接獲三宗舉報，其中四名女子報稱被騙。", id="subset-without-arrest"),
    pytest.param("臨櫃攔阻詐騙275件。", id="攔阻-cases-are-prevented"),
    pytest.param("今年以來攔阻80餘件。", id="攔阻-bare-cases"),
    pytest.param("建立预警劝阻机制，对预警对象做到“一人一策”。", id="一人一策-no-count"),
    pytest.param("反诈中心实行7×24小时预警值守。", id="7x24-no-count"),
    pytest.param("涉案资金560万元被扣押。", id="passive-seized-money"),
    pytest.param("民警成功拦截诈骗电话12起。", id="拦截-cases-prevented"),
]


@pytest.mark.parametrize("text", UNSEEN_NEGATIVE)
def test_unseen_wording_negative(text):
    assert triples(text) == []


def test_hk_list_item_evidence_is_its_own_clause():
    f = [x for x in facts_of("警方檢獲二十部手機、一百三十張銀行卡。") if x.metric == "bank_cards_seized"]
    assert [x.figure for x in f] == ["一百三十张银行卡"]


def test_dissuaded_transactions_are_counted_in_person_times():
    (f,) = facts_of("网点协助民警劝阻可疑转账412笔。")
    assert (f.metric, f.value, f.unit) == ("victims_dissuaded", 412, "人次")


# --- round 3: general causes ------------------------------------------------------------------
ROUND3 = [
    # bulletin / list layout: the label before the colon is the cue
    case("二、主要数据\n破获案件：41起\n抓获嫌疑人：27名\n冻结资金：316万元\n紧急止付：905.2万元",
         ("cases_solved", 41, E), ("suspects_arrested", 27, E), ("funds_frozen", 3160000, E),
         ("funds_stopped", 9052000, E), id="bulletin-full-width-colon-lines"),
    case("见面劝阻:1877人次；预警推送:60213条；冻结账户:95个",
         ("victims_dissuaded", 1877, E), ("warnings_issued", 60213, E), ("accounts_frozen", 95, E),
         id="bulletin-half-width-colon-semicolons"),
    case("返还被骗资金：共计48.3万元", ("losses_recovered", 483000, E), id="bulletin-modifier-after-colon"),
    case("破获案件 36起\n抓获嫌疑人 19名", ("cases_solved", 36, E), ("suspects_arrested", 19, E),
         id="table-rows-label-space-value"),
    case("会议于9:45开始,抓获嫌疑人6名。", ("suspects_arrested", 6, E), id="clock-time-is-no-figure"),
    # a change clause without a subject shares the subject of the change clause before it (a
    # 环比 change is none: case_change_pct is year on year)
    case("全区电诈发案数环比下降2.8%,同比下降17.3%。",
         ("case_change_pct", -17.3, E), id="pct-同比-inherits-发案"),
    case("涉诈警情：环比上升1.2%，同比上升4.5%",
         ("case_change_pct", 4.5, E), id="pct-label-同比-inherits"),
    case("破案数同比上升15%,环比上升6%。", id="pct-环比-inherits-non-case-subject"),
    case("立案数同比下降8%,破案数同比上升11%,环比上升3%。", ("case_change_pct", -8, E),
         id="pct-环比-inherits-nearest-subject"),
    # fractions in tenths as percentages
    case("全县电诈发案数同比下降四成。", ("case_change_pct", -40, E), id="pct-tenths-四成"),
    case("涉诈警情同比上升两成。", ("case_change_pct", 20, E), id="pct-tenths-两成-up"),
    case("立案数同比下降近六成。", ("case_change_pct", -60, A), id="pct-tenths-近-about"),
    case("电诈案件同比下降两成多。", ("case_change_pct", -20, M), id="pct-tenths-多-more-than"),
    case("破案数同比上升三成。", id="pct-tenths-non-case-subject"),
    case("抓获嫌疑人12名,其中三成员为主犯。", ("suspects_arrested", 12, E), id="成员-is-no-tenths"),
    # a passive blocker ends a list: 取保候审 / 行政拘留 is no coercive measure of the list before
    case("41名嫌疑人已被采取刑事强制措施,其中36人被批准逮捕,5人被取保候审。",
         ("suspects_under_measures", 41, E), ("suspects_under_measures", 36, E),
         id="passive-blocker-取保候审-no-item"),
    case("抓获嫌疑人18名,其中11人被刑事拘留,7人被行政拘留。",
         ("suspects_arrested", 18, E), ("suspects_under_measures", 11, E),
         id="passive-blocker-行政拘留-no-item"),
    # subsets named by other person nouns, after an arrest count (this or the sentence before)
    case("共抓获嫌疑人64名,其中从境外回流人员17名。",
         ("suspects_arrested", 64, E), ("suspects_arrested", 17, E), id="subset-境外回流人员"),
    case("抓获涉诈人员39人,其中女性9名。",
         ("suspects_arrested", 39, E), ("suspects_arrested", 9, E), id="subset-女性"),
    case("民警共抓获嫌疑人26名。其中在校学生3名。",
         ("suspects_arrested", 26, E), ("suspects_arrested", 3, E), id="subset-学生-next-sentence"),
    case("抓获犯罪嫌疑人48人,其中包括外籍人员5名。",
         ("suspects_arrested", 48, E), ("suspects_arrested", 5, E), id="subset-其中包括"),
    # dismantling verbs, the group possibly named before the verb
    case("专案组将一个为赌博平台跑分的洗钱团伙连根拔起。", ("gangs_dismantled", 1, E),
         id="gangs-将一个-连根拔起"),
    case("民警将4个诈骗窝点一锅端。", ("gangs_dismantled", 4, E), id="gangs-将N个-一锅端"),
    case("一举端掉诈骗窝点3处。", ("gangs_dismantled", 3, E), id="gangs-端掉"),
    case("摧毁跨境诈骗集团2个。", ("gangs_dismantled", 2, E), id="gangs-摧毁"),
    case("共铲除涉诈黑灰产团伙11个。", ("gangs_dismantled", 11, E), id="gangs-铲除"),
    # 打击 acts against a group, it does not dismantle it
    case("警方打击一个涉嫌清洗赃款的犯罪集团,拘捕九名男子。", ("suspects_arrested", 9, E),
         id="打击-is-not-dismantled"),
]


@pytest.mark.parametrize("text,expected", ROUND3)
def test_round3(text, expected):
    assert triples(text) == expected


ROUND3_NEGATIVE = [
    pytest.param("反诈热线全年接听市民咨询来电52万余次。", id="hotline-calls-are-no-dissuasion"),
    pytest.param("预警劝阻专线日均接听来电3000余个。", id="劝阻-hotline-calls"),
    pytest.param("中心累计受理群众咨询1.2万人次。", id="consultations-are-no-warning"),
    pytest.param("举报电话：110\n出动警力：85名", id="label-without-metric"),
    pytest.param("本期要点：6起案件已移送起诉。", id="label-then-blocked-figure"),
]


@pytest.mark.parametrize("text", ROUND3_NEGATIVE)
def test_round3_negative(text):
    assert triples(text) == []
