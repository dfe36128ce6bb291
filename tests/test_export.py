"""pipeline.export: the deck's native charts hold the dashboard's numbers; CSV/XLSX round-trip
and never carry a live formula; chart images render Chinese with the system Chromium."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date

import numpy as np
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from fixtures import EXPECTED_TEXT, fixture_rows, write_fixture, write_synthetic_fixture
from pipeline import cli
from pipeline import export as ex
from pipeline import query as q

ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MADE = date(2026, 1, 2)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_fixture(tmp_path_factory.mktemp("fixture"))


@pytest.fixture(scope="module")
def data(folder):
    return q.load(folder)


def need(tool: str, what: str) -> str:
    """Path of ``tool``; skipped where it is missing, but a failure on CI."""
    path = ex.find_browser() if tool == "chromium" else shutil.which(tool)
    if path is None:
        msg = f"{tool} not installed: {what} not checked"
        if ON_CI:
            pytest.fail(msg + " (required on CI)")
        pytest.skip(msg)
    return path


def open_deck(body: bytes):
    return Presentation(io.BytesIO(body))


def charts_of(prs) -> dict[str, object]:
    return {sh.name.split(":", 1)[1]: sh.chart for slide in prs.slides for sh in slide.shapes
            if sh.has_chart}


def top_down(chart) -> bool:
    """Horizontal bars list their categories bottom-up."""
    return chart.chart_type in (XL_CHART_TYPE.BAR_STACKED, XL_CHART_TYPE.BAR_CLUSTERED)


def categories(chart) -> list[str]:
    """Categories in reading order (top to bottom, left to right)."""
    cats = [str(c) for c in chart.plots[0].categories]
    return cats[::-1] if top_down(chart) else cats


def series_values(chart) -> dict[str, list[float]]:
    """Values per series, in the order of ``categories``."""
    out = {s.name: [0.0 if v is None else v for v in s.values] for s in chart.plots[0].series}
    return {k: v[::-1] for k, v in out.items()} if top_down(chart) else out


def slide_texts(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


# --------------------------------------------------------------------------------------------
# Deck == the dashboard's aggregation of the same filters
# --------------------------------------------------------------------------------------------

CASES = [
    (q.Filters(), "cases_solved"),
    (q.Filters(campaigns=("断卡",)), "cases_solved"),
    (q.Filters(campaigns=("断卡",)), "funds_frozen"),
    (q.Filters(province="山东省"), "suspects_arrested"),
    (q.Filters(start=date(2022, 8, 1), end=date(2022, 12, 31)), "funds_stopped"),
    (q.Filters(search="冻结"), "funds_frozen"),
]


@pytest.mark.parametrize("flt,metric", CASES)
def test_deck_charts_equal_query_aggregation(data, flt, metric):
    rep = ex.report(data, flt, metric, made=MADE)
    prs = open_deck(ex.deck_bytes(rep))
    charts = charts_of(prs)
    view = q.select(data, flt)                     # what the dashboard computes
    counted = view.counted
    div, _ = ex.fg.value_scale(metric, q.summable(counted, metric)["value"])

    d = q.by_district(counted, metric)
    if d.empty:
        assert "district" not in charts
    else:
        ch = charts["district"]
        assert ch.chart_type in (XL_CHART_TYPE.BAR_STACKED, XL_CHART_TYPE.BAR_CLUSTERED)
        labels = list(dict.fromkeys(d["label"]))
        assert categories(ch) == labels
        div_d, _ = ex.fg.value_scale(metric, d.groupby("label")["value"].sum())
        got = series_values(ch)
        for (label, camp), v in d.groupby(["label", "campaign"])["value"].sum().items():
            assert got[camp][labels.index(label)] * div_d == pytest.approx(v)
        totals = np.sum(list(got.values()), axis=0) * div_d
        assert totals == pytest.approx(d.groupby("label", sort=False)["value"].sum()[labels])

    c = q.by_campaign(counted, metric)
    ch = charts["campaign"]
    assert ch.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert categories(ch) == list(c["campaign"])
    (vals,) = series_values(ch).values()
    div_c, _ = ex.fg.value_scale(metric, c["value"])
    assert np.array(vals) * div_c == pytest.approx(c["value"].to_numpy())

    m = q.by_month(counted, metric)
    ch = charts["month"]
    assert ch.chart_type == XL_CHART_TYPE.LINE_MARKERS
    assert categories(ch) == sorted(m["month"].unique())
    div_m, _ = ex.fg.value_scale(metric, m.groupby("month")["value"].sum())
    got = series_values(ch)
    months = sorted(m["month"].unique())
    for (month, camp), v in m.groupby(["month", "campaign"])["value"].sum().items():
        assert got[camp][months.index(month)] * div_m == pytest.approx(v)

    mix = q.metric_mix(counted)
    ch = charts["mix"]
    assert ch.chart_type in (XL_CHART_TYPE.BAR_STACKED, XL_CHART_TYPE.BAR_CLUSTERED)
    labels = list(dict.fromkeys(mix["label"]))
    assert categories(ch) == labels
    totals = np.sum(list(series_values(ch).values()), axis=0)
    assert list(totals) == list(mix.groupby("label", sort=False)["facts"].sum()[labels])

    r = q.by_region(counted, metric)
    ch = charts["region"]
    assert ch.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    level = "district" if flt.city else "city" if flt.province else "province"
    want = r.groupby(level)["value"].sum()            # the levels that are named
    (vals,) = series_values(ch).values()
    div_r, _ = ex.fg.value_scale(metric, r["value"])
    got = dict(zip(categories(ch), np.array(vals) * div_r))
    for name, v in want.items():
        assert got[name] == pytest.approx(v)
    assert sum(got.values()) == pytest.approx(r["value"].sum())
    assert list(vals) == sorted(vals, reverse=True)

    # headline slide: the dashboard's headline texts
    heads = q.headline(counted)
    tiles = {sh.name.split(":", 1)[1]: sh.text_frame.text for sh in prs.slides[1].shapes
             if sh.name.startswith("headline:")}
    assert set(tiles) == set(heads)
    for k, h in heads.items():
        assert tiles[k].splitlines()[1] == h.text
        assert f"由 {h.facts} 条数据相加" in tiles[k]


def test_deck_headlines_are_the_fixture_predictions(data):
    for name, flt in (("all", q.Filters()), ("断卡", q.Filters(campaigns=("断卡",)))):
        prs = open_deck(ex.deck_bytes(ex.report(data, flt, made=MADE)))
        tiles = {sh.name.split(":", 1)[1]: sh.text_frame.text.splitlines()[1]
                 for sh in prs.slides[1].shapes if sh.name.startswith("headline:")}
        assert tiles == EXPECTED_TEXT[name]


def test_deck_layout_words_and_fonts(data):
    flt = q.Filters(campaigns=("断卡",), province="甘肃省", start=date(2022, 1, 1))
    rep = ex.report(data, flt, "funds_frozen", made=MADE)
    prs = open_deck(ex.deck_bytes(rep))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)          # 16:9
    title = slide_texts(prs.slides[0])
    for words in ("反诈统计简报", "专项行动：断卡", "地区：甘肃省", "时间段：2022-01-01 至 2022-07-16",
                  "图表指标：冻结资金", "制作日期：2026年1月2日"):
        assert words in title
    n_art = int(q.select(data, flt).matched["article_id"].nunique())
    for slide in prs.slides:                       # a source footnote on every slide
        assert f"来源：{n_art} 篇公开公安反诈报道" in slide_texts(slide)
    # money in 万元, the axis says so
    ch = charts_of(prs)["campaign"]
    assert ch.value_axis.axis_title.text_frame.text == "冻结资金（万元）"
    # every run and every chart's text carries the East Asian typeface
    for slide in prs.slides:
        for sh in slide.shapes:
            parts = [sh._element]
            if sh.has_chart:
                parts.append(sh.chart._chartSpace)
            for el in parts:
                for rpr in el.iter(f"{A_NS}rPr", f"{A_NS}defRPr"):
                    if rpr.find(f"{A_NS}latin") is not None:
                        assert rpr.find(f"{A_NS}ea").get("typeface") == ex.DECK_FONT
        for sh in slide.shapes:
            if sh.has_chart:
                txpr = sh.chart._chartSpace.find(
                    "{http://schemas.openxmlformats.org/drawingml/2006/chart}txPr")
                assert txpr is not None and txpr.find(f".//{A_NS}ea") is not None


def test_deck_appendix_holds_counted_evidence(data):
    prs = open_deck(ex.deck_bytes(ex.report(data, q.Filters(), made=MADE)))
    rows = []
    for slide in prs.slides:
        for sh in slide.shapes:
            if sh.has_table and sh.name == "evidence":
                t = sh.table
                assert [t.cell(0, j).text for j in range(7)] == ex.EVIDENCE_HEADERS
                rows += [[t.cell(i, j).text for j in range(7)] for i in range(1, len(t.rows))]
    assert "附录：主要数字的证据" in slide_texts(prs.slides[-1])
    evidence = {r[5] for r in rows}
    assert "共破获电信网络诈骗案件280起" in evidence          # counted original
    assert "共破獲電信網絡詐騙案件280起" not in evidence      # its reprint: not counted
    assert "1至6月，全县破获电诈案件6起。" not in evidence    # contained in the 今年以来 total
    cases = [r for r in rows if r[0] == "破获案件"]
    assert [r[1] for r in cases] == ["280起", "9起", "5起"]    # the largest three, largest first
    assert ["破获案件", "280起", "兰州市七里河区", "兰州市公安局七里河分局", "2022-07-14"] == \
        cases[0][:5]
    assert any(r[1] == "3.5亿元" and r[0] == "止付资金" for r in rows)


def test_empty_view_deck_says_so(data):
    rep = ex.report(data, q.Filters(campaigns=("不存在的专项",)), made=MADE)
    prs = open_deck(ex.deck_bytes(rep))
    assert len(prs.slides) == 1
    assert "没有符合当前筛选条件的数据" in slide_texts(prs.slides[0])


def test_deck_needs_no_browser(data, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert ex.find_browser() is None
    prs = open_deck(ex.deck_bytes(ex.report(data, q.Filters(), made=MADE)))
    assert len(charts_of(prs)) == 5
    with pytest.raises(ex.BrowserMissing) as e:
        ex.render_images(ex.report(data, q.Filters()), "png")
    assert "apt-get install chromium" in str(e.value) and "未找到 Chromium" in str(e.value)


def test_many_campaigns_merge_into_other_series():
    arts, facts = fixture_rows()
    extra = []
    for i in range(14):
        f = dict(facts[0], fact_id=f"x{i}", campaigns=[f"专项{i:02d}"], value=float(100 + i),
                 district="七里河区", duplicate_of=None, scope="operation", agency=f"所{i}")
        extra.append(f)
    data = q.from_frames(facts + extra)
    rep = ex.report(data, q.Filters(), "cases_solved", made=MADE)
    dist = next(c for c in rep.charts if c.key == "district")
    assert len(dist.series) == ex.MAX_SERIES and ex.OTHER_CAMPAIGNS in dist.series
    assert list(dist.series)[-1] == q.NO_CAMPAIGN          # kept apart, last
    d = q.by_district(rep.view.counted, "cases_solved")
    assert np.sum(list(dist.series.values())) == pytest.approx(d["value"].sum())


# --------------------------------------------------------------------------------------------
# CSV / XLSX
# --------------------------------------------------------------------------------------------

HOSTILE_CELLS = ['=HYPERLINK("http://evil.invalid","点我")', "+1+1", "-2+3", "@SUM(A1:A2)",
                 "\t=1+2", "\r=1+2"]


@pytest.fixture(scope="module")
def hostile():
    """The fixture facts with evidence and agencies that read as formulas, a negative percentage,
    and a control character (not allowed in XLSX)."""
    _, facts = fixture_rows()
    rows = []
    for i, text in enumerate(HOSTILE_CELLS):
        rows.append(dict(facts[i], evidence=text, agency=text))
    rows.append(dict(facts[len(HOSTILE_CELLS)], metric="case_change_pct", value=-33.3,
                     unit="%", evidence="发案数同比下降33.3%\x07"))
    rows += facts[len(HOSTILE_CELLS) + 1:]
    return q.from_frames(rows)


def test_csv_round_trip_and_bom(data):
    view = q.select(data, q.Filters(campaigns=("断卡",)))
    body = ex.csv_bytes(view)
    assert body.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype={"数据编号": str})
    assert len(df) == len(view.matched)
    assert set(df["数据编号"]) == set(view.matched["fact_id"])
    got = dict(zip(df["数据编号"], df["数值"]))
    for fid, v in zip(view.matched["fact_id"], view.matched["value"]):
        assert got[fid] == pytest.approx(v)
    assert df["数值"].dtype.kind in "if"
    row = df[df["数据编号"] == "f3"].iloc[0]
    assert (row["指标"], row["原文写法"], row["地区"], row["计数"]) == \
        ("冻结资金", "2701.6万元", "兰州市七里河区", "计入")
    assert (df["计数"] == "转载（不重复计）").sum() == 1


def test_csv_neutralises_formulas_keeps_numbers(hostile):
    view = q.select(hostile, q.Filters())
    df = pd.read_csv(io.BytesIO(ex.csv_bytes(view)), encoding="utf-8-sig",
                     keep_default_na=False)
    ev = set(df["证据原文"])
    for text in HOSTILE_CELLS:
        assert "'" + text in ev
        assert text not in ev
    for col in df.columns.drop("数值"):
        for cell in df[col]:
            assert not str(cell).startswith(ex.FORMULA_START), (col, cell)
    assert "'-33.3%" in set(df["原文写法"])
    pct = df[df["指标代码"] == "case_change_pct"].iloc[0]
    assert float(pct["数值"]) == -33.3                     # a number, not neutralised text
    assert pd.api.types.is_numeric_dtype(pd.to_numeric(df["数值"]))


def test_xlsx_round_trip_text_never_a_formula(hostile):
    from openpyxl import load_workbook

    rep = ex.report(hostile, q.Filters(), made=MADE)
    wb = load_workbook(io.BytesIO(ex.xlsx_bytes(rep)))
    assert wb.sheetnames == ["数据", "说明"]
    ws = wb["数据"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == len(rep.view.matched)
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    col = head.index("证据原文") + 1
    texts = {ws.cell(i, col).value: ws.cell(i, col) for i in range(2, ws.max_row + 1)}
    for text in HOSTILE_CELLS:
        cell = texts[text]                        # verbatim text ...
        assert cell.data_type == "s" and cell.quotePrefix      # ... stored as quoted text
    assert "发案数同比下降33.3%" in texts                      # control character dropped
    pct = next(r for r in rows if r["指标代码"] == "case_change_pct")
    assert pct["数值"] == -33.3 and isinstance(pct["数值"], float)
    first = next(r for r in rows if r["数据编号"] == "f10")
    assert first["期间开始"].date() == date(2022, 1, 1) and first["数值"] == 200000
    info = "\n".join(str(c.value) for c in wb["说明"]["B"])
    assert q.COUNTING_RULE in info and "全部数据（未设筛选条件）" in info


# --------------------------------------------------------------------------------------------
# Images (kaleido + the system Chromium)
# --------------------------------------------------------------------------------------------

def _figure(title: str):
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["七里河区", "微山县", "涵江区"], y=[280, 9, 5],
                           marker_color="#636EFA"))
    fig.update_layout(title={"text": title, "font": {"size": 40}}, font={"family": ex.fg.FONT},
                      plot_bgcolor="white", paper_bgcolor="white",
                      xaxis={"showticklabels": False}, yaxis={"showticklabels": False})
    return fig


def test_png_renders_chinese_with_one_browser(data, monkeypatch):
    from PIL import Image, ImageChops

    need("chromium", "PNG rendering")
    import kaleido

    opened = []
    orig = kaleido.Kaleido.open

    async def counting_open(self):
        opened.append(1)
        return await orig(self)

    monkeypatch.setattr(kaleido.Kaleido, "open", counting_open)
    rep = ex.report(data, q.Filters(), made=MADE)
    chart = ex.image_figure(next(c for c in rep.charts if c.key == "campaign"), rep)
    pngs = ex.render_figures([chart, _figure("破获案件统计"), _figure("冻结资金来源"),
                              _figure(" ")], "png", width=640, height=360, scale=2)
    assert len(opened) == 1                          # one browser for the batch of four
    img, a, b, blank = (Image.open(io.BytesIO(p)).convert("RGB") for p in pngs)
    assert img.size == (1280, 720)                   # 640x360 at scale 2
    colours = img.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50                         # bars, text, antialiasing: not blank
    white = max(n for n, c in colours if c == (255, 255, 255)) if any(
        c == (255, 255, 255) for _, c in colours) else 0
    assert white < 0.97 * img.size[0] * img.size[1]
    title_box = (0, 0, 1280, 120)                    # where the 40px title is drawn
    ink = [ImageChops.difference(x.crop(title_box), blank.crop(title_box)).getbbox()
           for x in (a, b)]
    assert all(ink), "the Chinese title drew nothing"
    # missing glyphs all draw the same box: two different titles must look different
    diff = ImageChops.difference(a.crop(title_box), b.crop(title_box)).convert("L")
    assert int((np.asarray(diff) > 64).sum()) > 500


def test_render_images_png_and_svg_files(folder, tmp_path):
    need("chromium", "PNG/SVG export")
    assert cli.main(["export", "svg", "--data", str(folder), "--out", str(tmp_path / "svg"),
                     "--campaign", "断卡"]) == 0
    files = sorted(p.name for p in (tmp_path / "svg").iterdir())
    assert files == ["01_district.svg", "02_campaign.svg", "03_month.svg", "04_mix.svg",
                     "05_region.svg"]
    svg = (tmp_path / "svg" / "02_campaign.svg").read_text("utf-8")
    assert "Noto Sans CJK SC" in svg and "各专项行动破获案件" in svg and "断卡" in svg


# --------------------------------------------------------------------------------------------
# Command line, dashboard link, PDF through LibreOffice
# --------------------------------------------------------------------------------------------

def test_cli_pptx_csv_xlsx(folder, tmp_path, capsys):
    out = tmp_path / "deck.pptx"
    assert cli.main(["export", "pptx", "--data", str(folder), "--out", str(out),
                     "--campaign", "断卡", "--since", "2022-01-01", "--until", "2022-12-31"]) == 0
    prs = open_deck(out.read_bytes())
    tiles = {sh.name.split(":", 1)[1]: sh.text_frame.text.splitlines()[1]
             for sh in prs.slides[1].shapes if sh.name.startswith("headline:")}
    assert tiles == EXPECTED_TEXT["断卡"]
    assert cli.main(["export", "csv", "--data", str(folder), "--out", str(tmp_path / "f.csv"),
                     "--metric", "冻结资金"]) == 0
    df = pd.read_csv(tmp_path / "f.csv", encoding="utf-8-sig")
    assert set(df["指标代码"]) == {"funds_frozen"} and len(df) == 3
    assert cli.main(["export", "xlsx", "--data", str(folder), "--out", str(tmp_path / "f.xlsx"),
                     "--link", "http://127.0.0.1:8501/?campaign=断流&chart=funds_frozen"]) == 0
    assert (tmp_path / "f.xlsx").stat().st_size > 0
    assert cli.main(["export", "pptx", "--data", str(folder), "--out", str(out),
                     "--link", "http://127.0.0.1:8501/?campaign=断流&chart=funds_frozen"]) == 0
    prs = open_deck(out.read_bytes())
    assert "图表指标：冻结资金" in slide_texts(prs.slides[0])
    assert "专项行动：断流" in slide_texts(prs.slides[0])
    assert cli.main(["export", "pptx", "--data", str(tmp_path / "none"),
                     "--out", str(tmp_path / "x.pptx")]) == 1
    assert "antifraud build" in capsys.readouterr().err
    assert cli.main(["export", "csv", "--data", str(folder), "--out", str(tmp_path / "y.csv"),
                     "--since", "2022-13-01"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_dashboard_link_gives_the_same_view(data):
    flt = q.Filters(campaigns=("断卡",), province="福建省", start=date(2022, 1, 1))
    from urllib.parse import urlencode

    link = "http://host/?" + urlencode(flt.to_query(), doseq=True)
    assert ex.parse_filters(link=link) == flt
    assert ex.parse_filters(levels=["区县级"], scopes=["累计（期间总数）"]).agency_levels == \
        ("district",)


def test_deck_converts_to_pdf_with_chinese_fonts(data, tmp_path):
    soffice = need("soffice", "PDF conversion of the deck")
    deck = tmp_path / "deck.pptx"
    rep = ex.report(data, q.Filters(), made=MADE)
    deck.write_bytes(ex.deck_bytes(rep))
    n_slides = len(open_deck(deck.read_bytes()).slides)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "deck.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfinfo") and shutil.which("pdffonts"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == str(n_slides)
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert "NotoSansCJK" in fonts.replace(" ", "")
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True).stdout
        assert "反诈统计简报" in text and "各专项行动破获案件" in text
    elif ON_CI:
        pytest.fail("poppler-utils (pdfinfo, pdffonts) missing on CI")


def test_file_stem_and_images_zip_names(data):
    rep = ex.report(data, q.Filters(campaigns=("断卡",), province="甘肃省"), made=MADE)
    assert ex.file_stem(rep.flt, rep.made) == "反诈统计_断卡_甘肃省_2026-01-02"
    assert [ex.image_name(i + 1, c, "png") for i, c in enumerate(rep.charts)][0] == \
        "01_district.png"
    assert zipfile.is_zipfile(io.BytesIO(ex.deck_bytes(rep)))


def test_dashboard_export_section(folder, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    import pipeline.export_ui as ui

    monkeypatch.setenv("ANTIFRAUD_DATA", str(folder))
    monkeypatch.setattr(ui, "XLSX_LIMIT", 5)              # the fixture's 18 facts are "many"
    app = Path(__file__).resolve().parents[1] / "dashboard.py"
    at = AppTest.from_file(str(app), default_timeout=120).run()
    assert not at.exception
    assert "导出" in [h.value for h in at.subheader]
    buttons = {b.proto.label: b.proto.disabled for b in at.get("download_button")}
    no_browser = ex.find_browser() is None
    assert buttons == {"PowerPoint 简报": False, "图表 PNG": no_browser, "图表 SVG": no_browser,
                       "数据 CSV": False, "数据 XLSX": True}


# --------------------------------------------------------------------------------------------
# The dashboard's buttons, clicked in the real served app (fixtures of test_browser.py)
# --------------------------------------------------------------------------------------------

from test_browser import _open, browser, server  # noqa: E402,F401  (pytest fixtures)


@pytest.mark.browser
def test_dashboard_download_buttons(server, browser, data):
    page = _open(browser, f"{server}/?campaign={'断卡'}&chart=funds_frozen")
    try:
        with page.expect_download(timeout=60000) as dl:
            page.get_by_role("button", name="PowerPoint 简报").click()
        assert dl.value.suggested_filename.endswith(".pptx")
        assert dl.value.suggested_filename.startswith("反诈统计_断卡_")
        prs = open_deck(open(dl.value.path(), "rb").read())
        tiles = {sh.name.split(":", 1)[1]: sh.text_frame.text.splitlines()[1]
                 for sh in prs.slides[1].shapes if sh.name.startswith("headline:")}
        assert tiles == EXPECTED_TEXT["断卡"]             # the numbers on the page
        flt = q.Filters(campaigns=("断卡",))
        c = q.by_campaign(q.select(data, flt).counted, "funds_frozen")
        ch = charts_of(prs)["campaign"]                   # the page's chart metric
        assert categories(ch) == list(c["campaign"])
        assert ch.value_axis.axis_title.text_frame.text == "冻结资金（万元）"
        with page.expect_download(timeout=60000) as dl:
            page.get_by_role("button", name="数据 CSV").click()
        df = pd.read_csv(dl.value.path(), encoding="utf-8-sig")
        assert len(df) == len(q.select(data, flt).matched)
    finally:
        page.close()


def test_image_figures_hold_the_query_numbers(data):
    """The images draw the dashboard's figures of the same aggregation (no browser needed)."""
    flt = q.Filters(campaigns=("断卡",))
    rep = ex.report(data, flt, "funds_stopped", made=MADE)
    counted = q.select(data, flt).counted
    figs = {c.key: ex.image_figure(c, rep) for c in rep.charts}
    c = q.by_campaign(counted, "funds_stopped")
    bar = figs["campaign"].data[0]
    div, unit = ex.fg.value_scale("funds_stopped", c["value"])
    assert unit == "亿元" and list(bar.x) == list(c["campaign"])
    assert np.array(bar.y) * div == pytest.approx(c["value"].to_numpy())
    layout = figs["campaign"].layout
    assert (layout.width, layout.height) == ex.IMAGE_SIZE
    assert layout.font.family.startswith("Noto Sans CJK SC")
    assert layout.title.subtitle.text == ex.source_note(rep)
    assert figs["region"].data[0].type == "treemap"


