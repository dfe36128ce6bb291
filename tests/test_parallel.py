"""Parallel engines write the same tables as the single-process build: local processes
(``jobs=2``) and a Dask distributed cluster (a LocalCluster of 2 worker processes)."""
import pandas as pd
import pytest

from pipeline import cache, synth, tables
from pipeline.build import build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("par")
    synth.generate(120, out, seed=31)
    return out / "synthetic"


@pytest.fixture(scope="module")
def serial(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    build([str(corpus)], out)
    return tables.read_tables(out)


def _equal(got, want):
    assert len(want[0]) == 120 and len(want[1]) > 300
    pd.testing.assert_frame_equal(got[0], want[0])
    pd.testing.assert_frame_equal(got[1], want[1])


def test_local_processes_write_the_same_tables(corpus, serial, tmp_path):
    build([str(corpus)], tmp_path, jobs=2, batch_size=5)
    _equal(tables.read_tables(tmp_path), serial)


def test_dask_cluster_writes_the_same_tables(corpus, serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            s = build([str(corpus)], tmp_path, engine="dask", scheduler=client, batch_size=7)
            assert s.processed > 100
            # the workers really ran the batches
            assert sum(client.run(lambda dask_worker: len(dask_worker.data) >= 0).values()) == 2
    _equal(tables.read_tables(tmp_path), serial)


def test_dask_refuses_workers_with_other_code(monkeypatch, tmp_path, corpus):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(cache, "pipeline_version", lambda: "not-what-workers-run")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client, pytest.raises(RuntimeError, match="version"):
            build([str(corpus)], tmp_path, engine="dask", scheduler=client)
