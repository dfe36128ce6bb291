"""The division table and name matching of pipeline.gazetteer."""
from __future__ import annotations

import doctest
import re
from collections import Counter

import pytest

from pipeline import gazetteer as gz
from pipeline.gazetteer import gazetteer, short_name


def test_doctests():
    r = doctest.testmod(gz)
    assert r.attempted > 0 and r.failed == 0


def test_table_shape():
    divs = gz.divisions()
    levels = Counter(d.level for d in divs)
    assert levels["province"] == 34                       # 31 mainland + Hong Kong, Macau, Taiwan
    assert 330 <= levels["city"] - 20 <= 340              # mainland prefectures (+20 Taiwan cities/counties)
    assert levels["county"] >= 2800
    mainland = [d for d in divs if d.province not in ("香港", "澳门", "台湾")]
    assert all(re.fullmatch(r"\d{6}", d.code) for d in divs)
    assert len({d.code for d in mainland}) == len(mainland)     # codes unique on the mainland
    provinces = {d.name for d in divs if d.level == "province"}
    assert all(d.province in provinces for d in divs)


@pytest.mark.parametrize("name, code, province, city", [
    ("七里河区", "620103", "甘肃省", "兰州市"),
    ("伊通满族自治县", "220323", "吉林省", "四平市"),
    ("黄骅市", "130983", "河北省", "沧州市"),
    ("仙桃市", "429004", "湖北省", None),            # administered by the province directly
    ("东城区", "110101", "北京市", "北京市"),          # municipality: the city is the municipality
    ("桃园市", "710000", "台湾", "桃园市"),
])
def test_rows(name, code, province, city):
    d = gazetteer().by_full[name][0]
    assert (d.code, d.province, d.city) == (code, province, city)


@pytest.mark.parametrize("full, n", [("鼓楼区", 4), ("朝阳区", 2), ("西湖区", 2), ("城关区", 2)])
def test_ambiguous_full_names(full, n):
    assert len(gazetteer().by_full[full]) == n


@pytest.mark.parametrize("name, level, short", [
    ("甘肃省", "province", "甘肃"),
    ("内蒙古自治区", "province", "内蒙古"),
    ("宁夏回族自治区", "province", "宁夏"),
    ("兰州市", "city", "兰州"),
    ("延边朝鲜族自治州", "city", "延边"),
    ("大兴安岭地区", "city", "大兴安岭"),
    ("微山县", "county", "微山"),
    ("互助土族自治县", "county", "互助"),
    ("成县", "county", None),
    ("城区", "county", None),
])
def test_short_name(name, level, short):
    assert short_name(name, level) == short


def _strip_ethnic_reference(base: str, groups: list[str]) -> str:
    """The rule of ``_strip_ethnic`` written out plainly: groups longest first, 族 form first,
    the first ending that leaves two characters is dropped, then again from the start."""
    groups = sorted(groups, key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for g in groups:
            for form in (g + "族", g if len(g) >= 2 else None):
                if form and base.endswith(form) and len(base) - len(form) >= 2:
                    base, changed = base[: -len(form)], True
                    break
            if changed:
                break
    return base


def test_strip_ethnic_same_as_reference():
    """The precomputed endings drop what the plain rule drops: every prefix of every division
    name, and random names stacked from group names (with and without 族)."""
    import random
    groups = gz.rules()["ethnic_groups"]
    bases = {d.name[:k] for d in gz.divisions() for k in range(len(d.name) + 1)}
    rnd = random.Random(7)
    pieces = ["黔东南", "东", "X", "族"] + groups + [g + "族" for g in groups]
    bases |= {"".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 5))) for _ in range(5000)}
    assert [b for b in bases if gz._strip_ethnic(b) != _strip_ethnic_reference(b, groups)] == []


@pytest.mark.parametrize("text, expected", [
    ("甘肃省兰州市七里河区", [("甘肃省", True), ("兰州市", True), ("七里河区", True)]),
    ("天水麦积分局", [("天水", False), ("麦积", False)]),
    ("县公安局", []),                                   # 公安县 -> 公安 is never a short name
    ("兰州新区管委会", [("兰州新区", True)]),             # a zone by its full name
    ("延边州和伊通县", [("延边州", True), ("伊通县", True)]),  # autonomous areas by their usual short form
])
def test_find_mentions(text, expected):
    assert [(m.text, m.full) for m in gazetteer().find_mentions(text)] == expected
