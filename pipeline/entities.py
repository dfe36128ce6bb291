"""Tag the article's region, reporting agency and campaigns, and resolve the period of each fact.

Region and agency (``tag_entities``):

1. division names are found with ``pipeline.gazetteer`` and kept when they read as places: full
   names (except generic ones such as 城区 unless their parent comes right before), short names with
   a police word after them (兰州警方, 麦积分局) or their parent right before (天水麦积), province and
   city short names elsewhere unless stop-listed; county short names only when their parent is
   named too. Each kept mention weighs by where it is (title 3, lead 2, body 1, dateline 0.3);
   a name shared by several divisions (鼓楼区) goes to the one whose province/city is named.
2. police organs are found at their keywords (公安局, 分局, 公安厅, 派出所, 警方, 公安部, 警务处 ...)
   with the chain of division names right before them (兰州市公安局七里河分局 -> 七里河区).
   Organs of Hong Kong, Macau and Taiwan named without a place (警务处, 商业罪案调查科, 西九龙总区,
   司法警察局, 刑事局 ...) are data in ``resources/agencies.json``; Taiwan's bureaus are shown by
   their official names (台中市政府警察局, 彰化县警察局) however they are written.
3. the reporting agency is the organ with the best score: its own mentions (by position) plus half
   the weight of the mentions of its region. The region *is* the agency's region, at the agency's
   level (a provincial bureau gives a province only); 公安部 gives no region.

An agency written only informally (武侯警方) takes the formal name of the outlet when the outlet is
that same organ (来源: 成都市公安局武侯区分局). ``fact_region`` narrows the article's region for one
fact whose sentence names one division inside it (其中七里河区破获…).

Campaigns: names from ``resources/campaigns.json`` (with year and numbered-round handling), plus
quoted names followed by 行动 or introduced by 代号.

Periods (``resolve_period``): the time expression of the fact's sentence nearest before the figure,
resolved against the publication date (今年以来, 1至6月, 6月10日至13日, 上半年, 一年来 ...).
"""
from __future__ import annotations

import calendar
import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from .gazetteer import RESOURCES, Division, Gazetteer, Mention, gazetteer, rules, short_name
from .model import Entities, Fact, Meta, NormText, Sentence
from .normalise import normalise

W_TITLE, W_LEAD, W_BODY, W_DATELINE = 3.0, 2.0, 1.0, 0.3
_RANK = {"province": 0, "city": 1, "county": 2}
LEAD_CHARS = 300
SHORT_FACTOR = {"province": 1.0, "city": 0.8, "county": 0.6}

# Where the article proper ends: related links, copyright and editor lines.
_TAIL = re.compile(r"相关(?:阅读|文章|新闻|链接|推荐)|推荐(?:阅读|内容|新闻)|热门推荐|延伸阅读|版权声明|"
                   r"责任编辑|责编|上一篇|下一篇|分享到|扫一扫")

# Dateline: 中新网南京10月24日电 / 每日甘肃网天水讯 -- the place where the reporter filed.
_DATELINE = re.compile(r"""
    (?:社|网|报|台)                         # 新华社, 中新网, 人民日报, 电视台
    (?P<place>[\u4e00-\u9fff]{2,6}?)        # 南京, 天水
    (?:\d{1,2}月\d{1,2}日)?                 # date, optional
    (?:电|讯)                               # 电 / 讯
""", re.VERBOSE)

# Police organ keywords. Order matters: longer forms first.
_ORGAN = re.compile(r"""
    (?=[公分司治刑警派网反])                # cheap pre-check: the first characters of the forms below
    (?:
      (?P<national>公安部)
    | (?P<formal>公安厅|公安分局|公安局|分局|司法警察局|治安警察局|刑事警察局|警察局|警务处|警政署|警察厅)
    | (?P<station>派出所)
    | (?P<informal>警方|警局|网警|反诈中心|公安机关|公安(?!部|厅|局|分局|机关|干警|民警|工作|战线|队伍|大数据|系统|部门|院校|县)
                   (?P<unit>刑侦大队|刑警大队|反诈中心|反诈大队|经侦大队|网安大队)?)
    )
""", re.VERBOSE)



@lru_cache(maxsize=1)
def _sar_organs() -> tuple[re.Pattern, dict[str, dict], frozenset[str]]:
    """Police organs of Hong Kong, Macau and Taiwan named without their place (警务处, 商业罪案调查科,
    司法警察局, 刑事局 ...) from ``resources/agencies.json``: (one pattern over all names, longest
    first; name -> organ entry; Taiwan's municipalities)."""
    data = json.loads((RESOURCES / "agencies.json").read_text(encoding="utf-8"))
    entry = {n: o for o in data["organs"] for n in o["names"]}
    pattern = re.compile("|".join(map(re.escape, sorted(entry, key=len, reverse=True))))
    return pattern, entry, frozenset(data["taiwan_municipalities"])


# Bare organ words of a local outlet (我县, 县公安局, 市公安局): the level of the unnamed agency.
# The level word first, then what stands before it (no Chinese character, or 我/本/该/全): a pattern
# that starts with a character class is only tried where one of its characters is.
_BARE_ORGAN = re.compile(r"(?P<lvl>省|市|县|区)(?:(?<![\u4e00-\u9fff].)|(?<=[我本该全].))(?:公安厅|公安局|公安分局)")

# A branch bureau named after something that is not a division: (西安市公安局)高新分局, 开发区分局.
_UNNAMED_BRANCH = re.compile(r"[\u4e00-\u9fff]{2,6}?(?<![的在和与及对将])(?:公安)?分局")

# Right before an organ's name: the fraudster pretends to be the police.
_IMPERSONATED = re.compile(r"(?:自称|冒充|假冒|谎称|假扮|伪装成?|冒用)[是为成]?[^,。;!?]{0,2}[“\"「『]?$|[“\"「『]$")

_LEVEL_OF = {"省": "province", "市": "city", "县": "county", "区": "county"}

