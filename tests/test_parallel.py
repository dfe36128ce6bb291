"""Parallel engines write the same tables as the single-process build: local processes
(``jobs=2``) and a Dask distributed cluster (a LocalCluster of 2 worker processes)."""
import socket

import pandas as pd
import pytest

from pipeline import build as build_mod
from pipeline import cache, cli, synth, tables
from pipeline.build import EngineError, build


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


def test_batches_read_a_part_at_a_time_give_the_same_tables(corpus, serial, tmp_path, monkeypatch):
    monkeypatch.setattr(build_mod, "_READ_AHEAD_CHARS", 2000)    # a few articles at a time
    build([str(corpus)], tmp_path)
    _equal(tables.read_tables(tmp_path), serial)


def test_dask_cluster_writes_the_same_tables(corpus, serial, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        # a relative INPUT: the workers run in another folder, they must get absolute paths
        monkeypatch.chdir(corpus.parent)
        with distributed.Client(cluster) as client:
            with distributed.get_task_stream(client) as ts:
                s = build([corpus.name], tmp_path, engine="dask", scheduler=client, batch_size=7)
            assert s.processed > 100
            # the workers really ran the batches: every batch of 7 files, on both workers
            ran = [t for t in ts.data if str(t["key"]).startswith("process_files")]
            assert len(ran) >= -(-s.processed // 7)
            assert len({t["worker"] for t in ran}) == 2
    _equal(tables.read_tables(tmp_path), serial)


def test_dask_refuses_workers_with_other_code(monkeypatch, tmp_path, corpus):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(cache, "pipeline_version", lambda: "not-what-workers-run")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client, pytest.raises(EngineError, match="version"):
            build([str(corpus)], tmp_path, engine="dask", scheduler=client)


def _load_old_code():
    from pipeline import build as b
    b._LOADED_VERSION = "code-loaded-before-an-upgrade"


def test_dask_refuses_a_worker_that_loaded_older_code(tmp_path, corpus):
    """A worker started before the code on its disk was upgraded runs the old code: the check
    asks for the version the worker loaded, not for the files on its disk."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            client.run(_load_old_code)
            with pytest.raises(EngineError, match="version"):
                build([str(corpus)], tmp_path, engine="dask", scheduler=client)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("address", [f"tcp://127.0.0.1:{_free_port()}", "no-port-here"])
def test_cli_names_an_unreachable_scheduler(address, monkeypatch, tmp_path, corpus, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr(build_mod, "DASK_TIMEOUT", 1)
    argv = ["build", str(corpus), "--out", str(tmp_path / "out"), "-q", "--engine", "dask"]
    assert cli.main(argv + ["--scheduler", address]) == 5
    err = capsys.readouterr().err
    assert f"cannot connect to the Dask scheduler at {address}" in err
    assert "Traceback" not in err and "No tables were written" in err
    assert not (tmp_path / "out" / "facts.parquet").exists()
    assert cli.main(argv) == 5                              # no --scheduler at all
    assert "--engine dask needs --scheduler" in capsys.readouterr().err
    assert cli.main(argv[:-2] + ["--scheduler", address]) == 2   # without --engine dask
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_dask_refuses_a_scheduler_without_workers(monkeypatch, tmp_path, corpus):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(build_mod, "DASK_TIMEOUT", 1)
    with distributed.LocalCluster(n_workers=0, dashboard_address=None) as cluster:
        with pytest.raises(EngineError, match="has no workers"):
            build([str(corpus)], tmp_path, engine="dask", scheduler=cluster.scheduler_address)


def test_gc_setting_restored(tmp_path, monkeypatch):
    """A build collects young objects less often while it runs (also in its batches, nested)
    and restores the process's GC setting afterwards, also after an error."""
    import gc
    old = gc.get_threshold()
    seen = []
    real = build_mod._process_files
    monkeypatch.setattr(build_mod, "_process_files",
                        lambda items: seen.append(gc.get_threshold()) or real(items))
    try:
        gc.set_threshold(700, 10, 10)
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / "a.txt").write_text("某县警方抓获犯罪嫌疑人3名。", encoding="utf-8")
        build([str(tmp_path / "in")], tmp_path / "out")
        assert seen == [(build_mod._GC_YOUNG, 10, 10)]
        assert gc.get_threshold() == (700, 10, 10)
        with pytest.raises(RuntimeError):
            with build_mod._fewer_collections():
                with build_mod._fewer_collections():
                    assert gc.get_threshold() == (build_mod._GC_YOUNG, 10, 10)
                assert gc.get_threshold() == (build_mod._GC_YOUNG, 10, 10)
                raise RuntimeError
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*old)
