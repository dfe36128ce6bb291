"""Plotly figures for the dashboard and the exports. Pure: frames from ``pipeline.query`` in,
``go.Figure`` out; no Streamlit.

Every campaign has one colour, fixed by ``campaign_colors`` from the whole table (not from the
current filter), and every builder that colours by campaign takes that map, so 断卡 is the same
colour on every chart and after every filter change. Titles, axis labels and units are Chinese;
amounts are drawn in 万元 or 亿元.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import query as q

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
NO_CAMPAIGN_COLOUR = "#9E9E9E"
# Qualitative colours without greys (plotly, D3 and ColorBrewer sets), then generated hues.
PALETTE = ["#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692",
           "#B6E880", "#FF97FF", "#FECB52", "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728",
           "#9467BD", "#8C564B", "#E377C2", "#BCBD22", "#17BECF", "#66C2A5", "#FC8D62",
           "#8DA0CB", "#E78AC3", "#A6D854", "#FFD92F", "#E5C494"]

# Treemap levels (全国, province, city, district) in light neutral blues: not campaign colours.
DEPTH_COLOURS = ["#F3F6FA", "#DCE6F2", "#C2D4EA", "#A5C0E0"]


def campaign_colors(campaigns: list[str]) -> dict[str, str]:
    """One colour per campaign, in the given order (most frequent first); distinct for any count.

    >>> c = campaign_colors(["断卡", "断流"])
    >>> c["断卡"] != c["断流"], c[q.NO_CAMPAIGN]
    (True, '#9E9E9E')
    """
    out = {}
    for i, name in enumerate(campaigns):
        if i < len(PALETTE):
            out[name] = PALETTE[i]
        else:  # golden-angle hues: distinct, stable
            out[name] = f"hsl({(i * 137.508) % 360:.0f}, 60%, 50%)"
    out[q.NO_CAMPAIGN] = NO_CAMPAIGN_COLOUR
    return out


def value_scale(metric: str, values) -> tuple[float, str]:
    """Divisor and unit for drawing ``metric``: money in 万元/亿元, counts in their unit."""
    if q.metric_kind(metric) == "money":
        s = pd.Series(values, dtype="float64")
        return q.money_scale(float(s.abs().max()) if len(s) else 0.0)
    return 1.0, q.metric_unit(metric)


def _figure(data, title: str, height: int = 420, **layout) -> go.Figure:
    """One figure, its whole layout given at once (plotly's update_* calls are slow)."""
    return go.Figure(data=data, layout={
        "title": {"text": title, "x": 0.01, "xanchor": "left"},
        "font": {"family": FONT, "size": 13}, "height": height,
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "legend": {"title": {"text": "专项行动"}}, **layout})


def mark_synthetic(fig: go.Figure) -> go.Figure:
    """``fig`` with its title marked 【合成数据】 (the data shown holds synthetic articles)."""
    return fig.update_layout(title_text=q.SYNTHETIC_TAG + (fig.layout.title.text or ""))


def _axis(title: str, **kw) -> dict:
    return {"title": {"text": title}, **kw}


def _colour(colors: dict[str, str], name: str) -> str:
    return colors.get(name, NO_CAMPAIGN_COLOUR)


def _stacked(df: pd.DataFrame, cat: str, metric: str, colors: dict[str, str],
             horizontal: bool, order: list[str], value: str = "value",
             unit: str | None = None, div: float = 1.0) -> list[go.Bar]:
    """One bar trace per campaign (legend in the colour map's order); the axis order is set by
    the caller (``order``)."""
    unit = q.metric_unit(metric) if unit is None else unit
    cats = df[cat].to_numpy(dtype=object)
    camps = df["campaign"].to_numpy(dtype=object).astype(str)
    vals = df[value].to_numpy(dtype=float)
    rank = {c: i for i, c in enumerate(colors)}
    traces = []
    for camp in sorted(set(camps), key=lambda c: (rank.get(c, len(rank)), c)):
        sel = camps == camp
        y = vals[sel]
        text = np.array([q.fmt_number(v, unit) for v in y], dtype=object)
        kw = dict(x=y / div, y=cats[sel]) if horizontal else dict(x=cats[sel], y=y / div)
        traces.append(go.Bar(name=camp, orientation="h" if horizontal else "v",
                             marker_color=_colour(colors, camp), customdata=text,
                             hovertemplate="%{" + ("y" if horizontal else "x") + "}<br>"
                             + camp + "：%{customdata}<extra></extra>", **kw))
    return traces


def by_district(df: pd.DataFrame, metric: str, colors: dict[str, str]) -> go.Figure:
    """Horizontal bars, largest district on top, stacked by campaign (``query.by_district``)."""
    label = q.metric_label(metric)
    div, unit = value_scale(metric, df.groupby("label")["value"].sum() if len(df) else [])
    order = list(dict.fromkeys(df["label"]))
    shown = df.attrs.get("districts", len(order))
    title = f"各区县{label}（按数值排序" + (f"，前{len(order)}个" if shown > len(order) else "") + "）"
    return _figure(_stacked(df, "label", metric, colors, True, order, div=div), title,
                   height=max(320, 60 + 26 * len(order)), barmode="stack",
                   yaxis=_axis("区县", categoryorder="array", categoryarray=order[::-1],
                               automargin=True),
                   xaxis=_axis(f"{label}（{unit}）"))


def by_campaign(df: pd.DataFrame, metric: str, colors: dict[str, str]) -> go.Figure:
    """One bar per campaign in its own colour (``query.by_campaign``)."""
    label = q.metric_label(metric)
    div, unit = value_scale(metric, df["value"])
    bar = go.Bar(
        x=df["campaign"].to_numpy(dtype=object), y=df["value"].to_numpy(float) / div,
        marker_color=[_colour(colors, c) for c in df["campaign"]],
        customdata=[q.fmt_number(v, q.metric_unit(metric)) for v in df["value"]],
        hovertemplate="%{x}：%{customdata}<extra></extra>", showlegend=False)
    return _figure([bar], f"各专项行动{label}（一条数据可属多个专项）",
                   xaxis=_axis("专项行动"), yaxis=_axis(f"{label}（{unit}）"))


def by_month(df: pd.DataFrame, metric: str, colors: dict[str, str]) -> go.Figure:
    """Monthly bars stacked by campaign (``query.by_month``)."""
    label = q.metric_label(metric)
    div, unit = value_scale(metric, df.groupby("month")["value"].sum() if len(df) else [])
    order = sorted(df["month"].unique())
    return _figure(_stacked(df, "month", metric, colors, False, order, div=div),
                   f"{label}按月变化", barmode="stack",
                   xaxis=_axis("月份（数据截止日期）", type="category", categoryorder="array",
                               categoryarray=order),
                   yaxis=_axis(f"{label}（{unit}）"))


def metric_mix(df: pd.DataFrame, colors: dict[str, str]) -> go.Figure:
    """How many counted facts each metric has, stacked by campaign (``query.metric_mix``)."""
    order = list(dict.fromkeys(df["label"]))
    return _figure(_stacked(df, "label", "", colors, True, order, value="facts", unit="条"),
                   "指标构成（计入合计的数据条数）", height=max(320, 60 + 28 * len(order)),
                   barmode="stack",
                   yaxis=_axis("指标", categoryorder="array", categoryarray=order[::-1],
                               automargin=True),
                   xaxis=_axis("数据条数（条）"))


def region_treemap(df: pd.DataFrame, metric: str, max_districts: int = 150) -> go.Figure:
    """Treemap 全国 > province > city > district of ``metric`` (``query.by_region``).

    Every level holds its full total; only the ``max_districts`` largest districts get their own
    tile (the rest stay inside their city's tile), so a national table stays readable and light.
    """
    label = q.metric_label(metric)
    unit = q.metric_unit(metric)
    root = "全国"
    nodes: dict[str, list] = {root: [root, "", 0.0, 0]}   # id -> [label, parent, value, depth]
    for prov, city, dist, val in df[["province", "city", "district", "value"]].itertuples(
            index=False):
        path = [root]
        for part in (prov, city, dist):
            if part is None or part == "" or part != part:
                continue
            path.append(f"{path[-1]}/{part}")
            if path[-1] not in nodes:
                nodes[path[-1]] = [part, path[-2], 0.0, len(path) - 1]
        for node in path:
            nodes[node][2] += float(val)
    districts = sorted((k for k, v in nodes.items() if v[3] == 3), key=lambda k: -nodes[k][2])
    for k in districts[max_districts:]:
        del nodes[k]
    ids = np.array(list(nodes), dtype=object)
    vals = np.array([nodes[i][2] for i in ids], dtype=float)
    tree = go.Treemap(
        ids=ids, labels=np.array([nodes[i][0] for i in ids], dtype=object),
        parents=np.array([nodes[i][1] for i in ids], dtype=object),
        values=vals, branchvalues="total",
        customdata=np.array([q.fmt_number(v, unit) for v in vals], dtype=object),
        texttemplate="%{label}<br>%{customdata}",
        hovertemplate="%{label}：%{customdata}<extra></extra>",
        marker={"colors": np.array([DEPTH_COLOURS[min(nodes[i][3], 3)] for i in ids],
                                   dtype=object)},
        textfont={"color": "#1f2d3d"})
    more = len(districts) - max_districts
    note = f"；另有{more}个区县较小，计入所属城市" if more > 0 else ""
    return _figure([tree], f"地区分布：{label}（{unit}，面积表示数值{note}）", height=480)
