"""Exports of the dashboard's current view: a PowerPoint deck of native charts, chart images
(PNG/SVG) and the filtered facts as CSV/XLSX.

Everything starts from the dashboard's own calls (``query.select`` and the aggregations of
``query``; the image figures are the builders of ``figures``), so one filter gives one set of
numbers on the page, in the deck, in the images and in the files::

    data = query.load("data")
    rep = report(data, query.Filters(campaigns=("断卡",)))   # view, chart metric, charts
    deck_bytes(rep)                     # .pptx, no browser needed
    render_images(rep, "png")           # [(file name, bytes)], one Chromium for the batch
    csv_bytes(rep.view), xlsx_bytes(rep)

Images need a Chrome/Chromium (kaleido drives it); the system one is used (``BROWSER_PATH`` or
the usual names on ``PATH``) and nothing is ever downloaded. Where there is none,
``BrowserMissing`` says how to install it.
"""
from __future__ import annotations

import asyncio
import colorsys
import io
import os
import re
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from . import figures as fg
from . import query as q

#: East Asian (and Latin) typeface of the deck and the images; fonts-noto-cjk provides it on
#: Linux, PowerPoint/WPS substitute their own CJK font where it is missing.
DECK_FONT = "Noto Sans CJK SC"
SLIDE_W, SLIDE_H = 12192000, 6858000          # 16:9 in EMU (13.333 x 7.5 inches)
IMAGE_SIZE = (1280, 720)                      # slide-sized images, rendered at IMAGE_SCALE
IMAGE_SCALE = 2
TOP_CATEGORIES = 20                           # bars on a region slide
MAX_SERIES = 10                               # campaigns drawn as their own series; rest: 其他
EVIDENCE_TOP = 3                              # appendix: the largest facts of each headline
EVIDENCE_ROWS_PER_SLIDE = 6
OTHER_CAMPAIGNS = "其他专项"
REGION_COLOUR = "#4C78A8"

# --------------------------------------------------------------------------------------------
# The report: one view, its chart metric, its charts
# --------------------------------------------------------------------------------------------


@dataclass
class Chart:
    """One chart of the view, in a form both the deck and the images draw from.

    ``series`` holds values in base units (yuan, cases ...), one per category, 0 where a series
    has nothing; the deck draws them divided by ``div`` on an axis in ``unit``.
    """

    key: str                                  # district | campaign | month | mix | region
    title: str
    kind: str                                 # bar (horizontal) | column | line
    frame: pd.DataFrame                       # the query aggregation shown
    categories: list[str]
    series: dict[str, list[float]]
    div: float
    unit: str
    value_title: str
    category_title: str
    colours: dict[str, str] = field(default_factory=dict)   # series or category -> colour
    note: str = ""
    figure: Callable[[], object] | None = None               # the dashboard's plotly figure


@dataclass
class Report:
    data: q.Data
    flt: q.Filters
    view: q.View
    metric: str | None                        # chart metric; None: nothing can be summed
    charts: list[Chart]
    made: date

    @cached_property
    def n_articles(self) -> int:
        return int(self.view.matched["article_id"].nunique())

    @cached_property
    def n_synthetic(self) -> int:
        """How many of the matched articles are synthetic (``antifraud synth``, 【合成数据】)."""
        return q.synthetic_articles(self.data, self.view.mask)[0]

    @property
    def mark(self) -> str:
        """What goes before every title: 【合成数据】 when any matched article is synthetic."""
        return q.SYNTHETIC_TAG if self.n_synthetic else ""

    @cached_property
    def period(self) -> tuple[date | None, date | None]:
        """The filter's period, completed by the first/last date of the matched facts."""
        d = self.view.matched["date"].dropna()
        lo = d.min().date() if len(d) else None
        hi = d.max().date() if len(d) else None
        return self.flt.start or lo, self.flt.end or hi


def chart_metric(data: q.Data, flt: q.Filters, wanted: str | None = None) -> str | None:
    """The metric the charts show, chosen as the dashboard does: ``wanted`` if present, else the
    first filtered metric, else 破获案件, else the first summable metric; None if there is none."""
    present = [m for m in q.options(data)["metrics"] if q.metric_kind(m) != "percent"]
    if wanted in present:
        return wanted
    pick = [m for m in flt.metrics if m in present]
    if pick:
        return pick[0]
    if "cases_solved" in present:
        return "cases_solved"
    return present[0] if present else None


def report(data: q.Data, flt: q.Filters, metric: str | None = None,
           made: date | None = None, view: q.View | None = None) -> Report:
    """Select ``flt`` exactly as the dashboard does (or take its ``view`` of ``flt``) and build
    the charts of ``metric``."""
    view = q.select(data, flt) if view is None else view
    m = chart_metric(data, flt, metric)
    colours = fg.campaign_colors(data.campaigns)
    charts = build_charts(view, m, colours, flt) if not view.empty else []
    return Report(data, flt, view, m, charts, made or date.today())


def _order_series(names: Iterable[str], totals: dict[str, float]) -> list[str]:
    """Campaign series by total, largest first, 未标注专项 last."""
    return sorted(names, key=lambda n: (n == q.NO_CAMPAIGN, -totals.get(n, 0.0), n))


