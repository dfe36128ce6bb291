"""反诈统计看板: the Streamlit dashboard over the articles/facts tables.

Run: ``make run`` or ``ANTIFRAUD_DATA=data streamlit run dashboard.py``.
Reads the tables only (``pipeline.query``/``pipeline.tables``); never imports extraction code.
All filtering, counting and figures are pure functions in ``pipeline.query`` and
``pipeline.figures``; this file lays out widgets and keeps the filter state in the URL.
Article text and every other string from the data is shown as text, never as Markdown/HTML
(the highlighted article is escaped by ``query.highlight_html``).
"""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from pipeline import figures as fg
from pipeline import query as q
from pipeline.export_ui import render_exports

T0, C0 = time.perf_counter(), time.thread_time()
LAPS: list[tuple[str, float]] = []          # (section, CPU time of this thread at its end)


def lap(name: str) -> None:
    """Mark the end of one section of the run (printed with ``ANTIFRAUD_TIMING``)."""
    LAPS.append((name, time.thread_time()))
ALL = "全部"
st.set_page_config(page_title="反诈统计看板", page_icon="📊", layout="wide")


@st.cache_resource(max_entries=2, show_spinner="正在读取数据表……")
def load_data(build: str, mtime: float) -> q.Data:
    """The prepared tables of one build folder (read-only, shared by all sessions): only what
    filtering and counting need is in memory; text is read from the build for the rows shown.

    Keyed on the build folder and its mtime, so a new build is picked up on the next rerun and
    one session never mixes two builds. ``cache_resource`` rather than ``cache_data``: the
    prepared build is read-only, and ``cache_data`` would unpickle a copy on every rerun (for
    the 100,000-article benchmark tables: 613 MB, 0.5 s CPU per copy). The per-view results
    are in ``cache_data`` (``computed``), keyed on the same build folder and mtime.
    """
    return q.open_build(build)


@st.cache_data(max_entries=32, show_spinner=False)
def computed(build: str, mtime: float, filters: str, metric: str) -> dict:
    """What one view's figures show, for one build, filter set (JSON of its URL form) and chart
    metric: the row masks of ``query.select`` and the aggregated frames. Cached, so reruns that
    do not change the filters (choosing a fact, going back to an earlier filter) are instant.
    The evidence table is made after the charts are drawn (``evidence_rows``)."""
    data = load_data(build, mtime)
    flt = q.Filters.from_query(json.loads(filters))
    view = q.select(data, flt)
    # row masks as bits: 32 cached views of a million articles' facts hold 17 MB, not 430 MB
    out: dict = {k: np.packbits(getattr(view, k)) for k in ("mask", "keep", "live")}
    if view.empty:
        return out
    out["synthetic"] = q.synthetic_articles(data, view.mask)
    counted = view.counted
    out["headline"] = q.headline(counted)
    out["mix"] = q.metric_mix(counted)
    if metric and not q.summable(counted, metric).empty:
        out["district"] = q.by_district(counted, metric)
        out["undistricted"] = out["district"].attrs.get("undistricted", 0)
        out["campaign"] = q.by_campaign(counted, metric)
        out["month"] = q.by_month(counted, metric)
        out["region"] = q.by_region(counted, metric)
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def evidence_rows(build: str, mtime: float, filters: str, _view: q.View) -> pd.DataFrame:
    """The evidence table of one view (same key as ``computed``, without the chart metric)."""
    return q.evidence_table(_view, limit=1000)


@st.cache_data(max_entries=64, show_spinner=False)
def fact_and_article(build: str, mtime: float, fact_id: str) -> tuple[dict, dict | None]:
    """The shown columns of one fact and its article (read from the build's partitions), kept
    for the reruns that show the same fact."""
    data = load_data(build, mtime)
    row = q.fact_detail(data, fact_id, ["article_id", "title", "source", "evidence",
                                        "evidence_start", "evidence_end"])
    return row, q.article_text(data, row["article_id"])


def query_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params.keys()}


