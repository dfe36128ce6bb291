"""Read-side queries over the facts table: filter, count once, aggregate, format in Chinese.

Pure functions on pandas DataFrames; no Streamlit, no extraction code. The dashboard and the
exports use the same calls::

    data = load(data_dir)                     # one consistent build, or None
    view = select(data, Filters(campaigns=("断卡",)))
    headline(view.counted)                    # {metric: Headline}
    by_district(view.counted, "cases_solved") # long frame: label, campaign, value

No double counting (``COUNTING_RULE`` states it on the page):

1. Reprints: facts that are the same figure (``duplicate_of`` chains resolved to one root) count
   once -- the original if it is selected, else the first selected reprint.
2. Containment, within one agency and one metric (money: one currency):
   an ``operation`` fact whose period overlaps a selected ``cumulative`` total is not added on top
   of it; a ``cumulative`` fact whose period lies inside a longer selected cumulative total
   (same period: the larger value wins) is not added either. Facts of one article without any
   date are taken to share the article's period. A cumulative total without a start date is
   taken to run from 1 January of its end year (今年以来, the usual wording).
The rule is applied to the *selected* facts, so narrowing the filter never hides a figure whose
containing total was filtered away.
"""
from __future__ import annotations

import html
import math
import os
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from . import tables

# --------------------------------------------------------------------------------------------
# Chinese labels (the UI is zh-CN; the tables keep English codes)
# --------------------------------------------------------------------------------------------

#: metric code -> (Chinese label, display unit, kind); kind: count | money | percent.
METRICS: dict[str, tuple[str, str, str]] = {
    "cases_solved": ("破获案件", "起", "count"),
    "suspects_arrested": ("抓获嫌疑人", "人", "count"),
    "suspects_under_measures": ("采取强制措施", "人", "count"),
    "gangs_dismantled": ("打掉团伙窝点", "个", "count"),
    "funds_frozen": ("冻结资金", "元", "money"),
    "funds_stopped": ("止付资金", "元", "money"),
    "losses_recovered": ("挽回损失", "元", "money"),
    "amount_involved": ("涉案金额", "元", "money"),
    "warnings_issued": ("发出预警", "人次", "count"),
    "victims_dissuaded": ("劝阻群众", "人次", "count"),
    "accounts_frozen": ("冻结账户", "个", "count"),
    "bank_cards_seized": ("查获银行卡", "张", "count"),
    "sim_cards_seized": ("查获电话卡", "张", "count"),
    "phones_seized": ("查获手机", "部", "count"),
    "case_change_pct": ("发案同比变化", "%", "percent"),
}
#: The headline figures, in page order.
HEADLINE_METRICS = ["cases_solved", "suspects_arrested", "funds_frozen", "funds_stopped",
                    "losses_recovered", "warnings_issued", "victims_dissuaded"]
QUALIFIERS = {"exact": "确数", "more_than": "以上（余/多/逾）", "about": "约数"}
QUALIFIER_MARK = {"exact": "", "more_than": "余", "about": "约"}
SCOPES = {"cumulative": "累计（期间总数）", "operation": "单次行动"}
AGENCY_LEVELS = {"national": "国家级", "provincial": "省级", "city": "地市级",
                 "district": "区县级", "station": "派出所", "other": "其他"}
SCRIPTS = {"simplified": "简体", "traditional": "繁体"}
CURRENCIES = {"CNY": "人民币", "HKD": "港元", "MOP": "澳门元", "TWD": "新台币", "USD": "美元"}
NO_CAMPAIGN = "未标注专项"
NO_DISTRICT = "（未细分到区县）"
BASE_CURRENCY = "CNY"

COUNTING_RULE = ("计数规则：同一数字被转载或重复报道只计一次；同一机构、同一指标下，"
                 "期间落在某个累计总数之内的单次行动数字或较短期累计数不再重复相加。")


def metric_label(code: str) -> str:
    return METRICS.get(code, (code, "", ""))[0]


def metric_unit(code: str) -> str:
    return METRICS.get(code, ("", "", ""))[1]


def metric_kind(code: str) -> str:
    return METRICS.get(code, ("", "", "count"))[2]


