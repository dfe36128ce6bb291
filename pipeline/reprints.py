"""Reprints across articles: figures that an earlier article already reported count once.

One rule, one implementation: ``reprint_links`` runs in DuckDB over two relations, so the same
SQL serves a few in-memory frames (``mark_reprints``, the pure function) and the Parquet
partitions of a build of millions of articles (``build._mark_reprints``), within a fixed memory
budget (DuckDB spills to disk). Python only sees the articles that do tell the same story.

The relations ``reprint_links`` reads:

- ``ra``: ``article_id, source, day (DATE or TIMESTAMP), province, title, ord``: articles;
- ``rf``: ``fact_id, article_id, metric, value (DOUBLE), unit, qualifier, ord``: their figures;

``ord`` orders rows the way the caller lists them (ties of date and source, figures of an article).
"""
from __future__ import annotations

import re

import duckdb
import pandas as pd
import pyarrow as pa

from .dedup import _significant_digits

# A key is (metric, value, unit, qualifier); keys stated by very many articles (1 case, 100%)
# say nothing about which story an article tells.
MAX_ARTICLES_PER_KEY = 50
MAX_DAYS_APART = 45
MEMORY_LIMIT = "400MB"        # DuckDB's budget for the cross-article stage; it spills beyond
_TITLE_NOISE = re.compile(r"【合成数据】|【合成數據】|[\s\W_]+")   # the mark first: 【 is \W too


def _rare(value: float, unit: str | None) -> bool:
    """A figure rare enough that one shared instance ties two articles: an amount with two or
    more significant digits, or any value with three or more.

    >>> _rare(12345000, "元"), _rare(1200000, "元"), _rare(136, "起"), _rare(89, "人"), _rare(1e6, "元")
    (True, True, True, False, False)
    """
    digits = _significant_digits(value)
    return digits >= 3 or (digits >= 2 and unit == "元")


def _title_key(title: str | None) -> str:
    """A title without spaces, punctuation and the synthetic-data mark, to compare titles.

    >>> _title_key("【合成数据】城东警方 通报!"), _title_key(None)
    ('城东警方通报', '')
    """
    return _TITLE_NOISE.sub("", title) if isinstance(title, str) else ""


def _rare_column(values: pa.Array, units: pa.Array) -> pa.Array:
    """``_rare`` over Arrow columns (a DuckDB "arrow" function: one call per vector)."""
    return pa.array([_rare(v, u) for v, u in zip(values.to_pylist(), units.to_pylist())],
                    pa.bool_())


def _title_key_column(titles: pa.Array) -> pa.Array:
    """``_title_key`` over an Arrow column."""
    return pa.array([_title_key(t) for t in titles.to_pylist()], pa.string())


def connect(temp_directory: str | None = None):
    """A DuckDB connection with the two helper functions the rule uses, and a memory budget."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    if temp_directory:
        con.execute("SET temp_directory = ?", [str(temp_directory)])
    con.execute("SET preserve_insertion_order = false")
    con.create_function("rare", _rare_column, ["DOUBLE", "VARCHAR"], "BOOLEAN",
                        type="arrow", null_handling="special", side_effects=False)
    con.create_function("title_key", _title_key_column, ["VARCHAR"], "VARCHAR",
                        type="arrow", null_handling="special", side_effects=False)
    return con


# Pairs of articles that tell the same story: they share figures (keys stated by 2 to
# MAX_ARTICLES_PER_KEY articles), are not from two different provinces, were published at most
# MAX_DAYS_APART days apart (or a date is unknown), and either share at least two figures that make
# up half of the smaller article's figures, or have the same title, or share only rare figures.
_PAIRS = f"""
CREATE OR REPLACE TEMP TABLE k AS          -- each article's distinct keys
    SELECT DISTINCT article_id, metric, value::DOUBLE AS v,
           coalesce(unit, '') AS u, coalesce(qualifier, '') AS q
    FROM rf;
CREATE OR REPLACE TEMP TABLE nk AS         -- how many keys an article has
    SELECT article_id, count(*) AS n FROM k GROUP BY article_id;
CREATE OR REPLACE TEMP TABLE kc AS         -- keys that tie articles: 2 .. MAX articles state them
    SELECT metric, v, u, q, rare(v, u) AS rare FROM k GROUP BY metric, v, u, q
    HAVING count(*) BETWEEN 2 AND {MAX_ARTICLES_PER_KEY};
CREATE OR REPLACE TEMP TABLE pr AS         -- article pairs and the keys they share
    SELECT a.article_id AS x, b.article_id AS y, count(*) AS shared,
           count(*) FILTER (WHERE kc.rare) AS rare
    FROM k a JOIN kc USING (metric, v, u, q) JOIN k b USING (metric, v, u, q)
    WHERE a.article_id < b.article_id
    GROUP BY a.article_id, b.article_id;
