"""Shared by the real-browser tests: Debian's Chromium, and the real Streamlit server started on
a free loopback port over a tables folder.

On CI (``CI=true``) a missing browser is a failure; locally the browser tests are skipped.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(ok: bool, why: str) -> None:
    """Skip locally, fail on CI, when something the browser test needs is missing."""
    if not ok:
        if ON_CI:
            pytest.fail(f"CI needs the real browser test: {why}")
        pytest.skip(why)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(data: Path, log_path: Path, args: tuple[str, ...] = (), timeout: float = 120):
    """Run ``streamlit run dashboard.py`` over ``data``; yield (url, port) once it is healthy."""
    port = free_port()
    with open(log_path, "w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
             "--server.port", str(port), *args],
            cwd=ROOT, env={**os.environ, "ANTIFRAUD_DATA": str(data)}, stdout=log,
            stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"server did not start:\n{log.read()}")
                time.sleep(0.3)
            yield url, port
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