def _pivot(frame: pd.DataFrame, cat: str, value: str, order: list[str]) -> dict[str, list[float]]:
    """Long (cat, campaign, value) -> {campaign: values in ``order``}; beyond ``MAX_SERIES``
    series the smaller campaigns merge into 其他专项, so the sums stay the same."""
    if frame.empty:
        return {}
    frame = frame.assign(**{value: frame[value].astype("float64")})
    wide = frame.pivot_table(index=cat, columns="campaign", values=value, aggfunc="sum",
                             fill_value=0.0, observed=True).reindex(order, fill_value=0.0)
    totals = {str(c): float(wide[c].sum()) for c in wide.columns}
    names = _order_series(totals, totals)
    if len(names) > MAX_SERIES:                 # 未标注专项 keeps its own series
        none = [q.NO_CAMPAIGN] if q.NO_CAMPAIGN in names else []
        named = [n for n in names if n != q.NO_CAMPAIGN]
        cut = MAX_SERIES - 1 - len(none)
        wide[OTHER_CAMPAIGNS] = wide[named[cut:]].sum(axis=1)
        names = named[:cut] + [OTHER_CAMPAIGNS] + none
    return {n: [float(v) for v in wide[n]] for n in names}


def _region_level(flt: q.Filters) -> tuple[str, str, str]:
    """(column, parent column, Chinese level name) of the region slide under the filter."""
    if flt.city or flt.district:
        return "district", "city", "区县"
    if flt.province:
        return "city", "province", "城市"
    return "province", "", "省份"


def region_totals(frame: pd.DataFrame, flt: q.Filters) -> pd.DataFrame:
    """``query.by_region`` summed at the level below the region filter (label, value), largest
    first; figures not resolved to that level keep their parent's name."""
    col, parent, name = _region_level(flt)
    if frame.empty:
        return pd.DataFrame({"label": [], "value": []})
    miss = frame[col].isna()
    fallback = (frame[parent].fillna("").astype(str) + f"（未细分到{name}）") if parent else \
        pd.Series("全国（未细分到省份）", index=frame.index)
    label = frame[col].astype(object).where(~miss, fallback)
    g = (pd.DataFrame({"label": label, "value": frame["value"]})
         .groupby("label", sort=False)["value"].sum().sort_values(ascending=False, kind="stable"))
    return g.reset_index()


def build_charts(view: q.View, metric: str | None, colours: dict[str, str],
                 flt: q.Filters) -> list[Chart]:
    """The dashboard's charts of ``view`` (empty ones left out), in page order."""
    counted = view.counted
    out: list[Chart] = []
    if metric is not None and not q.summable(counted, metric).empty:
        label = q.metric_label(metric)
        d = q.by_district(counted, metric)
        if not d.empty:
            order = list(dict.fromkeys(d["label"]))
            div, unit = fg.value_scale(metric, d.groupby("label")["value"].sum())
            more = d.attrs.get("districts", len(order)) > len(order)
            title = f"各区县{label}（按数值排序" + (f"，前{len(order)}个" if more else "") + "）"
            note = (f"另有 {d.attrs['undistricted']} 条数据未细分到区县，不在此图中。"
                    if d.attrs.get("undistricted") else "")
            out.append(Chart("district", title, "bar", d, order,
                             _pivot(d, "label", "value", order), div, unit,
                             f"{label}（{unit}）", "区县", colours, note,
                             lambda d=d: fg.by_district(d, metric, colours)))
        c = q.by_campaign(counted, metric)
        div, unit = fg.value_scale(metric, c["value"])
        out.append(Chart("campaign", f"各专项行动{label}（一条数据可属多个专项）",
                         "column", c, [str(x) for x in c["campaign"]],
                         {label: [float(v) for v in c["value"]]}, div, unit,
                         f"{label}（{unit}）", "专项行动", colours,
                         "一条数据可同时属于多个专项行动，各柱之和可能大于合计。",
                         lambda c=c: fg.by_campaign(c, metric, colours)))
        mo = q.by_month(counted, metric)
        if not mo.empty:
            order = sorted(mo["month"].unique())
            div, unit = fg.value_scale(metric, mo.groupby("month")["value"].sum())
            out.append(Chart("month", f"{label}按月变化", "line", mo, order,
                             _pivot(mo, "month", "value", order), div, unit,
                             f"{label}（{unit}）", "月份（数据截止日期）", colours,
                             "按数据截止日期所在月份相加；某月没有数据记为0。",
                             lambda mo=mo: fg.by_month(mo, metric, colours)))
    mix = q.metric_mix(counted)
    if not mix.empty:
        order = list(dict.fromkeys(mix["label"]))
        out.append(Chart("mix", "指标构成（计入合计的数据条数）", "bar", mix, order,
                         _pivot(mix, "label", "facts", order), 1.0, "条", "数据条数（条）",
                         "指标", colours, "", lambda mix=mix: fg.metric_mix(mix, colours)))
    if metric is not None and not q.summable(counted, metric).empty:
        r = q.by_region(counted, metric)
        t = region_totals(r, flt)
        if not t.empty:
            _, _, level = _region_level(flt)
            top = t.head(TOP_CATEGORIES)
            div, unit = fg.value_scale(metric, t["value"])
            note = (f"共 {len(t)} 个{level}，显示数值最大的 {len(top)} 个。"
                    if len(t) > len(top) else "")
            out.append(Chart("region", f"地区分布：{label}（按{level}）", "bar", r,
                             [str(x) for x in top["label"]],
                             {label: [float(v) for v in top["value"]]}, div, unit,
                             f"{label}（{unit}）", level, {label: REGION_COLOUR}, note,
                             lambda r=r: fg.region_treemap(r, metric)))
    return out