def init_state(data: q.Data) -> None:
    """Once per session: set the widgets from the URL (a shared link restores the view)."""
    if st.session_state.get("_url_loaded"):
        return
    st.session_state["_url_loaded"] = True
    params = query_params()
    flt = q.Filters.from_query(params)
    opts = q.options(data, flt)
    flt = flt.restrict({k: opts[k] for k in ("campaigns", "province", "agency_levels",
                                              "metrics", "scopes", "scripts")})
    opts = q.options(data, flt)
    flt = flt.restrict({"city": opts["city"]})
    opts = q.options(data, flt)
    flt = flt.restrict({"district": opts["district"]})
    ss = st.session_state
    ss["f_campaigns"] = list(flt.campaigns)
    ss["f_province"] = flt.province or ALL
    ss["f_city"] = flt.city or ALL
    ss["f_district"] = flt.district or ALL
    ss["f_levels"] = list(flt.agency_levels)
    ss["f_metrics"] = list(flt.metrics)
    ss["f_scopes"] = list(flt.scopes)
    ss["f_scripts"] = list(flt.scripts)
    ss["f_search"] = flt.search
    lo, hi = date_bounds(data)
    if flt.start or flt.end:
        a = min(max(flt.start or lo, lo), hi)
        b = max(min(flt.end or hi, hi), a)
        ss["f_period"] = (a, b)
    for key in ("chart", "fact"):
        if params.get(key):
            ss[f"_{key}_url"] = params[key][-1]


def date_bounds(data: q.Data) -> tuple[date, date]:
    b = q.date_bounds(data)
    return b if b else (date.today(), date.today())


def sidebar(data: q.Data) -> q.Filters:
    ss = st.session_state
    sb = st.sidebar
    sb.header("筛选")
    opts = q.options(data)
    sb.multiselect("专项行动", opts["campaigns"], key="f_campaigns", placeholder="全部专项")

    sb.selectbox("省份", [ALL] + opts["province"], key="f_province")
    prov = None if ss["f_province"] == ALL else ss["f_province"]
    cities = q.options(data, q.Filters(province=prov))["city"]
    if ss.get("f_city", ALL) not in cities:
        ss["f_city"] = ALL
    sb.selectbox("城市", [ALL] + cities, key="f_city", disabled=not cities)
    city = None if ss["f_city"] == ALL else ss["f_city"]
    dists = q.options(data, q.Filters(province=prov, city=city))["district"]
    if ss.get("f_district", ALL) not in dists:
        ss["f_district"] = ALL
    sb.selectbox("区县", [ALL] + dists, key="f_district", disabled=not dists)
    dist = None if ss["f_district"] == ALL else ss["f_district"]

    sb.multiselect("机构层级", opts["agency_levels"], key="f_levels", placeholder="全部层级",
                   format_func=lambda v: q.AGENCY_LEVELS.get(v, v))
    sb.multiselect("指标", opts["metrics"], key="f_metrics", placeholder="全部指标",
                   format_func=q.metric_label)
    lo, hi = date_bounds(data)
    if "f_period" not in ss:
        ss["f_period"] = (lo, hi)
    period = sb.date_input("时间段（数据截止日期）", key="f_period", min_value=lo,
                           max_value=hi, format="YYYY-MM-DD")
    start = end = None
    if isinstance(period, (tuple, list)) and len(period) == 2:
        start, end = period
        if (start, end) == (lo, hi):
            start = end = None
    sb.multiselect("口径", opts["scopes"], key="f_scopes", placeholder="全部口径",
                   format_func=lambda v: q.SCOPES.get(v, v))
    sb.multiselect("原文字体", opts["scripts"], key="f_scripts", placeholder="简体与繁体",
                   format_func=lambda v: q.SCRIPTS.get(v, v))
    sb.text_input("在证据原文中搜索", key="f_search", placeholder="如：冻结、跑分、电话卡")
    return q.Filters(campaigns=tuple(ss["f_campaigns"]), province=prov, city=city,
                     district=dist, agency_levels=tuple(ss["f_levels"]),
                     metrics=tuple(ss["f_metrics"]), start=start, end=end,
                     scopes=tuple(ss["f_scopes"]), scripts=tuple(ss["f_scripts"]),
                     search=ss["f_search"].strip())