# Characters that end a police station's name when reading backwards from 派出所.
_STATION_STOP = set("的和与及、,，。;；:：在到由该经据向是为对将了于从同并被让给把")
_STATION_BAD = re.compile(r"^(?:就近|当地|属地|辖区|各|该|所在|附近|基层|全市|全县|全区|相关|各地|其)")

# Self-reference of a county/district outlet: 我县, 本县, 县公安局 (without a name before it).
# Every alternative starts with a plain character (so the regex engine skips to those).
_SELF_COUNTY = re.compile(r"我县|本县|全县|县(?<![\u4e00-\u9fff]县)公安局|县委|县长")

# A police station's name right after a bureau (微山县公安局|马坡派出所).
_STATION_NEXT = re.compile(r"[\u4e00-\u9fff]{2,6}?派出所")


@dataclass
class _Agency:
    key: tuple                          # (level, division code+name or station name)
    level: str                          # national | provincial | city | district | station | other
    division: Division | None
    written: list[tuple[float, str, bool]] = field(default_factory=list)   # (weight, text, formal)
    weight: float = 0.0
    start: int = 10 ** 9
    official: str | None = None         # the name to show whatever is written (HK/Macau/Taiwan organs)


# --- zones --------------------------------------------------------------------------------------

def _zones(text: str, title: str | None) -> tuple[int, int, int, int]:
    """(title_start, title_end, lead_end, body_end) in ``text``."""
    ts = te = 0
    if title and title.strip():
        i = text.find(title.strip())
        if 0 <= i < 600:
            ts, te = i, i + len(title.strip())
    lead_end = min(len(text), te + LEAD_CHARS)
    m = _TAIL.search(text, lead_end)
    return ts, te, lead_end, (m.start() if m else len(text))


def _weight(pos: int, zones: tuple[int, int, int, int], datelines: list[tuple[int, int]]) -> float:
    ts, te, lead_end, body_end = zones
    if pos >= body_end:
        return 0.0
    if datelines and any(a <= pos < b for a, b in datelines):
        return W_DATELINE
    if pos < ts:                      # site header before the title
        return W_BODY
    if ts <= pos < te:
        return W_TITLE
    return W_LEAD if pos < lead_end else W_BODY


# --- region mentions ----------------------------------------------------------------------------

def _accepted(g: Gazetteer, text: str, mentions: list[Mention]) -> list[tuple[Mention, float]]:
    """The mentions that read as places, with a factor for how sure that is."""
    r = rules()
    police = tuple(r["police_after"])
    not_place = tuple(r["not_place_after"])
    by_end = {m.end: m for m in mentions}
    out = []
    for m in mentions:
        after = text[m.end:m.end + 4]
        prev = by_end.get(m.start)
        parent_before = prev is not None and any(
            c.parent and any(c.parent == p.name or c.province == p.name for p in prev.candidates)
            for c in m.candidates)
        if after.startswith(not_place) and not after.startswith(police) \
                and m.text not in r["self_reference"]:
            continue
        if m.full:
            if m.text in g.needs_parent and not parent_before:
                continue
            out.append((m, 1.0))
            continue
        level = min((c.level for c in m.candidates), key=_RANK.get)
        if after.startswith(police) or parent_before or _ORGAN.match(text, m.end):
            out.append((m, SHORT_FACTOR[level]))
        elif m.text in g.stop_short:
            continue
        elif level in ("province", "city"):
            out.append((m, SHORT_FACTOR[level] * 0.8))
        else:
            out.append((m, -1.0))      # county short name in free text: kept only if its parent is named
    return out


def _resolve(g: Gazetteer, accepted: list[tuple[Mention, float]], text: str,
             zones, datelines, self_county: bool = False) -> list[tuple[Mention, Division, float]]:
    """Give each mention one division (ambiguous names go to the one whose parents are named)."""
    named: dict[str, float] = {}
    for m, f in accepted:
        if f > 0 and m.candidates:
            for c in m.candidates:
                w = 1.0 / len(m.candidates)
                named[c.name] = named.get(c.name, 0) + w
                if c.province != c.name:
                    named[c.province] = named.get(c.province, 0) + w * 0.5
    def support(c: Division) -> float:
        return named.get(c.province, 0) * (c.province != c.name) + 2 * named.get(c.city or "", 0) * (c.city != c.name)

    out = []
    for m, f in accepted:
        if len(m.candidates) == 1:
            best = m.candidates[0]
        else:
            ranked = sorted(m.candidates, key=lambda c: (support(c), -_RANK[c.level]), reverse=True)
            best = ranked[0]
            if ranked[1] != best and support(ranked[1]) == support(best) \
                    and ranked[1].level == best.level:
                continue              # 鼓楼区 with none of its cities named: cannot tell which
        if f < 0:                     # free county short name: needs its city or province named,
            if support(best) <= 0 and not (self_county and len(m.candidates) == 1):
                continue              # or a county outlet (我县) naming itself once
            f = 0.4
        w = _weight(m.start, zones, datelines) * f
        if w > 0:
            out.append((m, best, w))
    return out


# --- agencies -----------------------------------------------------------------------------------

def _chain(text: str, start: int, by_end: dict[int, Mention]) -> list[Mention]:
    """Division mentions right before ``start`` (兰州市 | 公安局 | 七里河 -> [兰州市, 七里河])."""
    chain, q = [], start
    while True:
        m = by_end.get(q)
        if m is not None:
            chain.insert(0, m)
            q = m.start
            continue
        if chain and q >= 3 and text.startswith("公安局", q - 3) and by_end.get(q - 3):
            q -= 3
            continue
        if not chain and q >= 2 and text.startswith("政府", q - 2) and by_end.get(q - 2):
            q -= 2                    # 台中市|政府|警察局: Taiwan's municipal police bureaus
            continue
        return chain


