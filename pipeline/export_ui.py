"""The 导出 (export) section of the dashboard: download buttons for the current view.

Called from ``dashboard.py`` with the dashboard's own data, view, filters and chart metric, so a
download holds the numbers on the page. Files are made only when a button is clicked
(Streamlit runs the callable then), never on every rerun.
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from . import export as ex
from . import query as q

#: Above this many facts the XLSX button is off (openpyxl writes ~1,000 rows/s); CSV has no cap.
XLSX_LIMIT = 50_000
MIME = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv", "zip": "application/zip"}


@st.cache_data(max_entries=8, show_spinner=False)
def _images_zip(build: str, flt: q.Filters, metric: str | None, fmt: str, made: date,
                _data: q.Data, _view: q.View) -> bytes:
    """The chart images of one view, kept for a second click (rendering takes a browser and
    seconds). Keyed on the build folder, the filters, the chart metric, the format and the day."""
    return ex.images_zip(ex.report(_data, flt, metric, made=made, view=_view), fmt)


def render_exports(data: q.Data, view: q.View, flt: q.Filters, metric: str | None) -> None:
    """Buttons: PowerPoint deck, chart images (PNG, SVG; need Chromium), CSV, XLSX."""
    st.subheader("导出")
    st.caption("导出当前筛选条件下的内容，数字与本页一致：PowerPoint 简报（可编辑的原生图表、"
               "主要数字及其证据）、图表图片、筛选出的数据表。")
    made = date.today()
    stem = ex.file_stem(flt, made)

    def rep() -> ex.Report:
        return ex.report(data, flt, metric or None, made=made, view=view)

    browser = ex.find_browser()
    no_browser = ex.BROWSER_HELP.split("\n")[0] if browser is None else None
    cols = st.columns(5)
    cols[0].download_button("PowerPoint 简报", data=lambda: ex.deck_bytes(rep()),
                            file_name=f"{stem}.pptx", mime=MIME["pptx"], key="export_pptx",
                            icon=":material/slideshow:", on_click="ignore")
    for col, fmt in ((cols[1], "png"), (cols[2], "svg")):
        col.download_button(f"图表 {fmt.upper()}",
                            data=lambda fmt=fmt: _images_zip(data.build, flt, metric or None,
                                                             fmt, made, data, view),
                            file_name=f"{stem}_{fmt}.zip", mime=MIME["zip"],
                            key=f"export_{fmt}", icon=":material/image:", on_click="ignore",
                            disabled=browser is None,
                            help=no_browser or f"每张图表一个 {fmt.upper()} 文件（1280×720）")
    cols[3].download_button("数据 CSV", data=lambda: ex.csv_bytes(view),
                            file_name=f"{stem}.csv", mime=MIME["csv"], key="export_csv",
                            icon=":material/table:", on_click="ignore",
                            help="UTF-8（带 BOM），Excel 可直接打开")
    big = view.n_matched > XLSX_LIMIT
    cols[4].download_button("数据 XLSX", data=lambda: ex.xlsx_bytes(rep()),
                            file_name=f"{stem}.xlsx", mime=MIME["xlsx"], key="export_xlsx",
                            icon=":material/table_view:", on_click="ignore", disabled=big,
                            help=(f"数据超过 {XLSX_LIMIT:,} 条，生成 XLSX 需要数分钟：请下载 CSV，"
                                  "或缩小筛选范围，或用命令 antifraud export xlsx。") if big
                            else "含“说明”工作表（筛选条件、时间段、计数规则）")
    if no_browser:
        st.caption(no_browser)
