"""The build query path (``query.open_build``: compact columns in memory, text read on demand,
search by DuckDB over the Parquet partitions) gives exactly the results of the old path (every
column in memory, ``tests/query_before.py``) on generated tables, for many filters."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import query_before as old
from fixtures import write_partitioned
from pipeline import export as ex
from pipeline import query as q
from pipeline import synth, tables


def _mixed(facts: pa.Table) -> pa.Table:
    """The synthetic facts made harder: some rows in traditional script (evidence differs from
    its simplified form), Latin words in mixed case, folding letters, empty and null evidence."""
    n = facts.num_rows
    ev = facts.column("evidence").to_pylist()
    evs = facts.column("evidence_simplified").to_pylist()
    script = facts.column("script").to_pylist()
    for i in range(0, n, 7):
        ev[i] = ev[i].replace("冻结", "凍結").replace("诈骗", "詐騙")
        script[i] = "traditional"
    for i in range(3, n, 11):
        ev[i] = ev[i] + ["通过APP转账", "通过App转账", "通过app转账", "ſim卡", "ＱＱ群"][i % 5]
    ev[5], evs[5] = None, None
    ev[6] = ""
    evs[8] = None
    idx = {c: i for i, c in enumerate(facts.column_names)}
    facts = facts.set_column(idx["evidence"], "evidence", pa.array(ev, pa.string()))
    facts = facts.set_column(idx["evidence_simplified"], "evidence_simplified",
                             pa.array(evs, pa.string()))
    return facts.set_column(idx["script"], "script", pa.array(script, pa.string()))


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """(old Data, new Data) of one build: 3,000 synthetic articles in 3 partitions of small row
    groups (so rows are read across files and row groups)."""
    base = tmp_path_factory.mktemp("synth")
    synth.generate_tables(3000, base / "gen")
    cur = tables.current_build(base / "gen")
    write_partitioned(base / "out", _mixed(pq.read_table(cur / "facts.parquet")),
                      pq.read_table(cur / "articles.parquet"))
    return old.load(base / "out"), q.load(base / "out")


def _filters(new: q.Data) -> dict[str, q.Filters]:
    f = new.facts
    prov = str(f["province"].value_counts().index[0])
    city = str(f.loc[f["province"] == prov, "city"].value_counts().index[0])
    dist = str(f.loc[f["city"] == city, "district"].value_counts().index[0])
    lo, hi = q.date_bounds(new)
    mid = lo + (hi - lo) / 2
    return {
        "none": q.Filters(),
        "campaign": q.Filters(campaigns=(new.campaigns[0],)),
        "two campaigns": q.Filters(campaigns=tuple(new.campaigns[1:3])),
        "province": q.Filters(province=prov),
        "district": q.Filters(province=prov, city=city, district=dist),
        "metric scope": q.Filters(metrics=("cases_solved", "funds_frozen"),
                                  scopes=("operation",)),
        "levels": q.Filters(agency_levels=("city", "district")),
        "five metrics": q.Filters(metrics=tuple(q.options(new)["metrics"][:5])),
        "dates": q.Filters(start=lo, end=mid),
        "late": q.Filters(start=mid, end=date(hi.year, 12, 31)),
        "traditional": q.Filters(scripts=("traditional",)),
        "search 冻结": q.Filters(search="冻结"),
        "search 凍結": q.Filters(search="凍結"),
        "search app": q.Filters(search="app"),
        "search APP campaign": q.Filters(search="APP", campaigns=(new.campaigns[0],)),
        "search s (folds ſ)": q.Filters(search="SIM"),
        "search ｑｑ": q.Filters(search="ｑｑ"),
        "search none": q.Filters(search="没有这句话"),
        "search punctuation": q.Filters(search="，"),
        "search with province": q.Filters(search="诈骗", province=prov),
    }


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal values, column order and index; ``fact_id`` is a string column now, not a
    categorical (same values)."""
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        x, y = a[c], b[c]
        if c == "fact_id":
            x, y = x.astype(object), y.astype(object)
        pd.testing.assert_series_equal(x, y, check_categorical=True, obj=c)


def test_query_frame_same(builds):
    o, n = builds
    _same_frame(o.facts, n.facts)
    assert o.campaigns == n.campaigns
    assert q.options(n) == old.options(o) and q.date_bounds(n) == old.date_bounds(o)
    for name in ("root", "reprint_order", "group", "start", "end", "dated", "cum", "op",
                 "cum_order", "tie", "tie_order", "undated"):
        np.testing.assert_array_equal(getattr(o.counting, name), getattr(n.counting, name),
                                      err_msg=name)
    assert (n.counting.root != np.arange(len(n.facts))).any()      # reprints are resolved