# --------------------------------------------------------------------------------------------
# Chinese number formatting
# --------------------------------------------------------------------------------------------

def _trim(x: float, digits: int) -> str:
    s = f"{x:.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def fmt_number(value: float | None, unit: str = "", digits: int = 2) -> str:
    """A number in Chinese convention: 万 from ten thousand, 亿 from a hundred million.

    >>> fmt_number(27016000, "元")
    '2701.6万元'
    >>> fmt_number(350000000, "元")
    '3.5亿元'
    >>> fmt_number(1729, "人次")
    '1729人次'
    >>> fmt_number(394000, "起")
    '39.4万起'
    >>> fmt_number(-33.3, "%")
    '-33.3%'
    >>> fmt_number(None, "元")
    '—'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "%":
        return f"{_trim(value, digits)}%"
    a = abs(value)
    if a >= 1e8:
        return f"{_trim(value / 1e8, digits)}亿{unit}"
    if a >= 1e4:
        return f"{_trim(value / 1e4, digits)}万{unit}"
    return f"{_trim(value, digits)}{unit}"


def fmt_fact_value(value: float, unit: str | None, qualifier: str | None = None,
                   currency: str | None = None) -> str:
    """One fact's value as the article would say it: 约2701.6万元, 120余人, 50万港元.

    >>> fmt_fact_value(120, "人", "more_than")
    '120余人'
    >>> fmt_fact_value(27016000, "元", "about")
    '约2701.6万元'
    >>> fmt_fact_value(500000, "元", "exact", "HKD")
    '50万港元'
    """
    unit = unit or ""
    if unit == "元" and currency and currency != BASE_CURRENCY:
        unit = CURRENCIES.get(currency, currency)
    if qualifier == "more_than" and unit != "%":
        num = fmt_number(value, "")
        return f"{num}余{unit}"
    text = fmt_number(value, unit)
    return f"约{text}" if qualifier == "about" else text


def money_scale(max_abs: float) -> tuple[float, str]:
    """Divisor and unit label for an axis of yuan amounts.

    >>> money_scale(3.5e8)
    (100000000.0, '亿元')
    >>> money_scale(2.7e7)
    (10000.0, '万元')
    """
    return (1e8, "亿元") if max_abs >= 1e8 else (1e4, "万元")


# --------------------------------------------------------------------------------------------
# Loading and preparing
# --------------------------------------------------------------------------------------------

def data_dir() -> Path:
    """The tables folder: ``$ANTIFRAUD_DATA`` or ``data``."""
    return Path(os.environ.get("ANTIFRAUD_DATA") or "data")


def build_key(folder: str | os.PathLike | None = None) -> tuple[str, float] | None:
    """(build folder, mtime) of the current build, resolved once; None when there are no tables."""
    b = tables.current_build(folder if folder is not None else data_dir())
    if b is None:
        return None
    f = b / "facts.parquet"
    try:
        mtime = max(f.stat().st_mtime, (b / "articles.parquet").stat().st_mtime)
    except FileNotFoundError:
        return None
    return str(b), mtime


@dataclass
class Containment:
    """Pairs (inner, outer) of row numbers: ``outer`` is a cumulative total containing ``inner``."""

    n: int
    inner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    outer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class Data:
    """One build, prepared for querying. Treat as read-only."""

    build: str                      # the build folder both tables were read from
    facts: pd.DataFrame             # prepared facts (see ``prepare_facts``)
    articles: pd.DataFrame          # article_id, title, source, url, published, text (indexed by id)
    containment: Containment
    campaigns: list[str]            # all campaign names, most frequent first (fixes the colours)


def read_build(build: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(articles, facts) from one build folder (as returned by ``tables.current_build``)."""
    b = Path(build)
    return pd.read_parquet(b / "articles.parquet"), pd.read_parquet(b / "facts.parquet")


def load(folder: str | os.PathLike | None = None) -> Data | None:
    """Read and prepare the current build of ``folder`` (default ``data_dir()``); None if none."""
    key = build_key(folder)
    return None if key is None else prepare(key[0], *read_build(key[0]))


