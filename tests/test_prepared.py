"""Prepared builds (``pipeline.prepared``): what ``open_build`` computes, read back from the
build folder, gives exactly what computing it again gives; stale, damaged or unwritable
prepared files are ignored, never trusted."""
from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import prepared as prep
from pipeline import query as q
from pipeline import synth, tables
from fixtures import DROP_TO_NOBODY, folder_for_nobody, run_probe, write_partitioned
from test_query_parquet import _filters, _mixed, _same_frame


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """One build folder: 2,000 synthetic articles in 3 partitions of small row groups."""
    base = tmp_path_factory.mktemp("prep")
    synth.generate_tables(2000, base / "gen")
    cur = tables.current_build(base / "gen")
    return write_partitioned(base / "out", _mixed(pq.read_table(cur / "facts.parquet")),
                             pq.read_table(cur / "articles.parquet"), row_group_size=700)


@pytest.fixture()
def fresh_copy(build, tmp_path):
    """A copy of the build folder without prepared files."""
    dst = tmp_path / build.name
    shutil.copytree(build, dst, ignore=shutil.ignore_patterns(prep.DIRNAME, ".prepared-*"),
                    copy_function=os.link)
    return dst


def _same_data(a: q.Data, b: q.Data) -> None:
    _same_frame(a.facts, b.facts)
    for c in a.facts.columns:
        assert a.facts[c].dtype == b.facts[c].dtype, c
        if isinstance(a.facts[c].dtype, pd.CategoricalDtype):
            assert a.facts[c].cat.categories.dtype == b.facts[c].cat.categories.dtype, c
    assert a.campaigns == b.campaigns and a.choices == b.choices
    assert a.synthetic_all == b.synthetic_all
    np.testing.assert_array_equal(a.synthetic, b.synthetic)
    np.testing.assert_array_equal(a.camp_rows, b.camp_rows)
    np.testing.assert_array_equal(a.camp_codes, b.camp_codes)
    for name in q.Counting.__dataclass_fields__:
        x, y = getattr(a.counting, name), getattr(b.counting, name)
        if isinstance(x, tuple):
            assert len(x) == len(y), name
            for u, v in zip(x, y):
                np.testing.assert_array_equal(u, v, err_msg=name)
                assert u.dtype == v.dtype, name
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)
            assert x.dtype == y.dtype, name
    assert a.fact_ids.equals(b.fact_ids)


def test_prepared_equals_computed(fresh_copy):
    computed = q.open_build(fresh_copy, prepared=False)
    folder = prep.save(computed, fresh_copy)
    assert folder == fresh_copy / prep.DIRNAME and (folder / "meta.json").is_file()
    read = prep.load(fresh_copy)
    assert read is not None
    _same_data(computed, read)
    # the facts whose simplified evidence differs (what a first search would read) come along
    ra, ta = computed.search.differing()
    rb, tb = read.search._differ
    assert len(ra) > 0
    assert sorted(zip(ra.tolist(), ta.to_pylist())) == sorted(zip(rb.tolist(), tb.to_pylist()))
    # every view, the details and the articles, equal
    rng = np.random.default_rng(1)
    rows = rng.choice(len(read.facts), 30, replace=False)
    assert read.detail.take(pa.array(rows)).equals(computed.detail.take(pa.array(rows)))
    for name, flt in _filters(read).items():
        va, vb = q.select(computed, flt), q.select(read, flt)
        for attr in ("mask", "keep", "live"):
            np.testing.assert_array_equal(getattr(va, attr), getattr(vb, attr), err_msg=name)
        pd.testing.assert_frame_equal(q.evidence_table(va), q.evidence_table(vb), obj=name)
        if not va.empty:
            pd.testing.assert_frame_equal(q.by_district(va.counted, "cases_solved"),
                                          q.by_district(vb.counted, "cases_solved"), obj=name)
    for i in rows[:5].tolist():
        fid = str(read.facts["fact_id"].iloc[i])
        assert q.fact_detail(read, fid) == q.fact_detail(computed, fid)
        aid = str(read.facts["article_id"].iloc[i])
        assert q.article_text(read, aid) == q.article_text(computed, aid) is not None


def test_open_build_writes_then_reads(fresh_copy, monkeypatch):
    first = q.open_build(fresh_copy)          # computed; prepared files written in background
    assert q.wait_saved() == fresh_copy / prep.DIRNAME
    computed = []
    monkeypatch.setattr(q, "_open_parquet", lambda b: computed.append(b))
    second = q.open_build(fresh_copy)         # read back: nothing computed
    assert computed == [] and second is not None
    _same_data(first, second)


def _damage_meta(folder):
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["key"]["files"][0][1] += 1           # a partition of another size
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _damage_arrays(folder):
    f = sorted(folder.glob("n*.arrow"))[0]
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def _flipped_bytes(folder):
    f = max(folder.glob("n*.arrow"), key=lambda p: p.stat().st_size)
    data = bytearray(f.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 64):
        data[i] ^= 0xFF
    f.write_bytes(bytes(data))


