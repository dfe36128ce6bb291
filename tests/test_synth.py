"""The synthetic corpus generator: deterministic, marked synthetic, varied, and its gold facts are
recovered by the pipeline (generator round trip)."""
import html
import json
import re
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import synth, tables
from pipeline.build import build
from pipeline.evaluate import load_gold, score

MARK = "【合成数据】"


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    synth.generate(400, out, seed=11)
    return out


def _gold(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


def _texts(out: Path) -> dict[str, str]:
    """Gold id -> the article text as a reader of the file would see it."""
    texts = {}
    for p in (out / "synthetic").rglob("*"):
        if p.suffix == ".jsonl":
            for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                texts[f"{p.stem}#{k}"] = json.loads(line)["text"]
        elif p.suffix == ".html":
            texts[p.stem] = html.unescape(re.sub(r"<[^>]+>", "", p.read_text(encoding="utf-8")))
        elif p.suffix == ".txt":
            data = p.read_bytes()
            try:
                texts[p.stem] = data.decode("utf-8")
            except UnicodeDecodeError:
                texts[p.stem] = data.decode("gb18030")
    return texts


def test_same_seed_same_corpus_other_seed_other_corpus(tmp_path):
    synth.generate(30, tmp_path / "a", seed=5)
    synth.generate(30, tmp_path / "b", seed=5)
    synth.generate(30, tmp_path / "c", seed=6)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")


def test_every_article_is_marked_synthetic(corpus):
    texts = _texts(corpus)
    gold = _gold(corpus)
    assert len(texts) == len(gold) == 400
    assert all(p.relative_to(corpus).parts[0] == "synthetic"
               for p in corpus.rglob("*") if p.is_file() and p.name != "gold.jsonl")
    marks = {"【合成數據】", MARK}   # traditional pages carry the converted mark
    assert all(any(m in t for m in marks) for t in texts.values())
    assert all(g["synthetic"] for g in gold)


def test_corpus_covers_what_real_reports_contain(corpus):
    gold, texts = _gold(corpus), _texts(corpus)
    metrics = Counter(f["metric"] for g in gold for f in g["facts"])
    assert set(metrics) == set(synth.templates()["metrics"])   # the whole closed list
    assert {f["qualifier"] for g in gold for f in g["facts"]} == {"exact", "more_than", "about"}
    assert Counter(g["script"] for g in gold)["traditional"] >= 20
    evidence = [f["evidence"] for g in gold for f in g["facts"]]
    assert any("亿" in e for e in evidence) and any("万" in e or "萬" in e for e in evidence)
    assert any(re.search("[一二两三四五六七八九十]+[名人起个张部]", e) for e in evidence)
    assert any(f["value"] < 0 for g in gold for f in g["facts"])          # 同比下降
    kinds = Counter(Path(p).suffix for p in map(str, corpus.rglob("*.*")))
    assert kinds[".txt"] > 300 and kinds[".html"] >= 20 and kinds[".jsonl"] >= 1
    raw = [p.read_bytes() for p in corpus.rglob("*.txt")]
    assert any(not _utf8(b) for b in raw)                                 # some GB18030 files
    joined = "\n".join(texts.values())
    assert re.search(r"\d{3,4}-\d{7,8}", joined)                          # phone numbers
    assert "相关" in joined and re.search(r"\d{4}年\d{2}月\d{2}日", joined)  # related links
    # reprints: one story on several sites, the same facts under several ids
    by_facts = Counter(json.dumps(g["facts"], ensure_ascii=False, sort_keys=True) for g in gold
                       if g["script"] == "simplified")
    assert sum(n > 1 for n in by_facts.values()) >= 5


def _utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_gold_evidence_is_verbatim_in_the_article(corpus):
    texts = _texts(corpus)
    for g in _gold(corpus):
        assert g["facts"], g["id"]
        for f in g["facts"]:
            assert f["evidence"] in texts[g["id"]], (g["id"], f["evidence"])


def test_round_trip_extraction_recovers_the_generated_facts(corpus, tmp_path):
    """Build the generated articles and score the facts against the generated gold.

    Measured 2026-11-21 on 1,000 articles (seed 1): precision 1.000, recall 1.000 (first
    measurement: 0.994 / 1.000; extraction is being improved concurrently, the bound leaves room
    for that work, not for regressions).
    """
    build([str(corpus / "synthetic")], tmp_path / "out")
    s = score(load_gold(str(corpus / "gold.jsonl")), tables.read_tables(tmp_path / "out")[1])
    assert s.tp + s.fn == sum(len(g["facts"]) for g in _gold(corpus))
    assert s.recall >= 0.95, s.misses[:10]
    assert s.precision >= 0.95, s.false_hits[:10]


def test_tables_only_writes_consistent_marked_tables(tmp_path):
    n_facts = synth.generate_tables(300, tmp_path, seed=2)
    arts, facts = tables.read_tables(tmp_path)
    assert len(arts) == 300 and len(facts) == n_facts > 300
    assert pq.read_schema(next((tmp_path / "facts.parquet").glob("*.parquet"))).equals(
        tables.FACTS_SCHEMA, check_metadata=False)
    assert arts["title"].str.startswith(MARK).all() and facts["outlet"].str.startswith(MARK).all()
    assert arts["source"].str.startswith("synthetic/").all()
    text = dict(zip(arts["article_id"], arts["text"]))
    for r in facts.head(200).itertuples():
        assert text[r.article_id][r.figure_start:r.figure_end] == r.figure_text
        assert text[r.article_id][r.evidence_start:r.evidence_end] == r.evidence
    # reprints point at the first copy, and so do their facts
    dups = arts[arts["duplicate_of"].notna()]
    assert len(dups) and dups["duplicate_of"].isin(arts["article_id"]).all()
    assert facts["duplicate_of"].dropna().isin(facts["fact_id"]).all()
    assert synth.generate_tables(300, tmp_path / "again", seed=2) == n_facts