def prepare(build: str, articles: pd.DataFrame, facts: pd.DataFrame) -> Data:
    f = prepare_facts(facts)
    arts = articles.reindex(columns=["article_id", "title", "source", "url", "published",
                                     "outlet", "text"]).drop_duplicates("article_id")
    arts = arts.set_index("article_id", drop=False)
    counts = f["campaigns"].explode().dropna().value_counts()
    names = sorted(counts.index, key=lambda c: (-counts[c], c))
    return Data(build=build, facts=f, articles=arts, containment=containment_pairs(f),
                campaigns=list(names))


def _as_list(v) -> list[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return []
    return [str(x) for x in v]


def prepare_facts(facts: pd.DataFrame) -> pd.DataFrame:
    """Add the derived columns the queries use (idempotent; input not modified).

    ``_row`` row number; ``date`` = period_end, else published (datetime64); ``p_start``/``p_end``
    the period used by the counting rule; ``camp_key`` = "|a|b|"; ``campaign_first``;
    ``root`` reprint group; ``is_reprint``; ``region_label``.
    """
    if "_row" in facts.columns:
        return facts
    cols = [c for c, _, _ in tables.FACT_COLUMNS]
    f = facts.reindex(columns=cols).reset_index(drop=True).copy()
    f["_row"] = np.arange(len(f), dtype=np.int64)
    f["value"] = pd.to_numeric(f["value"], errors="coerce")
    for c in ("published", "period_start", "period_end"):
        f[c] = pd.to_datetime(f[c], errors="coerce")
    f["date"] = f["period_end"].fillna(f["published"])
    f["p_end"] = f["date"]
    year_start = pd.to_datetime(f["p_end"].dt.year.astype("Int64").astype("string") + "-01-01",
                                errors="coerce")
    f["p_start"] = f["period_start"].fillna(
        year_start.where(f["scope"].eq("cumulative"), f["p_end"]))
    camps = [_as_list(v) for v in f["campaigns"]]
    f["campaigns"] = camps
    f["camp_key"] = pd.Series(["|" + "|".join(c) + "|" for c in camps], dtype="string")
    f["campaign_first"] = pd.Series([c[0] if c else NO_CAMPAIGN for c in camps], dtype="string")
    # Reprint groups: follow duplicate_of chains to the first fact.
    parent = dict(zip(f["fact_id"], f["duplicate_of"]))
    roots = []
    for fid, dup in zip(f["fact_id"], f["duplicate_of"]):
        seen = 0
        while isinstance(dup, str) and dup and seen < 50:
            fid, dup = dup, parent.get(dup)
            seen += 1
        roots.append(fid if isinstance(fid, str) else "")
    f["root"] = pd.factorize(pd.Series(roots, dtype=object))[0].astype(np.int64)
    f["is_reprint"] = f["duplicate_of"].notna() & f["duplicate_of"].astype("string").ne("")
    f["region_label"] = region_labels(f)
    for c in ("metric", "scope", "qualifier", "province", "city", "district", "agency",
              "agency_level", "script", "currency", "unit"):
        f[c] = f[c].astype("string")
    return f


def region_labels(f: pd.DataFrame) -> pd.Series:
    """Most specific region of each fact, with its city where the district name needs it."""
    prov, city, dist = (f[c].astype("string") for c in ("province", "city", "district"))
    out = dist.where(dist.isna(), city.fillna("") + dist.fillna(""))
    out = out.fillna(city).fillna(prov).fillna("全国")
    return out.astype("string")


def containment_pairs(f: pd.DataFrame) -> Containment:
    """All (inner, outer) pairs of the counting rule over the prepared facts ``f``."""
    n = len(f)
    base = f.loc[f["agency"].notna() & f["value"].notna(),
                 ["_row", "article_id", "agency", "metric", "currency", "scope", "value",
                  "p_start", "p_end"]].copy()
    if base.empty:
        return Containment(n)
    base["currency"] = base["currency"].fillna(BASE_CURRENCY)
    base = base[base["metric"].map(metric_kind).ne("percent")]
    outer = base[base["scope"].eq("cumulative")]
    keys = ["agency", "metric", "currency"]
    inners, outers = [], []
    # One metric at a time keeps the self-join small.
    for metric, o in outer.groupby("metric", sort=False):
        i = base[base["metric"].eq(metric)]
        m = i.merge(o, on=keys, suffixes=("", "_o"))
        m = m[m["_row"].ne(m["_row_o"])]
        if m.empty:
            continue
        undated = m["p_end"].isna() | m["p_end_o"].isna()
        same_article_undated = undated & m["article_id"].eq(m["article_id_o"])
        overlap = (m["p_start"] <= m["p_end_o"]) & (m["p_end"] >= m["p_start_o"])
        inside = (m["p_start_o"] <= m["p_start"]) & (m["p_end_o"] >= m["p_end"])
        len_i = (m["p_end"] - m["p_start"]).fillna(pd.Timedelta(0))
        len_o = (m["p_end_o"] - m["p_start_o"]).fillna(pd.Timedelta(0))
        same_period = (inside.fillna(False) & (len_i == len_o)) | same_article_undated
        # Strict order between cumulative totals of one period: larger value, then later row.
        wins = (m["value_o"] > m["value"]) | ((m["value_o"] == m["value"]) & (m["_row_o"] < m["_row"]))
        is_op = m["scope"].eq("operation")
        is_cum = m["scope"].eq("cumulative")
        keep = (is_op & (overlap.fillna(False) | same_article_undated)) | (
            is_cum & ((inside.fillna(False) & (len_o > len_i)) | (same_period & wins)))
        m = m[keep.fillna(False)]
        inners.append(m["_row"].to_numpy(np.int64))
        outers.append(m["_row_o"].to_numpy(np.int64))
    if not inners:
        return Containment(n)
    return Containment(n, np.concatenate(inners), np.concatenate(outers))


# --------------------------------------------------------------------------------------------
# Filters (their URL form is the dashboard's query string)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    campaigns: tuple[str, ...] = ()
    province: str | None = None
    city: str | None = None
    district: str | None = None
    agency_levels: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    scopes: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()
    search: str = ""

    # field -> URL key
    URL_KEYS = {"campaigns": "campaign", "province": "province", "city": "city",
                "district": "district", "agency_levels": "level", "metrics": "metric",
                "start": "from", "end": "to", "scopes": "scope", "scripts": "script",
                "search": "q"}

    def to_query(self) -> dict[str, str | list[str]]:
        """The URL query parameters of these filters (empty ones left out).

        >>> Filters(campaigns=("断卡",), start=date(2022, 1, 1)).to_query()
        {'campaign': ['断卡'], 'from': '2022-01-01'}
        """
        out: dict[str, str | list[str]] = {}
        for fl in fields(self):
            v = getattr(self, fl.name)
            key = self.URL_KEYS[fl.name]
            if isinstance(v, tuple):
                if v:
                    out[key] = list(v)
            elif isinstance(v, date):
                out[key] = v.isoformat()
            elif v:
                out[key] = str(v)
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str | list[str]]) -> "Filters":
        """Filters from URL query parameters; a malformed date is ignored.

        >>> Filters.from_query({"campaign": "断卡", "to": "2022-13-01", "q": "冻结"})
        Filters(campaigns=('断卡',), province=None, city=None, district=None, agency_levels=(), metrics=(), start=None, end=None, scopes=(), scripts=(), search='冻结')
        """
        kw: dict = {}
        for fl in fields(cls):
            raw = params.get(cls.URL_KEYS[fl.name])
            if raw is None:
                continue
            vals = [raw] if isinstance(raw, str) else [str(x) for x in raw]
            vals = [x for x in vals if x != ""]
            if not vals:
                continue
            if fl.name in ("start", "end"):
                try:
                    kw[fl.name] = date.fromisoformat(vals[-1])
                except ValueError:
                    pass
            elif isinstance(cls.__dataclass_fields__[fl.name].default, tuple):
                kw[fl.name] = tuple(dict.fromkeys(vals))
            else:
                kw[fl.name] = vals[-1]
        return cls(**kw)

    def restrict(self, valid: Mapping[str, list[str]]) -> "Filters":
        """Drop values not in ``valid[field]`` (e.g. a stale link), keep the rest."""
        kw = {}
        for name, ok in valid.items():
            v = getattr(self, name)
            okset = set(ok)
            if isinstance(v, tuple):
                kw[name] = tuple(x for x in v if x in okset)
            elif v is not None and v not in okset:
                kw[name] = None
        return replace(self, **kw)