def _bad_evidence_offsets(folder):
    """Valid Arrow, wrong content: a row's start in its block beyond the block."""
    f = next(p for p in folder.glob("n*.arrow")
             if "e.lo" in pa.ipc.open_file(pa.memory_map(str(p))).schema.names)
    t = pa.ipc.open_file(pa.BufferReader(f.read_bytes())).read_all()   # (not mapped: the
    i = t.schema.get_field_index("e.lo")                           # file is rewritten below)
    lo = t.column(i).to_numpy().copy()
    lo[:] = 1 << 30
    t = t.set_column(i, "e.lo", pa.array(lo))
    with pa.OSFile(str(f), "wb") as sink, pa.ipc.new_file(sink, t.schema) as w:
        w.write_table(t)


def _other_code(folder):
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["key"]["code"] = "0" * 64
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _garbage_meta(folder):
    (folder / "meta.json").write_text("{not json", encoding="utf-8")


def _changed_partition(folder):
    part = sorted((folder.parent / "facts.parquet").glob("*.parquet"))[0]
    data = part.read_bytes()
    part.unlink()                              # (hard link: the original build is untouched)
    part.write_bytes(data)
    os.utime(part, ns=(1, 1))


@pytest.mark.parametrize("damage", [_damage_meta, _damage_arrays, _other_code, _garbage_meta,
                                    _changed_partition, _flipped_bytes, _bad_evidence_offsets],
                         ids=["stale key", "truncated arrays", "other code", "bad json",
                              "partition rewritten", "flipped bytes", "evidence offsets"])
def test_invalid_prepared_files_are_ignored(fresh_copy, damage):
    computed = q.open_build(fresh_copy, prepared=False)
    folder = prep.save(computed, fresh_copy)
    damage(folder)
    assert prep.load(fresh_copy) is None
    again = q.open_build(fresh_copy)           # falls back to the partitions ...
    _same_data(computed, again)
    assert q.wait_saved() == folder            # ... and writes them again, for the next open
    _same_data(computed, prep.load(fresh_copy))
    assert [p.name for p in fresh_copy.iterdir() if "prepared" in p.name] == [prep.DIRNAME]


READ_ONLY = """
import json, os, sys
from pipeline import query as q
""" + DROP_TO_NOBODY + """
d = q.open_build(sys.argv[1])
print(json.dumps({"rows": len(d.facts), "saved": str(q.wait_saved())}))
"""


def test_read_only_build_folder_stays_unprepared(build):
    """The dashboard as a user who may only read the tables (as ``nobody`` when run as root)."""
    with folder_for_nobody("ro-") as base:
        copy = base / build.name
        shutil.copytree(build, copy, ignore=shutil.ignore_patterns(prep.DIRNAME, ".prepared-*"))
        for p in [copy, *copy.rglob("*")]:
            p.chmod(0o555 if p.is_dir() else 0o444)
        got = run_probe(READ_ONLY, str(copy), timeout=300)
        assert got == {"rows": len(q.open_build(build, prepared=False).facts), "saved": "None"}
        assert not (copy / prep.DIRNAME).exists() and not list(copy.glob(".prepared-*"))


def test_unwritable_build_folder_stays_unprepared(fresh_copy, monkeypatch):
    """(The same as the read-only folder above, for a root user: making the folder fails.)"""
    computed = q.open_build(fresh_copy, prepared=False)

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(prep.tempfile, "mkdtemp", refuse)
    assert prep.save(computed, fresh_copy) is None
    assert not (fresh_copy / prep.DIRNAME).exists()


def test_cli_prepare(tmp_path, capsys):
    from pipeline import cli

    assert cli.main(["prepare", "--data", str(tmp_path / "none")]) == 1
    assert "antifraud build" in capsys.readouterr().err
    synth.generate_tables(300, tmp_path / "d")
    build = tables.current_build(tmp_path / "d")
    left = build / ".prepared-killed"            # a writer killed long ago left this
    left.mkdir()
    os.utime(left, (1, 1))
    assert cli.main(["prepare", "--data", str(tmp_path / "d")]) == 0
    assert "prepared:" in capsys.readouterr().out
    assert prep.load(build) is not None and not left.exists()
    assert cli.main(["prepare", "--data", str(tmp_path / "d")]) == 0
    assert "already prepared" in capsys.readouterr().out


def test_failed_write_leaves_nothing(fresh_copy, monkeypatch):
    computed = q.open_build(fresh_copy, prepared=False)

    def broken(*a, **k):
        raise pa.ArrowInvalid("simulated")
    monkeypatch.setattr(prep.pa.ipc, "new_file", broken)
    with pytest.raises(pa.ArrowInvalid):
        prep.save(computed, fresh_copy)
    assert [p.name for p in fresh_copy.iterdir() if "prepared" in p.name] == []
