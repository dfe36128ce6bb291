"""Score extracted facts against a hand-labelled gold file (precision, recall, F1).

A gold line is ``{"id": ..., "facts": [{"metric", "value", "qualifier", ...}]}``; the ``id`` is the
file name of the article without its extension. A predicted fact matches a gold fact of the same
article when metric, value and qualifier are equal (each gold fact matches at most once).
Articles of the facts table that are not in the gold file are ignored, and gold articles with no
facts row count their facts as missed.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd


def doc_id(source: str) -> str:
    """The gold id of a source path.

    >>> doc_id("../shared/corpus/articles/d07.txt")
    'd07'
    >>> doc_id("corpus/x.jsonl#3")
    'x#3'
    """
    path, _, rec = source.partition("#")
    stem = PurePath(path).stem
    return f"{stem}#{rec}" if rec else stem


def _key(metric: str, value: float, qualifier: str) -> tuple:
    return metric, round(float(value), 4), qualifier


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    per_metric: dict = field(default_factory=dict)  # metric -> Counter(tp, fp, fn)
    scope_agree: int = 0                            # matched facts whose scope equals the gold's
    misses: list = field(default_factory=list)      # (doc, metric, value, qualifier, evidence)
    false_hits: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_gold(path: str) -> dict[str, list[dict]]:
    gold = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                gold[str(rec["id"])] = rec.get("facts", [])
    return gold


def score(gold: dict[str, list[dict]], facts: pd.DataFrame) -> Score:
    """Score a facts table against gold facts keyed by doc id."""
    s = Score()
    pm: dict[str, Counter] = {}
    facts = facts.assign(_doc=facts["source"].map(doc_id)) if len(facts) else facts.assign(_doc=[])
    for doc, gfacts in sorted(gold.items()):
        pred = facts[facts["_doc"] == doc]
        want = Counter(_key(g["metric"], g["value"], g["qualifier"]) for g in gfacts)
        got = Counter(_key(m, v, q) for m, v, q in zip(pred["metric"], pred["value"], pred["qualifier"]))
        ev = {(_key(m, v, q)): e for m, v, q, e in
              zip(pred["metric"], pred["value"], pred["qualifier"], pred["evidence"])}
        gev = {_key(g["metric"], g["value"], g["qualifier"]): g.get("evidence", "") for g in gfacts}
        want_scope = Counter((_key(g["metric"], g["value"], g["qualifier"]), g.get("scope"))
                             for g in gfacts)
        got_scope = Counter((_key(m, v, q), sc) for m, v, q, sc in
                            zip(pred["metric"], pred["value"], pred["qualifier"], pred["scope"]))
        for k in set(want) | set(got):
            tp = min(want[k], got[k])
            s.scope_agree += min(tp, sum(min(n, got_scope[(k, sc)])
                                         for (kk, sc), n in want_scope.items() if kk == k))
            fn = want[k] - tp
            fp = got[k] - tp
            c = pm.setdefault(k[0], Counter())
            c["tp"] += tp
            c["fn"] += fn
            c["fp"] += fp
            s.tp += tp
            s.fn += fn
            s.fp += fp
            if fn:
                s.misses.append((doc, *k, gev.get(k, "")))
            if fp:
                s.false_hits.append((doc, *k, ev.get(k, "")))
    s.per_metric = pm
    return s


def evaluate(gold_path: str, facts_path: str) -> Score:
    return score(load_gold(gold_path), pd.read_parquet(facts_path))


def report(s: Score, verbose: bool = False, entities: dict | None = None) -> str:
    """Text report; ``entities`` (from ``entity_scores``) adds the per-field entity accuracy."""
    lines = []
    if verbose:
        lines.append("metric                    tp   fp   fn")
        for m, c in sorted(s.per_metric.items()):
            lines.append(f"{m:24s} {c['tp']:4d} {c['fp']:4d} {c['fn']:4d}")
        lines += [f"MISS  {d} {m} {v:g} {q}  | {e}" for d, m, v, q, e in sorted(s.misses)]
        lines += [f"FALSE {d} {m} {v:g} {q}  | {e[:80]}" for d, m, v, q, e in sorted(s.false_hits)]
    if entities is not None:
        lines.append("entities (articles right / gold articles):")
        lines.append(format_entity_scores(entities, verbose=verbose))
    # the fact scores come last, so that `| tail -3` shows them
    if s.tp:
        lines.append(f"scope (cumulative/operation) as gold: {s.scope_agree}/{s.tp} matched facts")
    lines.append(f"gold facts: {s.tp + s.fn}  predicted: {s.tp + s.fp}  matched: {s.tp}")
    lines.append(f"precision: {s.precision:.3f}  recall: {s.recall:.3f}  F1: {s.f1:.3f}")
    return "\n".join(lines)


# --- entities (region, agency, campaigns) per article ---------------------------------------------

ENTITY_FIELDS = ("province", "city", "district", "region", "agency", "campaigns")


def entity_scores(gold_path: str, articles: pd.DataFrame) -> dict:
    """Per-field accuracy of the article entities against gold ``region``/``agency``/``campaigns``.

    ``region`` counts an article right when province, city and district are all right; ``campaigns``
    when the sets are equal. A gold article missing from ``articles`` counts as wrong.
    Returns ``{"n": N, "correct": {field: k}, "mismatches": [(doc, field, gold, got)]}``.
    """
    by_doc = {doc_id(s): row for s, row in zip(articles["source"], articles.to_dict("records"))}
    out = {"n": 0, "correct": Counter(), "mismatches": []}
    with open(gold_path, encoding="utf-8") as fh:
        golds = [json.loads(line) for line in fh if line.strip()]
    for g in golds:
        doc = str(g["id"])
        row = by_doc.get(doc, {})
        region = g.get("region") or {}
        want = {"province": region.get("province"), "city": region.get("city"),
                "district": region.get("district"), "agency": g.get("agency"),
                "campaigns": sorted(g.get("campaigns") or [])}
        got = {k: (None if _missing(row.get(k)) else row.get(k)) for k in ("province", "city", "district", "agency")}
        got["campaigns"] = sorted(list(row.get("campaigns") if row.get("campaigns") is not None else []))
        want["region"] = (want["province"], want["city"], want["district"])
        got["region"] = (got["province"], got["city"], got["district"])
        out["n"] += 1
        for f in ENTITY_FIELDS:
            if want[f] == got[f]:
                out["correct"][f] += 1
            else:
                out["mismatches"].append((doc, f, want[f], got[f]))
    return out


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v == ""


def format_entity_scores(s: dict, verbose: bool = False) -> str:
    n = s["n"] or 1
    lines = [f"{f:10s} {s['correct'][f]:3d}/{s['n']}  {s['correct'][f] / n:.0%}" for f in ENTITY_FIELDS]
    if verbose:
        lines += [f"  {d} {f}: gold={w!r} got={g!r}" for d, f, w, g in s["mismatches"] if f != "region"]
    return "\n".join(lines)
