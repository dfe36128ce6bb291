"""The exports on real articles: deck, images and data files of seeds/ plus ../shared/corpus,
the deck converted to PDF by LibreOffice and its pages drawn as PNG for looking at.

Usage (from the repository root):

    python benchmarks/deck_pdf.py [--data DIR] [--out artifacts/deck] [--campaign 断卡 ...]

Without ``--data`` it builds the tables of ``seeds/`` and ``../shared/corpus/articles`` into a
temporary folder first. Writes OUT/deck.pptx, OUT/deck.pdf, OUT/page-N.png (pdftoppm),
OUT/images/*.png|svg and OUT/facts.csv|xlsx, and prints the sizes and timings. Needs
``soffice`` (libreoffice-impress), ``pdftoppm`` (poppler-utils) and Chromium for the images;
missing tools are reported and their step skipped. Reads ../shared at run time only.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pipeline import export as ex  # noqa: E402
from pipeline import query as q  # noqa: E402
from pipeline.build import build  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "articles"


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="tables folder (default: build seeds/ + ../shared/corpus)")
    ap.add_argument("--out", default=str(ROOT / "artifacts" / "deck"))
    ap.add_argument("--campaign", action="append", default=[])
    ap.add_argument("--metric", help="chart metric (default: as the dashboard)")
    ap.add_argument("--dpi", type=int, default=60, help="pdftoppm resolution (default: 60)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    data_dir = a.data
    if data_dir is None:
        data_dir = tempfile.mkdtemp(prefix="deck_pdf_")
        inputs = [str(ROOT / "seeds")] + ([str(CORPUS)] if CORPUS.is_dir() else [])
        _, t = timed(build, inputs, data_dir)
        print(f"build {' + '.join(inputs)}: {t:.1f} s")
    data, t = timed(q.load, data_dir)
    if data is None:
        print(f"no tables in {data_dir}", file=sys.stderr)
        return 1
    print(f"load: {t:.2f} s, {len(data.facts)} facts")

    flt = ex.parse_filters(campaigns=a.campaign)
    rep, t = timed(ex.report, data, flt, a.metric)
    print(f"report: {t:.2f} s — {rep.view.n_matched} facts of {rep.n_articles} articles, "
          f"{len(rep.charts)} charts ({', '.join(c.key for c in rep.charts)}), "
          f"chart metric {rep.metric}")
    body, t = timed(ex.deck_bytes, rep)
    deck = out / "deck.pptx"
    deck.write_bytes(body)
    print(f"deck: {t:.2f} s, {len(body) / 1024:.0f} KiB -> {deck}")
    for name, fn in (("facts.csv", lambda: ex.csv_bytes(rep.view)),
                     ("facts.xlsx", lambda: ex.xlsx_bytes(rep))):
        body, t = timed(fn)
        (out / name).write_bytes(body)
        print(f"{name}: {t:.2f} s, {len(body) / 1024:.0f} KiB")

    if ex.find_browser() is None:
        print("images: skipped —", ex.BROWSER_HELP.splitlines()[-1])
    else:
        img = out / "images"
        img.mkdir(exist_ok=True)
        figs = [ex.image_figure(c, rep) for c in rep.charts]
        _, t1 = timed(ex.render_figures, figs[:1], "png")
        pngs, tn = timed(ex.render_figures, figs, "png")
        per = (tn - t1) / max(len(figs) - 1, 1)
        print(f"png: one browser for {len(figs)} charts {tn:.1f} s; 1 chart {t1:.1f} s "
              f"-> about {per:.2f} s per chart + {t1 - per:.1f} s browser start "
              f"({sum(map(len, pngs)) / 1024:.0f} KiB at {ex.IMAGE_SIZE} x{ex.IMAGE_SCALE})")
        svgs, t = timed(ex.render_images, rep, "svg")
        print(f"svg: {len(svgs)} charts {t:.1f} s")
        for (name, b) in ex.render_images(rep, "png") + svgs:
            (img / name).write_bytes(b)

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("pdf: skipped — no soffice (apt-get install libreoffice-impress)")
        return 0
    with tempfile.TemporaryDirectory() as profile:
        _, t = timed(subprocess.run, [soffice, "--headless",
                                      f"-env:UserInstallation=file://{profile}",
                                      "--convert-to", "pdf", "--outdir", str(out), str(deck)],
                     check=True, capture_output=True, timeout=600)
    pdf = out / "deck.pdf"
    print(f"pdf: {t:.1f} s, {pdf.stat().st_size / 1024:.0f} KiB -> {pdf}")
    if shutil.which("pdftoppm") is None:
        print("pages: skipped — no pdftoppm (apt-get install poppler-utils)")
        return 0
    for old in out.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(a.dpi), "-png", str(pdf), str(out / "page")],
                   check=True)
    pages = sorted(out.glob("page-*.png"))
    print(f"pages: {len(pages)} PNG at {a.dpi} dpi -> {out}/page-*.png")
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        cjk = sorted({ln.split()[0] for ln in fonts.splitlines()[2:] if "CJK" in ln})
        print(f"pdf fonts with CJK glyphs: {', '.join(cjk) or 'NONE'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