# --------------------------------------------------------------------------------------------
# Words for the title slide and the footnotes
# --------------------------------------------------------------------------------------------

def describe_filters(flt: q.Filters) -> list[str]:
    """The filters in Chinese words (the period is stated apart).

    >>> describe_filters(q.Filters(campaigns=("断卡", "断流"), province="甘肃省", city="兰州市"))
    ['专项行动：断卡、断流', '地区：甘肃省 兰州市']
    >>> describe_filters(q.Filters())
    ['全部数据（未设筛选条件）']
    """
    parts = []
    if flt.campaigns:
        parts.append("专项行动：" + "、".join(flt.campaigns))
    region = " ".join(x for x in (flt.province, flt.city, flt.district) if x)
    if region:
        parts.append("地区：" + region)
    for name, values, words in (("机构层级", flt.agency_levels, q.AGENCY_LEVELS),
                                ("指标", flt.metrics, None), ("口径", flt.scopes, q.SCOPES),
                                ("原文字体", flt.scripts, q.SCRIPTS)):
        if values:
            parts.append(f"{name}：" + "、".join(
                q.metric_label(v) if words is None else words.get(v, v) for v in values))
    if flt.search:
        parts.append(f"证据原文包含：“{flt.search}”")
    return parts or ["全部数据（未设筛选条件）"]


def _day(d: date | None) -> str:
    return d.isoformat() if d else "日期不详"


def period_text(rep: Report) -> str:
    lo, hi = rep.period
    if lo is None and hi is None:
        return "时间段：日期不详"
    return f"时间段：{_day(lo)} 至 {_day(hi)}（按数据截止日期）"


SYNTHETIC_NOTE = "合成文章（【合成数据】，由 antifraud synth 生成，非真实报道）"


def articles_text(rep: Report) -> str:
    """What the articles are: public police reports, synthetic articles (marked), or how many
    of each."""
    n, syn = rep.n_articles, rep.n_synthetic
    if not syn:
        return f"{n} 篇公开公安反诈报道"
    if syn >= n:
        return f"{n} 篇{SYNTHETIC_NOTE}"
    return f"{n} 篇文章（其中 {syn} 篇为{SYNTHETIC_NOTE}，{n - syn} 篇为公开公安反诈报道）"


def synthetic_warning(rep: Report) -> str:
    """The warning shown above the data when any of it is synthetic; "" when none is."""
    if not rep.n_synthetic:
        return ""
    whole = "全部" if rep.n_synthetic >= rep.n_articles else f"{rep.n_synthetic} 篇"
    return (f"{q.SYNTHETIC_TAG}本数据中{whole}文章为合成文章（由 antifraud synth 生成，"
            "用于测试和基准），不是真实报道。")


def source_note(rep: Report) -> str:
    """The footnote of every slide and image: how many articles (synthetic ones marked) and
    facts, which period."""
    lo, hi = rep.period
    when = f"{_day(lo)} 至 {_day(hi)}" if (lo or hi) else "日期不详"
    return (f"来源：{articles_text(rep)}中的 {len(rep.view.matched)} 条数据"
            f"（计入合计 {len(rep.view.counted)} 条，转载与已含于累计数的不重复相加）；"
            f"期间 {when}；制作于 {rep.made.isoformat()}。")


# --------------------------------------------------------------------------------------------
# PowerPoint (python-pptx): native, editable charts
# --------------------------------------------------------------------------------------------

def _rgb(colour: str):
    """'#RRGGBB' or 'hsl(h, s%, l%)' (figures' generated hues) -> RGBColor."""
    from pptx.dml.color import RGBColor

    m = re.fullmatch(r"\s*hsl\(\s*([\d.]+)\s*,\s*([\d.]+)%\s*,\s*([\d.]+)%\s*\)\s*", colour)
    if m:
        h, s, lum = (float(x) for x in m.groups())
        r, g, b = colorsys.hls_to_rgb(h / 360, lum / 100, s / 100)
        return RGBColor(round(r * 255), round(g * 255), round(b * 255))
    return RGBColor.from_string(colour.lstrip("#")[:6].upper())


def set_font(font, size: float | None = None, bold: bool | None = None,
             colour: str | None = None, typeface: str = DECK_FONT) -> None:
    """Latin and East Asian (``a:ea``) typeface, size, weight and colour of a pptx Font."""
    from pptx.oxml import parse_xml
    from pptx.oxml.ns import nsdecls, qn
    from pptx.util import Pt

    font.name = typeface                      # a:latin
    rpr = font._rPr
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = parse_xml(f'<a:ea {nsdecls("a")} typeface=""/>')
        rpr.insert_element_before(ea, "a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver",
                                  "a:rtl", "a:extLst")
    ea.set("typeface", typeface)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if colour is not None:
        font.color.rgb = _rgb(colour)


def _textbox(slide, x, y, w, h, lines: list[tuple[str, float, bool, str]], font: str,
             align=None):
    """A text box of ``lines`` (text, size pt, bold, colour), word-wrapped."""
    from pptx.util import Emu

    box = slide.shapes.add_textbox(Emu(x), Emu(y), Emu(w), Emu(h))
    tf = box.text_frame
    tf.word_wrap = True
    for i, (text, size, bold, colour) in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        run = p.add_run()
        run.text = text
        set_font(run.font, size, bold, colour, font)
    return box


INCH = 914400
MARGIN = int(0.45 * INCH)