def filter_facts(facts: pd.DataFrame, flt: Filters) -> pd.DataFrame:
    """The facts matching ``flt`` (all of them, reprints included), in input order."""
    f = prepare_facts(facts)
    m = np.ones(len(f), dtype=bool)
    if flt.campaigns:
        cm = np.zeros(len(f), dtype=bool)
        for c in flt.campaigns:
            cm |= f["camp_key"].str.contains(f"|{c}|", regex=False).fillna(False).to_numpy(bool)
        m &= cm
    for col, val in (("province", flt.province), ("city", flt.city), ("district", flt.district)):
        if val:
            m &= f[col].eq(val).fillna(False).to_numpy(bool)
    for col, vals in (("agency_level", flt.agency_levels), ("metric", flt.metrics),
                      ("scope", flt.scopes), ("script", flt.scripts)):
        if vals:
            m &= f[col].isin(vals).fillna(False).to_numpy(bool)
    if flt.start is not None:
        m &= (f["date"] >= pd.Timestamp(flt.start)).fillna(False).to_numpy(bool)
    if flt.end is not None:
        m &= (f["date"] <= pd.Timestamp(flt.end)).fillna(False).to_numpy(bool)
    q = flt.search.strip()
    if q:
        hit = np.zeros(len(f), dtype=bool)
        for col in ("evidence", "evidence_simplified"):
            s = f[col].astype("string")
            hit |= s.str.contains(q, regex=False, case=False).fillna(False).to_numpy(bool)
        m &= hit
    return f[m]


