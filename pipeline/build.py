"""Build: inputs -> (articles, facts) tables. The stages are listed once, in ``process_document``."""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import pandas as pd

from . import tables
from .dedup import dedup_facts, mark_reprints
from .entities import resolve_period, tag_entities
from .extract import extract_facts
from .ingest import read_inputs
from .meta import detect_meta
from .model import RawDoc
from .normalise import normalise
from .sentences import split_sentences


def article_id(source: str) -> str:
    """Stable id of an input.

    >>> article_id("seeds/a.txt") == article_id("seeds/a.txt")
    True
    >>> len(article_id("x"))
    16
    """
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def _fact_id(aid: str, metric: str, value: float, start: int) -> str:
    return hashlib.sha256(f"{aid}|{metric}|{value!r}|{start}".encode()).hexdigest()[:16]


def process_document(raw: RawDoc) -> tuple[dict, list[dict]]:
    """One input -> its articles row and its facts rows. Pure: depends on ``raw`` only."""
    aid = article_id(raw.source)
    art = {"article_id": aid, "source": raw.source, "fmt": raw.fmt, "status": raw.status,
           "reason": raw.reason, "encoding": raw.encoding, "size_bytes": raw.size_bytes,
           "content_hash": raw.content_hash, "url": raw.url, "title": raw.title,
           "published": raw.published, "text": raw.text, "campaigns": [], "n_facts": 0}
    if raw.status != "ok":
        return art, []

    norm = normalise(raw.text)                       # 1. clean text + offset map
    meta = detect_meta(raw, norm)                    # 2. title, date, outlet, script
    sents = split_sentences(norm)                    # 3. sentence spans
    facts = extract_facts(norm, sents)               # 4. figures
    ents = tag_entities(norm, meta)                  # 5. region, agency, campaigns
    facts = dedup_facts(facts)                       # 6. one fact per figure per article

    region = {"province": ents.province, "city": ents.city, "district": ents.district,
              "region_code": ents.region_code, "agency": ents.agency,
              "agency_level": ents.agency_level, "campaigns": list(ents.campaigns)}
    art.update(title=meta.title, published=meta.published, outlet=meta.outlet,
               script=meta.script, n_facts=len(facts), **region)
    by_start = {s.start: s for s in sents}
    rows = []
    for f in facts:
        sent = by_start.get(f.sent_start)
        if sent is not None and (f.period_start is None and f.period_end is None):
            f.period_start, f.period_end = resolve_period(f, sent, meta)
        ev_a, ev_b = norm.to_orig(f.sent_start, f.sent_end)
        fig_a, fig_b = norm.to_orig(f.start, f.end)
        rows.append({
            "fact_id": _fact_id(aid, f.metric, f.value, f.start), "article_id": aid,
            "source": raw.source, "metric": f.metric, "value": float(f.value), "unit": f.unit,
            "currency": f.currency, "qualifier": f.qualifier, "scope": f.scope, **region,
            "published": meta.published, "period_start": f.period_start,
            "period_end": f.period_end, "title": meta.title, "outlet": meta.outlet,
            "script": meta.script, "evidence": raw.text[ev_a:ev_b].strip(),
            "evidence_start": ev_a, "evidence_end": ev_b,
            "figure_text": raw.text[fig_a:fig_b], "figure_start": fig_a, "figure_end": fig_b,
            "evidence_simplified": norm.text[f.sent_start:f.sent_end].strip(),
            "mentions": f.mentions, "duplicate_of": None, "flags": list(f.flags)})
    return art, rows


@dataclass
class Summary:
    read: int = 0
    skipped: Counter = field(default_factory=Counter)   # reason -> count
    facts_per_metric: Counter = field(default_factory=Counter)
    out: str = ""

    def lines(self) -> list[str]:
        total = self.read + sum(self.skipped.values())
        out = [f"inputs: {total}  read: {self.read}  skipped: {sum(self.skipped.values())}"]
        out += [f"  skipped ({n}): {reason}" for reason, n in sorted(self.skipped.items())]
        out.append(f"facts: {sum(self.facts_per_metric.values())}")
        out += [f"  {m}: {n}" for m, n in sorted(self.facts_per_metric.items())]
        out.append(f"tables written to {self.out}")
        return out


def build(inputs: Iterable[str], out: str | os.PathLike = "data", progress: bool = False) -> Summary:
    """Read ``inputs`` (files or folders), extract, and write ``out``/{articles,facts}.parquet."""
    docs = read_inputs(list(inputs))
    if progress:
        from tqdm import tqdm
        docs = tqdm(docs, unit=" file", desc="building", mininterval=0.5)
    arts, facts = [], []
    for raw in docs:
        a, fs = process_document(raw)
        arts.append(a)
        facts.extend(fs)
    adf = pd.DataFrame(arts, columns=[c for c, _, _ in tables.ARTICLE_COLUMNS])
    fdf = pd.DataFrame(facts, columns=[c for c, _, _ in tables.FACT_COLUMNS])
    adf, fdf = mark_reprints(adf, fdf)
    adf = adf.sort_values("source", kind="stable").reset_index(drop=True)
    fdf = fdf.sort_values(["source", "evidence_start", "figure_start", "metric"],
                          kind="stable").reset_index(drop=True)
    tables.write_tables(out, tables.to_table(adf, tables.ARTICLES_SCHEMA),
                        tables.to_table(fdf, tables.FACTS_SCHEMA))
    s = Summary(out=str(out))
    s.read = int((adf["status"] == "ok").sum())
    s.skipped.update(adf.loc[adf["status"] != "ok", "reason"].fillna("unknown").map(_reason_kind))
    s.facts_per_metric.update(fdf["metric"].tolist())
    return s


def _reason_kind(reason: str) -> str:
    """The kind of a skip reason, for the summary ("duplicate of a.txt" -> "duplicate of")."""
    return reason.split(":")[0]
