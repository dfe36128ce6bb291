"""Build speed, memory and incremental time, side by side with two peers, in one run.

    .venv/bin/python benchmarks/bench_build.py                 # speed on 2,000 synthetic articles
    .venv/bin/python benchmarks/bench_build.py --n 5000 --real # + the real dev corpus (../shared)
    .venv/bin/python benchmarks/bench_build.py --memory 10000 100000 --jobs 2
    .venv/bin/python benchmarks/bench_build.py --incremental 100000 --jobs 2
    .venv/bin/python benchmarks/bench_build.py --all                # all of the above (~10 min)

Speed: the same texts go through

- our whole build (``pipeline.build.build``: read files, decode, normalise, extract, tag, write
  partitioned Parquet), one process, timed in CPU seconds of that process (= one core);
- tokenising once with ``jieba.lcut`` (jieba's default mode; the dictionary is loaded first,
  outside the timing);
- JioNLP's money extractor ``jionlp.ner.extract_money`` (install it for the benchmark only:
  ``flock /tmp/pip.lock .venv/bin/pip install jionlp``; it is not a project dependency);
- a skeleton of a build (``skeleton``): read, decode, OpenCC, two regexes, no extraction -- the
  floor any pure-Python build stands on.

and it prints MB/s (of raw input bytes), articles/s, the ratios, and where our time goes, stage by
stage. Memory: ``antifraud build`` on N synthetic articles in a subprocess, peak RSS of the driver
and of the largest worker. Incremental: a build of N articles, then 100 new ones, rebuilt into the
same folder. Synthetic corpora are cached in ``--work`` (default /tmp/antifraud-bench).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import build as B  # noqa: E402
from pipeline import synth  # noqa: E402
from pipeline.ingest import read_inputs  # noqa: E402

REAL = ROOT.parent / "shared" / "corpus" / "articles"
STAGES = ["normalise", "detect_meta", "split_sentences", "extract_facts", "tag_entities",
          "dedup_facts", "resolve_period"]


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def corpus(work: Path, n: int, seed: int = 1) -> Path:
    """A cached synthetic corpus of ``n`` articles (folder of the input files)."""
    d = work / f"synth-{n}-{seed}"
    if not (d / "gold.jsonl").is_file():
        shutil.rmtree(d, ignore_errors=True)
        t = time.perf_counter()
        synth.generate(n, d, seed=seed)
        print(f"  generated {n} synthetic articles in {time.perf_counter() - t:.1f} s -> {d}")
    return d / "synthetic"


def files_of(folders: list[Path]) -> list[str]:
    return sorted(str(p) for f in folders for p in f.rglob("*") if p.is_file())


def texts_of(files: list[str]) -> list[str]:
    return [d.text for f in files for d in read_inputs([f]) if d.status == "ok"]


def skeleton(files: list[str]) -> int:
    """The floor of a Python build: read, decode, convert the script, find sentences and numbers.

    Each file is read and decoded (UTF-8, else GB18030), converted with OpenCC t2s, cut into
    sentences by one regex and searched for numbers with units by another, each match made into
    a tuple. No boilerplate, rules, metrics, entities or tables: what remains of our time above
    this is the extraction itself.
    """
    import re
    import opencc
    conv = opencc.OpenCC("t2s")
    sent = re.compile(r"[^。！？!?\n]+")
    num = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿.]+[余多]?[万亿]?"
                     r"[元名人起张个部条户家次台]")
    n = 0
    for f in files:
        with open(f, "rb") as fh:
            raw = fh.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", "replace")
        for s in sent.finditer(conv.convert(text)):
            n += len([(m.start(), m.end(), m.group()) for m in num.finditer(s.group())])
    return n


def cpu() -> float:
    return time.process_time()


def speed(folders: list[Path], stage_sample: int) -> dict:
    files = files_of(folders)
    size = sum(os.path.getsize(f) for f in files)
    mb = size / 1e6
    texts = texts_of(files)
    n_art = len(texts)
    rows = []

    with tempfile.TemporaryDirectory() as out:
        c, w = cpu(), time.perf_counter()
        summary = B.build([str(f) for f in folders], out)
        c, w = cpu() - c, time.perf_counter() - w
    n_facts = sum(summary.facts_per_metric.values())
    rows.append(("antifraud build (whole)", c, w))

    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    c, w = cpu(), time.perf_counter()
    n_tok = sum(len(jieba.lcut(t)) for t in texts)
    rows.append(("jieba.lcut (tokenise once)", cpu() - c, time.perf_counter() - w))

    try:
        import jionlp
        jionlp.ner.extract_money("冻结资金1万元")   # load its resources outside the timing
        c, w = cpu(), time.perf_counter()
        n_money = sum(len(jionlp.ner.extract_money(t)) for t in texts)
        rows.append(("jionlp.ner.extract_money", cpu() - c, time.perf_counter() - w))
    except ImportError:
        n_money = None
        print("  (jionlp not installed: flock /tmp/pip.lock .venv/bin/pip install jionlp)")

    c, w = cpu(), time.perf_counter()
    n_num = skeleton(files)
    rows.append(("skeleton (no extraction)", cpu() - c, time.perf_counter() - w))

    print(f"\nSpeed: {len(files)} files, {n_art} articles, {mb:.2f} MB raw text, one core")
    print(f"  {'':30s} {'CPU s':>8s} {'wall s':>8s} {'MB/s':>8s} {'art/s':>8s} {'ours is':>10s}")
    ours = mb / rows[0][1]
    res = {"files": len(files), "articles": n_art, "mb": round(mb, 3), "facts": n_facts}
    for name, c, w in rows:
        rate = mb / c
        ratio = "" if name.startswith("antifraud") else f"{ours / rate:.2f}x"
        print(f"  {name:30s} {c:8.2f} {w:8.2f} {rate:8.2f} {n_art / c:8.0f} {ratio:>10s}")
        res[name] = {"cpu_s": round(c, 3), "wall_s": round(w, 3), "mb_s": round(rate, 3),
                     "articles_s": round(n_art / c, 1)}
    print(f"  ({n_facts} facts extracted; jieba made {n_tok} tokens; "
          f"jionlp found {n_money} money amounts; the skeleton matched {n_num} numbers)")
    print("  skeleton = the least any Python build does: read and decode every file, OpenCC t2s,\n"
          "  cut sentences and match numbers with two regexes; no rules, entities or tables")

    # where our time goes: the stages of what the build runs per document (``build._process``,
    # facts rows as tuples) on a sample, plus reading
    sample = files[:stage_sample]
    smb = sum(os.path.getsize(f) for f in sample) / 1e6
    spent = defaultdict(float)
    originals = {n: getattr(B, n) for n in STAGES}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = cpu()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += cpu() - t
        return wrapper
    try:
        for n in STAGES:
            setattr(B, n, timed(n, originals[n]))
        t0 = cpu()
        for f in sample:
            t = cpu()
            docs = list(read_inputs([f]))
            spent["read_inputs (ingest)"] += cpu() - t
            t = cpu()
            for d in docs:
                B._process(d)
            spent["process_document"] += cpu() - t
        total = cpu() - t0
    finally:
        for n, fn in originals.items():
            setattr(B, n, fn)
    print(f"\nWhere the time goes ({len(sample)} files, {smb:.2f} MB; stage time / share / MB/s):")
    stages = {}
    for name, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        if name == "process_document":
            continue
        print(f"  {name:24s} {s:7.2f} s  {100 * s / total:5.1f} %  {smb / s if s else 0:8.2f} MB/s")
        stages[name] = round(s, 3)
    other = total - sum(v for k, v in spent.items() if k != "process_document")
    print(f"  {'build glue (ids, rows)':24s} {other:7.2f} s  {100 * other / total:5.1f} %")
    res["stages_cpu_s"] = stages
    return res


def peak_rss(folder: Path, jobs: int, extra: list[str] | None = None, out: Path | None = None) -> dict:
    """Run ``antifraud build`` in a subprocess; its wall time and peak RSS (driver, worker)."""
    out = out or Path(tempfile.mkdtemp(prefix="bench-out-"))
    code = ("import json, resource, sys, time\n"
            "from pipeline.cli import main\n"
            "t = time.perf_counter()\n"
            f"main(['build', {str(folder)!r}, '--out', {str(out)!r}, '-q', '--jobs', '{jobs}'])\n"
            "r = resource.getrusage\n"
            "print(json.dumps({'wall_s': time.perf_counter() - t,"
            " 'driver_mb': r(resource.RUSAGE_SELF).ru_maxrss / 1024,"
            " 'worker_mb': r(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:          # say why: the build's own message and traceback
        sys.exit(f"antifraud build of {folder} failed (exit {p.returncode}):\n"
                 f"{p.stdout[-2000:]}{p.stderr[-6000:]}")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["summary"] = [line for line in p.stdout.splitlines() if line.startswith(("inputs", "input files"))]
    res["out"] = str(out)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000,
                    help="synthetic articles for the speed run (default 2000)")
    ap.add_argument("--real", action="store_true", help="add the real dev corpus (../shared)")
    ap.add_argument("--stage-sample", type=int, default=500, help="files for the stage breakdown (default 500)")
    ap.add_argument("--memory", type=int, nargs="*", metavar="N", help="peak RSS of builds of N articles")
    ap.add_argument("--incremental", type=int, metavar="N", help="N articles, then 100 new ones")
    ap.add_argument("--jobs", type=int, default=1, help="processes for --memory/--incremental (default 1)")
    ap.add_argument("--work", default="/tmp/antifraud-bench", help="cache of synthetic corpora (default /tmp/antifraud-bench)")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument("--all", action="store_true",
                    help="every figure the README quotes: speed (with --real), memory at 10,000 "
                         "and 100,000 articles and the incremental rebuild of 100,000, --jobs 2")
    args = ap.parse_args()
    if args.all:   # the 100,000 build of --incremental is also the 100,000 memory figure
        args.real, args.jobs = True, max(args.jobs, 2)
        args.memory, args.incremental = args.memory or [10000], args.incremental or 100000
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine()}")
    results: dict = {"machine": machine()}
    if args.all or (not args.memory and not args.incremental):
        folders = [corpus(work, args.n)] + ([REAL] if args.real and REAL.is_dir() else [])
        results["speed"] = speed(folders, args.stage_sample)
    for n in args.memory or []:
        r = peak_rss(corpus(work, n), args.jobs)
        shutil.rmtree(r.pop("out"), ignore_errors=True)
        print(f"\nMemory, {n} articles, --jobs {args.jobs}: {r['wall_s']:.0f} s, peak RSS driver "
              f"{r['driver_mb']:.0f} MB, largest worker {r['worker_mb']:.0f} MB")
        results.setdefault("memory", {})[n] = r
    if args.incremental:
        n = args.incremental
        folder = corpus(work, n)
        out = work / f"out-{n}"
        shutil.rmtree(out, ignore_errors=True)
        first = peak_rss(folder, args.jobs, out=out)
        new = folder / "new-100"
        shutil.rmtree(new, ignore_errors=True)
        synth.generate(100, work / "new-100", seed=4242)
        shutil.copytree(work / "new-100" / "synthetic", new)
        second = peak_rss(folder, args.jobs, out=out)
        third = peak_rss(folder, args.jobs, out=out)
        shutil.rmtree(new, ignore_errors=True)
        print(f"\nMemory, {n} articles, --jobs {args.jobs}: {first['wall_s']:.0f} s, peak RSS driver "
              f"{first['driver_mb']:.0f} MB, largest worker {first['worker_mb']:.0f} MB")
        print(f"\nIncremental, {n} articles, --jobs {args.jobs}: first build {first['wall_s']:.0f} s;"
              f" +100 new articles {second['wall_s']:.1f} s ({second['summary'][-1]});"
              f" nothing changed {third['wall_s']:.1f} s")
        results["incremental"] = {"n": n, "first_s": first["wall_s"], "plus_100_s": second["wall_s"],
                                  "unchanged_s": third["wall_s"], "first": first, "second": second}
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