def headline_row(view: q.View, res: dict) -> None:
    heads = res["headline"]
    cols = st.columns(4) + st.columns(3)
    for col, h in zip(cols, heads.values()):
        note = f"由 {h.facts} 条数据相加"
        if h.other_currency:
            note += f"；另有 {h.other_currency} 条外币金额未计入"
        col.metric(h.label, h.text, help=note, border=True)
    st.caption(q.COUNTING_RULE)
    st.caption(f"符合筛选条件的数据 {view.n_matched} 条，计入合计 {view.n_counted} 条"
               f"（转载重复 {view.n_reprint} 条、已含于累计数 {view.n_contained} 条未重复相加）。")


def chart_metrics(data: q.Data) -> list[str]:
    return [m for m in q.options(data)["metrics"] if q.metric_kind(m) != "percent"]


def chart_metric(data: q.Data, flt: q.Filters) -> str:
    """The chart metric (URL key ``chart``, else the widget's state, else a default); "" when
    nothing can be summed. Resolved before the widget is drawn, so the view can be computed
    first."""
    present = chart_metrics(data)
    if not present:
        return ""
    ss = st.session_state
    wanted = ss.pop("_chart_url", None)
    if wanted in present:
        ss["chart_metric"] = wanted
    if ss.get("chart_metric") not in present:
        pick = [m for m in flt.metrics if m in present]
        ss["chart_metric"] = pick[0] if pick else (
            "cases_solved" if "cases_solved" in present else present[0])
    return ss["chart_metric"]


def synthetic_banner(res: dict) -> None:
    """A warning above the figures when any shown article is synthetic (``antifraud synth``)."""
    syn, total = res.get("synthetic", (0, 0))
    if not syn:
        return
    real = f"，另有 {total - syn} 篇真实报道" if total > syn else ""
    st.warning(f"{q.SYNTHETIC_TAG}当前数据含 {syn} 篇合成文章（由 antifraud synth 生成，"
               f"用于测试和基准），不是真实报道{real}。", icon="⚠️")


def plot(fig, key: str, synthetic: bool) -> None:
    """One chart; its title marked 【合成数据】 when the data shown holds synthetic articles."""
    st.plotly_chart(fg.mark_synthetic(fig) if synthetic else fig, key=key)


def charts(data: q.Data, res: dict, metric: str) -> None:
    colors = fg.campaign_colors(data.campaigns)
    syn = bool(res.get("synthetic", (0, 0))[0])
    if not metric:
        st.info("当前数据中没有可相加的指标。")
        plot(fg.metric_mix(res["mix"], colors), "chart_mix", syn)
        return
    st.selectbox("图表指标", chart_metrics(data), key="chart_metric", format_func=q.metric_label)
    label = q.metric_label(metric)
    if "district" not in res:
        st.info(f"当前筛选条件下没有“{label}”的数据，请换一个图表指标或放宽筛选条件。")
        plot(fg.metric_mix(res["mix"], colors), "chart_mix", syn)
        return
    left, right = st.columns(2)
    with left:
        d = res["district"]
        if d.empty:
            st.info(f"当前筛选条件下没有细分到区县的“{label}”数据。")
        else:
            plot(fg.by_district(d, metric, colors), "chart_district", syn)
            if res.get("undistricted"):
                st.caption(f"另有 {res['undistricted']} 条数据未细分到区县，不在此图中。")
    with right:
        plot(fg.by_campaign(res["campaign"], metric, colors), "chart_campaign", syn)
    left, right = st.columns(2)
    with left:
        if res["month"].empty:
            st.info(f"当前筛选条件下的“{label}”数据都没有日期。")
        else:
            plot(fg.by_month(res["month"], metric, colors), "chart_month", syn)
    with right:
        plot(fg.metric_mix(res["mix"], colors), "chart_mix", syn)
    plot(fg.region_treemap(res["region"], metric), "chart_region", syn)


