"""antifraud: turn anti-fraud news articles into tidy, sourced statistics tables.

Each command is a thin wrapper over the library; its docstring is its --help.
"""
from __future__ import annotations

import argparse
import sys


def cmd_build(args: argparse.Namespace) -> int:
    """Read INPUT files and folders (.txt .html .htm .jsonl .csv, recursive) and write
    OUT/articles.parquet and OUT/facts.parquet, then print a summary. Exit status: 0 done;
    3 done, but --strict and some inputs were skipped; 4 another build is writing to OUT;
    5 --engine dask cannot run (no scheduler reached, no workers, other code on them)."""
    import os
    if "pyarrow" not in sys.modules:   # C++ too, not only pyarrow's own (see build._system_allocator)
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    from .build import EngineError, build
    from .lock import BuildLocked

    if args.scheduler and args.engine != "dask":
        print("--scheduler needs --engine dask.", file=sys.stderr)
        return 2
    try:
        summary = build(args.inputs, args.out, progress=not args.quiet and sys.stderr.isatty(),
                        jobs=args.jobs, engine=args.engine, scheduler=args.scheduler)
    except BuildLocked as e:
        print(str(e), file=sys.stderr)
        return 4
    except EngineError as e:
        print(f"{e}. No tables were written to {args.out}.", file=sys.stderr)
        return 5
    print("\n".join(summary.lines()))
    failed = sum(n for kind, n in summary.skipped.items() if not kind.startswith("duplicate"))
    if args.strict and failed:
        print(f"--strict: {failed} input(s) skipped (duplicates aside); exit 3. The tables were "
              "written.", file=sys.stderr)
        return 3
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    """Write N synthetic articles (marked 【合成数据】) under OUT/synthetic/ and their facts to
    OUT/gold.jsonl; build them with `antifraud build OUT/synthetic`. With --tables-only, write the
    articles and facts tables of N synthetic articles straight into OUT (no text files)."""
    from . import synth

    if args.tables_only:
        n_facts = synth.generate_tables(args.n, args.out, seed=args.seed, jobs=args.jobs)
        print(f"【合成数据】{args.n} articles, {n_facts} facts: tables written to {args.out}")
    else:
        synth.generate(args.n, args.out, seed=args.seed)
        print(f"【合成数据】{args.n} articles under {args.out}/synthetic, gold facts in "
              f"{args.out}/gold.jsonl")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Compare FACTS (a facts.parquet) with GOLD (a gold .jsonl) and print precision, recall, F1;
    with the articles.parquet beside FACTS, also the accuracy of regions, agencies and campaigns."""
    from pathlib import Path

    import pandas as pd

    from .evaluate import entity_scores, evaluate, report

    arts_path = Path(args.facts).with_name("articles.parquet")
    ents = entity_scores(args.gold, pd.read_parquet(arts_path)) if arts_path.exists() else None
    print(report(evaluate(args.gold, args.facts), verbose=args.verbose, entities=ents))
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Prepare the current build in DATA for the dashboard and exports: what they compute when
    they first open a build (query frame, counting orders, compressed evidence) is written into
    the build folder, so that the next dashboard start opens it in 2-3 s instead of computing
    it (10-12 s for a million articles here). The dashboard does this itself when it may write the
    tables folder; run this after a build when it may not (a read-only dashboard user)."""
    import time
    from pathlib import Path

    from . import prepared, query

    key = query.build_key(args.data)
    if key is None:
        return _no_tables(args.data)
    build = Path(key[0])
    if prepared.load(build) is not None:
        print(f"already prepared: {build / prepared.DIRNAME}")
        return 0
    t = time.perf_counter()
    folder = prepared.save(query.open_build(build, prepared=False), build)
    if folder is None:
        print(f"cannot write into {build}: not prepared.", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    print(f"prepared: {folder} ({size:.1f} MB, {time.perf_counter() - t:.1f} s)")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the schema of the articles and facts tables as Markdown."""
    from .tables import schema_markdown

    print(schema_markdown())
    return 0


def _no_tables(data: str) -> int:
    print(f"在 {data} 中没有找到数据表；请先运行 antifraud build。"
          f" / No tables in {data}; run `antifraud build` first.", file=sys.stderr)
    return 1


def cmd_export(args: argparse.Namespace) -> int:
    """Export the dashboard view chosen by the filters from the tables in DATA: pptx (a 16:9 deck
    of native, editable charts), png/svg (one image per chart, into the folder OUT; needs
    Chromium), csv (UTF-8 with BOM) or xlsx (the filtered facts, formula-safe)."""
    from . import export, query

    data = query.load(args.data)
    if data is None:
        return _no_tables(args.data)
    try:
        flt = export.parse_filters(args.campaign, args.province, args.city, args.district,
                                   args.level, args.metric, args.since, args.until, args.scope,
                                   args.script, args.search, args.link)
    except ValueError as e:
        print(f"日期应写作 YYYY-MM-DD。 / Dates are YYYY-MM-DD: {e}", file=sys.stderr)
        return 2
    try:
        rep, paths = export.write(args.format, data, flt, args.out,
                                  args.chart_metric or export.link_chart(args.link))
    except export.BrowserMissing as e:
        print(str(e), file=sys.stderr)
        return 2
    if rep.view.empty:
        print("没有符合筛选条件的数据。 / No facts match the filters.", file=sys.stderr)
    print(f"{args.format}: {len(paths)} file(s) -> {args.out}  "
          f"({len(rep.view.matched)} facts, {rep.n_articles} articles, "
          f"{len(rep.charts)} charts)")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="antifraud", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the tables", description=cmd_build.__doc__)
    b.add_argument("inputs", nargs="+", metavar="INPUT")
    b.add_argument("--out", default="data", help="output folder (default: data)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.add_argument("--strict", action="store_true",
                   help="exit 3 if any input was skipped (other than as a duplicate), after "
                        "writing the tables and printing the summary")
    b.add_argument("-j", "--jobs", type=int, default=1,
                   help="worker processes (default: 1; with --engine dask the cluster's worker "
                        "threads are used instead)")
    b.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local processes, or a Dask distributed cluster (default: local)")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --engine dask)")
    b.set_defaults(func=cmd_build)

    y = sub.add_parser("synth", help="make a synthetic corpus with known facts",
                       description=cmd_synth.__doc__)
    y.add_argument("n", type=int, metavar="N", help="number of articles")
    y.add_argument("--out", required=True, help="output folder")
    y.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    y.add_argument("--tables-only", action="store_true",
                   help="write the tables directly, without article files")
    y.add_argument("-j", "--jobs", type=int, default=1, help="processes for --tables-only")
    y.set_defaults(func=cmd_synth)

    e = sub.add_parser("evaluate", help="score facts against a gold file",
                       description=cmd_evaluate.__doc__)
    e.add_argument("gold")
    e.add_argument("facts")
    e.add_argument("-v", "--verbose", action="store_true", help="list misses and false hits")
    e.set_defaults(func=cmd_evaluate)

    x = sub.add_parser("export", help="export the view as pptx, png, svg, csv or xlsx",
                       description=cmd_export.__doc__)
    x.add_argument("format", choices=("pptx", "png", "svg", "csv", "xlsx"))
    x.add_argument("--data", default="data", help="tables folder (default: data)")
    x.add_argument("--out", required=True, help="output file (png/svg: output folder)")
    x.add_argument("--link", help="a dashboard link: its filters are the starting point")
    x.add_argument("--campaign", action="append", default=[], help="campaign, e.g. 断卡 (repeat)")
    x.add_argument("--province")
    x.add_argument("--city")
    x.add_argument("--district")
    x.add_argument("--level", action="append", default=[], help="agency level (repeat)")
    x.add_argument("--metric", action="append", default=[],
                   help="keep only this metric, code or Chinese (repeat)")
    x.add_argument("--scope", action="append", default=[], help="cumulative or operation")
    x.add_argument("--script", action="append", default=[], help="simplified or traditional")
    x.add_argument("--search", default="", help="text the evidence sentence contains")
    x.add_argument("--since", metavar="YYYY-MM-DD")
    x.add_argument("--until", metavar="YYYY-MM-DD")
    x.add_argument("--chart-metric", help="metric of the charts (default: as the dashboard)")
    x.set_defaults(func=cmd_export)

    r = sub.add_parser("prepare", help="prepare the current build for the dashboard",
                       description=cmd_prepare.__doc__)
    r.add_argument("--data", default="data", help="tables folder (default: data)")
    r.set_defaults(func=cmd_prepare)

    s = sub.add_parser("schema", help="print the table schema", description=cmd_schema.__doc__)
    s.set_defaults(func=cmd_schema)

    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