# --------------------------------------------------------------------------------------------
# Synthetic data (antifraud synth) is marked in every export; real data never is
# --------------------------------------------------------------------------------------------

def deck_text(prs) -> str:
    return "\n".join(slide_texts(s) for s in prs.slides)


def test_cli_deck_of_synthetic_tables_is_marked_on_every_slide(tmp_path):
    from pipeline import synth

    synth.generate_tables(40, tmp_path / "syn")
    out = tmp_path / "deck.pptx"
    assert cli.main(["export", "pptx", "--data", str(tmp_path / "syn"), "--out", str(out)]) == 0
    prs = open_deck(out.read_bytes())
    assert prs.core_properties.title == "【合成数据】反诈统计简报"
    title = slide_texts(prs.slides[0])
    assert title.startswith("【合成数据】反诈统计简报")
    assert "全部文章为合成文章" in title and "不是真实报道" in title
    assert "数据：40 篇合成文章（【合成数据】" in title
    assert "公开公安反诈报道" not in deck_text(prs)
    for slide in prs.slides:            # every footnote, and every slide title
        text = slide_texts(slide)
        assert "来源：40 篇合成文章（【合成数据】，由 antifraud synth 生成，非真实报道）中的" in text
        assert text.count("【合成数据】") >= 2, text
    assert len(prs.slides) > 3