def _chain_division(g: Gazetteer, chain: list[Mention], resolved_at: dict[int, Division]) -> Division | None:
    """The most specific division of a chain, each name resolved within the one before it; the
    first name as resolved from the article (None when it is ambiguous there)."""
    cur: Division | None = None
    for m in chain:
        cands = list(m.candidates)
        ambiguous = False             # several divisions at the top level of the name
        if cur is None and len(cands) > 1:
            top = min((x.level for x in cands), key=_RANK.get)
            ambiguous = len({(c.level, c.code, c.name) for c in cands if c.level == top}) > 1
        if ambiguous:
            cur = resolved_at.get(m.start)
            if cur is None:
                return None
            continue
        if cur is not None:
            inside = [c for c in cands if cur.name in (c.province, c.city) and c.name != cur.name]
            if inside:
                cands = inside
            elif cur.level == "county":
                continue
        cur = min(cands, key=lambda c: ("province", "city", "county").index(c.level)) if cur is None \
            else cands[0]
    return cur


_AGENCY_LEVEL = {"province": "provincial", "city": "city", "county": "district"}


def _level(d: Division | None) -> str:
    if d is None:
        return "other"
    return _AGENCY_LEVEL[d.level]


def _constructed(g: Gazetteer, d: Division) -> str:
    """The formal name of the public security organ of ``d`` (茂名 -> 茂名市公安局)."""
    if d.province == "香港":
        return "香港警务处"
    if d.province == "澳门":
        return "澳门司法警察局"
    if d.province == "台湾":        # 台中市政府警察局 (a municipality), 彰化县警察局, 基隆市警察局
        if d.level == "province":
            return "刑事警察局"
        return d.name + ("政府警察局" if d.name in _sar_organs()[2] else "警察局")
    if d.level == "province":
        return d.name + ("公安局" if d.name.endswith("市") else "公安厅")
    if d.level == "city":
        return d.name + "公安局"
    if d.name.endswith("区") and d.city:
        return f"{d.city}公安局{short_name(d.name, 'county') or d.name}分局"
    return d.name + "公安局"


def _agencies(g: Gazetteer, text: str, mentions: list[Mention], zones, datelines,
              resolved_at: dict[int, Division]) -> dict[tuple, _Agency]:
    by_end = {m.end: m for m in mentions}
    by_start = {m.start: m for m in mentions}
    found: dict[tuple, _Agency] = {}

    def branch_follows(pos: int) -> bool:
        """兰州市公安局|七里河分局, 微山县公安局|马坡派出所: the bureau only names the branch or
        station that follows."""
        # (a station's name ends with 派出所 within 9 characters: most bureaus have none after)
        if text.find("派出所", pos + 2, pos + 9) >= 0 and _STATION_NEXT.match(text[pos:pos + 9]):
            return True
        if pos not in by_start:
            return False
        while pos in by_start:
            pos = by_start[pos].end
        k = _ORGAN.match(text, pos)
        return k is not None and k.group("formal") in ("分局", "公安分局")

    divisions: dict[tuple, Division | None] = {}

    def chain_division(chain: list[Mention]) -> Division | None:
        """``_chain_division``, once per chain of names (an article names its organ again and
        again): the result depends on the names' candidates and on how the first is resolved."""
        if not chain:
            return None
        key = (*[id(m.candidates) for m in chain], id(resolved_at.get(chain[0].start)))
        if key not in divisions:
            divisions[key] = _chain_division(g, chain, resolved_at)
        return divisions[key]

    def add(key, level, div, pos, written, formal, official=None):
        ws = text.rfind(written, 0, pos + len(written))       # where the written name starts
        if ws >= 0 and _IMPERSONATED.search(text, max(0, ws - 8), ws):
            return                    # 冒充“上海市公安局”民警: a fraudster's story, not the reporter
        w = _weight(pos, zones, datelines)
        if w <= 0:
            return
        a = found.get(key)
        if a is None:
            a = found[key] = _Agency(key, level, div)
        a.weight += w
        a.start = min(a.start, pos)
        a.written.append((w, written, formal))
        a.official = a.official or official

    for km in _ORGAN.finditer(text):
        kw_start, kw_end = km.start(), km.end()
        kind = km.lastgroup           # national | formal | station | informal (the outer group)
        if kind == "national":
            add(("national", "公安部"), "national", None, kw_start, "公安部", True)
            continue
        if kind == "station":
            i = kw_start
            while i > 0 and kw_start - i < 6 and "\u4e00" <= text[i - 1] <= "\u9fff" \
                    and text[i - 1] not in _STATION_STOP and (i == kw_start or i not in by_end) \
                    and not text[:i].endswith(("公安局", "分局", "县", "区", "市", "旗")):
                i -= 1
            name = text[i:kw_start]
            if len(name) < 2 or _STATION_BAD.match(name):
                continue
            q = i
            for kw in ("公安局", "公安分局", "分局"):
                if text[:q].endswith(kw):
                    q -= len(kw)
                    break
            chain = _chain(text, q, by_end)
            div = chain_division(chain)
            written = text[chain[0].start if chain else i:kw_end]
            if chain and chain[0].full and chain[0].candidates[0].level == "province" and len(chain) > 1:
                written = text[chain[1].start:kw_end]
            add(("station", name + "派出所"), "station", div, kw_start, written, True)
            continue
        fkw, unit = km.group("formal", "unit")   # (None when not matched)
        chain = _chain(text, kw_start, by_end)
        if not chain or (fkw in ("公安局", "公安分局", "分局") and branch_follows(kw_end)):
            continue
        div = chain_division(chain)
        if div is None:
            continue
        branch = _UNNAMED_BRANCH.match(text, kw_end) if fkw == "公安局" else None
        if branch and div.level == "city" and kw_end not in by_start:    # 西安市公安局高新分局
            first = 1 if (len(chain) > 1 and chain[0].candidates[0].level == "province") else 0
            written = text[chain[first].start:branch.end()]
            add(("branch", div.code, written), "district", div, kw_start, written, chain[first].full)
            continue
        first = 1 if (len(chain) > 1 and chain[0].candidates[0].level == "province") else 0
        if div.level == "county" and not div.name.endswith("区") and fkw == "公安局" \
                and chain[-1].full and div in chain[-1].candidates:
            first = len(chain) - 1    # 长沙市宁乡市公安局: a county (-level city) bureau goes by its own name
        written = text[chain[first].start:kw_end]
        formal = bool(fkw) or bool(kind == "informal" and unit)
        formal = formal and chain[first].full and div.province != "台湾"
        if kind == "informal" and unit:
            key = ("unit", div.code, div.name, unit)
        else:
            key = (div.level, div.code, div.name)
        add(key, _level(div), div, kw_start, written, formal)

    sar, entry, _ = _sar_organs()        # 警务处, 商业罪案调查科, 司法警察局, 刑事局 ... without a place
    for om in sar.finditer(text):
        if sar.match(text, om.end()):
            continue                  # 警政署|刑事警察局: the parent only qualifies what follows
        o = entry[om.group()]
        div = g.province(g.by_full[o["province"]][0])
        chain = _chain(text, om.start(), by_end)
        if chain and _ORGAN.fullmatch(om.group()):
            continue                  # 澳门司法警察局, 香港警务处: read with their place above
        key = ("provincial", div.code, div.name) + ((o["agency"],) if div.name == "台湾" else ())
        add(key, "provincial", div, om.start(), om.group(), False, o["agency"])
    return found


