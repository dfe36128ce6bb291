"""Interrupted and concurrent builds: SIGKILL at random moments leaves the previous tables readable and
unchanged (or, past the switch, the complete new ones), the next build completes; two builds into
one folder: the second fails fast naming the holder; a reader during builds sees one build, never
a mix. The corpus is made by ``antifraud synth`` (synthetic articles, marked 【合成数据】).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import lock, synth, tables
from pipeline.build import build

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SEED = int(os.environ.get("HARDENING_SEED", "6"))


def _corpus(folder: Path, n: int) -> Path:
    synth.generate(n, folder, seed=1)
    return folder / "synthetic"


def _touch_all(src: Path, round_: int) -> None:
    """Change every input, so the next build reprocesses them all (and its tables differ)."""
    for p in sorted(src.rglob("*.txt")):
        with open(p, "a", encoding="utf-8") as fh:
            fh.write(f"\n第{round_}轮：另破获电诈案件{round_ + 1}起。\n")


def _fingerprint(out: Path) -> tuple[Path, dict[str, str]]:
    """(current build folder, sha256 of each of its files) after reading both tables."""
    b = tables.current_build(out)
    assert b is not None
    _consistent(b)
    return b, {str(p.relative_to(b)): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted(b.rglob("*")) if p.is_file()}


def _consistent(b: Path) -> str:
    """Both tables of build ``b`` read, and they are one pair: returns the build id."""
    man = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
    arts = pq.read_table(b / "articles.parquet", columns=["article_id", "n_facts", "status"])
    facts = pq.read_table(b / "facts.parquet", columns=["article_id", "value"])
    assert (arts.num_rows, facts.num_rows) == (man["articles"], man["facts"]), man
    assert set(facts["article_id"].to_pylist()) <= set(arts["article_id"].to_pylist())
    assert sum(arts["n_facts"].to_pylist()) == facts.num_rows
    return man["build_id"]


def _start(src: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "build", str(src), "--out",
                             str(out), "-q"], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_sigkill_at_random_moments_keeps_the_previous_tables(tmp_path):
    src, out = _corpus(tmp_path / "corpus", 60), tmp_path / "out"
    first = _start(src, out)
    assert first.wait(600) == 0, first.stderr.read()
    _touch_all(src, -1)                             # time a rebuild of changed inputs, as below
    t0 = time.monotonic()
    second = _start(src, out)
    assert second.wait(600) == 0, second.stderr.read()
    full = time.monotonic() - t0                    # such a build, imports included
    rng = random.Random(SEED)
    outcomes = {"old kept": 0, "new complete": 0}
    for i in range(10):
        before, hashes = _fingerprint(out)
        _touch_all(src, i)
        delay = rng.uniform(0.05, 0.8) * full         # (load varies: most kills mid-build)
        p = _start(src, out)
        time.sleep(delay)
        os.killpg(p.pid, signal.SIGKILL)             # the CLI and any worker it started
        p.wait(60)
        after, new_hashes = _fingerprint(out)
        if after == before:
            assert new_hashes == hashes, f"round {i}: killed after {delay:.2f}s changed the tables"
            outcomes["old kept"] += 1
        else:                                        # killed after the switch: the new build is whole
            assert (after / "manifest.json").is_file()
            outcomes["new complete"] += 1
        assert before.exists() or after != before
    print(f"\nfull build {full:.2f}s, kills: {outcomes}")
    assert outcomes["old kept"] >= 3, outcomes       # the kills really hit running builds
    # the lock left by a killed build blocks nothing; leftovers are cleaned; the build completes
    last = _start(src, out)
    assert last.wait(600) == 0, last.stderr.read()
    b, _ = _fingerprint(out)
    arts = pq.read_table(b / "articles.parquet", columns=["source", "text"]).to_pylist()
    txt = [a["text"] for a in arts if a["source"].endswith(".txt")]
    assert txt and all("第9轮" in t for t in txt)
    assert not list((out / "builds").glob(".*.tmp")) and not list(out.glob(".current-*"))


def test_second_build_into_the_same_folder_fails_fast_naming_the_holder(tmp_path):
    src, out = _corpus(tmp_path / "corpus", 40), tmp_path / "out"
    first = _start(src, out)
    deadline = time.monotonic() + 120
    while f"pid {first.pid} " not in (out / ".lock").read_text() if (out / ".lock").exists() else True:
        assert first.poll() is None and time.monotonic() < deadline, "first build never locked"
        time.sleep(0.02)
    t = time.monotonic()
    with pytest.raises(lock.BuildLocked, match=f"pid {first.pid} "):
        build([str(src)], out)
    assert time.monotonic() - t < 5                  # fails fast, does not wait
    assert first.wait(600) == 0, first.stderr.read()
    _consistent(tables.current_build(out))
    assert len(list((out / "builds").iterdir())) == 1   # only the first build was published


HOLD = ("import sys, time\nfrom pipeline import lock\nwith lock.hold(sys.argv[1]):\n"
        "    print('held', flush=True)\n    time.sleep(600)\n")


def test_cli_exit_4_while_locked_and_a_killed_holder_blocks_nothing(tmp_path):
    src, out = _corpus(tmp_path / "corpus", 3), tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], cwd=ROOT, env=ENV,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", str(src), "--out",
                            str(out), "-q"], cwd=ROOT, env=ENV, capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 4, (r.stdout, r.stderr)
        assert f"pid {holder.pid} " in r.stderr and "Another build is writing to" in r.stderr
        assert tables.current_build(out) is None     # nothing written
    finally:
        holder.kill()                                # SIGKILL: no chance to unlock itself
        holder.wait()
    assert f"pid {holder.pid} " in (out / ".lock").read_text()   # stale text, no stale lock
    with lock.hold(out):
        pass
    assert build([str(src)], out).read == 3


def test_reader_sees_one_build_at_a_time_while_builds_write(tmp_path):
    src, out = _corpus(tmp_path / "corpus", 30), tmp_path / "out"
    build([str(src)], out)
    seen, errors, stop = set(), [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                b = tables.current_build(out)        # resolved once, as the dashboard does
                seen.add(_consistent(b))
            except Exception as e:                   # noqa: BLE001 - reported below
                errors.append(repr(e))

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        for i in range(3):
            _touch_all(src, i)
            build([str(src)], out)
            time.sleep(0.05)
    finally:
        stop.set()
        th.join(30)
    assert not errors, errors[:3]
    assert len(seen) >= 3, seen                      # it really read during several builds
