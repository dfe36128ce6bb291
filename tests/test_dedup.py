"""Reprints across articles: the same story on two sites counts once; different stories don't
merge. Built through the real pipeline, counted with the dashboard's own functions; the DuckDB
implementation equals the pandas reference (tests/reprints_reference.py) on frames and builds."""
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from pipeline import query as q
from pipeline.build import build
from pipeline.reprints import mark_reprints
from pipeline.tables import read_tables
from reprints_reference import mark_reprints_reference

STORY = ("今年以来,某市公安局城东分局共破获电信网络诈骗案件{cases}起,抓获犯罪嫌疑人{n}名,"
         "冻结涉案资金{money}万元。")


def _write(root: Path, rel: str, title: str, date: str, body: str, extra: str = "") -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(f"{title}\n发布时间:{date}\n{body}{extra}\n", encoding="utf-8")


def _tables(tmp_path):
    out = tmp_path / "out"
    build([str(tmp_path / "in")], out)
    return read_tables(out)


def test_a_reprint_on_another_site_counts_once(tmp_path):
    body = STORY.format(cases=136, n=89, money="1234.5")
    _write(tmp_path, "in/site_a/1.txt", "城东警方打击电诈成效明显", "2023-05-10", body)
    _write(tmp_path, "in/site_b/9.txt", "今年以来破获电诈案件136起", "2023-05-12", body,
           "民警提醒:不要轻信陌生来电。")
    arts, facts = _tables(tmp_path)
    assert len(facts) == 6
    first = arts.loc[arts["source"].str.contains("site_a"), "article_id"].item()
    later = facts[facts["source"].str.contains("site_b")]
    assert later["duplicate_of"].notna().all()
    originals = facts.set_index("fact_id").loc[later["duplicate_of"]]
    assert (originals["article_id"] == first).all()
    assert list(originals["metric"]) == list(later["metric"])
    assert arts.set_index("article_id").loc[later["article_id"].iloc[0], "duplicate_of"] == first

    view = q.select(q.from_frames(facts, arts), q.Filters())
    heads = q.headline(view.counted)
    assert heads["cases_solved"].value == 136
    assert heads["suspects_arrested"].value == 89
    assert heads["funds_frozen"].value == 12_345_000


def test_different_stories_sharing_a_small_number_stay_apart(tmp_path):
    _write(tmp_path, "in/a.txt", "城东分局通报", "2023-05-10", STORY.format(cases=136, n=12, money="80.5"))
    _write(tmp_path, "in/b.txt", "城西派出所破获一起诈骗案", "2023-05-11",
           "近日,城西派出所破获诈骗案件2起,抓获犯罪嫌疑人12名。")
    arts, facts = _tables(tmp_path)
    assert facts["duplicate_of"].isna().all() and arts["duplicate_of"].isna().all()


def test_same_figures_months_apart_are_two_reports(tmp_path):
    body = STORY.format(cases=136, n=89, money="1234.5")
    _write(tmp_path, "in/a.txt", "城东警方通报", "2023-01-10", body)
    _write(tmp_path, "in/b.txt", "城东警方通报", "2023-09-10", body)
    _, facts = _tables(tmp_path)
    assert facts["duplicate_of"].isna().all()


keys = st.tuples(st.sampled_from(["cases_solved", "funds_frozen"]),
                 st.sampled_from([3.0, 136.0, 12_345_000.0]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), keys), min_size=1, max_size=14))
def test_mark_reprints_is_idempotent_and_row_for_row(rows):
    facts = pd.DataFrame([{"fact_id": f"f{i}", "article_id": f"a{a}", "metric": m, "value": v,
                           "unit": "元" if m == "funds_frozen" else "起", "qualifier": "exact",
                           "duplicate_of": None} for i, (a, (m, v)) in enumerate(rows)])
    arts = pd.DataFrame([{"article_id": f"a{a}", "source": f"s{a}.txt", "title": "同题",
                          "published": "2023-05-01", "province": None, "duplicate_of": None}
                         for a in range(5)])
    a1, f1 = mark_reprints(arts, facts)
    a2, f2 = mark_reprints(a1, f1)
    assert list(f1["fact_id"]) == list(facts["fact_id"])
    assert f1["duplicate_of"].tolist() == f2["duplicate_of"].tolist()
    assert a1["duplicate_of"].tolist() == a2["duplicate_of"].tolist()
    # a figure never points into its own article, and always at an unflagged original
    own = dict(zip(f1["fact_id"], f1["article_id"]))
    flagged = dict(zip(f1["fact_id"], f1["duplicate_of"]))
    for fid, dup in flagged.items():
        if dup is not None:
            assert own[dup] != own[fid] and flagged[dup] is None


