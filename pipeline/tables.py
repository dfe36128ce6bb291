"""The two output tables: their schema (column, type, meaning) and their atomic writing.

The schema below is the single written-down definition; ``docs/SCHEMA.md`` is generated from it
(``antifraud schema > docs/SCHEMA.md``) and a test keeps the two equal.

Layout of an output folder ``DIR``::

    DIR/articles.parquet -> current/articles.parquet   (relative symlinks, made once)
    DIR/facts.parquet    -> current/facts.parquet
    DIR/current          -> builds/<build id>           (swapped atomically by rename)
    DIR/builds/<build id>/{articles,facts}.parquet, manifest.json

Each ``{articles,facts}.parquet`` of a build is a Parquet file or, as ``antifraud build`` writes
them, a folder of partitions ``part-NNNNNN.parquet`` with this schema, in ``source`` order
(``pd.read_parquet``, ``pq.read_table`` and DuckDB's ``read_parquet`` read either), plus the
input index ``inputs.parquet`` of incremental builds (``pipeline.cache``).

A build writes a complete new ``builds/<id>`` folder, fsyncs it, then replaces the ``current``
symlink with one ``rename``: a build that fails or is killed at any moment leaves the previous
tables in place, and a reader that resolves ``current`` once sees one build, never a mix.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import lock

S, F, I, B, D = pa.string(), pa.float64(), pa.int64(), pa.bool_(), pa.date32()
L = pa.list_(pa.string())

ARTICLE_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("article_id", S, "Stable id of the input: first 16 hex digits of sha256 of `source`."),
    ("source", S, "Input file path as found; `path#N` for record N (1-based) of a .jsonl/.csv file."),
    ("fmt", S, "Input format: txt, html, jsonl or csv."),
    ("status", S, "`ok` (read and processed) or `skipped`."),
    ("reason", S, "Why the input was skipped, `kind: detail` (empty, not text, unreadable, duplicate, ...); null when ok."),
    ("encoding", S, "Detected text encoding of the file (utf-8, utf-8-sig, gb18030, big5, utf-16 ...)."),
    ("size_bytes", I, "Size of the raw input in bytes."),
    ("content_hash", S, "sha256 hex of the raw bytes (of the record's text for records)."),
    ("url", S, "URL given by the record or found in the page."),
    ("title", S, "Article title (from the record or detected in the text)."),
    ("published", D, "Publication date, from the record or detected in the text."),
    ("outlet", S, "Publishing site or outlet, where the page states it."),
    ("script", S, "`simplified` or `traditional`: the script of the original text."),
    ("province", S, "Province-level division the article reports on (full name, e.g. 甘肃省)."),
    ("city", S, "Prefecture-level division (e.g. 兰州市)."),
    ("district", S, "County-level division (e.g. 七里河区)."),
    ("region_code", S, "Administrative division code of the most specific region level."),
    ("agency", S, "Reporting agency, e.g. 兰州市公安局七里河分局."),
    ("agency_level", S, "national, provincial, city, district, station or other."),
    ("campaigns", L, "Campaign names from the taxonomy (pipeline/resources/campaigns.json)."),
    ("n_facts", I, "Number of facts extracted from the article."),
    ("dropped_facts", L, "Figures dropped as impossible (pipeline/validate.py, bounds in resources/plausibility.json), one `reason: metric value (figure)` each."),
    ("duplicate_of", S, "article_id of an earlier article with the same normalised text (reprint), else null."),
    ("text", S, "The decoded original text (HTML turned into text); evidence offsets index into it."),
]

FACT_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("fact_id", S, "Stable id: hash of article_id, metric, value and figure offsets."),
    ("article_id", S, "The article the fact comes from (articles.article_id)."),
    ("source", S, "Input file path (articles.source)."),
    ("metric", S, "One of the metrics in pipeline/resources/metrics.json (cases_solved, funds_frozen ...)."),
    ("value", F, "Value in base units: yuan (or `currency`), persons, cases, cards, percent points."),
    ("unit", S, "Unit of `value`: 元, 起, 人, 个, 张, 部, 次, 人次, %."),
    ("currency", S, "ISO currency for money metrics (CNY, HKD, MOP, TWD, USD ...); null for counts."),
    ("qualifier", S, "exact; more_than (余, 多, 以上, 逾, 超); about (约, 近, 左右)."),
    ("scope", S, "cumulative (a reporting-period total) or operation (one raid, case or short action)."),
    ("province", S, "Region of the figure (the article's region unless the sentence names another)."),
    ("city", S, "Prefecture-level division of the figure."),
    ("district", S, "County-level division of the figure."),
    ("region_code", S, "Administrative division code of the most specific region level."),
    ("agency", S, "Reporting agency."),
    ("agency_level", S, "national, provincial, city, district, station or other."),
    ("campaigns", L, "Campaigns the article or sentence names."),
    ("published", D, "Publication date of the article."),
    ("period_start", D, "First day of the period the figure covers, when it can be resolved."),
    ("period_end", D, "Last day of the period the figure covers (often the publication date)."),
    ("title", S, "Article title."),
    ("outlet", S, "Publishing outlet."),
    ("script", S, "Script of the original article."),
    ("evidence", S, "The evidence sentence in the article's own script: articles.text[evidence_start:evidence_end] "
                    "with inline romanisation such as 電(dian) removed."),
    ("evidence_start", I, "Start offset of the evidence sentence in articles.text."),
    ("evidence_end", I, "End offset (exclusive) of the evidence sentence in articles.text."),
    ("figure_text", S, "The clause stating the figure, in the article's own script (e.g. 凍結資金2701.6萬元), "
                       "romanisation removed."),
    ("figure_start", I, "Start offset of the figure clause in articles.text."),
    ("figure_end", I, "End offset (exclusive) of the figure clause in articles.text."),
    ("evidence_simplified", S, "The evidence sentence after normalisation (simplified script)."),
    ("mentions", I, "How many times the article states this figure (title, lead, body count once)."),
    ("duplicate_of", S, "fact_id of the same figure in an earlier article (a reprint), else null."),
    ("flags", L, "Warnings about the figure, e.g. implausible_value."),
]


def schema(columns: list[tuple[str, pa.DataType, str]]) -> pa.Schema:
    return pa.schema([pa.field(n, t, metadata={"doc": d}) for n, t, d in columns])


ARTICLES_SCHEMA = schema(ARTICLE_COLUMNS)
FACTS_SCHEMA = schema(FACT_COLUMNS)


def schema_markdown() -> str:
    """The schema as Markdown tables (the content of docs/SCHEMA.md)."""
    out = ["# Table schema", "",
           "Generated by `antifraud schema` from `pipeline/tables.py`; do not edit by hand.", ""]
    for name, cols in (("articles", ARTICLE_COLUMNS), ("facts", FACT_COLUMNS)):
        out += [f"## {name}", "", "| column | type | meaning |", "|---|---|---|"]
        out += [f"| `{n}` | {t} | {d} |" for n, t, d in cols]
        out.append("")
    return "\n".join(out)


def to_table(rows: list[dict] | pd.DataFrame, sch: pa.Schema) -> pa.Table:
    """Rows (dicts or a DataFrame) as an Arrow table with exactly the schema's columns and types."""
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    arrays = []
    for f in sch:
        col = df[f.name] if f.name in df.columns else pd.Series([None] * len(df), dtype=object)
        if pa.types.is_date32(f.type):
            col = pd.to_datetime(col, errors="coerce").dt.date
        col = col.astype(object).where(col.notna(), None)  # NaN/NaT -> null
        arrays.append(pa.array(col.tolist(), type=f.type))
    return pa.Table.from_arrays(arrays, schema=sch)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_tables(out: str | os.PathLike, articles: pa.Table, facts: pa.Table,
                 manifest: dict | None = None, keep: int = 2) -> Path:
    """Write both tables as one new build in ``out`` and switch to it atomically.

    Returns the build folder. Older builds beyond ``keep`` are removed.
    """
    def fill(tmp: Path) -> dict:
        for name, table in (("articles", articles), ("facts", facts)):
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
        return {"articles": articles.num_rows, "facts": facts.num_rows, **(manifest or {})}
    return publish_build(out, fill, keep)