def counted_mask(selected: pd.DataFrame, containment: Containment | None = None) -> pd.Series:
    """Which of the ``selected`` facts count in sums (the module's no-double-counting rule).

    ``containment`` must come from the full prepared table that ``selected`` was filtered from;
    when None it is computed from ``selected`` itself.
    """
    s = prepare_facts(selected)
    if s.empty:
        return pd.Series(np.zeros(0, dtype=bool), index=s.index)
    if containment is None:
        containment = containment_pairs(s)
        rows = np.arange(len(s), dtype=np.int64)
        n = len(s)
    else:
        rows = s["_row"].to_numpy(np.int64)
        n = containment.n
    # 1. reprints: one fact per root, the original first.
    roots = s["root"].to_numpy(np.int64)
    order = np.lexsort((rows, s["is_reprint"].to_numpy(bool), roots))
    first = np.ones(len(s), dtype=bool)
    r_sorted = roots[order]
    first[1:] = r_sorted[1:] != r_sorted[:-1]
    keep = np.zeros(len(s), dtype=bool)
    keep[order[first]] = True
    # 2. containment among the kept ones.
    live = np.zeros(n, dtype=bool)
    live[rows[keep]] = True
    if len(containment.inner):
        hit = live[containment.inner] & live[containment.outer]
        absorbed = np.zeros(n, dtype=bool)
        absorbed[containment.inner[hit]] = True
        keep &= ~absorbed[rows]
    return pd.Series(keep, index=s.index)


@dataclass
class View:
    """The result of one filter: every matching fact, and the ones that count in sums."""

    matched: pd.DataFrame
    counted: pd.DataFrame
    status: pd.Series               # per matched fact: counted | reprint | contained

    @property
    def empty(self) -> bool:
        return self.matched.empty


def select(data: Data, flt: Filters) -> View:
    matched = filter_facts(data.facts, flt)
    keep = counted_mask(matched, data.containment)
    status = pd.Series(np.where(keep, "counted",
                                np.where(matched["is_reprint"].to_numpy(bool) if len(matched)
                                         else np.zeros(0, bool), "reprint", "contained")),
                       index=matched.index, dtype="string")
    counted = matched[keep.to_numpy(bool)].copy()
    counted["campaign"] = main_campaign(counted, flt.campaigns)
    return View(matched=matched, counted=counted, status=status)


