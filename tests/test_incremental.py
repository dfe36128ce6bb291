"""Incremental builds: unchanged inputs are reused, changed and new ones processed, removed ones
leave the tables, and the result always equals a fresh build of the same inputs."""
import json
import os
import shutil

import pandas as pd
import pytest

from pipeline import cache, synth, tables
from pipeline.build import build


@pytest.fixture
def corpus(tmp_path):
    synth.generate(150, tmp_path / "gen", seed=21)
    return tmp_path / "gen" / "synthetic"


def _n_files(corpus):
    return sum(p.is_file() for p in corpus.rglob("*"))


REAL_VERSION = cache.pipeline_version


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch):
    monkeypatch.setattr(cache, "PART_TARGET", 12)   # ~12 inputs per partition: many partitions
    # one code version for the whole test, even while the source tree is being edited
    monkeypatch.setattr(cache, "pipeline_version", lambda: "test-version")


def _manifest(out):
    return json.loads((tables.current_build(out) / "manifest.json").read_text(encoding="utf-8"))


def assert_same_tables(a, b):
    (a1, f1), (a2, f2) = tables.read_tables(a), tables.read_tables(b)
    pd.testing.assert_frame_equal(a1, a2)
    pd.testing.assert_frame_equal(f1, f2)


def test_rebuild_of_unchanged_inputs_reuses_everything(corpus, tmp_path):
    out = tmp_path / "out"
    first = build([str(corpus)], out)
    n = _n_files(corpus)
    assert n < 150 and first.read == 150        # 150 articles, some records of a .jsonl
    assert first.processed == n and first.reused == 0
    m1 = _manifest(out)
    assert m1["partitions"] > 5
    again = build([str(corpus)], out)
    m2 = _manifest(out)
    assert again.processed == 0 and again.reused == n and again.removed == 0
    assert m2["partitions_linked"] == m2["partitions"] == m1["partitions"]
    assert again.partitions == (m1["partitions"], m1["partitions"])
    # linked, not copied: every partition file is the previous build's file (same inode)
    old, new = (tables.current_build(out).parent / m["build_id"] for m in (m1, m2))
    for f in new.rglob("part-*.parquet"):
        assert f.stat().st_ino == (old / f.relative_to(new)).stat().st_ino
    assert m2["build_id"] != m1["build_id"]          # still a new build, switched atomically
    assert again.lines()[:-1] != [] and first.facts_per_metric == again.facts_per_metric


def test_changes_are_processed_and_equal_a_fresh_build(corpus, tmp_path):
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    build([str(corpus)], out)
    n = _n_files(corpus)
    old_build = tables.current_build(out)
    old_bytes = {p: p.read_bytes() for p in old_build.rglob("part-*.parquet")}
    files = sorted(p for p in corpus.rglob("*.txt"))
    files[3].unlink()                                                   # removed
    files[10].write_bytes(files[10].read_bytes().replace(b"\n", b"\n\n", 1))   # changed
    synth.generate(5, tmp_path / "more", seed=99)                       # new ...
    shutil.copytree(tmp_path / "more" / "synthetic" / "0000", corpus / "new")
    shutil.copy(files[20], corpus / "new" / "copy.txt")                 # ... and a byte copy
    s = build([str(corpus)], out)
    assert s.processed == 1 + 5 + 1 and s.reused == n - 2 and s.removed == 1
    assert "removed (gone from INPUT): 1" in "\n".join(s.lines())
    m = _manifest(out)
    assert 0 < m["partitions_linked"] < m["partitions"]
    linked = {f.name for f in tables.current_build(out).rglob("part-*.parquet")
              if f.stat().st_nlink > 1}
    assert len(linked) == m["partitions_linked"]   # in both folders, so counted once by name
    arts, facts = tables.read_tables(out)
    assert str(files[3]) not in set(arts["source"]) and str(files[3]) not in set(facts["source"])
    copy = arts[arts["source"] == str(corpus / "new" / "copy.txt")].iloc[0]
    assert copy["status"] == "skipped" and str(files[20]) in copy["reason"]
    # the previous build's files were not touched (reused partitions are hard links)
    assert {p: p.read_bytes() for p in old_bytes if p.exists()} == {
        p: b for p, b in old_bytes.items() if p.exists()}
    build([str(corpus)], fresh)
    assert_same_tables(out, fresh)