def _region_support(div: Division | None, resolved: list[tuple[Mention, Division, float]]) -> float:
    if div is None:
        return 0.0
    # (``is`` first: the same Division object, without comparing its fields)
    own = sum(w for _, d, w in resolved if d is div or d == div)
    below = sum(w for _, d, w in resolved
                if div.name in (d.province, d.city) and not (d is div or d == div))
    return own + 0.5 * below


def _display(g: Gazetteer, a: _Agency) -> str:
    if a.level == "national":
        return "公安部"
    if a.level == "station":
        return max(a.written, key=lambda x: (len(x[1]), x[0]))[1]
    if a.division is not None and a.division.province == "台湾":
        return a.official or _constructed(g, a.division)     # official names, however written
    if a.official and not any(x[2] and len(x[1]) > len(a.official) for x in a.written):
        return a.official
    formal = [x for x in a.written if x[2]]
    if formal:
        return max(formal, key=lambda x: (len(x[1]), x[0]))[1]
    if a.key[0] == "unit":
        return max(a.written, key=lambda x: (len(x[1]), x[0]))[1]
    return _constructed(g, a.division)


def _entities_for(g: Gazetteer, div: Division | None) -> dict:
    if div is None:
        return {}
    return dict(_region_fields(g, div))


@lru_cache(maxsize=4096)  # the same few divisions again and again (g: the one gazetteer)
def _region_fields(g: Gazetteer, div: Division) -> tuple[tuple[str, str | None], ...]:
    """The region fields of ``Entities`` for ``div``, as (name, value) pairs."""
    prov = g.province(div)
    city = g.city(div) if div.level == "county" else (div if div.level == "city" else None)
    code = div.code
    return (("province", prov.name), ("city", city.name if city else None),
            ("district", div.name if div.level == "county" else None), ("region_code", code))


def tag_entities(norm: NormText, meta: Meta) -> Entities:
    """Region, reporting agency and campaigns of an article."""
    g = gazetteer()
    text, title = norm.text, (meta.title or "").strip()
    if title and text.find(title, 0, 600) < 0:      # a title given apart from the text (record, <title>)
        title = normalise(title).text.strip()
        if text.find(title, 0, 600) < 0:
            text = title + "\n" + text
    zones = _zones(text, title or None)
    datelines = [m.span("place") for m in _DATELINE.finditer(text, 0, min(len(text), zones[2] + 200))]
    mentions = g.find_mentions(text)                     # (in text order)
    r = rules()
    added = False
    for word, full in r["self_reference"].items():       # 本澳 -> 澳门, as a strong mention
        if word not in text:                              # (plain words: most articles have none)
            continue
        for m in re.finditer(re.escape(word), text):
            mentions.append(Mention(m.start(), m.end(), word, tuple(g.by_full[full]), True))
            added = True
    if added:
        mentions.sort(key=lambda m: m.start)
    self_county = bool(_SELF_COUNTY.search(text[:zones[3]]))
    resolved = _resolve(g, _accepted(g, text, mentions), text, zones, datelines, self_county)
    for m, d, w in list(resolved):
        if m.text in r["self_reference"]:
            resolved.append((m, d, w * 2))
    resolved_at = {m.start: d for m, d, _ in resolved}
    agencies = _agencies(g, text, mentions, zones, datelines, resolved_at)
    ents = Entities(campaigns=find_campaigns(text[:zones[3]]))

    best = None
    if agencies:
        def score(a: _Agency) -> float:
            if a.level == "national":
                return a.weight
            return a.weight + 0.5 * _region_support(a.division, resolved)
        best = max(agencies.values(), key=lambda a: (score(a), -a.start))

    if best is not None and best.level == "national":
        ents.agency, ents.agency_level = "公安部", "national"
        return ents

    div = best.division if best is not None else None
    if best is not None:
        ents.agency, ents.agency_level = _display(g, best), best.level
        if best.key[0] == "unit":
            ents.agency_level = _level(div)
        elif best.level in ("provincial", "city", "district") and best.official is None \
                and not any(x[2] for x in best.written):      # only 武侯警方 / 颍州公安分局 written:
            named = _outlet_agency(g, meta.outlet)            # the outlet's formal name, same organ
            if named and named[0] == div:
                ents.agency = named[1]
    if div is None:
        bare = Counter(_LEVEL_OF[m.group("lvl")] for m in _BARE_ORGAN.finditer(text, 0, zones[3]))
        if self_county:
            bare["county"] += 1
        level = bare.most_common(1)[0][0] if bare else None
        station = best is not None and best.level == "station"
        div = _best_region(g, resolved, "county" if station else level)
        if best is None and div is not None:
            if div.province in ("香港", "澳门"):
                div = g.province(div)
                ents.agency, ents.agency_level = _constructed(g, div), "provincial"
            elif div.province == "台湾":           # 台中警方: the city's police bureau
                ents.agency, ents.agency_level = _constructed(g, div), _level(div)
            elif level is not None and div.level == level:     # 县公安局 of a county outlet
                ents.agency, ents.agency_level = _constructed(g, div), _level(div)
    for k, v in _entities_for(g, div).items():
        setattr(ents, k, v)
    return ents