def _title(slide, text: str, font: str) -> None:
    _textbox(slide, MARGIN, int(0.3 * INCH), SLIDE_W - 2 * MARGIN, int(0.8 * INCH),
             [(text, 26, True, "#1F2D3D")], font)


def _footnote(slide, text: str, font: str) -> None:
    _textbox(slide, MARGIN, SLIDE_H - int(0.55 * INCH), SLIDE_W - 2 * MARGIN, int(0.45 * INCH),
             [(text, 10, False, "#6B7785")], font)


def _number_format(div: float, unit: str) -> str:
    return "#,##0" if div == 1.0 and unit not in ("%",) else "#,##0.0#"


def _add_chart(slide, ch: Chart, font: str):
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
    from pptx.util import Emu, Pt

    kind = {"bar": XL_CHART_TYPE.BAR_STACKED, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
            "line": XL_CHART_TYPE.LINE_MARKERS}[ch.kind]
    if ch.kind == "bar" and len(ch.series) == 1:
        kind = XL_CHART_TYPE.BAR_CLUSTERED
    fmt = _number_format(ch.div, ch.unit)
    # horizontal bars are drawn bottom-up: the categories go in reversed so the largest is on
    # top (as on the dashboard) with the value axis below (reverse_order would put it on top
    # in LibreOffice/WPS)
    flip = slice(None, None, -1) if ch.kind == "bar" else slice(None)
    cd = CategoryChartData(number_format=fmt)
    cd.categories = ch.categories[flip]
    for name, values in ch.series.items():
        cd.add_series(name, [v / ch.div for v in values[flip]])
    top = int(1.1 * INCH)
    bottom = int(0.95 * INCH) + (int(0.3 * INCH) if ch.note else 0)
    gf = slide.shapes.add_chart(kind, Emu(MARGIN), Emu(top), Emu(SLIDE_W - 2 * MARGIN),
                                Emu(SLIDE_H - top - bottom), cd)
    gf.name = f"chart:{ch.key}"
    chart = gf.chart
    set_font(chart.font, 12, typeface=font)
    chart.has_title = False
    plot = chart.plots[0]
    many = len(ch.series) > 1
    chart.has_legend = many
    if many:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        set_font(chart.legend.font, 11, typeface=font)
    if ch.kind == "bar":
        plot.gap_width = 60
        if many:
            plot.overlap = 100
    elif ch.kind == "column":
        plot.gap_width = 80
        plot.vary_by_categories = False
    for s in plot.series:
        colour = ch.colours.get(s.name, fg.NO_CAMPAIGN_COLOUR if s.name != OTHER_CAMPAIGNS
                                else "#BDBDBD")
        if ch.kind == "line":
            s.smooth = False
            s.format.line.color.rgb = _rgb(colour)
            s.format.line.width = Pt(2.25)
            s.marker.style = XL_MARKER_STYLE.CIRCLE
            s.marker.size = 6
            s.marker.format.fill.solid()
            s.marker.format.fill.fore_color.rgb = _rgb(colour)
            s.marker.format.line.color.rgb = _rgb(colour)
        else:
            s.format.fill.solid()
            s.format.fill.fore_color.rgb = _rgb(colour)
    if ch.key == "campaign":                            # each campaign bar in its colour
        s = plot.series[0]
        for i, cat in enumerate(ch.categories[flip]):
            pt = s.points[i]
            pt.format.fill.solid()
            pt.format.fill.fore_color.rgb = _rgb(ch.colours.get(cat, fg.NO_CAMPAIGN_COLOUR))
    if not many and ch.kind != "line":
        plot.has_data_labels = True
        dl = plot.data_labels
        dl.number_format = fmt
        dl.number_format_is_linked = False
        set_font(dl.font, 10, typeface=font)
    va, ca = chart.value_axis, chart.category_axis
    va.has_major_gridlines = True
    va.tick_labels.number_format = fmt
    va.tick_labels.number_format_is_linked = False
    for axis, text in ((va, ch.value_title), (ca, ch.category_title)):
        axis.has_title = True
        axis.axis_title.text_frame.text = text
        for p in axis.axis_title.text_frame.paragraphs:
            for r in p.runs:
                set_font(r.font, 11, False, "#44505C", font)
        set_font(axis.tick_labels.font, 11, typeface=font)
    return gf