def test_an_input_that_could_not_be_read_is_read_again(corpus, tmp_path, monkeypatch):
    from pipeline import build as B
    victim = str(sorted(corpus.rglob("*.txt"))[5])
    real = B.read_inputs

    def flaky(paths):   # an I/O error, or a Dask worker without the shared folder mounted
        if paths == [victim]:
            return [B.RawDoc(source=victim, status="skipped", reason="unreadable: OSError: EIO")]
        return real(paths)

    out = tmp_path / "out"
    monkeypatch.setattr(B, "read_inputs", flaky)
    build([str(corpus)], out)
    monkeypatch.setattr(B, "read_inputs", real)
    s = build([str(corpus)], out)
    assert s.processed == 1 and s.reused == _n_files(corpus) - 1
    arts, _ = tables.read_tables(out)
    assert arts.loc[arts["source"] == victim, "status"].tolist() == ["ok"]
    again = build([str(corpus)], out)           # read well once: reused from then on
    assert again.processed == 0 and again.reused == _n_files(corpus)


def test_an_entry_the_walk_skips_as_unreadable_is_reused(corpus, tmp_path):
    """Only a read that failed is tried again: an entry the walk skips unread (a folder named
    like an input) has the same rows while the walk says the same, its partition is linked."""
    (corpus / "0000" / "notes.txt").mkdir()
    out = tmp_path / "out"
    build([str(corpus)], out)
    s = build([str(corpus)], out)
    assert s.processed == 0 and s.partitions[1] == s.partitions[0]
    arts, _ = tables.read_tables(out)
    reason = arts.loc[arts["source"] == str(corpus / "0000" / "notes.txt"), "reason"]
    assert reason.tolist() == ["unreadable: a folder, not a file"]


def test_a_new_pipeline_version_processes_everything(corpus, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build([str(corpus)], out)
    monkeypatch.setattr(cache, "pipeline_version", lambda: "another-version")
    s = build([str(corpus)], out)
    assert s.processed == _n_files(corpus) and s.reused == 0
    assert _manifest(out)["pipeline_version"] == "another-version"


def test_touched_but_unchanged_file_is_reused(corpus, tmp_path):
    out = tmp_path / "out"
    build([str(corpus)], out)
    f = next(corpus.rglob("*.txt"))
    os.utime(f, ns=(1, 1))                      # new mtime, same bytes: hashed again, reused
    s = build([str(corpus)], out)
    assert s.processed == 0 and s.reused == _n_files(corpus)


def test_pipeline_version_follows_the_code_the_build_imports():
    mods = set()
    todo = ["build"]
    while todo:
        m = todo.pop()
        if m not in mods and (cache._PKG / f"{m}.py").is_file():
            mods.add(m)
            todo += cache._local_imports(cache._PKG / f"{m}.py")
    assert {"build", "normalise", "extract", "entities", "ingest", "tables"} <= mods
    assert "synth" not in mods and "cli" not in mods
    assert len(REAL_VERSION()) == 16 and REAL_VERSION() == REAL_VERSION()


def test_reprint_marks_rewrite_their_partitions_only(corpus, tmp_path, monkeypatch):
    from pipeline import build as B

    def no_reprint(con):
        return {}, {}

    def one_reprint(con):   # the last article is a reprint of the first
        ids = [r[0] for r in con.execute("SELECT article_id FROM ra ORDER BY ord").fetchall()]
        return {}, {ids[-1]: ids[0]}

    out = tmp_path / "out"
    monkeypatch.setattr(B, "reprint_links", no_reprint)
    build([str(corpus)], out)
    old_bytes = {p: p.read_bytes() for p in tables.current_build(out).rglob("part-*.parquet")}
    monkeypatch.setattr(B, "reprint_links", one_reprint)
    build([str(corpus)], out)
    m = _manifest(out)
    assert m["partitions_linked"] == m["partitions"] and m["partitions_rewritten_for_reprints"] == 1
    arts, _ = tables.read_tables(out)
    assert arts["duplicate_of"].iloc[-1] == arts["article_id"].iloc[0]
    assert arts["duplicate_of"].iloc[:-1].isna().all()
    assert {p: p.read_bytes() for p in old_bytes} == old_bytes   # linked files not modified