def main_campaign(f: pd.DataFrame, preferred: tuple[str, ...] = ()) -> pd.Series:
    """One campaign per fact for colouring stacked charts: the first selected campaign it names,
    else the first it names, else ``NO_CAMPAIGN``."""
    out = f["campaign_first"].astype("string").copy()
    for c in reversed(preferred):
        hit = f["camp_key"].str.contains(f"|{c}|", regex=False).fillna(False)
        out = out.mask(hit, c)
    return out


# --------------------------------------------------------------------------------------------
# Aggregations (take ``View.counted``)
# --------------------------------------------------------------------------------------------

@dataclass
class Headline:
    metric: str
    label: str
    value: float                    # sum in base units (money: yuan, CNY only)
    text: str                       # formatted in Chinese convention
    facts: int                      # how many facts were summed
    other_currency: int = 0         # money facts in another currency, not summed


def summable(counted: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The counted facts of ``metric`` that can be added up (money: CNY only)."""
    f = counted[counted["metric"].eq(metric).fillna(False) & counted["value"].notna()]
    if metric_kind(metric) == "money":
        f = f[f["currency"].fillna(BASE_CURRENCY).eq(BASE_CURRENCY)]
    return f


def headline(counted: pd.DataFrame, metrics: list[str] | None = None) -> dict[str, Headline]:
    """Sum of each headline metric over the counted facts."""
    out = {}
    for m in metrics or HEADLINE_METRICS:
        f = summable(counted, m)
        total = float(f["value"].sum()) if len(f) else 0.0
        other = 0
        if metric_kind(m) == "money":
            allm = counted[counted["metric"].eq(m).fillna(False)]
            other = int(len(allm) - len(f))
        out[m] = Headline(m, metric_label(m), total,
                          fmt_number(total, metric_unit(m)) if len(f) else "—", int(len(f)), other)
    return out


def by_district(counted: pd.DataFrame, metric: str, top: int = 30) -> pd.DataFrame:
    """Sum per district (label, campaign, value), districts by total descending; only facts
    resolved to a district. ``attrs['undistricted']`` = facts left out."""
    f = summable(counted, metric)
    has = f["district"].notna()
    d = f[has]
    g = (d.groupby(["region_label", "campaign"], observed=True, sort=False)["value"].sum()
         .rename("value").reset_index().rename(columns={"region_label": "label"}))
    totals = g.groupby("label")["value"].sum().sort_values(ascending=False)
    keep = list(totals.index[:top])
    g = g[g["label"].isin(keep)]
    g["rank"] = g["label"].map({k: i for i, k in enumerate(keep)})
    g = g.sort_values(["rank", "value"], ascending=[True, False]).drop(columns="rank")
    g = g.reset_index(drop=True)
    g.attrs["undistricted"] = int((~has).sum())
    g.attrs["districts"] = int(len(totals))
    return g


def by_campaign(counted: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Sum per campaign (campaign, value, facts); a fact naming two campaigns is in both bars."""
    f = summable(counted, metric)[["campaigns", "value"]].copy()
    f["campaigns"] = [c if len(c) else [NO_CAMPAIGN] for c in f["campaigns"]]
    e = f.explode("campaigns")
    g = (e.groupby("campaigns", sort=False)["value"].agg(["sum", "size"])
         .rename(columns={"sum": "value", "size": "facts"}).reset_index()
         .rename(columns={"campaigns": "campaign"}))
    return g.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


def by_month(counted: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Sum per month of the fact's date (month as 'YYYY-MM', campaign, value), months ascending."""
    f = summable(counted, metric)
    f = f[f["date"].notna()]
    month = f["date"].dt.strftime("%Y-%m")
    g = (f.assign(month=month).groupby(["month", "campaign"], sort=True)["value"].sum()
         .rename("value").reset_index())
    return g


def metric_mix(counted: pd.DataFrame) -> pd.DataFrame:
    """Number of counted facts per metric and campaign (metric, label, campaign, facts)."""
    g = (counted.groupby(["metric", "campaign"], sort=False).size().rename("facts").reset_index())
    g["label"] = g["metric"].map(metric_label)
    tot = g.groupby("metric")["facts"].transform("sum")
    return g.assign(_t=tot).sort_values(["_t", "metric"], ascending=[False, True]).drop(
        columns="_t").reset_index(drop=True)


def by_region(counted: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Sum per (province, city, district); missing levels are None."""
    f = summable(counted, metric)
    g = (f.groupby(["province", "city", "district"], dropna=False)["value"].sum()
         .rename("value").reset_index())
    for c in ("province", "city", "district"):
        g[c] = g[c].astype(object).where(g[c].notna(), None)
    return g


# --------------------------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------------------------

STATUS_LABELS = {"counted": "计入", "reprint": "转载（不重复计）", "contained": "已含于累计数"}
EVIDENCE_COLUMNS = ["指标", "数值", "限定", "口径", "地区", "机构", "专项", "日期", "证据原文",
                    "来源", "计数"]


def evidence_table(view: View, limit: int | None = 1000) -> pd.DataFrame:
    """The matched facts for reading: newest first, Chinese headers, ``fact_id`` as index."""
    f = view.matched.sort_values(["date", "_row"], ascending=[False, True], na_position="last")
    if limit is not None:
        f = f.head(limit)
    out = pd.DataFrame({
        "指标": f["metric"].map(metric_label),
        "数值": [fmt_fact_value(v, u, q, c) for v, u, q, c in
                 zip(f["value"], f["unit"], f["qualifier"], f["currency"])],
        "限定": f["qualifier"].map(lambda q: QUALIFIERS.get(q, q) if isinstance(q, str) else ""),
        "口径": f["scope"].map(lambda s: SCOPES.get(s, s) if isinstance(s, str) else ""),
        "地区": f["region_label"],
        "机构": f["agency"].fillna(""),
        "专项": ["、".join(c) for c in f["campaigns"]],
        "日期": f["date"].dt.strftime("%Y-%m-%d").fillna(""),
        "证据原文": f["evidence"].fillna(""),
        "来源": f["source"].fillna(""),
        "计数": view.status.reindex(f.index).map(STATUS_LABELS),
    })
    out.index = pd.Index(f["fact_id"].astype("string"), name="fact_id")
    return out


def highlight_html(text: str | None, start: int | None, end: int | None) -> str:
    """The article ``text`` as escaped HTML with [start, end) wrapped in <mark>.

    Everything from the article is escaped, so markup, Markdown and formulas in it show verbatim.

    >>> highlight_html("a<b>c", 1, 4)
    '<div class="article-text" style="white-space: pre-wrap; line-height: 1.7">a<mark>&lt;b&gt;</mark>c</div>'
    """
    text = text or ""
    n = len(text)
    a = min(max(int(start), 0), n) if start is not None and not pd.isna(start) else n
    b = min(max(int(end), a), n) if end is not None and not pd.isna(end) else a
    body = html.escape(text[:a])
    if b > a:
        body += "<mark>" + html.escape(text[a:b]) + "</mark>"
    body += html.escape(text[b:])
    return f'<div class="article-text" style="white-space: pre-wrap; line-height: 1.7">{body}</div>'


def options(data: Data, flt: Filters | None = None) -> dict[str, list[str]]:
    """Values offered by each filter; the region cascade follows ``flt``'s province and city."""
    f = data.facts
    flt = flt or Filters()
    def vals(s: pd.Series) -> list[str]:
        return sorted(s.dropna().astype(str).unique().tolist())
    prov = vals(f["province"])
    cities = vals(f.loc[f["province"].eq(flt.province).fillna(False), "city"]) if flt.province else []
    dists = vals(f.loc[f["city"].eq(flt.city).fillna(False), "district"]) if flt.city else []
    metrics = vals(f["metric"])
    order = list(METRICS)
    metrics.sort(key=lambda m: (order.index(m) if m in order else len(order), m))
    return {"campaigns": list(data.campaigns), "province": prov, "city": cities,
            "district": dists, "agency_levels": vals(f["agency_level"]), "metrics": metrics,
            "scopes": vals(f["scope"]), "scripts": vals(f["script"])}