def test_mixed_data_states_both_counts_and_real_data_no_mark(data, tmp_path):
    mixed = q.load(write_synthetic_fixture(tmp_path / "mixed"))
    rep = ex.report(mixed, q.Filters(), made=MADE)
    assert rep.n_articles == 8 and rep.n_synthetic == 2
    note = ex.source_note(rep)
    assert note.startswith("来源：8 篇文章（其中 2 篇为合成文章（【合成数据】，由 antifraud synth "
                           "生成，非真实报道），6 篇为公开公安反诈报道）中的 20 条数据")
    prs = open_deck(ex.deck_bytes(rep))
    assert "本数据中2 篇文章为合成文章" in slide_texts(prs.slides[0])
    assert all(note in slide_texts(s) for s in prs.slides)
    # a filter without synthetic articles: nothing marked
    shandong = ex.report(mixed, q.Filters(province="山东省"), made=MADE)
    assert shandong.n_synthetic == 0
    assert ex.source_note(shandong).startswith("来源：1 篇公开公安反诈报道中的")
    # the real-only fixture: no mark anywhere in the deck, the XLSX or the images
    real = ex.report(data, q.Filters(), made=MADE)
    assert real.n_synthetic == 0 and ex.synthetic_warning(real) == ""
    assert "合成" not in deck_text(open_deck(ex.deck_bytes(real)))
    assert not any("合成" in (c.figure().layout.title.text or "") + ex.source_note(real)
                   for c in real.charts)


def test_xlsx_and_images_of_synthetic_data_are_marked(tmp_path):
    from openpyxl import load_workbook

    syn = q.load(write_synthetic_fixture(tmp_path / "s", only=True))
    rep = ex.report(syn, q.Filters(), made=MADE)
    info = [tuple(r) for r in load_workbook(io.BytesIO(ex.xlsx_bytes(rep)))["说明"].iter_rows(
        values_only=True)]
    assert info[0][0] == "【合成数据】反诈统计数据导出"
    assert ("来源", ex.source_note(rep)) in info
    assert "来源：2 篇合成文章（【合成数据】" in ex.source_note(rep)
    assert any(k == "注意" and "不是真实报道" in v for k, v in info)
    for c in rep.charts:
        layout = ex.image_figure(c, rep).layout
        assert layout.title.text.startswith("【合成数据】")
        assert layout.title.subtitle.text == ex.source_note(rep)
