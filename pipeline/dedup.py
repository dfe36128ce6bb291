"""Merge repeated figures within an article; flag reprints across articles (placeholder)."""
from __future__ import annotations

import pandas as pd

from .model import Fact


def dedup_facts(facts: list[Fact]) -> list[Fact]:
    seen: dict[tuple, Fact] = {}
    for f in facts:
        key = (f.metric, f.value, f.qualifier)
        if key in seen:
            seen[key].mentions += 1
        else:
            seen[key] = f
    return list(seen.values())


def mark_reprints(articles: pd.DataFrame, facts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return articles, facts
