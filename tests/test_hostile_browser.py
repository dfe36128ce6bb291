"""Hostile content in the dashboard, in a real browser, and the server's safe defaults.

Tables are built by the pipeline from a feed whose article title and evidence sentence carry a
script tag, an ``<img onerror>``, a ``javascript:`` Markdown link and LaTeX. The real Streamlit
server (started with the project's ``.streamlit/config.toml``, no address flags) is driven by
Debian's Chromium: nothing executes, no dialog opens, and the strings are visible verbatim.
On CI (``CI=true``) a missing browser is a failure; locally the browser test is skipped.
"""
from __future__ import annotations

import json
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipeline import tables
from pipeline.build import build
from browser_support import dashboard_server
from test_browser import browser  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ['<script>window.__pwned=1</script>', '<img src=x onerror="window.__pwned=1">',
           '[点我](javascript:alert(1))', '$\\frac{1}{0}$']
TITLE = "南山警方通报" + "".join(HOSTILE)
SENTENCE = "今年以来，南山区公安分局共破获电信网络诈骗案件37起" + "".join(HOSTILE) + "。"


def test_server_defaults_are_safe():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["address"] == "127.0.0.1"
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"].get("enableCORS", True) is True
    assert cfg["browser"]["gatherUsageStats"] is False
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--server.address 127.0.0.1" in make and "0.0.0.0" not in make


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on ``port``."""
    out = set()
    for name in ("tcp", "tcp6"):
        p = Path(f"/proc/net/{name}")
        if not p.exists():
            continue
        for line in p.read_text().splitlines()[1:]:
            cols = line.split()
            addr, hexport = cols[1].rsplit(":", 1)
            if int(hexport, 16) == port and cols[3] == "0A":     # 0A = LISTEN
                out.add(addr)
    return out


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    src = tmp_path_factory.mktemp("hostile_in")
    rec = {"title": TITLE, "published": "2022-10-01",
           "text": f"{SENTENCE}\n民警提醒广大群众提高防范意识。"}
    (src / "feed.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("hostile_out")
    build([str(src)], out)
    _, facts = tables.read_tables(out)
    assert len(facts) == 1 and all(h in facts["evidence"].iloc[0] for h in HOSTILE)
    assert facts["title"].iloc[0] == TITLE
    log = tmp_path_factory.mktemp("log") / "server.log"
    # no --server.address / --browser.gatherUsageStats: the project's config.toml decides
    with dashboard_server(out, log) as (url, port):
        yield url, port, facts["fact_id"].iloc[0]


def test_server_listens_on_loopback_only(hostile_server):
    _, port, _ = hostile_server
    addrs = _listening(port)
    if not addrs:
        pytest.skip("no /proc/net/tcp to inspect")
    loopback = {"0100007F", "00000000000000000000000001000000"}      # 127.0.0.1, ::1
    assert addrs <= loopback, addrs


def test_xsrf_protection_rejects_a_forged_upload(hostile_server):
    url, _, _ = hostile_server
    req = urllib.request.Request(f"{url}/_stcore/upload_file/forged-session/file-1",
                                 data=b"--x--\r\n", method="PUT",
                                 headers={"Content-Type": "multipart/form-data; boundary=x"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 403 and b"XSRF" in e.value.read()     # 400 with XSRF off


@pytest.mark.browser
def test_hostile_title_and_evidence_are_inert_plain_text(hostile_server, browser):  # noqa: F811
    url, _, fact_id = hostile_server
    page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{url}/?fact={fact_id}", wait_until="domcontentloaded")
        page.wait_for_selector(".article-text", timeout=180000)
        page.wait_for_function(
            "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120000)
        page.wait_for_timeout(1000)                      # let any injected handler fire
        assert page.locator('[data-testid="stException"]').count() == 0
        article = page.locator(".article-text").inner_text()
        body = page.inner_text("body")
        for h in HOSTILE:
            assert h in article, h                       # the evidence, verbatim
        assert TITLE in body                             # the title, verbatim
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
        main = page.locator('[data-testid="stMain"]')
        assert main.locator("img[src='x']").count() == 0
        assert page.evaluate("[...document.scripts].filter(s => s.text.includes('__pwned')).length") == 0
        assert main.locator("a[href^='javascript']").count() == 0
        assert main.locator(".katex, mjx-container").count() == 0   # LaTeX not rendered
        assert page.locator(".article-text mark").count() == 1
    finally:
        page.close()
