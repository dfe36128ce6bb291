"""Benchmark: the dashboard over the tables of 100,000 (or 1,000,000) synthetic articles.

Not a test: it prints the measured figures (the README quotes them). Targets (at a million
articles too): first chart under 20 s from starting the server, server peak RSS under 3 GB,
under 300 ms of server time per filter change (median).

1. Tables: ``antifraud synth N --tables-only`` writes the articles/facts tables of N synthetic
   articles directly (titles and outlets marked 【合成数据】, sources ``synthetic/...``), reused
   when the folder already holds them.
2. In process: time to load and prepare the build, then per filter the pure work of one rerun
   (select + headline + the five aggregations + the five figures + the evidence table).
3. Real server, twice: the first start after a build (no prepared files: the server computes
   them from the Parquet partitions and writes them in the background), then a start with the
   prepared files present (every later start). ``streamlit run dashboard.py`` with
   ``ANTIFRAUD_TIMING=1`` (the app prints its script time per run), headless Chromium via
   Playwright; time from starting the server process to the first chart drawn in the browser,
   then (later start) filter changes made in the sidebar like an analyst would, each measured as
   server script time (from the log) and browser wall time; then the server's peak RSS
   (``VmHWM``).

    .venv/bin/python benchmarks/bench_dashboard.py [--n 100000] [--data /tmp/antifraud-bench]
    .venv/bin/python benchmarks/bench_dashboard.py --n 1000000 --data /tmp/t1m   # ~5 min
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import figures as fg  # noqa: E402
from pipeline import prepared as prep  # noqa: E402
from pipeline import query as q  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMING = re.compile(r"\[timing\] script run ([\d.]+) ms cpu ([\d.]+) ms"
                    r"(?: \(cpu by section: (.*)\))?")


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process (``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ensure_tables(n: int, out: Path) -> None:
    manifest = out / "current" / "manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        if m.get("synthetic") and m.get("articles") == n:
            print(f"tables: reusing {out} ({n} synthetic articles, {m.get('facts')} facts)")
            return
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.cli", "synth", str(n), "--tables-only",
                    "--out", str(out), "--jobs", str(os.cpu_count() or 1)], check=True, cwd=ROOT)
    print(f"tables: generated in {time.perf_counter() - t:.1f} s")


def one_rerun(data: q.Data, flt: q.Filters, metric: str = "cases_solved") -> None:
    colors = fg.campaign_colors(data.campaigns)
    v = q.select(data, flt)
    q.headline(v.counted)
    fg.by_district(q.by_district(v.counted, metric), metric, colors)
    fg.by_campaign(q.by_campaign(v.counted, metric), metric, colors)
    fg.by_month(q.by_month(v.counted, metric), metric, colors)
    fg.metric_mix(q.metric_mix(v.counted), colors)
    fg.region_treemap(q.by_region(v.counted, metric), metric)
    q.evidence_table(v)


def in_process(out: Path) -> q.Data:
    build = Path(q.build_key(out)[0])
    shutil.rmtree(build / prep.DIRNAME, ignore_errors=True)
    t, c = time.perf_counter(), time.process_time()
    data = q.open_build(build, prepared=False)
    print(f"open, computed from the Parquet partitions (first open of a build): wall "
          f"{time.perf_counter() - t:.2f} s, cpu {time.process_time() - c:.2f} s for "
          f"{len(data.facts)} facts; peak RSS of this process {peak_rss_mb():.0f} MB")
    t = time.perf_counter()
    folder = prep.save(data, build)
    size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    print(f"prepared files written (in the background, after a first open): "
          f"{time.perf_counter() - t:.2f} s, {size:.0f} MB")
    del data
    t, c = time.perf_counter(), time.process_time()
    data = q.open_build(build)
    print(f"open, read from the prepared files (later opens): wall "
          f"{time.perf_counter() - t:.2f} s, cpu {time.process_time() - c:.2f} s")
    province = data.facts["province"].value_counts().index[0]
    filters = {"no filter": q.Filters(), f"campaign {data.campaigns[0]}":
               q.Filters(campaigns=(data.campaigns[0],)),
               f"province {province}": q.Filters(province=province),
               "scope operation": q.Filters(scopes=("operation",)),
               "search 冻结": q.Filters(search="冻结")}
    one_rerun(data, q.Filters())   # warm-up: lazy imports of plotly's validators
    t = time.perf_counter()
    q.filter_mask(data, q.Filters(search="冻结"))
    print(f"first search of a word (DuckDB over the partitions; then kept per word): "
          f"{time.perf_counter() - t:.2f} s wall")
    print("pure work of one rerun (median of 3; wall, and CPU time of this process):")
    for name, flt in filters.items():
        times, cpu = [], []
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            one_rerun(data, flt)
            times.append(1000 * (time.perf_counter() - t))
            cpu.append(1000 * (time.process_time() - c))
        print(f"  {name:24s} wall {statistics.median(times):7.0f} ms   "
              f"cpu {statistics.median(cpu):7.0f} ms")
    return data


class Server:
    def __init__(self, data_dir: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
             "--server.port", str(self.port), "--server.headless", "true"],
            cwd=ROOT, env={**os.environ, "ANTIFRAUD_DATA": str(data_dir), "ANTIFRAUD_TIMING": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.runs: list[float] = []
        self.cpu: list[float] = []
        self.sections: list[str] = []
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line)
            m = TIMING.search(line)
            if m:
                self.cpu.append(float(m.group(2)))
                self.sections.append(m.group(3) or "")
                self.runs.append(float(m.group(1)))

    def wait_healthy(self, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start:\n" + "".join(self.log))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wait_idle(page, timeout: float = 120000) -> None:
    page.wait_for_timeout(150)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=timeout)


def change(page, server: Server, label: str, action) -> tuple[float, float, float]:
    """Do one sidebar action; return (server script ms, its CPU ms, browser wall ms)."""
    before = len(server.runs)
    t = time.perf_counter()
    action()
    end = time.monotonic() + 120
    while len(server.runs) <= before and time.monotonic() < end:
        page.wait_for_timeout(20)
    wait_idle(page)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
                           " || document.querySelector('[data-testid=\"stAlert\"]')")
    wall = 1000 * (time.perf_counter() - t)
    srv = server.runs[-1] if len(server.runs) > before else float("nan")
    cpu = server.cpu[-1] if len(server.cpu) > before else float("nan")
    part = server.sections[-1] if len(server.sections) > before else ""
    print(f"  {label:30s} server {srv:7.0f} ms (cpu {cpu:5.0f} ms)   browser {wall:7.0f} ms"
          f"   [{part}]")
    return srv, cpu, wall


def with_server(data_dir: Path, data: q.Data, cold: bool = False) -> None:
    """Start the server, open the page, time the first chart; unless ``cold``, then change
    filters. ``cold``: the build's prepared files are removed first (the first start after a
    build); the server writes them again, which is awaited before it is stopped."""
    from playwright.sync_api import sync_playwright

    build = Path(q.build_key(data_dir)[0])
    if cold:
        shutil.rmtree(build / prep.DIRNAME, ignore_errors=True)
    print("\nfirst start after a build (no prepared files):" if cold
          else "\nserver start, prepared files present:")
    server = Server(data_dir)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            server.wait_healthy()
            t_health = time.perf_counter() - server.t0
            page.goto(server.url, wait_until="domcontentloaded")
            page.wait_for_function(
                "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1",
                timeout=300000)
            t_first = time.perf_counter() - server.t0
            wait_idle(page, 300000)
            t_all = time.perf_counter() - server.t0
            print(f"server start -> health {t_health:.1f} s, -> first chart {t_first:.1f} s, "
                  f"-> page complete {t_all:.1f} s (first run of the script "
                  f"{server.runs[0] if server.runs else float('nan'):.0f} ms, includes loading; "
                  f"cpu {server.cpu[0] if server.cpu else float('nan'):.0f} ms: "
                  f"{server.sections[0] if server.sections else ''})")
            if cold:
                end = time.monotonic() + 300
                while not (build / prep.DIRNAME).exists() and time.monotonic() < end:
                    time.sleep(0.5)
                print(f"  prepared files written by the server "
                      f"{time.perf_counter() - server.t0:.1f} s after its start; server peak "
                      f"RSS {peak_rss_mb(server.proc.pid):.0f} MB")
                browser.close()
                return
            sb = page.locator('[data-testid="stSidebar"]')

            def pick(label: str, value: str):
                def act():
                    box = sb.locator('[data-testid="stMultiSelect"], [data-testid="stSelectbox"]'
                                     ).filter(has_text=label).first
                    box.locator("input").first.click()
                    page.keyboard.type(value)
                    page.keyboard.press("Enter")
                    page.keyboard.press("Escape")
                return act

            def search(text: str):
                def act():
                    box = sb.locator('[data-testid="stTextInput"] input').first
                    box.fill(text)
                    box.press("Enter")
                return act

            province = str(data.facts["province"].value_counts().index[0])
            steps = [(f"campaign += {data.campaigns[0]}", pick("专项行动", data.campaigns[0])),
                     (f"campaign += {data.campaigns[1]}", pick("专项行动", data.campaigns[1])),
                     (f"province = {province}", pick("省份", province)),
                     ("metric += 冻结资金", pick("指标", "冻结资金")),
                     ("search 冻结", search("冻结")),
                     ("search cleared", search("")),
                     ("province = 全部", pick("省份", "全部"))]
            print("filter changes in the browser (server = script time of the rerun):")
            results = [change(page, server, label, act) for label, act in steps]
            srv = [r[0] for r in results if r[0] == r[0]]
            cpu = [r[1] for r in results if r[1] == r[1]]
            wall = [r[2] for r in results]
            if srv:
                print(f"server time per filter change: median {statistics.median(srv):.0f} ms, "
                      f"max {max(srv):.0f} ms; CPU median {statistics.median(cpu):.0f} ms, max "
                      f"{max(cpu):.0f} ms (target < 300 ms); browser wall median "
                      f"{statistics.median(wall):.0f} ms; load average "
                      f"{os.getloadavg()[0]:.1f}")
            print(f"server peak RSS {peak_rss_mb(server.proc.pid):.0f} MB (target < 3000 MB)")
            page.screenshot(path=str(ROOT / "artifacts" / "bench_dashboard.png"))
            browser.close()
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="synthetic articles (default 100000)")
    ap.add_argument("--data", default="/tmp/antifraud-bench",
                    help="tables folder, made with `antifraud synth N --tables-only` unless it "
                         "holds those of N synthetic articles (default /tmp/antifraud-bench)")
    ap.add_argument("--no-browser", action="store_true", help="skip the real-server part")
    a = ap.parse_args()
    out = Path(a.data)
    (ROOT / "artifacts").mkdir(exist_ok=True)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    ensure_tables(a.n, out)
    data = in_process(out)
    if not a.no_browser:
        with_server(out, data, cold=True)
        with_server(out, data)


if __name__ == "__main__":
    main()