def publish_build(out: str | os.PathLike, fill, keep: int = 2) -> Path:
    """Make one new build in ``out`` and switch to it atomically.

    ``fill(folder)`` writes the tables into a fresh hidden folder (``articles.parquet`` and
    ``facts.parquet``, each a file or a folder of Parquet partitions) and returns the manifest.
    The folder is fsynced, renamed to ``builds/<build id>`` and ``current`` is swapped to it.
    Returns the build folder. Older builds beyond ``keep`` are removed. Holds the folder's build
    lock (``pipeline.lock``): a concurrent build into ``out`` fails with ``lock.BuildLocked``.
    """
    with lock.hold(out):
        return _publish(Path(out), fill, keep)


def _publish(out: Path, fill, keep: int) -> Path:
    builds = out / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    # Leftovers of builds killed before their switch (we hold the lock: no one else writes them).
    for p in builds.glob(".*.tmp"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out.glob(".current-*"):
        p.unlink(missing_ok=True)
    # Sortable by time to the microsecond (pruning keeps the newest), unique by the random suffix.
    build_id = f"{pd.Timestamp.now('UTC').strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:6]}"
    tmp = builds / f".{build_id}.tmp"
    tmp.mkdir()
    try:
        manifest = fill(tmp)
        (tmp / "manifest.json").write_text(json.dumps(
            {"build_id": build_id, **(manifest or {})}, ensure_ascii=False, indent=1),
            encoding="utf-8")
        for p in sorted(tmp.rglob("*")):
            if p.is_file():
                with open(p, "rb") as fh:
                    os.fsync(fh.fileno())
            else:
                _fsync_dir(p)
        final = builds / build_id
        os.rename(tmp, final)
        _fsync_dir(builds)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # Swap the `current` link in one rename, then make the stable file links (once).
    link_tmp = out / f".current-{build_id}"
    os.symlink(os.path.join("builds", build_id), link_tmp)
    os.replace(link_tmp, out / "current")
    for name in ("articles", "facts"):
        p = out / f"{name}.parquet"
        if not p.is_symlink():
            if p.exists():
                p.unlink()  # a plain file from an older layout
            os.symlink(os.path.join("current", f"{name}.parquet"), p)
    _fsync_dir(out)
    _prune(builds, keep, final)
    return final


def _prune(builds: Path, keep: int, current: Path) -> None:
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: p.name)
    for p in done[:-keep] if keep else done:
        if p != current:
            shutil.rmtree(p, ignore_errors=True)


def current_build(data_dir: str | os.PathLike) -> Path | None:
    """The folder holding one consistent pair of tables, resolved once; None if never built."""
    d = Path(data_dir)
    cur = d / "current"
    if cur.exists():
        return cur.resolve()
    if (d / "facts.parquet").is_file() and (d / "articles.parquet").is_file():
        return d  # plain files (e.g. copied by hand)
    return None


def read_tables(data_dir: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Read (articles, facts) of one build; None if the folder holds no tables."""
    b = current_build(data_dir)
    if b is None:
        return None
    return pd.read_parquet(b / "articles.parquet"), pd.read_parquet(b / "facts.parquet")
