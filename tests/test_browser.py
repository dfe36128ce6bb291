"""End to end: the real Streamlit server over the fixture, driven by Debian's headless Chromium.

On CI (``CI=true``) a missing browser is a failure; locally the test is skipped without one.
Saves ``artifacts/dashboard.png``.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from fixtures import write_fixture

ROOT = Path(__file__).resolve().parents[1]
from browser_support import ARGS, CHROMIUM, ON_CI, dashboard_server, free_port, need  # noqa: F401

_need, _free_port = need, free_port   # names other browser tests import from here

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = write_fixture(tmp_path_factory.mktemp("fixture"))
    log = tmp_path_factory.mktemp("log") / "server.log"
    with dashboard_server(data, log, ("--server.address", "127.0.0.1", "--server.headless", "true",
                                      "--browser.gatherUsageStats", "false"), timeout=60) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    _need(Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None,
          f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        _need(False, "playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.goto(url, wait_until="domcontentloaded")
    # wait for the app to finish: all five charts drawn and the script no longer running
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5", timeout=60000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=30000)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30000)
    return page


# Draw two different Chinese characters: with no CJK font both come out as the same
# "missing glyph" box, so different pixels mean the glyphs are really rendered.
GLYPHS_DIFFER = """() => {
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const x = c.getContext('2d'); x.font = '48px sans-serif'; x.fillText(ch, 4, 52);
    return x.getImageData(0, 0, 64, 64).data.join(',');
  };
  return draw('反') !== draw('诈') && draw('诈') !== draw('\\uffff');
}"""


def test_dashboard_in_chromium(server, browser):
    page = _open(browser, server)
    try:
        assert page.locator('[data-testid="stException"]').count() == 0
        text = page.inner_text("body")
        for word in ("反诈统计看板", "破获案件", "297起", "计数规则", "专项行动", "兰州市七里河区"):
            assert word in text, word
        assert page.evaluate(GLYPHS_DIFFER), "Chinese glyphs are not rendered (no CJK font?)"
        titles = page.locator(".js-plotly-plot .gtitle").all_text_contents()
        assert any("各区县" in t for t in titles), titles
        out = ROOT / "artifacts"
        out.mkdir(exist_ok=True)
        # Streamlit scrolls inside its own container: a tall viewport shows the whole page
        page.set_viewport_size({"width": 1400, "height": 3200})
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "dashboard.png"), full_page=True)
        assert (out / "dashboard.png").stat().st_size > 10000
    finally:
        page.close()


def test_link_restores_view_and_hostile_text_is_inert(server, browser):
    page = _open(browser, f"{server}/?campaign={quote('断卡')}&fact=f17")
    try:
        # the link's filter applies: 断卡 only, and no fact f17 there -> first row shown
        assert "285起" in page.inner_text('[data-testid="stMain"]')
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
    page = _open(browser, f"{server}/?fact=f17")
    try:
        article = page.locator(".article-text").inner_text()
        assert '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">' in article
        assert "[点我](http://example.invalid) $x^2$ **粗体**" in article
        assert page.locator(".article-text mark").count() == 1
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.locator(".article-text img, .article-text script, .article-text a").count() == 0
    finally:
        page.close()
