"""dashboard.py through streamlit.testing's AppTest (no browser, no server)."""
from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from fixtures import EXPECTED_TEXT, write_fixture, write_synthetic_fixture
from pipeline import query as q
from pipeline import tables

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
EXTRACTION = ("pipeline.extract", "pipeline.normalise", "pipeline.ingest", "pipeline.build",
              "pipeline.entities", "pipeline.meta", "pipeline.sentences", "pipeline.dedup")


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    return write_fixture(tmp_path_factory.mktemp("fixture"))


def app(data_dir, monkeypatch, params: dict | None = None) -> AppTest:
    monkeypatch.setenv("ANTIFRAUD_DATA", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    if params:
        at.query_params.update(params)
    return at.run()


def headlines(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected(name: str) -> dict[str, str]:
    return {q.metric_label(m): t for m, t in EXPECTED_TEXT[name].items()}


def charts(at: AppTest) -> list:
    """The Plotly figures on the page (typed-array data decoded)."""
    return [pio.from_json(c.proto.spec, skip_invalid=True) for c in at.get("plotly_chart")]


def values(arr) -> list[float]:
    """Plotly's JSON typed arrays ({"dtype", "bdata"}) or plain lists as a list."""
    if isinstance(arr, dict) and "bdata" in arr:
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"]).tolist()
    return list(arr)


def chart_titles(at: AppTest) -> list[str]:
    return [f.layout.title.text for f in charts(at)]


def campaign_bars(at: AppTest) -> dict[str, float]:
    for fig in charts(at):
        if fig.layout.title.text.startswith("各专项行动"):
            return dict(zip(fig.data[0].x, values(fig.data[0].y)))
    raise AssertionError("no campaign chart")


def test_no_tables_says_how_to_build(tmp_path, monkeypatch):
    at = app(tmp_path, monkeypatch)
    assert not at.exception
    msg = " ".join(i.value for i in at.info)
    assert "make run" in msg and "antifraud build" in msg
    assert not at.get("plotly_chart")


def test_empty_facts_table(tmp_path, monkeypatch):
    tables.write_tables(tmp_path, tables.to_table([], tables.ARTICLES_SCHEMA),
                        tables.to_table([], tables.FACTS_SCHEMA))
    at = app(tmp_path, monkeypatch)
    assert not at.exception
    assert "还没有任何统计数据" in " ".join(i.value for i in at.info)


def test_fixture_runs_with_headline_and_charts(fixture_dir, monkeypatch):
    at = app(fixture_dir, monkeypatch)
    assert not at.exception
    assert headlines(at) == expected("all")
    assert q.COUNTING_RULE in [c.value for c in at.caption]
    titles = chart_titles(at)
    assert len(titles) == 5 and any("区县" in t for t in titles) and any("按月" in t for t in titles)
    assert campaign_bars(at) == {"断卡": 285, "云剑2022": 9, "断流": 5, q.NO_CAMPAIGN: 3}
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 18


def test_choosing_duanka_changes_headline_and_charts(fixture_dir, monkeypatch):
    at = app(fixture_dir, monkeypatch)
    at.sidebar.multiselect(key="f_campaigns").select("断卡").run()
    assert not at.exception
    assert headlines(at) == expected("断卡")
    assert campaign_bars(at) == {"断卡": 285, "断流": 5}
    assert at.query_params["campaign"] == "断卡"
    assert len(at.dataframe[0].value) == 9


def test_url_restores_filters(fixture_dir, monkeypatch):
    params = {"campaign": "断卡", "province": "福建省", "city": "莆田市", "district": "涵江区",
              "scope": "operation", "metric": ["cases_solved", "funds_frozen"],
              "from": "2022-09-01", "to": "2022-09-30", "chart": "funds_frozen", "fact": "f15"}
    at = app(fixture_dir, monkeypatch, params)
    assert not at.exception
    sb = at.sidebar
    assert sb.multiselect(key="f_campaigns").value == ["断卡"]
    assert sb.selectbox(key="f_province").value == "福建省"
    assert sb.selectbox(key="f_city").value == "莆田市"
    assert sb.selectbox(key="f_district").value == "涵江区"
    assert sb.multiselect(key="f_scopes").value == ["operation"]
    assert sb.multiselect(key="f_metrics").value == ["cases_solved", "funds_frozen"]
    assert tuple(str(d) for d in sb.date_input(key="f_period").value) == ("2022-09-01",
                                                                          "2022-09-30")
    assert at.selectbox(key="chart_metric").value == "funds_frozen"
    assert at.selectbox(key="fact").value == "f15"
    h = headlines(at)
    assert h["破获案件"] == "5起" and h["冻结资金"] == "150万元" and h["抓获嫌疑人"] == "—"
    # the URL still describes the same view
    assert at.query_params["district"] == "涵江区" and at.query_params["fact"] == "f15"


def test_stale_url_values_are_dropped(fixture_dir, monkeypatch):
    at = app(fixture_dir, monkeypatch, {"campaign": ["断卡", "不存在"], "province": "火星",
                                        "from": "not-a-date"})
    assert not at.exception
    assert at.sidebar.multiselect(key="f_campaigns").value == ["断卡"]
    assert at.sidebar.selectbox(key="f_province").value == "全部"
    assert headlines(at) == expected("断卡")


def test_cascade(fixture_dir, monkeypatch):
    at = app(fixture_dir, monkeypatch)
    assert at.sidebar.selectbox(key="f_city").options == ["全部"]
    at.sidebar.selectbox(key="f_province").select("山东省").run()
    assert at.sidebar.selectbox(key="f_city").options == ["全部", "济宁市"]
    at.sidebar.selectbox(key="f_city").select("济宁市").run()
    assert at.sidebar.selectbox(key="f_district").options == ["全部", "微山县"]
    at.sidebar.selectbox(key="f_district").select("微山县").run()
    assert headlines(at)["破获案件"] == "9起"
    # changing the province resets city and district
    at.sidebar.selectbox(key="f_province").select("甘肃省").run()
    assert at.sidebar.selectbox(key="f_city").value == "全部"
    assert at.sidebar.selectbox(key="f_district").value == "全部"
    assert not at.exception


def test_filter_matching_nothing_says_so(fixture_dir, monkeypatch):
    at = app(fixture_dir, monkeypatch)
    at.sidebar.text_input(key="f_search").input("没有这个词").run()
    assert not at.exception
    assert "没有符合当前筛选条件的数据" in " ".join(w.value for w in at.warning)
    assert not at.get("plotly_chart") and not at.metric


def test_hostile_article_shown_verbatim(fixture_dir, monkeypatch):
    at = app(fixture_dir, monkeypatch, {"fact": "f17"})
    assert not at.exception
    body = at.html[0].proto.body
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in body
    assert "[点我](http://example.invalid) $x^2$ **粗体**" in body
    assert body.count("<mark>") == 1
    # no data string went through Markdown anywhere on the page
    md = " ".join(m.value for m in at.markdown)
    assert "example.invalid" not in md and "x^2" not in md


def test_chart_metric_without_data_says_so(fixture_dir, monkeypatch):
    at = app(fixture_dir, monkeypatch, {"campaign": "断卡", "chart": "warnings_issued"})
    assert not at.exception
    assert any("发出预警" in i.value for i in at.info)


def test_seeds_build_runs(tmp_path, monkeypatch):
    out = tmp_path / "seeds"
    subprocess.run([sys.executable, "-m", "pipeline.cli", "build", str(ROOT / "seeds"),
                    "--out", str(out), "-q"], check=True, cwd=ROOT, capture_output=True)
    at = app(out, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "反诈统计看板"


def test_dashboard_never_imports_extraction(fixture_dir):
    # statically: the dashboard side imports only the read side
    for path in ("dashboard.py", "pipeline/query.py", "pipeline/figures.py"):
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                names |= {f"pipeline.{a.name}" if node.level or mod == "pipeline" else mod
                          for a in node.names}
        assert not names & set(EXTRACTION), (path, names & set(EXTRACTION))
    # dynamically: a fresh interpreter running the app loads none of the extraction modules
    code = ("import os, sys, json\n"
            "from streamlit.testing.v1 import AppTest\n"
            "at = AppTest.from_file(%r, default_timeout=120).run()\n"
            "assert not at.exception, at.exception\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('pipeline'))))\n"
            % APP)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={**__import__("os").environ, "ANTIFRAUD_DATA": str(fixture_dir)})
    assert r.returncode == 0, r.stderr
    loaded = set(json.loads(r.stdout.strip().splitlines()[-1]))
    assert "pipeline.query" in loaded and not loaded & set(EXTRACTION), loaded


def page_words(at: AppTest) -> str:
    """Every warning, caption and chart title on the page."""
    return "\n".join([w.value for w in at.warning] + [c.value for c in at.caption]
                     + chart_titles(at))


def test_synthetic_tables_are_marked_everywhere(tmp_path, monkeypatch):
    from pipeline import synth

    synth.generate_tables(25, tmp_path)
    at = app(tmp_path, monkeypatch)
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert warnings[0] == ("【合成数据】当前数据含 25 篇合成文章（由 antifraud synth 生成，"
                           "用于测试和基准），不是真实报道。")
    titles = chart_titles(at)
    assert len(titles) == 5 and all(t.startswith("【合成数据】") for t in titles), titles
    captions = " ".join(c.value for c in at.caption)
    assert "【合成数据】数据全部来自 antifraud synth 生成的合成文章" in captions
    assert "公开的公安反诈新闻稿件" not in captions


def test_mixed_data_banner_follows_the_filter(tmp_path, monkeypatch):
    at = app(write_synthetic_fixture(tmp_path), monkeypatch)
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "【合成数据】当前数据含 2 篇合成文章（由 antifraud synth 生成，用于测试和基准），"
        "不是真实报道，另有 6 篇真实报道。"]
    assert all(t.startswith("【合成数据】") for t in chart_titles(at))
    assert "和 2 篇合成文章（【合成数据】）" in " ".join(c.value for c in at.caption)
    # a filter that leaves only real reports: no banner, no marked chart
    at.sidebar.selectbox(key="f_province").select("山东省").run()
    assert not at.exception
    assert not at.warning
    assert chart_titles(at) and not any("合成" in t for t in chart_titles(at))


def test_real_data_shows_no_synthetic_mark(fixture_dir, monkeypatch):
    at = app(fixture_dir, monkeypatch)
    assert not at.exception and not at.warning
    words = page_words(at)
    assert "合成" not in words and "公开的公安反诈新闻稿件" in words