def test_counted_mask_same_for_any_selection(builds):
    """The rule on row sets no filter makes (random, dense, sparse, whole groups cut), and the
    result kept for every row selected, equal the old rule's."""
    o, n = builds
    rows = len(n.facts)
    rng = np.random.default_rng(5)
    masks = [np.ones(rows, bool), np.zeros(rows, bool)]
    masks += [rng.random(rows) < p for p in (0.02, 0.3, 0.7, 0.97)]
    masks.append(n.counting.root % 2 == 0)        # reprint groups kept or dropped whole
    for m in masks:
        for got, want in zip(q.counted_mask(n.counting, m), old.counted_mask(o.counting, m)):
            np.testing.assert_array_equal(got, want)
    keep, live = q.counted_mask(n.counting, masks[0])
    assert keep is n.counting.whole_keep and not keep.flags.writeable
    np.testing.assert_array_equal(keep, q.counted_mask(n.counting, masks[0], whole=False)[0])


def test_views_same(builds):
    o, n = builds
    metric = "cases_solved"
    hits = {}
    for name, flt in _filters(n).items():
        vo = old.select(o, old.Filters(**{k: getattr(flt, k) for k in flt.URL_KEYS}))
        vn = q.select(n, flt)
        hits[name] = vn.n_matched
        for a in ("mask", "keep", "live"):
            np.testing.assert_array_equal(getattr(vo, a), getattr(vn, a), err_msg=f"{name} {a}")
        _same_frame(vo.counted, vn.counted)
        assert ({k: asdict(v) for k, v in old.headline(vo.counted).items()}
                == {k: asdict(v) for k, v in q.headline(vn.counted).items()}), name
        if vn.empty:
            continue
        for fn in ("by_district", "by_campaign", "by_month", "by_region"):
            pd.testing.assert_frame_equal(getattr(old, fn)(vo.counted, metric),
                                          getattr(q, fn)(vn.counted, metric), obj=f"{name} {fn}")
        pd.testing.assert_frame_equal(old.metric_mix(vo.counted), q.metric_mix(vn.counted))
        pd.testing.assert_frame_equal(old.evidence_table(vo), q.evidence_table(vn), obj=name)
        pd.testing.assert_frame_equal(old.evidence_rows(vo, 300), q.evidence_rows(vn, 300),
                                      obj=f"{name} evidence_rows")
        assert ex.facts_table(vo).equals(ex.facts_table(vn)), name
    # the filters really select something, and search finds folded and traditional forms
    assert hits["search 冻结"] > hits["search 凍結"] > 0 and hits["search none"] == 0
    assert hits["search app"] > hits["search APP campaign"] > 0
    assert hits["search s (folds ſ)"] > 0 and hits["search ｑｑ"] > 0
    assert 0 < hits["district"] < hits["province"] < hits["none"]


def test_search_matches_old_column_for_odd_queries(builds):
    o, n = builds
    for text in ("Ａpp", "\x01", "冻结\x01冻结", "a.b", "(", "'", "%", "_", "转账 ", "ǅ"):
        flt = q.Filters(search=text)
        np.testing.assert_array_equal(
            old.filter_mask(o, old.Filters(search=text)), q.filter_mask(n, flt), err_msg=text)


def test_details_and_articles_same(builds):
    o, n = builds
    rng = np.random.default_rng(0)
    rows = rng.choice(len(n.facts), 40, replace=False)
    for i in rows.tolist() + [0, len(n.facts) - 1]:
        fid = str(n.facts["fact_id"].iloc[i])
        full = old.fact_detail(o, fid)
        assert q.fact_detail(n, fid) == full
        cols = ["title", "evidence", "evidence_end", "source"]
        assert q.fact_detail(n, fid, cols) == {c: full[c] for c in cols}
        aid = str(n.facts["article_id"].iloc[i])
        assert q.article_text(n, aid) == old.article_text(o, aid)
    assert q.fact_detail(n, "nope") is None and q.article_text(n, "nope") is None
    take = np.concatenate([rows, rows[::-1][:5]])        # any order, repeats
    assert n.detail.take(pa.array(take)).equals(o.detail.take(pa.array(take)))
    assert n.detail.select(["evidence", "title"]).slice(2990, 20).equals(
        o.detail.select(["evidence", "title"]).slice(2990, 20))


def test_text_blocks_take_any_rows():
    arr = pa.array(["甲" * (i % 7) if i % 5 else None for i in range(1000)], pa.string())
    tb = q.TextBlocks([arr.slice(0, 300), arr.slice(300)], size=64)
    rows = np.array([999, 0, 1, 5, 300, 299, 64, 63, 5, 640])
    assert tb.take(rows).cast(pa.string()).equals(arr.take(pa.array(rows)))
    assert tb.take(np.arange(1000)).cast(pa.string()).equals(arr)
    assert len(tb.take(np.zeros(0, np.int64))) == 0
    assert tb.nbytes < pc.sum(pc.utf8_length(arr)).as_py() * 3
    # empty chunks, and chunks holding only empty or null strings (no data buffer)
    tb = q.TextBlocks([pa.array([], pa.string()), pa.array(["", None, ""], pa.string()),
                       pa.array([], pa.string()), pa.array(["乙"], pa.string())], size=2)
    assert tb.take(np.array([3, 0, 1, 2])).to_pylist() == ["乙", "", None, ""]


def test_caseless_queries():
    assert q._caseless("冻结资金，2022年") and q._caseless("电话卡 100%")
    assert not q._caseless("APP") and not q._caseless("ｑｑ") and not q._caseless("ǅ")