def _same_links(arts, facts):
    """mark_reprints (DuckDB) and the pandas reference link the same figures and articles."""
    a1, f1 = mark_reprints(arts, facts)
    a0, f0 = mark_reprints_reference(arts, facts)
    assert f1["duplicate_of"].tolist() == f0["duplicate_of"].tolist()
    assert a1["duplicate_of"].tolist() == a0["duplicate_of"].tolist()
    return f1["duplicate_of"].notna().sum()


@pytest.mark.filterwarnings("ignore:Could not infer format")
@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), keys, st.sampled_from(["exact", "more_than", None])),
                min_size=1, max_size=24),
       st.lists(st.tuples(st.sampled_from([None, "广东省", "浙江省"]),
                          st.sampled_from([None, "2023-05-01", "2023-05-20", "2023-08-30", "bad"]),
                          st.sampled_from([None, "", "同题", "同 题!", "【合成数据】同题", "另一题"])),
                min_size=8, max_size=8))
def test_duckdb_rule_equals_the_reference_on_frames(rows, meta):
    facts = pd.DataFrame([{"fact_id": f"f{i:02d}", "article_id": f"a{a}", "metric": m, "value": v,
                           "unit": "元" if m == "funds_frozen" else "起", "qualifier": qual,
                           "duplicate_of": None} for i, (a, (m, v), qual) in enumerate(rows)])
    arts = pd.DataFrame([{"article_id": f"a{a}", "source": f"s{7 - a}.txt", "title": t,
                          "published": d, "province": p, "duplicate_of": None}
                         for a, (p, d, t) in enumerate(meta)])
    _same_links(arts, facts)


@pytest.mark.parametrize("pending", ["held", "over budget", "none"])
def test_build_marks_the_reprints_the_reference_finds(tmp_path, monkeypatch, pending):
    """Synthetic articles with reprints on several sites, built through the Parquet/DuckDB
    path: the build's duplicate_of columns equal the reference run over the same tables, whether
    the partitions are all still in memory at the cross-article stage (written once) or were
    written (then rewritten where a duplicate_of changed) because they outgrew the budget at
    some partition or at once. DuckDB reads one kind or the other, never a union of both (which
    did not spill, and ran out of memory on 1,000,000 articles)."""
    import json
    import zlib

    from pipeline import build as B, cache, synth
    # ~10 partitions, cut by file name: the same ones in every temporary folder
    monkeypatch.setattr(cache, "is_boundary", lambda s: zlib.crc32(Path(s).name.encode()) % 40 == 0)
    monkeypatch.setattr(B, "PENDING_BYTES", {"held": B.PENDING_BYTES, "over budget": 600_000,
                                             "none": 0}[pending])
    sources = []

    def reprint_links(con):
        views = dict(con.execute("SELECT view_name, sql FROM duckdb_views() "
                                 "WHERE view_name IN ('ra', 'rf')").fetchall())
        sources.extend(("held_" in sql, "read_parquet" in sql) for sql in views.values())
        return real_links(con)

    real_links = B.reprint_links
    monkeypatch.setattr(B, "reprint_links", reprint_links)
    synth.generate(400, tmp_path / "gen", seed=11)
    build([str(tmp_path / "gen" / "synthetic")], tmp_path / "out")
    held = pending == "held"
    assert sources == [(held, not held)] * 2
    m = json.loads((tmp_path / "out" / "current" / "manifest.json").read_text(encoding="utf-8"))
    rewritten = m["partitions_rewritten_for_reprints"]
    if held:
        assert rewritten == 0
    else:
        assert rewritten > m["partitions"] // 2      # most partitions have a reprint
    arts, facts = read_tables(tmp_path / "out")
    a0, f0 = mark_reprints_reference(arts.drop(columns="duplicate_of"),
                                     facts.drop(columns="duplicate_of"))
    def links(s):
        return [v if isinstance(v, str) else None for v in s]
    assert links(facts["duplicate_of"]) == links(f0["duplicate_of"])
    assert links(arts["duplicate_of"]) == links(a0["duplicate_of"])
    assert facts["duplicate_of"].notna().sum() >= 10      # the corpus does have reprints