"""
_STORY_PAIRS = f"""
CREATE OR REPLACE TEMP TABLE pa AS         -- the articles of those pairs, what the rule compares
    SELECT ra.article_id, ra.day::DATE AS day, ra.province, title_key(ra.title) AS t, nk.n
    FROM ra JOIN nk ON nk.article_id = ra.article_id
    WHERE ra.article_id IN (SELECT x FROM pr UNION SELECT y FROM pr);
SELECT x, y FROM pr JOIN pa A ON A.article_id = pr.x JOIN pa B ON B.article_id = pr.y
WHERE NOT coalesce(A.province <> B.province, false)
  AND NOT coalesce(abs(date_diff('day', A.day, B.day)) > {MAX_DAYS_APART}, false)
  AND ((shared >= 2 AND shared >= 0.5 * least(A.n, B.n))
       OR (A.t <> '' AND A.t = B.t)
       OR pr.rare = least(A.n, B.n))
"""
# The figures of the articles in story groups, in the order "first stated" is decided by.
_GROUP_FACTS = """
SELECT f.fact_id, f.article_id, f.metric, f.value::DOUBLE, coalesce(f.unit, ''),
       coalesce(f.qualifier, '')
FROM rf f JOIN grouped g ON g.article_id = f.article_id
JOIN ra a ON a.article_id = f.article_id
ORDER BY a.day NULLS LAST, a.source, a.ord, f.ord
"""


def reprint_links(con) -> tuple[dict[str, str], dict[str, str]]:
    """The reprint rule over the relations ``ra`` and ``rf`` of ``con`` (see the module doc).

    Stories are grouped transitively; in a group the earliest article (by day, then source) is the
    original. A later article's figure is linked to the fact id of the same figure (metric, value,
    unit, qualifier) in the earliest article of its group stating it; a later article all of whose
    figures are so linked is linked to the original article.

    Returns ({fact_id: fact_id it repeats}, {article_id: original article_id}).
    """
    con.execute(_PAIRS)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for x, y in con.execute(_STORY_PAIRS).fetchall():
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)        # a group's root is its smallest id
    if not parent:
        return {}, {}
    group = {a: find(a) for a in list(parent) + list(parent.values())}
    con.register("grouped", pa.table({"article_id": pa.array(list(group), pa.string())}))
    first: dict[tuple, tuple[str, str]] = {}   # (group, key) -> (fact id, article id) first stated
    dup_fact: dict[str, str] = {}
    n_facts: dict[str, int] = {}
    n_linked: dict[str, int] = {}
    original: dict[str, str] = {}               # group -> its earliest article
    cur = con.execute(_GROUP_FACTS)
    while rows := cur.fetchmany(50_000):     # in chunks: the groups' figures can be many
        for fid, aid, *key in rows:
            g = group[aid]
            original.setdefault(g, aid)
            n_facts[aid] = n_facts.get(aid, 0) + 1
            first_fid, first_aid = first.setdefault((g, *key), (fid, aid))
            if first_aid != aid:          # the same figure again within one article is its own
                dup_fact[fid] = first_fid
                n_linked[aid] = n_linked.get(aid, 0) + 1
    dup_art = {a: original[group[a]] for a, n in n_facts.items()
               if n_linked.get(a) == n and original[group[a]] != a}
    return dup_fact, dup_art


def mark_reprints(articles: pd.DataFrame, facts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag figures that an earlier article already reported (reprints on other sites, the same
    story retold), so that they count once: ``duplicate_of`` of a fact is the fact id it repeats,
    of an article the original article's id (when all its figures are repeats); see
    ``reprint_links`` for the rule.

    Returns new frames, row for row in the given order; idempotent.
    """
    if facts.empty:
        return articles, facts
    n = len(articles)
    ra = pd.DataFrame({
        "article_id": articles["article_id"].to_numpy(),
        "source": articles["source"].to_numpy(),
        "day": pd.to_datetime(articles.get("published", pd.Series([None] * n)), errors="coerce"
                              ).to_numpy(),
        "province": [p if isinstance(p, str) else None
                     for p in articles.get("province", pd.Series([None] * n))],
        "title": [t if isinstance(t, str) else None
                  for t in articles.get("title", pd.Series([None] * n))],
        "ord": range(n)})
    rf = pd.DataFrame({
        "fact_id": facts["fact_id"].to_numpy(), "article_id": facts["article_id"].to_numpy(),
        "metric": facts["metric"].to_numpy(), "value": facts["value"].astype(float).to_numpy(),
        "unit": [u if isinstance(u, str) else None for u in facts["unit"]],
        "qualifier": [u if isinstance(u, str) else None for u in facts["qualifier"]],
        "ord": range(len(facts))})
    con = connect()
    con.register("ra", ra)
    con.register("rf", rf)
    dup_fact, dup_art = reprint_links(con)
    con.close()
    out_f, out_a = facts.copy(), articles.copy()
    out_f["duplicate_of"] = pd.Series([dup_fact.get(f) for f in facts["fact_id"]],
                                      index=facts.index, dtype=object)
    out_a["duplicate_of"] = pd.Series([dup_art.get(a) for a in articles["article_id"]],
                                      index=articles.index, dtype=object)
    return out_a, out_f
