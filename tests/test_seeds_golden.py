"""Golden file: building seeds/ gives exactly the hand-labelled facts of tests/data/seeds_gold.jsonl
(metric, value, qualifier, and scope), one fact per figure."""
import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.build import build
from pipeline.evaluate import doc_id
from pipeline.tables import read_tables

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "seeds_gold.jsonl"


def load_gold() -> dict[str, list[dict]]:
    out = {}
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[rec["id"]] = rec["facts"]
    return out


@pytest.fixture(scope="module")
def seed_facts(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds_build")
    build([str(ROOT / "seeds")], out)
    _, facts = read_tables(out)
    return facts.assign(doc=facts["source"].map(doc_id))


GOLD_DOCS = sorted(load_gold())


@pytest.mark.parametrize("doc", GOLD_DOCS)
def test_facts_equal_gold(seed_facts, doc):
    gold = load_gold()[doc]
    got = seed_facts[seed_facts["doc"] == doc]
    want = Counter((g["metric"], float(g["value"]), g["qualifier"]) for g in gold)
    have = Counter(zip(got["metric"], got["value"].astype(float), got["qualifier"]))
    assert have == want, (f"missing {sorted((want - have).elements())}, "
                          f"extra {sorted((have - want).elements())}")


@pytest.mark.parametrize("doc", GOLD_DOCS)
def test_scope_equal_gold(seed_facts, doc):
    gold = load_gold()[doc]
    got = seed_facts[seed_facts["doc"] == doc]
    want = Counter((g["metric"], float(g["value"]), g["qualifier"], g["scope"]) for g in gold)
    have = Counter(zip(got["metric"], got["value"].astype(float), got["qualifier"], got["scope"]))
    assert have == want


def test_evidence_contains_the_figure(seed_facts):
    """The figure text is a slice of the evidence sentence, both in the original script."""
    for fig, ev in zip(seed_facts["figure_text"], seed_facts["evidence"]):
        assert fig and fig.strip() in ev