_OUTLET_ORGAN = re.compile(r"(?:公安厅|公安局|公安分局|分局)$")


def _outlet_agency(g: Gazetteer, outlet: str | None) -> tuple[Division, str] | None:
    """(division, name) of an outlet that is itself a police organ (来源: 成都市公安局武侯区分局)."""
    if not outlet:
        return None
    name = normalise(outlet).text.strip(" \t【】[]()<>:")
    km = _OUTLET_ORGAN.search(name)
    if km is None:
        return None
    mentions = g.find_mentions(name[:km.start()])
    chain = _chain(name, km.start(), {m.end: m for m in mentions})
    if not chain or chain[0].start != 0:
        return None               # the organ must be the whole outlet name
    div = _chain_division(g, chain, {})
    if div is None:
        return None
    if len(chain) > 1 and chain[0].candidates[0].level == "province":
        name = name[chain[1].start:]                       # 四川省南充市公安局 -> 南充市公安局
    return div, name


def fact_region(norm: NormText, sentence: Sentence, ents: Entities) -> Entities | None:
    """A more specific region for one fact: the article's ``ents`` narrowed to the one division
    inside the article's region that the fact's sentence names (a city report: 其中七里河区破获…;
    a provincial report: 其中兰州市…), agency and campaigns unchanged. None when the sentence
    names no such division, or several (在A区、B县等地), or the article has no region or is
    already at district level.

    >>> a = Entities(province="甘肃省", city="兰州市", agency="兰州市公安局", agency_level="city")
    >>> s = "其中,七里河分局破获案件20起"
    >>> e = fact_region(normalise(s), Sentence(0, len(s), s), a)
    >>> (e.province, e.city, e.district, e.region_code, e.agency)
    ('甘肃省', '兰州市', '七里河区', '620103', '兰州市公安局')
    """
    if ents.province is None or ents.district is not None:
        return None
    g = gazetteer()
    r = rules()
    police, not_place = tuple(r["police_after"]), tuple(r["not_place_after"])
    text = sentence.text

    def inside(d: Division) -> bool:
        if d.province != ents.province or d.name in (ents.province, ents.city):
            return False
        return ents.city is None or (d.level == "county" and d.city == ents.city)

    named: set[Division] = set()      # divisions inside the article's region, however written
    sure: set[Division] = set()       # ... written so that they read as places
    mentions = _sentence_mentions(text)
    by_end = {m.end: m for m in mentions}
    for m in mentions:
        cands = [c for c in m.candidates if inside(c)]
        if not cands:
            continue
        named.update(cands)
        after = text[m.end:m.end + 4]
        if after.startswith(not_place) and not after.startswith(police):
            continue
        prev = by_end.get(m.start)
        parent_before = prev is not None and any(c.parent in {p.name for p in prev.candidates} for c in cands)
        if m.full and (m.text not in g.needs_parent or parent_before) \
                or after.startswith(police) or _ORGAN.match(text, m.end) or parent_before:
            if len(cands) == 1:
                sure.add(cands[0])
    if len(named) != 1 or len(sure) != 1:
        return None
    return replace(ents, **_entities_for(g, sure.pop()))


@lru_cache(maxsize=256)
def _sentence_mentions(text: str) -> tuple[Mention, ...]:
    """``find_mentions`` of a sentence, cached: the facts of a sentence share it."""
    return tuple(gazetteer().find_mentions(text))


def _best_region(g: Gazetteer, resolved, level: str | None = None) -> Division | None:
    """Without an agency naming its region: the best-supported division of the best province, at
    ``level`` when given (a police station or a county outlet: county), else city or province."""
    if not resolved:
        return None
    prov: dict[str, float] = {}
    for _, d, w in resolved:
        prov[d.province] = prov.get(d.province, 0) + w
    p = max(prov, key=prov.get)
    if prov[p] < 0.5:
        return None
    inside = [(d, w) for _, d, w in resolved if d.province == p]
    if level == "province":
        return g.province(inside[0][0])
    cities: dict[Division, float] = {}
    counties: dict[Division, float] = {}
    for d, w in inside:
        c = g.city(d) if d.level == "county" else (d if d.level == "city" else None)
        if c is not None:
            cities[c] = cities.get(c, 0) + w
        if d.level == "county":
            counties[d] = counties.get(d, 0) + w
    if counties and level != "city":
        c = max(counties, key=counties.get)
        if level == "county" or counties[c] >= 0.6 * max(cities.values(), default=0):
            return c
    if cities:
        return max(cities, key=cities.get)
    return g.province(inside[0][0])


