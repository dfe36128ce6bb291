"""The table layer: schema written down, atomic switch between builds."""
from pathlib import Path

import pandas as pd
import pytest

from pipeline import tables


def test_schema_doc_is_current():
    doc = Path(__file__).parents[1] / "docs" / "SCHEMA.md"
    assert doc.read_text(encoding="utf-8").strip() == tables.schema_markdown().strip(), \
        "docs/SCHEMA.md is stale: run `antifraud schema > docs/SCHEMA.md`"


def _tables(n):
    arts = tables.to_table([{"article_id": str(i), "source": f"a{i}.txt", "status": "ok",
                             "published": "2022-07-14", "campaigns": ["断卡"]} for i in range(n)],
                           tables.ARTICLES_SCHEMA)
    facts = tables.to_table([{"fact_id": str(i), "metric": "cases_solved", "value": float(i)}
                             for i in range(n)], tables.FACTS_SCHEMA)
    return arts, facts


def test_write_then_read_roundtrip(tmp_path):
    tables.write_tables(tmp_path, *_tables(3))
    arts, facts = tables.read_tables(tmp_path)
    assert list(arts["source"]) == ["a0.txt", "a1.txt", "a2.txt"]
    assert str(arts["published"][0])[:10] == "2022-07-14"
    assert list(facts["value"]) == [0.0, 1.0, 2.0]
    # the stable paths the CLI promises are real, readable Parquet files
    assert len(pd.read_parquet(tmp_path / "facts.parquet")) == 3


def test_failed_write_leaves_previous_tables(tmp_path, monkeypatch):
    tables.write_tables(tmp_path, *_tables(2))
    before = (tmp_path / "facts.parquet").read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(tables.pq, "write_table", boom)
    with pytest.raises(OSError):
        tables.write_tables(tmp_path, *_tables(5))
    assert (tmp_path / "facts.parquet").read_bytes() == before
    assert not [p for p in (tmp_path / "builds").iterdir() if p.name.startswith(".")]


def test_old_builds_are_pruned(tmp_path):
    for n in range(4):
        tables.write_tables(tmp_path, *_tables(n + 1))
    assert len([p for p in (tmp_path / "builds").iterdir()]) == 2
    assert len(tables.read_tables(tmp_path)[1]) == 4
