"""pipeline.figures: Chinese titles and units, sorted bars, one colour per campaign."""
from __future__ import annotations

import pytest

from fixtures import write_fixture
from pipeline import figures as fg
from pipeline import query as q


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    data = q.load(write_fixture(tmp_path_factory.mktemp("fixture")))
    return data, fg.campaign_colors(data.campaigns)


def _colours_by_name(fig) -> dict[str, str]:
    out = {}
    for t in fig.data:
        if t.type == "bar" and isinstance(t.marker.color, str):
            out[t.name] = t.marker.color
        elif t.type == "bar":
            out.update(zip(t.x, t.marker.color))
    return out


def test_colours_distinct_and_stable():
    names = [f"专项{i}" for i in range(40)]
    c = fg.campaign_colors(names)
    assert len(set(c[n] for n in names)) == 40
    assert fg.campaign_colors(names[:3])["专项1"] == c["专项1"]


def test_one_colour_per_campaign_on_every_chart(setup):
    data, colors = setup
    seen: dict[str, set[str]] = {}
    for flt in (q.Filters(), q.Filters(campaigns=("断流",)), q.Filters(campaigns=("断卡",))):
        v = q.select(data, flt)
        for fig in (fg.by_district(q.by_district(v.counted, "cases_solved"), "cases_solved", colors),
                    fg.by_campaign(q.by_campaign(v.counted, "cases_solved"), "cases_solved", colors),
                    fg.by_month(q.by_month(v.counted, "cases_solved"), "cases_solved", colors),
                    fg.metric_mix(q.metric_mix(v.counted), colors)):
            for name, col in _colours_by_name(fig).items():
                seen.setdefault(name, set()).add(col)
    assert all(len(cols) == 1 for cols in seen.values()), seen
    assert seen["断卡"] == {colors["断卡"]} and seen["断流"] == {colors["断流"]}
    assert seen[q.NO_CAMPAIGN] == {fg.NO_CAMPAIGN_COLOUR}


def test_district_bars_sorted_with_units(setup):
    data, colors = setup
    v = q.select(data, q.Filters())
    fig = fg.by_district(q.by_district(v.counted, "cases_solved"), "cases_solved", colors)
    order = list(fig.layout.yaxis.categoryarray)[::-1]   # top to bottom
    assert order == ["兰州市七里河区", "济宁市微山县", "莆田市涵江区", "深圳市南山区"]
    assert fig.layout.xaxis.title.text == "破获案件（起）"
    assert "区县" in fig.layout.title.text


def test_money_in_wan_or_yi(setup):
    data, colors = setup
    v = q.select(data, q.Filters())
    fig = fg.by_month(q.by_month(v.counted, "funds_stopped"), "funds_stopped", colors)
    assert fig.layout.yaxis.title.text == "止付资金（亿元）"
    assert max(max(t.y) for t in fig.data) == pytest.approx(3.5)
    fig = fg.by_campaign(q.by_campaign(v.counted, "funds_frozen"), "funds_frozen", colors)
    assert fig.layout.yaxis.title.text == "冻结资金（万元）"
    assert list(fig.data[0].customdata) == ["2851.6万元", "150万元"]


def test_treemap_totals(setup):
    data, _ = setup
    v = q.select(data, q.Filters())
    fig = fg.region_treemap(q.by_region(v.counted, "cases_solved"), "cases_solved")
    t = fig.data[0]
    vals = dict(zip(t.ids, t.values))
    assert vals["全国"] == 297 and vals["全国/甘肃省/兰州市/七里河区"] == 280
    # every parent holds at least the sum of its children (branchvalues=total)
    for node, parent in zip(t.ids, t.parents):
        if parent:
            assert vals[parent] >= vals[node]
    assert "地区分布" in fig.layout.title.text


def test_titles_are_chinese(setup):
    data, colors = setup
    v = q.select(data, q.Filters())
    figs = [fg.by_district(q.by_district(v.counted, "cases_solved"), "cases_solved", colors),
            fg.by_campaign(q.by_campaign(v.counted, "cases_solved"), "cases_solved", colors),
            fg.by_month(q.by_month(v.counted, "cases_solved"), "cases_solved", colors),
            fg.metric_mix(q.metric_mix(v.counted), colors),
            fg.region_treemap(q.by_region(v.counted, "cases_solved"), "cases_solved")]
    for fig in figs:
        title = fig.layout.title.text
        assert title and any("\u4e00" <= ch <= "\u9fff" for ch in title)
        assert not [w for w in ("cases_solved", "undefined", "None") if w in title]
