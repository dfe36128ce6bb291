"""pipeline.query: filters, the no-double-counting rule, aggregations, Chinese formatting."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures import (EXPECTED, EXPECTED_TEXT, HOSTILE, synthetic_rows, write_fixture,
                      write_synthetic_fixture)
from pipeline import query as q


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return q.load(write_fixture(tmp_path_factory.mktemp("fixture")))


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["fact_id"])


def counted(rows: list[dict]) -> set[str]:
    """fact_ids that count among in-memory ``rows`` with no filter."""
    return ids(q.select(q.from_frames(rows), q.Filters()).counted)


def test_load_none_without_tables(tmp_path):
    assert q.load(tmp_path) is None
    assert q.build_key(tmp_path) is None


def test_load_reads_one_build(data, tmp_path):
    write_fixture(tmp_path)
    key = q.build_key(tmp_path)
    assert key and "builds" in key[0]
    assert len(data.facts) == 18
    assert q.article_text(data, "a5")["text"].count("<script>") == 2
    assert q.article_text(data, "nope") is None
    # campaigns ordered by frequency, so colours do not depend on the filter
    assert data.campaigns[0] == "断卡"


@pytest.mark.parametrize("name,flt", [("all", q.Filters()),
                                      ("断卡", q.Filters(campaigns=("断卡",)))])
def test_headline_matches_fixture(data, name, flt):
    heads = q.headline(q.select(data, flt).counted)
    assert {m: h.value for m, h in heads.items()} == EXPECTED[name]
    assert {m: h.text for m, h in heads.items()} == EXPECTED_TEXT[name]


def test_reprint_counts_once(data):
    v = q.select(data, q.Filters(metrics=("cases_solved",), province="甘肃省"))
    assert ids(v.matched) == {"f1", "f5"}
    assert ids(v.counted) == {"f1"}
    assert v.status[v.matched["fact_id"].eq("f5").to_numpy()].tolist() == ["reprint"]
    # the reprint alone (traditional script) still counts: the figure is not lost
    v = q.select(data, q.Filters(metrics=("cases_solved",), scripts=("traditional",)))
    assert ids(v.counted) == {"f5"}


def test_operation_inside_cumulative_not_added(data):
    v = q.select(data, q.Filters(metrics=("suspects_arrested",)))
    assert "f4" in ids(v.matched) and "f4" not in ids(v.counted)
    # with the cumulative total filtered away, the operation counts
    v = q.select(data, q.Filters(metrics=("suspects_arrested",), scopes=("operation",)))
    assert ids(v.counted) == {"f4", "f14"}
    assert q.headline(v.counted)["suspects_arrested"].value == 19 + 12


def test_shorter_cumulative_inside_longer_not_added(data):
    v = q.select(data, q.Filters(district="微山县", metrics=("cases_solved",)))
    assert ids(v.counted) == {"f7"}
    v = q.select(data, q.Filters(district="微山县", end=date(2022, 6, 30)))
    assert ids(v.counted) == {"f6"}


def test_operation_outside_period_or_other_agency_is_added():
    rows = [dict(fact_id="c", article_id="x", agency="甲局", metric="cases_solved", value=10.0,
                 scope="cumulative", period_start="2022-01-01", period_end="2022-03-31"),
            dict(fact_id="o1", article_id="y", agency="甲局", metric="cases_solved", value=2.0,
                 scope="operation", period_end="2022-05-01"),  # after the total's period
            dict(fact_id="o2", article_id="z", agency="乙局", metric="cases_solved", value=3.0,
                 scope="operation", period_end="2022-02-01"),  # another agency
            dict(fact_id="o3", article_id="w", agency="甲局", metric="cases_solved", value=4.0,
                 scope="operation", period_end="2022-02-01"),  # inside: not added
            dict(fact_id="o4", article_id="w", agency="甲局", metric="suspects_arrested",
                 value=5.0, scope="operation", period_end="2022-02-01")]  # other metric
    assert counted(rows) == {"c", "o1", "o2", "o4"}


def test_undated_facts_of_one_article_share_its_period():
    rows = [dict(fact_id="t", article_id="x", agency="甲局", metric="suspects_arrested",
                 value=120.0, scope="cumulative"),
            dict(fact_id="o", article_id="x", agency="甲局", metric="suspects_arrested",
                 value=19.0, scope="operation"),
            dict(fact_id="p", article_id="other", agency="甲局", metric="suspects_arrested",
                 value=7.0, scope="operation")]
    assert counted(rows) == {"t", "p"}


def test_same_period_totals_keep_the_larger():
    rows = [dict(fact_id=i, article_id="x", agency="甲局", metric="cases_solved", value=v,
                 scope="cumulative", period_start="2022-01-01", period_end="2022-06-30")
            for i, v in (("small", 6.0), ("big", 280.0))]
    assert counted(rows) == {"big"}


def test_reprint_chain_resolves_to_one_root():
    rows = [dict(fact_id="a", metric="cases_solved", value=1.0),
            dict(fact_id="b", metric="cases_solved", value=1.0, duplicate_of="a"),
            dict(fact_id="c", metric="cases_solved", value=1.0, duplicate_of="b")]
    assert len(set(q.from_frames(rows).counting.root)) == 1
    assert counted(rows) == {"a"}
    assert counted(rows[1:]) == {"b"}


def test_foreign_currency_not_added_to_yuan(data):
    v = q.select(data, q.Filters(metrics=("funds_frozen",)))
    h = q.headline(v.counted)["funds_frozen"]
    assert h.value == 27016000 + 1500000 and h.other_currency == 1


def test_filters(data):
    f = data
    assert ids(q.filter_facts(f, q.Filters(province="福建省"))) == {"f13", "f14", "f15", "f16"}
    assert ids(q.filter_facts(f, q.Filters(city="济宁市", district="微山县"))) == {
        f"f{i}" for i in range(6, 13)}
    assert ids(q.filter_facts(f, q.Filters(agency_levels=("station",)))) == {
        "f13", "f14", "f15", "f16"}
    assert ids(q.filter_facts(f, q.Filters(campaigns=("断流",)))) == {"f13", "f14", "f15", "f16"}
    assert ids(q.filter_facts(f, q.Filters(campaigns=("断流", "云剑2022")))) == {
        f"f{i}" for i in range(6, 17)}
    assert ids(q.filter_facts(f, q.Filters(start=date(2022, 10, 1)))) == {"f17", "f18"}
    assert ids(q.filter_facts(f, q.Filters(scopes=("operation",)))) == {"f4", "f13", "f14",
                                                                        "f15", "f17"}
    # search looks at the original and the simplified evidence, case-insensitively
    assert ids(q.filter_facts(f, q.Filters(search="凍結"))) == {"f18"}
    assert ids(q.filter_facts(f, q.Filters(search="SCRIPT"))) == {"f17"}
    assert q.filter_facts(f, q.Filters(search="不存在的词")).empty
    assert q.select(data, q.Filters(province="不存在省")).empty


def test_options_cascade(data):
    o = q.options(data, q.Filters(province="甘肃省"))
    assert o["city"] == ["兰州市"] and o["district"] == []
    assert q.options(data, q.Filters(province="甘肃省", city="兰州市"))["district"] == ["七里河区"]
    assert q.options(data)["metrics"][0] == "cases_solved"


def test_aggregations(data):
    v = q.select(data, q.Filters())
    d = q.by_district(v.counted, "cases_solved")
    totals = d.groupby("label", sort=False)["value"].sum()
    assert list(totals) == sorted(totals, reverse=True)
    assert totals["兰州市七里河区"] == 280
    c = q.by_campaign(v.counted, "cases_solved").set_index("campaign")["value"]
    assert c.to_dict() == {"断卡": 285, "云剑2022": 9, "断流": 5, q.NO_CAMPAIGN: 3}
    m = q.by_month(v.counted, "funds_frozen")
    assert m.to_dict("list") == {"month": ["2022-07", "2022-09"], "campaign": ["断卡", "断卡"],
                                 "value": [27016000.0, 1500000.0]}
    mix = q.metric_mix(v.counted)
    assert mix.groupby("metric")["facts"].sum().sum() == len(v.counted)
    r = q.by_region(v.counted, "cases_solved")
    assert r["value"].sum() == 297
    # main campaign prefers the selected one
    v2 = q.select(data, q.Filters(campaigns=("断流",)))
    assert set(v2.counted["campaign"]) == {"断流"}


def test_evidence_table(data):
    v = q.select(data, q.Filters())
    t = q.evidence_table(v)
    assert list(t.columns) == q.EVIDENCE_COLUMNS
    assert t.loc["f5", "计数"] == "转载（不重复计）"
    assert t.loc["f4", "计数"] == "已含于累计数"
    assert t.loc["f1", "指标"] == "破获案件" and t.loc["f1", "口径"] == "累计（期间总数）"
    assert t.loc["f18", "数值"] == "50万港元"
    assert t.loc["f17", "证据原文"].endswith(HOSTILE)
    assert list(t["日期"])[0] == "2022-10-15"   # newest first
    assert len(q.evidence_table(v, limit=3)) == 3


@pytest.mark.parametrize("hostile", [HOSTILE, "<script>alert(1)</script>",
                                     '<img src=x onerror="alert(1)">', "[link](x)", "$x$",
                                     "&amp; &lt;"])
def test_highlight_is_escaped_text(hostile):
    text = f"前文{hostile}证据句{hostile}后文"
    a = text.index("证据句")
    out = q.highlight_html(text, a - len(hostile), a + 3)
    body = out[out.index(">") + 1:out.rindex("</div>")]
    assert body.count("<") == 2 and "<mark>" in body and "</mark>" in body
    plain = body.replace("<mark>", "").replace("</mark>", "")
    import html
    assert html.unescape(plain) == text     # all the text, verbatim, nothing dropped
    assert "<script" not in out and "<img" not in out


def test_highlight_bad_offsets():
    assert "<mark>" not in q.highlight_html("abc", None, None)
    assert q.highlight_html("abc", 5, 9).endswith("abc</div>")
    assert q.highlight_html(None, 0, 1).endswith("></div>")


@pytest.mark.parametrize("value,unit,text", [
    (0, "起", "0起"), (9999, "人", "9999人"), (10000, "人", "1万人"), (123456, "元", "12.35万元"),
    (99990000, "元", "9999万元"), (100000000, "元", "1亿元"), (1.5e9, "元", "15亿元"),
    (-68.26, "%", "-68.26%"), (float("nan"), "元", "—")])
def test_fmt_number(value, unit, text):
    assert q.fmt_number(value, unit) == text


def test_labels_cover_all_codes():
    for code in q.HEADLINE_METRICS:
        assert q.metric_label(code) != code
    assert q.QUALIFIERS["more_than"] and q.SCOPES["operation"] == "单次行动"
    assert q.metric_label("unknown_metric") == "unknown_metric"


_names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                 max_size=8)


@settings(max_examples=60, deadline=None)
@given(campaigns=st.lists(_names, max_size=3, unique=True), province=st.none() | _names,
       levels=st.lists(st.sampled_from(list(q.AGENCY_LEVELS)), max_size=2, unique=True),
       start=st.none() | st.dates(), search=st.text(max_size=6).map(str.strip))
def test_filters_url_roundtrip(campaigns, province, levels, start, search):
    f = q.Filters(campaigns=tuple(campaigns), province=province, agency_levels=tuple(levels),
                  start=start, search=search)
    assert q.Filters.from_query(f.to_query()) == f


def test_restrict_drops_stale_values():
    f = q.Filters(campaigns=("断卡", "旧专项"), province="火星省")
    r = f.restrict({"campaigns": ["断卡"], "province": ["甘肃省"]})
    assert r.campaigns == ("断卡",) and r.province is None


def test_many_campaigns_beyond_the_bit_columns():
    # 70 campaigns: the 63 most frequent are bits, the rest lists; all behave the same
    rows = [dict(fact_id=f"f{i}", metric="cases_solved", value=float(i + 1),
                 campaigns=[f"专项{i:02d}"] * 1 + (["共同专项"] if i % 2 else []))
            for i in range(70)]
    data = q.from_frames(rows)
    assert len(data.campaigns) == 71 and data.campaigns[0] == "共同专项"
    last = data.campaigns[-1]
    v = q.select(data, q.Filters(campaigns=(last,)))
    assert len(v.counted) == 1
    c = q.by_campaign(q.select(data, q.Filters()).counted, "cases_solved").set_index("campaign")
    assert c.loc[last, "facts"] == 1 and c.loc["共同专项", "facts"] == 35
    assert c["value"].drop("共同专项").sum() == sum(range(1, 71))


def test_synthetic_articles_are_counted_in_a_build_and_in_memory(data, tmp_path):
    # the real-only fixture: none
    assert q.synthetic_articles(data) == (0, 6)
    assert q.synthetic_articles(data, q.select(data, q.Filters()).mask) == (0, 6)
    # plus s1 (marked in title and outlet) and s2 (traditional mark, title only)
    for mixed in (q.load(write_synthetic_fixture(tmp_path / "b")),
                  q.from_frames(synthetic_rows()[1])):
        assert q.synthetic_articles(mixed) == (2, 8)
        view = q.select(mixed, q.Filters(metrics=("suspects_arrested",)))   # s2, a1, a3, a4
        assert q.synthetic_articles(mixed, view.mask) == (1, 4)
        view = q.select(mixed, q.Filters(province="山东省"))
        assert q.synthetic_articles(mixed, view.mask) == (0, 1)
    assert q.synthetic_articles(q.load(write_synthetic_fixture(tmp_path / "s", only=True))) == \
        (2, 2)


def test_synthetic_tables_of_antifraud_synth_are_all_marked(tmp_path):
    from pipeline import synth

    synth.generate_tables(30, tmp_path)
    data = q.load(tmp_path)
    n = data.facts["article_id"].nunique()
    assert q.synthetic_articles(data) == (n, n) and n == 30


def test_tie_order_is_by_tie_then_larger_value_then_row():
    """The counting order of cumulative totals of one period (made run by run from the sorted
    periods) equals a plain sort by (tie, -value, row), dated and undated rows mixed."""
    rng = np.random.default_rng(3)
    for trial in range(30):
        rows = []
        for i in range(int(rng.integers(1, 200))):
            dated = rng.random() < 0.7
            rows.append({"fact_id": f"f{i}", "article_id": f"a{rng.integers(0, 20)}",
                         "metric": str(rng.choice(["cases_solved", "funds_frozen"])),
                         "value": float(rng.integers(1, 5)), "currency": "CNY",
                         "scope": str(rng.choice(["cumulative", "operation"])),
                         "agency": str(rng.choice(["甲", "乙"])),
                         "period_end": date(2023, int(rng.integers(1, 4)), 1) if dated else None,
                         "period_start": date(2023, 1, 1) if dated and rng.random() < 0.5
                         else None})
        data = q.from_frames(rows)
        c, value = data.counting, data.facts["value"].to_numpy(float)
        tc = np.flatnonzero(c.tie >= 0)
        np.testing.assert_array_equal(c.tie_order, tc[np.lexsort((-value[tc], c.tie[tc]))],
                                      err_msg=str(trial))