def evidence(key: tuple[str, float], view: q.View, filters: str) -> str | None:
    st.subheader("证据：筛选出的每一条数据")
    table = evidence_rows(*key, filters, view)
    if view.n_matched > len(table):
        st.caption(f"共 {view.n_matched} 条，按日期显示最新的 {len(table)} 条；"
                   "可用筛选条件缩小范围。")
    st.dataframe(table, hide_index=True, height=360)
    ids = list(table.index)
    ss = st.session_state
    wanted = ss.pop("_fact_url", None)
    if wanted in ids:
        ss["fact"] = wanted
    if ss.get("fact") not in ids:
        ss["fact"] = ids[0]
    cols = [table[c].tolist() for c in ("指标", "数值", "地区", "日期")]
    labels = {fid: f"{i + 1}. {m} {v} · {r} · {d or '日期不详'}"
              for i, (fid, m, v, r, d) in enumerate(zip(ids, *cols))}
    fid = st.selectbox("选择一条数据查看原文（证据句高亮）", ids, key="fact",
                       format_func=labels.get)
    row, art = fact_and_article(*key, fid)
    st.text(f"标题：{row['title'] or '（无标题）'}    来源：{row['source']}")
    st.text("证据句：" + str(row["evidence"] or ""))
    if not art or not art.get("text"):
        st.warning("找不到这条数据所在文章的原文。")
    else:
        st.html(q.highlight_html(art["text"], row["evidence_start"], row["evidence_end"]))
    return fid


def main() -> None:
    st.title("反诈统计看板")
    key = q.build_key(q.data_dir())
    if key is None:
        st.info(f"还没有数据表（在 `{q.data_dir()}` 中未找到 facts.parquet 和 articles.parquet）。"
                "请先运行 `make run`，或运行 `antifraud build 输入文件夹 --out data` 生成数据表，"
                "再刷新本页。")
        return
    data = load_data(*key)
    lap("load")
    if data.facts.empty:
        st.info("数据表已生成，但其中还没有任何统计数据。请用 antifraud build 处理更多稿件后刷新本页。")
        return
    init_state(data)
    flt = sidebar(data)
    syn, total = q.synthetic_articles(data)
    if syn and syn >= total:
        st.caption(f"{q.SYNTHETIC_TAG}数据全部来自 antifraud synth 生成的合成文章，不是真实报道；"
                   "每个数字都可在下方“证据”中核对原文。")
    elif syn:
        st.caption(f"数据来自公开的公安反诈新闻稿件和 {syn} 篇合成文章（{q.SYNTHETIC_TAG}），"
                   "每个数字都可在下方“证据”中核对原文。")
    else:
        st.caption("数据来自公开的公安反诈新闻稿件，每个数字都可在下方“证据”中核对原文。")
    params: dict[str, str | list[str]] = flt.to_query()
    metric = chart_metric(data, flt)
    filters = json.dumps(params, ensure_ascii=False, sort_keys=True)
    lap("sidebar")
    res = computed(*key, filters, metric)
    lap("computed")
    n = len(data.facts)
    view = q.View(data, *(np.unpackbits(res[k], count=n).view(bool)
                          for k in ("mask", "keep", "live")), flt.campaigns)
    if view.empty:
        st.warning("没有符合当前筛选条件的数据。请放宽筛选条件（专项、地区、时间段或搜索词）。")
    else:
        synthetic_banner(res)
        headline_row(view, res)
        charts(data, res, metric)
        lap("charts")
        render_exports(data, view, flt, metric)      # 导出 section: pipeline/export_ui.py
        lap("exports")
        if metric:
            params["chart"] = metric
        params["fact"] = evidence(key, view, filters)
        lap("evidence")
    if query_params() != {k: (v if isinstance(v, list) else [v]) for k, v in params.items()}:
        st.query_params.from_dict(params)


main()
if os.environ.get("ANTIFRAUD_TIMING"):
    # wall time, and CPU time of this script thread (robust to other load on the machine)
    steps = [("start", C0)] + LAPS
    print(f"[timing] script run {1000 * (time.perf_counter() - T0):.1f} ms "
          f"cpu {1000 * (time.thread_time() - C0):.1f} ms (cpu by section: "
          + ", ".join(f"{b[0]} {1000 * (b[1] - a[1]):.0f}" for a, b in zip(steps, steps[1:]))
          + ")", file=sys.stderr, flush=True)
