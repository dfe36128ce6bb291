"""The reprint rule as first written, in pandas and plain Python: the reference that
``pipeline.reprints`` (DuckDB, for builds of millions of articles) is tested equal to.
Not used by the pipeline."""
from collections import Counter
from itertools import combinations

import pandas as pd

from pipeline.reprints import MAX_ARTICLES_PER_KEY as _MAX_ARTICLES_PER_KEY
from pipeline.reprints import MAX_DAYS_APART as _MAX_DAYS_APART
from pipeline.reprints import _TITLE_NOISE, _rare

def _story_pairs(keys: pd.DataFrame, arts: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs of articles that tell the same story (see ``mark_reprints``)."""
    n_keys = keys.groupby("article_id")["key"].nunique()
    shared: Counter = Counter()
    distinctive: Counter = Counter()
    for (key, dist), ids in keys.groupby(["key", "dist"])["article_id"]:
        ids = sorted(set(ids))
        if 2 <= len(ids) <= _MAX_ARTICLES_PER_KEY:
            for pair in combinations(ids, 2):
                shared[pair] += 1
                distinctive[pair] += bool(dist)
    # per-article values as plain dicts: one lookup per pair, not a pandas row (.loc) each
    ids = arts["article_id"].tolist()
    none = [None] * len(ids)

    def column(name: str) -> dict:
        return dict(zip(ids, arts[name].tolist() if name in arts.columns else none))

    province, day, title = column("province"), column("_day"), column("_title")
    n_keys = n_keys.to_dict()
    pairs = []
    for (x, y), k in shared.items():
        pa_, pb = province[x], province[y]
        if isinstance(pa_, str) and isinstance(pb, str) and pa_ != pb:
            continue                      # the same figure from two provinces: two stories
        da, db = day[x], day[y]
        if pd.notna(da) and pd.notna(db) and abs((da - db).days) > _MAX_DAYS_APART:
            continue
        same_title = bool(title[x]) and title[x] == title[y]
        smaller = min(n_keys[x], n_keys[y])
        if (k >= 2 and k >= 0.5 * smaller) or (k >= 1 and (same_title or distinctive[(x, y)] == smaller)):
            pairs.append((x, y))
    return pairs


def mark_reprints_reference(articles: pd.DataFrame, facts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag figures that an earlier article already reported (reprints on other sites, the same
    story retold), so that they count once.

    Two articles tell the same story when they are not from different provinces, were published
    at most 45 days apart (or a date is unknown), and share figures (metric, value, unit and
    qualifier): at least two that make up half of the smaller article's figures, or one with the
    same title, or only rare ones (``_rare``: 2701.6万元 or 136起, not 100 or 12人). Stories
    are grouped transitively; in a group, the earliest article (by published date, then source)
    is the original. A later article's figure gets ``duplicate_of`` = the fact id of the same
    figure in the earliest article of the group stating it, and a later article all of whose
    figures are so flagged gets ``duplicate_of`` = the original article's id.

    Returns new frames, row for row in the given order; idempotent.
    """
    if facts.empty:
        return articles, facts
    arts = articles.copy()
    arts["_day"] = pd.to_datetime(arts.get("published"), errors="coerce")
    arts["_title"] = arts.get("title", pd.Series(index=arts.index, dtype=object)).map(
        lambda t: _TITLE_NOISE.sub("", t) if isinstance(t, str) else "")
    ok = set(facts["article_id"])
    arts_ok = arts[arts["article_id"].isin(ok)]
    keys = pd.DataFrame({
        "article_id": facts["article_id"].to_numpy(),
        "fact_id": facts["fact_id"].to_numpy(),
        "key": list(zip(facts["metric"], facts["value"].astype(float), facts["unit"].fillna(""),
                        facts["qualifier"].fillna(""))),
        "dist": [_rare(v, u) for v, u in zip(facts["value"].astype(float), facts["unit"])]})

    # group stories (union-find), then order each group: earliest published, then source
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for x, y in _story_pairs(keys, arts_ok):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    if not parent:
        out_f, out_a = facts.copy(), articles.copy()
        out_f["duplicate_of"] = pd.Series([None] * len(facts), index=facts.index, dtype=object)
        out_a["duplicate_of"] = pd.Series([None] * len(articles), index=articles.index, dtype=object)
        return out_a, out_f
    rank = {aid: i for i, aid in enumerate(
        arts_ok.sort_values(["_day", "source"], na_position="last", kind="stable")["article_id"])}
    group = {aid: find(aid) for aid in ok}
    first_fact: dict[tuple, tuple[str, str]] = {}  # (group, key) -> (fact id, article id) first stated
    dup_fact: dict[str, str] = {}
    ids, fids, ks = keys["article_id"].tolist(), keys["fact_id"].tolist(), keys["key"].tolist()
    for i in sorted(range(len(ids)), key=lambda i: (rank[ids[i]], i)):
        first_fid, first_aid = first_fact.setdefault((group[ids[i]], ks[i]), (fids[i], ids[i]))
        if first_aid != ids[i]:          # the same figure again within one article is its own
            dup_fact[fids[i]] = first_fid
    out_f = facts.copy()
    out_f["duplicate_of"] = pd.Series([dup_fact.get(f) for f in facts["fact_id"]],
                                      index=facts.index, dtype=object)
    flagged = out_f["duplicate_of"].notna().groupby(out_f["article_id"]).all()   # vectorised
    root_of = {}
    for aid in ok:
        members = root_of.setdefault(group[aid], [])
        members.append(aid)
    original = {g: min(m, key=rank.__getitem__) for g, m in root_of.items()}
    out_a = articles.copy()
    out_a["duplicate_of"] = pd.Series([
        original[group[a]] if a in ok and bool(flagged.get(a, False)) and original[group[a]] != a
        else None for a in articles["article_id"]], index=articles.index, dtype=object)
    return out_a, out_f