# --- campaigns ----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _taxonomy() -> dict:
    return json.loads((RESOURCES / "campaigns.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _campaign_forms() -> tuple[tuple[dict, tuple[str, ...]], ...]:
    """Each campaign of the taxonomy with its written forms (name and aliases), longest first."""
    return tuple((c, tuple(sorted([c["name"], *c.get("aliases", [])], key=len, reverse=True)))
                 for c in _taxonomy()["campaigns"])


@lru_cache(maxsize=1)
def _unquoted_forms() -> tuple[tuple[dict, str, re.Pattern], ...]:
    """(campaign, form, pattern of the form with an optional year) of the campaigns that are
    found unquoted (not ``quoted_only``), in taxonomy order, longest form first."""
    return tuple((c, f, re.compile(re.escape(f) + r"[-—–]?((?:19|20)\d\d)?"))
                 for c, forms in _campaign_forms() if not c.get("quoted_only") for f in forms)


@lru_cache(maxsize=1)
def _unquoted_any() -> re.Pattern:
    """Any form of ``_unquoted_forms`` (most texts name none: one scan instead of one per form)."""
    return re.compile("|".join(re.escape(f) for _, f, _ in _unquoted_forms()))


@lru_cache(maxsize=1)
def _listed_names() -> frozenset[str]:
    return frozenset(c["name"] for c in _taxonomy()["campaigns"])


_QUOTED = re.compile(r"[“\"「『]([^”\"」』\n]{1,30})[”\"」』]")
_YEAR = re.compile(r"^(?P<pre>(?:19|20)\d\d)?[-—–―_ ·]*(?P<body>.+?)[-—–―_ ·]*(?P<post>(?:19|20)\d\d)?$")
_ORDINAL = re.compile(r"^[一二三四五六七八九十\d]{1,3}号$")
# After a quoted name (or a run of them): 等专项行动, 系列行动, 集中收网行动 ...
_ACTION_AFTER = re.compile(r"[\s、和及与]*(?:等)?(?:系列|专项|集中|统一|打击|整治|攻坚)*(?:行动|战役|会战)")
# An unquoted descriptive campaign: 开展打击多发侵财违法犯罪专项行动.
_UNQUOTED_ACTION = re.compile(r"""
    (?:开展|部署|启动|组织)(?:了|的)?
    (?P<name>(?:打击|严打|整治|治理|清理)[^,。;:!?“”"「」\s]{2,16}?专项行动)
""", re.VERBOSE)
_CODENAME = re.compile(r"代号(?:为)?[“\"「『]([^”\"」』\n]{1,20})[”\"」』]")
# (compiled once: find_campaigns runs them for every quoted name of every article)
_RUN_GAP = re.compile(r"[\s、和及与]*")        # between two quoted names of one run
_NAME_SEP = re.compile(r"[、,，]")              # between names inside one pair of quotes
_ACTION_END = re.compile(r"(?:行动|会战|战役)$")


@lru_cache(maxsize=4096)
def canonical_campaign(name: str) -> str | None:
    """The taxonomy name of a written campaign name, or the cleaned name when it is not listed.
    Cached: the same few names recur from article to article (the taxonomy is loaded once).

    >>> canonical_campaign("雲劍-2022".replace("雲劍", "云剑")), canonical_campaign("断卡行动")
    ('云剑2022', '断卡')
    >>> canonical_campaign("燕赵——砺剑铸盾2021"), canonical_campaign("拔钉四号"), canonical_campaign("两卡")
    ('燕赵砺剑铸盾2021', '拔钉四号', None)
    """
    tax = _taxonomy()
    clean = re.sub(r"[\s—–―\-_·]+", "", name).replace("“", "").replace("”", "")
    if not clean or clean in tax["not_campaigns"]:
        return None
    m = _YEAR.match(clean)
    year = (m.group("pre") or m.group("post") or "") if m else ""
    body = m.group("body") if m else clean
    for c, forms in _campaign_forms():
        for f in forms:
            if body == f:
                return c["name"] + (year if c.get("year") else "")
            if c.get("ordinal") and body.startswith(f) and _ORDINAL.match(body[len(f):]):
                return c["name"] + body[len(f):]
    return clean


def find_campaigns(text: str) -> list[str]:
    """Campaign names in ``text``, in order of first mention.

    >>> find_campaigns("深入开展“云剑-2022”“断卡” “夏季治安打击整治百日行动”等专项行动, 打击“两卡”犯罪")
    ['云剑2022', '断卡', '夏季治安打击整治百日行动']
    """
    tax = _taxonomy()
    found: list[tuple[int, str]] = []
    quoted = list(_QUOTED.finditer(text))
    # runs of adjacent quoted names: “A”“B” “C”等专项行动
    runs, cur = [], []
    for q in quoted:
        if cur and not _RUN_GAP.fullmatch(text, cur[-1].end(), q.start()):
            runs.append(cur)
            cur = []
        cur.append(q)
    if cur:
        runs.append(cur)
    for run in runs:
        action = _ACTION_AFTER.match(text, run[-1].end()) is not None
        for q in run:
            for part in _NAME_SEP.split(q.group(1)):
                name = canonical_campaign(part)
                if not name:
                    continue
                listed = _listed(name)
                if not listed and _prevention(name):
                    continue          # “敲门行动”: a publicity drive
                named_case = name.endswith(tax["case_suffix"]) and len(name) >= len(tax["case_suffix"]) + 2
                if action or listed or named_case or _ACTION_END.search(name):
                    found.append((q.start(), name))
    for m in _UNQUOTED_ACTION.finditer(text):
        found.append((m.start("name"), m.group("name")))
    for m in _CODENAME.finditer(text):
        name = canonical_campaign(m.group(1))
        if name and (_listed(name) or not _prevention(name)):
            found.append((m.start(), name))
    unquoted = _unquoted_forms() if _unquoted_any().search(text) else ()
    for c, f, rx in unquoted:                # unquoted names that are not common words
        if f not in text:
            continue
        for m in rx.finditer(text):
            yr = m.group(1) if c.get("year") and m.group(1) else ""
            found.append((m.start(), c["name"] + yr))
    out: list[str] = []
    for _, name in sorted(found, key=lambda x: x[0]):
        if name not in out and not any(o.startswith(name) and o != name and _listed(name) for o in out):
            out.append(name)
    # a bare name (云剑) next to the same name with a year (云剑2022): keep the precise one
    return [n for n in out if not any(o != n and o.startswith(n) and re.fullmatch(r"\d{4}|[一二三四五六七八九十\d]{1,3}号", o[len(n):]) for o in out)]


@lru_cache(maxsize=4096)  # pure (the taxonomy is loaded once); names recur across articles
def _prevention(name: str) -> bool:
    return any(w in name for w in _taxonomy()["prevention_words"])


@lru_cache(maxsize=4096)
def _listed(name: str) -> bool:
    base = re.sub(r"(?:19|20)\d\d$|[一二三四五六七八九十\d]{1,3}号$", "", name)
    return base in _listed_names()


# --- periods ------------------------------------------------------------------------------------

def _d(y: int, m: int, day: int) -> date | None:
    try:
        return date(y, m, day)
    except ValueError:
        return None


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12}


def _num(s: str) -> int:
    return int(s) if s.isdigit() else _CN_NUM.get(s, 0)


_N = r"(?:\d{1,2}|十[一二]?|[一二两三四五六七八九十])"
# One pattern per kind of time expression; the named group tells which. Longest forms first.
_PERIOD = re.compile(rf"""
    (?=\d{{1,4}}[年月日至到\-—~]                            # cheap pre-check: how the forms below
      |[今去上下前一二两三四五六七八九十第自从截本近目年])     # start (a number: with 年 月 日 or 至 ...
    (?:                                                     # after it, not 120名 or 2701.6万元)
      (?P<ym_ym>(?P<y1>(?:19|20)\d\d)年(?P<m1>\d{{1,2}})月(?:份)?(?:至|到|-|—|~)(?P<y2>(?:19|20)\d\d)年(?P<m2>\d{{1,2}})月(?:份)?)
    | (?P<md_d>(?:(?P<y3>(?:19|20)\d\d)年)?(?P<m3>\d{{1,2}})月(?P<d3>\d{{1,2}})日(?:至|到|-|—|~)(?:(?P<m4>\d{{1,2}})月)?(?P<d4>\d{{1,2}})日)
    | (?P<m_m>(?:(?P<y5>(?:19|20)\d\d)年|今年|去年)?(?P<m5>{_N})(?:月份?)?(?:至|到|-|—|~)(?P<m6>{_N})月(?:份)?(?!\d{{0,2}}日))
    | (?P<first_n>(?P<yr7>今年|去年|(?:19|20)\d\d年)?前(?P<n7>{_N})个?月)
    | (?P<half>(?P<yr8>今年|去年|(?:19|20)\d\d年)?(?P<h8>上|下)半年)
    | (?P<quarter>(?P<yr9>今年|去年|(?:19|20)\d\d年)?(?P<q9>前三|一|二|三|四|第一|第二|第三|第四)季度)
    | (?P<since_md>(?P<from10>自|从)?(?:(?P<y10>(?:19|20)\d\d)年|今年)?(?P<m10>\d{{1,2}})月(?:(?P<d10>\d{{1,2}})日)?(?:份)?
                   (?(from10)[^,。;!?]{{0,40}}?)(?:以来|至今))       # 自6月8日开展……行动以来
    | (?P<since_y>(?P<y18>(?:19|20)\d\d)年(?:初|年初)?(?:以来|至今))
    | (?P<until>截[至止](?:到)?(?:(?P<y19>(?:19|20)\d\d)年|今年)?(?P<m19>\d{{1,2}})月(?:(?P<d19>\d{{1,2}})日|底|末))
    | (?P<ytd>今年以来|今年来|年初以来|今年初以来|本年度以来|今年年初以来)
    | (?P<year_since>(?P<n11>一|1|两|2|三|3)年(?:多)?(?:以)?来|近(?P<n12>一|1|两|2|三|3)年(?:来|以来))
    | (?P<to_date>截至目前|截止目前|截至今日|截止到目前|截至发稿|目前为止)
    | (?P<ym>(?P<y13>(?:19|20)\d\d)年(?P<m13>\d{{1,2}})月(?:份)?(?!\d{{0,2}}日))
    | (?P<y_whole>(?P<y14>(?:19|20)\d\d)年(?:全年|度)?(?![\d月]))
    | (?P<rel_year>(?P<r15>今年|去年|上年)(?![\d以来初同]))        # not 上年同期 (a comparison)
    | (?P<md>(?:(?P<y16>(?:19|20)\d\d)年)?(?P<m16>\d{{1,2}})月(?P<d16>\d{{1,2}})日(?![电讯]))  # not a dateline
    | (?P<day>(?<![\d月年])(?P<d20>\d{{1,2}})日(?![电讯]))                 # 29日凌晨: publication month
    | (?P<month>(?:(?P<y17>(?:19|20)\d\d)年|今年|去年)?(?P<m17>\d{{1,2}})月(?:份|初|中旬|底|下旬|上旬)?)
    )
""", re.VERBOSE)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _resolve_expr(m: re.Match, pub: date | None) -> tuple[date | None, date | None]:
    g = m.groupdict()
    py = pub.year if pub else None

    def year_of(tok: str | None, default: int | None = py) -> int | None:
        if not tok:
            return default
        if tok.startswith("今年"):
            return py
        if tok.startswith("去年") or tok.startswith("上年"):
            return py - 1 if py else None
        return int(tok[:4])

    if g["ym_ym"]:
        y1, m1, y2, m2 = int(g["y1"]), int(g["m1"]), int(g["y2"]), int(g["m2"])
        return _d(y1, m1, 1), (_month_end(y2, m2) if 1 <= m2 <= 12 else None)
    if g["md_d"]:
        y = year_of(g["y3"])
        if y is None:
            return None, None
        m3, d3 = int(g["m3"]), int(g["d3"])
        m4 = int(g["m4"]) if g["m4"] else m3
        return _d(y, m3, d3), _d(y, m4, int(g["d4"]))
    if g["m_m"]:
        tok = g["y5"] or next((t for t in ("今年", "去年") if m.group(0).startswith(t)), None)
        y = year_of(tok)
        a, b = _num(g["m5"]), _num(g["m6"])
        if y is None or not (1 <= a <= b <= 12):
            return None, None
        end = _month_end(y, b)
        return date(y, a, 1), (min(end, pub) if pub and y == py and not g["y5"] and end > pub else end)
    if g["first_n"]:
        y = year_of(g["yr7"])
        n = _num(g["n7"])
        if y is None or not 1 <= n <= 12:
            return None, None
        return date(y, 1, 1), _month_end(y, n)
    if g["half"]:
        y = year_of(g["yr8"])
        if y is None:
            return None, None
        return (date(y, 1, 1), date(y, 6, 30)) if g["h8"] == "上" else (date(y, 7, 1), date(y, 12, 31))
    if g["quarter"]:
        y = year_of(g["yr9"])
        if y is None:
            return None, None
        q = {"前三": (1, 9), "一": (1, 3), "第一": (1, 3), "二": (4, 6), "第二": (4, 6), "三": (7, 9),
             "第三": (7, 9), "四": (10, 12), "第四": (10, 12)}[g["q9"]]
        return date(y, q[0], 1), _month_end(y, q[1])
    if g["since_md"]:
        y = year_of(g["y10"])
        if y is None or pub is None and not g["y10"]:
            return None, None
        start = _d(y, int(g["m10"]), int(g["d10"] or 1))
        if start and pub and start > pub and not g["y10"] and "今年" not in m.group(0):
            start = _d(y - 1, start.month, start.day)     # 12月以来, published in January
        return start, pub
    if g["since_y"]:
        return date(int(g["y18"]), 1, 1), pub
    if g["until"]:
        y = int(g["y19"]) if g["y19"] else py
        mo = int(g["m19"])
        if y is None or not 1 <= mo <= 12:
            return None, None
        return None, (_d(y, mo, int(g["d19"])) if g["d19"] else _month_end(y, mo))
    if g["ytd"]:
        return (date(py, 1, 1), pub) if pub else (None, None)
    if g["year_since"]:
        n = _num(g["n11"] or g["n12"]) if not (g["n11"] or g["n12"] or "").isdigit() else int(g["n11"] or g["n12"])
        if not pub:
            return None, None
        return _d(pub.year - n, pub.month, pub.day) or pub - timedelta(days=365 * n), pub
    if g["to_date"]:
        return None, pub
    if g["ym"]:
        y, mo = int(g["y13"]), int(g["m13"])
        return (_d(y, mo, 1), _month_end(y, mo)) if 1 <= mo <= 12 else (None, None)
    if g["y_whole"]:
        y = int(g["y14"])
        return date(y, 1, 1), date(y, 12, 31)
    if g["rel_year"]:
        tok = g["r15"]
        if not pub:
            return None, None
        if tok == "今年":
            return date(py, 1, 1), pub
        return date(py - 1, 1, 1), date(py - 1, 12, 31)
    if g["md"]:
        y = year_of(g["y16"])
        if y is None:
            return None, None
        d = _d(y, int(g["m16"]), int(g["d16"]))
        if d and pub and not g["y16"] and d > pub:       # a later month than publication: last year
            d = _d(y - 1, d.month, d.day)
        return d, d
    if g["day"]:
        if not pub:
            return None, None
        day = int(g["d20"])
        d = _d(pub.year, pub.month, day) if day <= pub.day else None
        if d is None and day > pub.day:
            prev = pub.replace(day=1) - timedelta(days=1)
            d = _d(prev.year, prev.month, day)
        return d, d
    if g["month"]:
        tok = g["y17"] or next((t for t in ("今年", "去年") if m.group(0).startswith(t)), None)
        y = year_of(tok)
        mo = int(g["m17"])
        if y is None or not 1 <= mo <= 12:
            return None, None
        if pub and not g["y17"] and not tok and date(y, mo, 1) > pub:
            y -= 1
        return date(y, mo, 1), _month_end(y, mo)
    return None, None


def period_of(text: str, published: str | None, at: int | None = None) -> tuple[str | None, str | None]:
    """Resolve the time expression of ``text`` nearest before offset ``at`` (none before it: no
    period; ``at`` None: the first expression).

    >>> period_of("今年以来,破获案件280余起", "2022-07-14")
    ('2022-01-01', '2022-07-14')
    >>> period_of("1至6月份,警情同比下降68.26%", "2022-07-14")
    ('2022-01-01', '2022-06-30')
    >>> period_of("6月10日至13日,抓获19名犯罪嫌疑人", "2022-07-14")
    ('2022-06-10', '2022-06-13')
    >>> period_of("近日,警方抓获3人", "2022-07-14")
    (None, None)
    """
    matches = _period_matches(text)
    if not matches:
        return None, None
    i = 0
    if at is not None:                            # the last expression starting before ``at``
        i = -1
        while i + 1 < len(matches) and matches[i + 1].start() < at:
            i += 1
        if i < 0:
            return None, None
    return _period_at(text, published, i)


@lru_cache(maxsize=1024)
def _period_at(text: str, published: str | None, i: int) -> tuple[str | None, str | None]:
    """The period of the ``i``-th time expression of ``text`` (cached: the facts of one sentence
    mostly share it)."""
    try:
        pub = date.fromisoformat(published) if published else None
    except ValueError:
        pub = None
    a, b = _resolve_expr(_period_matches(text)[i], pub)
    if a and b and a > b:                         # 2022年9月至2020年3月: not a period
        return None, None
    return _iso(a), _iso(b)


@lru_cache(maxsize=1024)
def _period_matches(text: str) -> tuple[re.Match, ...]:
    """Every time expression of ``text`` (cached: the facts of one sentence share it)."""
    return tuple(_PERIOD.finditer(text))


def resolve_period(fact: Fact, sentence: Sentence, meta: Meta) -> tuple[str | None, str | None]:
    """Period (ISO start, end) of ``fact`` from the time expression of its sentence."""
    return period_of(sentence.text, meta.published, fact.end - sentence.start)