def _headline_slide(prs, rep: Report, font: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _title(slide, rep.mark + "主要数字", font)
    heads = list(q.headline(rep.view.counted).values())
    cols, w, h, gap = 4, int(2.95 * INCH), int(1.55 * INCH), int(0.2 * INCH)
    for i, hd in enumerate(heads):
        r, c = divmod(i, cols)
        x = MARGIN + c * (w + gap)
        y = int(1.25 * INCH) + r * (h + gap)
        note = f"由 {hd.facts} 条数据相加"
        if hd.other_currency:
            note += f"；另有 {hd.other_currency} 条外币金额未计入"
        box = _textbox(slide, x, y, w, h, [(hd.label, 14, False, "#44505C"),
                                            (hd.text, 24, True, "#1F2D3D"),
                                            (note, 10, False, "#6B7785")], font)
        box.name = f"headline:{hd.metric}"
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb("#F3F6FA")
    _textbox(slide, MARGIN, int(4.95 * INCH), SLIDE_W - 2 * MARGIN, int(0.9 * INCH),
             [(q.COUNTING_RULE, 11, False, "#44505C")], font)
    _footnote(slide, source_note(rep), font)


def _short(text, n: int) -> str:
    s = re.sub(r"\s+", " ", str(text or "")).strip()
    return s if len(s) <= n else s[:n - 1] + "…"


def evidence_frame(rep: Report, top: int = EVIDENCE_TOP) -> pd.DataFrame:
    """The counted facts behind each headline figure, the ``top`` largest of each metric, in
    headline order: every fact column, plus ``date`` and ``region_label`` of the query frame.
    Picked on the query frame, so only these few rows are read from the fact details."""
    import pyarrow as pa

    counted = rep.view.counted
    sel = pd.concat([q.summable(counted, m).sort_values("value", ascending=False,
                                                        kind="stable").head(top)
                     for m in q.HEADLINE_METRICS])
    out = rep.data.detail.take(pa.array(sel["_row"].to_numpy(), type=pa.int64())).to_pandas()
    out["date"] = sel["date"].to_numpy()
    out["region_label"] = sel["region_label"].to_numpy(dtype=object)
    return out


EVIDENCE_HEADERS = ["指标", "数值", "地区", "机构", "日期", "证据原文", "来源"]
EVIDENCE_WIDTHS = [1.15, 1.15, 1.45, 1.7, 1.05, 4.4, 1.53]   # inches, = slide width - margins


def _source_text(row) -> str:
    title, outlet = row.get("title"), row.get("outlet")
    if isinstance(title, str) and title:
        return f"{outlet}：{title}" if isinstance(outlet, str) and outlet else title
    src = str(row.get("source") or "")
    return src if "://" in src else src.replace("\\", "/").rsplit("/", 1)[-1]


def _evidence_slides(prs, rep: Report, font: str) -> None:
    from pptx.util import Emu, Pt

    ev = evidence_frame(rep)
    if ev.empty:
        return
    pages = [ev.iloc[i:i + EVIDENCE_ROWS_PER_SLIDE]
             for i in range(0, len(ev), EVIDENCE_ROWS_PER_SLIDE)]
    for k, page in enumerate(pages):
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        suffix = f"（{k + 1}/{len(pages)}）" if len(pages) > 1 else ""
        _title(slide, rep.mark + "附录：主要数字的证据" + suffix, font)
        _textbox(slide, MARGIN, int(0.95 * INCH), SLIDE_W - 2 * MARGIN, int(0.4 * INCH),
                 [(f"每项主要数字列出数值最大的 {EVIDENCE_TOP} 条计入数据；"
                   "全部数据见 CSV/XLSX 导出或看板“证据”表。", 11, False, "#6B7785")], font)
        shape = slide.shapes.add_table(len(page) + 1, len(EVIDENCE_HEADERS), Emu(MARGIN),
                                       Emu(int(1.4 * INCH)), Emu(SLIDE_W - 2 * MARGIN),
                                       Emu(int(0.4 * INCH) * (len(page) + 1)))
        shape.name = "evidence"
        table = shape.table
        for j, w in enumerate(EVIDENCE_WIDTHS):
            table.columns[j].width = Emu(int(w * INCH))
        cells = [EVIDENCE_HEADERS]
        for _, r in page.iterrows():
            d = r.get("date")
            value = q.fmt_fact_value(r["value"], r["unit"], r["qualifier"], r["currency"])
            cells.append([q.metric_label(str(r["metric"])), value,
                          str(r.get("region_label") or ""), _short(r.get("agency"), 16),
                          pd.Timestamp(d).strftime("%Y-%m-%d") if pd.notna(d) else "",
                          _short(r.get("evidence"), 64), _short(_source_text(r), 28)])
        for i, row in enumerate(cells):
            for j, text in enumerate(row):
                cell = table.cell(i, j)
                cell.text = text
                cell.margin_left = cell.margin_right = Emu(int(0.05 * INCH))
                for p in cell.text_frame.paragraphs:
                    for run in p.runs:
                        set_font(run.font, 10 if i else 11, i == 0, None, font)
        _footnote(slide, source_note(rep), font)


def deck(rep: Report, font: str = DECK_FONT):
    """The 16:9 deck of ``rep`` as a python-pptx Presentation (no browser involved)."""
    from pptx import Presentation
    from pptx.util import Emu

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(SLIDE_W), Emu(SLIDE_H)
    mark = rep.mark
    prs.core_properties.title = f"{mark}反诈统计简报"
    prs.core_properties.language = "zh-CN"
    blank = prs.slide_layouts[6]
    # title slide
    s = prs.slides.add_slide(blank)
    lines = [(f"{mark}反诈统计简报", 40, True, "#1F2D3D"), ("", 12, False, "#1F2D3D")]
    if mark:
        lines.insert(1, (synthetic_warning(rep), 18, True, "#B23B3B"))
    lines += [(t, 18, False, "#1F2D3D") for t in describe_filters(rep.flt)]
    lines.append((period_text(rep), 18, False, "#1F2D3D"))
    if rep.metric and rep.charts:
        lines.append((f"图表指标：{q.metric_label(rep.metric)}", 18, False, "#1F2D3D"))
    lines.append((f"数据：{articles_text(rep)}中的 {len(rep.view.matched)} 条数据，"
                  f"计入合计 {len(rep.view.counted)} 条", 18, False, "#1F2D3D"))
    lines.append((f"制作日期：{rep.made.year}年{rep.made.month}月{rep.made.day}日",
                  18, False, "#1F2D3D"))
    _textbox(s, int(0.9 * INCH), int(1.4 * INCH), SLIDE_W - int(1.8 * INCH), int(4.6 * INCH),
             lines, font).name = "title"
    _footnote(s, source_note(rep), font)
    if rep.view.empty:
        _textbox(s, int(0.9 * INCH), int(6.0 * INCH), SLIDE_W - int(1.8 * INCH),
                 int(0.5 * INCH), [("没有符合当前筛选条件的数据。", 18, True, "#B23B3B")], font)
        return prs
    _headline_slide(prs, rep, font)
    for ch in rep.charts:
        slide = prs.slides.add_slide(blank)
        _title(slide, mark + ch.title, font)
        _add_chart(slide, ch, font)
        if ch.note:
            _textbox(slide, MARGIN, SLIDE_H - int(0.9 * INCH), SLIDE_W - 2 * MARGIN,
                     int(0.35 * INCH), [(ch.note, 11, False, "#44505C")], font)
        _footnote(slide, source_note(rep), font)
    _evidence_slides(prs, rep, font)
    return prs


def deck_bytes(rep: Report, font: str = DECK_FONT) -> bytes:
    buf = io.BytesIO()
    deck(rep, font).save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Images: kaleido + the system Chromium, one browser per batch
# --------------------------------------------------------------------------------------------

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome")
BROWSER_HELP = (
    "未找到 Chromium 浏览器，无法导出图片（PNG/SVG）。请先安装：sudo apt-get install chromium"
    "（或用环境变量 BROWSER_PATH 指定 Chrome/Chromium 的路径）。"
    "PowerPoint、CSV 和 XLSX 导出不需要浏览器。\n"
    "No Chromium browser found, so charts cannot be exported as images. Install it with "
    "`sudo apt-get install chromium`, or set BROWSER_PATH to a Chrome/Chromium executable. "
    "PowerPoint, CSV and XLSX exports need no browser.")


class BrowserMissing(RuntimeError):
    def __init__(self, detail: str = ""):
        super().__init__(BROWSER_HELP + (f"\n({detail})" if detail else ""))


def find_browser() -> str | None:
    """The Chrome/Chromium to render with: ``$BROWSER_PATH``, else the usual names on PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def image_figure(ch: Chart, rep: Report, width: int = IMAGE_SIZE[0],
                 height: int = IMAGE_SIZE[1]):
    """The dashboard's figure of ``ch``, slide-sized, with the CJK font and the source line."""
    fig = ch.figure()
    if rep.n_synthetic:
        fg.mark_synthetic(fig)
    fig.update_layout(width=width, height=height, font={"family": fg.FONT},
                      title={"subtitle": {"text": source_note(rep),
                                          "font": {"size": 11, "color": "#6B7785"}}},
                      margin={"l": 20, "r": 20, "t": 90, "b": 20}, paper_bgcolor="white")
    return fig


def _run(coro_fn):
    """Run an async function to completion from sync code (also under a running loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro_fn())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coro_fn())).result()


def render_figures(figs: list, fmt: str = "png", width: int = IMAGE_SIZE[0],
                   height: int = IMAGE_SIZE[1], scale: float = IMAGE_SCALE,
                   browser: str | None = None) -> list[bytes]:
    """Render plotly figures to ``fmt`` (png, svg, pdf ...) bytes with ONE headless browser.

    Raises ``BrowserMissing`` when no Chrome/Chromium is found (nothing is downloaded).
    """
    path = browser or find_browser()
    if path is None:
        env = os.environ.get("BROWSER_PATH")
        raise BrowserMissing(f"BROWSER_PATH={env!r} is not an executable" if env else "")
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    opts = {"format": fmt, "width": width, "height": height, "scale": scale}

    async def go():
        # mathjax=False: no CDN fetch; plotly.js comes from the installed plotly package
        async with kaleido.Kaleido(n=1, mathjax=False, path=path, timeout=120) as k:
            return [await k.calc_fig(f, opts=opts) for f in figs]

    try:
        return _run(go)
    except ChromeNotFoundError as e:
        raise BrowserMissing(str(e)) from None


def image_name(i: int, ch: Chart, fmt: str) -> str:
    return f"{i:02d}_{ch.key}.{fmt}"


def render_images(rep: Report, fmt: str = "png", browser: str | None = None,
                  scale: float = IMAGE_SCALE) -> list[tuple[str, bytes]]:
    """Every chart of ``rep`` as (file name, image bytes), one browser for the batch."""
    if not rep.charts:
        return []
    figs = [image_figure(ch, rep) for ch in rep.charts]
    data = render_figures(figs, fmt, scale=scale if fmt != "svg" else 1, browser=browser)
    return [(image_name(i + 1, ch, fmt), b) for i, (ch, b) in enumerate(zip(rep.charts, data))]


def images_zip(rep: Report, fmt: str = "png") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, b in render_images(rep, fmt):
            z.writestr(name, b)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Data files: CSV (UTF-8 with BOM) and XLSX, formula-safe
# --------------------------------------------------------------------------------------------

#: A cell starting with one of these is read as a formula (or DDE) by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers, dates and
    other text are unchanged.

    >>> neutralise('=HYPERLINK("http://x")'), neutralise("-33.3%"), neutralise(-33.3)
    ('\\'=HYPERLINK("http://x")', "'-33.3%", -33.3)
    >>> neutralise("破获案件280起")
    '破获案件280起'
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


#: The same test as ``FORMULA_START``, for whole Arrow columns.
FORMULA_RE = r"^[=+\-@\t\r]"
_ILLEGAL_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"        # not allowed in XLSX text
XLSX_MAX_ROWS = 1_048_575                                   # Excel's row limit, minus the header
DATE_COLUMNS = ("期间开始", "期间结束", "发布日期")


def _words(arr, fn) -> "pa.Array":
    """Map a string column through ``fn`` once per distinct value (nulls -> "")."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(pc.fill_null(pa.array(arr).cast(pa.string()), ""))
    words = pa.array([fn(v) if v else "" for v in enc.dictionary.to_pylist()], pa.string())
    return pc.take(words, enc.indices)


def facts_table(view: q.View) -> "pa.Table":
    """The matched facts of ``view``, newest first, Chinese column names; ``数值`` is the number
    in base units (double), ``原文写法`` the figure as the article words it. Arrow, vectorised
    (a national table of half a million facts takes seconds)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    m = view.matched
    d = m["date"].to_numpy(dtype="datetime64[ns]")
    key = np.where(np.isnat(d), np.iinfo(np.int64).min, d.astype(np.int64)).astype(np.float64)
    order = np.lexsort((np.arange(len(m)), -key))           # newest first, as the dashboard
    rows = m["_row"].to_numpy()[order]
    f = view.data.detail.take(pa.array(rows, type=pa.int64()))
    col = f.column
    labels = {k: v[0] for k, v in q.METRICS.items()}
    value = col("value").combine_chunks()
    written = [q.fmt_fact_value(v, u, ql, c) if v is not None else "" for v, u, ql, c in
               zip(value.to_pylist(), *(col(c).to_pylist()
                                        for c in ("unit", "qualifier", "currency")))]
    status = np.asarray(view.status.cat.codes.to_numpy())[order]
    status_words = pa.array([q.STATUS_LABELS[s] for s in q.STATUSES], pa.string())

    def joined(name):
        return pc.fill_null(pc.binary_join(col(name), "、"), "")

    return pa.table({
        "数据编号": col("fact_id"),
        "指标": _words(col("metric"), lambda v: labels.get(v, v)),
        "指标代码": col("metric"),
        "数值": value.cast(pa.float64()),
        "单位": col("unit"), "币种": col("currency"),
        "原文写法": pa.array(written, pa.string()),
        "限定": _words(col("qualifier"), lambda v: q.QUALIFIERS.get(v, v)),
        "口径": _words(col("scope"), lambda v: q.SCOPES.get(v, v)),
        "省份": col("province"), "城市": col("city"), "区县": col("district"),
        "地区": pa.array(m["region_label"].to_numpy(dtype=object)[order], pa.string()),
        "机构": col("agency"),
        "机构层级": _words(col("agency_level"), lambda v: q.AGENCY_LEVELS.get(v, v)),
        "专项行动": joined("campaigns"),
        "期间开始": col("period_start"), "期间结束": col("period_end"),
        "发布日期": col("published"),
        "证据原文": col("evidence"), "原文数字": col("figure_text"),
        "标题": col("title"), "媒体": col("outlet"), "来源": col("source"),
        "计数": pc.take(status_words, pa.array(status, pa.int8())),
        "转载自": col("duplicate_of"),
        "提示": joined("flags"),
    })


def facts_frame(view: q.View) -> pd.DataFrame:
    """``facts_table`` as a pandas frame."""
    return facts_table(view).to_pandas()


def neutralised(table: "pa.Table") -> "pa.Table":
    """Every text column with ``neutralise`` applied, vectorised; numbers and dates unchanged."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = []
    for c in table.columns:
        if pa.types.is_string(c.type) or pa.types.is_large_string(c.type):
            hit = pc.fill_null(pc.match_substring_regex(c, FORMULA_RE), False)
            c = pc.if_else(hit, pc.binary_join_element_wise("'", c, ""), c)
        cols.append(c)
    return pa.table(cols, names=table.column_names)


def csv_bytes(view: q.View) -> bytes:
    """The filtered facts as CSV, UTF-8 with BOM (Excel reads the Chinese), formula-safe; every
    text field quoted (so a CR or LF in article text stays inside its cell), CRLF rows."""
    import pyarrow.csv as pcsv

    buf = io.BytesIO()
    buf.write(b"\xef\xbb\xbf")
    pcsv.write_csv(neutralised(facts_table(view)), buf,
                   pcsv.WriteOptions(quoting_style="needed", eol="\r\n"))
    return buf.getvalue()


def _text_cell(ws, value: str):
    """Text a spreadsheet would read as a formula, as a string cell with Excel's own apostrophe
    prefix (``quotePrefix``): the characters stay verbatim and it stays text when edited."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def xlsx_bytes(rep: Report) -> bytes:
    """The filtered facts as an XLSX workbook (sheet 数据, text never a formula) with a sheet 说明
    (filters, period, counting rule)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    table = facts_table(rep.view)
    cut = max(table.num_rows - XLSX_MAX_ROWS, 0)
    table = table.slice(0, XLSX_MAX_ROWS)
    cols = []
    for c in table.columns:
        if pa.types.is_string(c.type):
            c = pc.replace_substring_regex(c, _ILLEGAL_XML, "")
        cols.append(c.to_pylist())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    widths = {"证据原文": 60, "标题": 30, "来源": 30, "原文数字": 24, "数据编号": 18}
    for j, name in enumerate(table.column_names, 1):
        ws.column_dimensions[get_column_letter(j)].width = widths.get(name, 12)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{table.num_rows + 1}"
    bold = Font(bold=True)
    head = []
    for name in table.column_names:
        cell = WriteOnlyCell(ws, name)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    is_date = [name in DATE_COLUMNS for name in table.column_names]
    for row in zip(*cols):
        out = []
        for v, dated in zip(row, is_date):
            if isinstance(v, str) and v.startswith(FORMULA_START):
                v = _text_cell(ws, v)
            elif dated and v is not None:
                v = WriteOnlyCell(ws, v)
                v.number_format = "yyyy-mm-dd"
            out.append(v)
        ws.append(out)
    info = wb.create_sheet("说明")
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 100
    warn = synthetic_warning(rep)
    lines = [(f"{rep.mark}反诈统计数据导出", ""),
             *((("注意", warn),) if warn else ()),
             *(("筛选条件", t) for t in describe_filters(rep.flt)),
             ("时间段", period_text(rep).split("：", 1)[1]), ("来源", source_note(rep)),
             ("计数规则", q.COUNTING_RULE),
             ("数值", "“数值”列为基本单位（元、起、人……）的数字；“原文写法”为报道中的写法。"),
             ("制作日期", rep.made.isoformat())]
    if cut:
        lines.append(("注意", f"超出 Excel 行数上限，最早的 {cut} 条数据未写入；请用 CSV 导出或缩小筛选范围。"))
    for k, v in lines:
        key = WriteOnlyCell(info, k)
        key.font = bold
        info.append([key, _text_cell(info, v) if v.startswith(FORMULA_START) else v])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def file_stem(flt: q.Filters, made: date) -> str:
    """A file name for the exports of ``flt``.

    >>> file_stem(q.Filters(campaigns=("断卡",), province="甘肃省"), date(2026, 1, 2))
    '反诈统计_断卡_甘肃省_2026-01-02'
    """
    parts = ["反诈统计", *flt.campaigns[:2],
             *(x for x in (flt.province, flt.city, flt.district) if x), made.isoformat()]
    return re.sub(r'[\\/:*?"<>|\s]+', "_", "_".join(parts))


# --------------------------------------------------------------------------------------------
# Files on disk (the command line)
# --------------------------------------------------------------------------------------------

FORMATS = ("pptx", "png", "svg", "csv", "xlsx")


def _code(value: str, words: dict[str, str]) -> str:
    """A code given as itself or as its Chinese word (区县级 -> district)."""
    back = {v: k for k, v in words.items()}
    return value if value in words else back.get(value, value)


def parse_filters(campaigns=(), province=None, city=None, district=None, levels=(),
                  metrics=(), since=None, until=None, scopes=(), scripts=(), search="",
                  link: str | None = None) -> q.Filters:
    """Filters from command-line values (codes or Chinese words), on top of a dashboard
    ``link`` (its query string, as shared from the browser) when given.

    >>> parse_filters(campaigns=["断卡"], metrics=["冻结资金"], since="2022-01-01").metrics
    ('funds_frozen',)
    >>> f = parse_filters(link="http://127.0.0.1:8501/?campaign=断流&level=city", province="福建省")
    >>> f.campaigns, f.province, f.agency_levels
    (('断流',), '福建省', ('city',))
    """
    from dataclasses import replace
    from urllib.parse import parse_qs, urlsplit

    base = q.Filters.from_query(parse_qs(urlsplit(link).query)) if link else q.Filters()
    labels = {k: v[0] for k, v in q.METRICS.items()}
    kw: dict = {}
    if campaigns:
        kw["campaigns"] = tuple(campaigns)
    for name, v in (("province", province), ("city", city), ("district", district)):
        if v:
            kw[name] = v
    for name, vals, words in (("agency_levels", levels, q.AGENCY_LEVELS),
                              ("metrics", metrics, labels), ("scopes", scopes, q.SCOPES),
                              ("scripts", scripts, q.SCRIPTS)):
        if vals:
            kw[name] = tuple(_code(v, words) for v in vals)
    if since:
        kw["start"] = date.fromisoformat(since)
    if until:
        kw["end"] = date.fromisoformat(until)
    if search:
        kw["search"] = search
    return replace(base, **kw)


def link_chart(link: str | None) -> str | None:
    """The chart metric of a dashboard link (its ``chart`` parameter), if any.

    >>> link_chart("http://host/?campaign=断卡&chart=funds_frozen")
    'funds_frozen'
    """
    from urllib.parse import parse_qs, urlsplit

    vals = parse_qs(urlsplit(link).query).get("chart") if link else None
    return vals[-1] if vals else None


def write(fmt: str, data: q.Data, flt: q.Filters, out: str | os.PathLike,
          metric: str | None = None, made: date | None = None) -> tuple[Report, list]:
    """Write the ``fmt`` export of ``flt`` over ``data`` to ``out`` (a file; a folder for png and
    svg). Returns the report and the paths written."""
    from pathlib import Path

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    labels = {v[0]: k for k, v in q.METRICS.items()}
    rep = report(data, flt, labels.get(metric, metric) if metric else None, made)
    out = Path(out)
    if fmt in ("png", "svg"):
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, b in render_images(rep, fmt):
            (out / name).write_bytes(b)
            paths.append(out / name)
        return rep, paths
    body = {"pptx": deck_bytes, "xlsx": xlsx_bytes,
            "csv": lambda r: csv_bytes(r.view)}[fmt](rep)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(body)
    tmp.replace(out)
    return rep, [out]
