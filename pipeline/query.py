"""Read-side queries over the facts table: filter, count once, aggregate, format in Chinese.

Pure functions (pandas, pyarrow, numpy; DuckDB for search); no Streamlit, no extraction code.
The dashboard and the exports use the same calls::

    data = load(data_dir)                     # one consistent build (or None); from_frames(rows)
    view = select(data, Filters(campaigns=("断卡",)))
    headline(view.counted)                    # {metric: Headline}
    by_district(view.counted, "cases_solved") # long frame: label, campaign, value
    evidence_table(view)                      # the matched facts, Chinese headers

``load`` does the heavy work once per build (categoricals, campaign membership, the sort orders
of the counting rule); a filter change is then vectorised numpy over those arrays. Only what
filtering and counting need is held in memory (``MEMORY_COLUMNS``, strings dictionary-encoded,
the evidence sentences LZ4-compressed in blocks): a million articles' 4.5 million facts take
about 1.3 GB (the dashboard server peaks at 2.1-2.8 GB) instead of about 10 GB. Every other
column, and the article texts, are read from the build's Parquet partitions for the rows shown
(``Rows``); free-text search runs in DuckDB over the partitions (``Search``). What ``load``
computes is kept with the build (``pipeline.prepared``) for the next open.

No double counting (``COUNTING_RULE`` states it on the page):

1. Reprints: facts that are the same figure (``duplicate_of`` chains resolved to one root) count
   once -- the original if it is selected, else the first selected reprint.
2. Containment, within one agency and one metric (money: one currency):
   an ``operation`` fact whose period overlaps a selected ``cumulative`` total is not added on top
   of it; a ``cumulative`` fact whose period lies inside a longer selected cumulative total
   (same period: the larger value wins) is not added either. Facts of one article without any
   date are taken to share the article's period. A cumulative total without a start date is
   taken to run from 1 January of its end year (今年以来, the usual wording).
The rule is applied to the *selected* facts, so narrowing the filter never hides a figure whose
containing total was filtered away.
"""
from __future__ import annotations

import atexit
import html
import math
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from functools import cached_property
from datetime import date
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from . import tables

# --------------------------------------------------------------------------------------------
# Chinese labels (the UI is zh-CN; the tables keep English codes)
# --------------------------------------------------------------------------------------------

#: metric code -> (Chinese label, display unit, kind); kind: count | money | percent.
METRICS: dict[str, tuple[str, str, str]] = {
    "cases_solved": ("破获案件", "起", "count"),
    "suspects_arrested": ("抓获嫌疑人", "人", "count"),
    "suspects_under_measures": ("采取强制措施", "人", "count"),
    "gangs_dismantled": ("打掉团伙窝点", "个", "count"),
    "funds_frozen": ("冻结资金", "元", "money"),
    "funds_stopped": ("止付资金", "元", "money"),
    "losses_recovered": ("挽回损失", "元", "money"),
    "amount_involved": ("涉案金额", "元", "money"),
    "warnings_issued": ("发出预警", "人次", "count"),
    "victims_dissuaded": ("劝阻群众", "人次", "count"),
    "accounts_frozen": ("冻结账户", "个", "count"),
    "bank_cards_seized": ("查获银行卡", "张", "count"),
    "sim_cards_seized": ("查获电话卡", "张", "count"),
    "phones_seized": ("查获手机", "部", "count"),
    "case_change_pct": ("发案同比变化", "%", "percent"),
}
#: The headline figures, in page order.
HEADLINE_METRICS = ["cases_solved", "suspects_arrested", "funds_frozen", "funds_stopped",
                    "losses_recovered", "warnings_issued", "victims_dissuaded"]
QUALIFIERS = {"exact": "确数", "more_than": "以上（余/多/逾）", "about": "约数"}
QUALIFIER_MARK = {"exact": "", "more_than": "余", "about": "约"}
SCOPES = {"cumulative": "累计（期间总数）", "operation": "单次行动"}
AGENCY_LEVELS = {"national": "国家级", "provincial": "省级", "city": "地市级",
                 "district": "区县级", "station": "派出所", "other": "其他"}
SCRIPTS = {"simplified": "简体", "traditional": "繁体"}
CURRENCIES = {"CNY": "人民币", "HKD": "港元", "MOP": "澳门元", "TWD": "新台币", "USD": "美元"}
NO_CAMPAIGN = "未标注专项"
NO_DISTRICT = "（未细分到区县）"
BASE_CURRENCY = "CNY"

COUNTING_RULE = ("计数规则：同一数字被转载或重复报道只计一次；同一机构、同一指标下，"
                 "期间落在某个累计总数之内的单次行动数字或较短期累计数不再重复相加。")


def metric_label(code: str) -> str:
    return METRICS.get(code, (code, "", ""))[0]


def metric_unit(code: str) -> str:
    return METRICS.get(code, ("", "", ""))[1]


def metric_kind(code: str) -> str:
    return METRICS.get(code, ("", "", "count"))[2]


# --------------------------------------------------------------------------------------------
# Chinese number formatting
# --------------------------------------------------------------------------------------------

def _trim(x: float, digits: int) -> str:
    s = f"{x:.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def fmt_number(value: float | None, unit: str = "", digits: int = 2) -> str:
    """A number in Chinese convention: 万 from ten thousand, 亿 from a hundred million.

    >>> fmt_number(27016000, "元")
    '2701.6万元'
    >>> fmt_number(350000000, "元")
    '3.5亿元'
    >>> fmt_number(1729, "人次")
    '1729人次'
    >>> fmt_number(394000, "起")
    '39.4万起'
    >>> fmt_number(-33.3, "%")
    '-33.3%'
    >>> fmt_number(None, "元")
    '—'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "%":
        return f"{_trim(value, digits)}%"
    a = abs(value)
    if a >= 1e8:
        return f"{_trim(value / 1e8, digits)}亿{unit}"
    if a >= 1e4:
        return f"{_trim(value / 1e4, digits)}万{unit}"
    return f"{_trim(value, digits)}{unit}"


def fmt_fact_value(value: float, unit: str | None, qualifier: str | None = None,
                   currency: str | None = None) -> str:
    """One fact's value as the article would say it: 约2701.6万元, 120余人, 50万港元.

    >>> fmt_fact_value(120, "人", "more_than")
    '120余人'
    >>> fmt_fact_value(27016000, "元", "about")
    '约2701.6万元'
    >>> fmt_fact_value(500000, "元", "exact", "HKD")
    '50万港元'
    """
    unit = unit or ""
    if unit == "元" and currency and currency != BASE_CURRENCY:
        unit = CURRENCIES.get(currency, currency)
    if qualifier == "more_than" and unit != "%":
        num = fmt_number(value, "")
        return f"{num}余{unit}"
    text = fmt_number(value, unit)
    return f"约{text}" if qualifier == "about" else text


def money_scale(max_abs: float) -> tuple[float, str]:
    """Divisor and unit label for an axis of yuan amounts.

    >>> money_scale(3.5e8)
    (100000000.0, '亿元')
    >>> money_scale(2.7e7)
    (10000.0, '万元')
    """
    return (1e8, "亿元") if max_abs >= 1e8 else (1e4, "万元")


# --------------------------------------------------------------------------------------------
# Loading and preparing
# --------------------------------------------------------------------------------------------

#: Fact columns kept in the query frame, as categoricals (small, fast to compare and group).
CATEGORIES = ("article_id", "metric", "unit", "currency", "qualifier", "scope", "province",
              "city", "district", "agency", "agency_level", "script", "region_label",
              "campaign_first")
#: Fact columns read into memory from a build: what filtering, counting and the evidence table
#: need, strings dictionary-encoded. The long text stays in the Parquet partitions (``Rows``),
#: except ``evidence``, held LZ4-compressed (``TextBlocks``) for the evidence table.
MEMORY_COLUMNS = ["fact_id", "article_id", "metric", "value", "unit", "currency", "qualifier",
                  "scope", "province", "city", "district", "agency", "agency_level", "script",
                  "campaigns", "published", "period_start", "period_end", "duplicate_of",
                  "source"]
DICTIONARY_COLUMNS = [c for c in MEMORY_COLUMNS if c not in ("fact_id", "value", "campaigns",
                                                             "published", "period_start",
                                                             "period_end")]
DAY0 = np.datetime64("1900-01-01", "D")
MAX_BITS = 63                     # campaigns held as bits of one int64 column
BIG = 1 << 20                     # > any day number (2800 years): packs (group, day) in one int


def data_dir() -> Path:
    """The tables folder: ``$ANTIFRAUD_DATA`` or ``data``."""
    return Path(os.environ.get("ANTIFRAUD_DATA") or "data")


def build_key(folder: str | os.PathLike | None = None) -> tuple[str, float] | None:
    """(build folder, mtime) of the current build, resolved once; None when there are no tables."""
    b = tables.current_build(folder if folder is not None else data_dir())
    if b is None:
        return None
    try:
        mtime = max((b / f"{n}.parquet").stat().st_mtime for n in ("facts", "articles"))
    except FileNotFoundError:
        return None
    return str(b), mtime


class TextBlocks:
    """One string column held LZ4-compressed in blocks of ``size`` rows.

    A fraction of the memory of the plain strings (evidence sentences of a million articles:
    151 MB instead of 830 MB), and taking rows decompresses only their blocks (1,000 rows
    anywhere in 4.5 million: ~18 ms). Built from the column's chunks in row order. LZ4, not
    zstd: at a million articles building the blocks takes 1.6 s of CPU instead of 4.3-4.5 s
    (zstd level 1: 125 MB, 1,000 rows in ~40 ms).
    """

    CODEC = pa.Codec("lz4")

    def __init__(self, chunks, size: int = 64):
        blocks, raw, first, lo, valid = [], [], [0], [], []
        for arr in chunks:
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arr = arr.cast(pa.large_string())
            n = len(arr)
            if not n:
                continue
            off = np.frombuffer(arr.buffers()[1], np.int64)[arr.offset:arr.offset + n + 1]
            data = arr.buffers()[2]
            valid.append(arr.is_valid().to_numpy(zero_copy_only=False))
            starts = np.arange(0, n, size)
            lo.append((off[:-1] - np.repeat(off[starts], np.diff(np.append(starts, n))))
                      .astype(np.int32))
            for s, a, b in zip(starts.tolist(), off[starts].tolist(),
                               off[np.minimum(starts + size, n)].tolist()):
                blocks.append(self.CODEC.compress(data.slice(a, b - a) if data is not None
                                                  else pa.py_buffer(b""), asbytes=True))
                raw.append(b - a)
                first.append(first[-1] + min(size, n - s))
        self._set(blocks, np.array(raw, dtype=np.int64), np.array(first, dtype=np.int64),
                  np.concatenate(lo) if lo else np.zeros(0, np.int32),
                  np.concatenate(valid) if valid else np.zeros(0, bool))

    def _set(self, blocks: list[bytes], raw: np.ndarray, first: np.ndarray, lo: np.ndarray,
             valid: np.ndarray) -> None:
        self.blocks = blocks
        self.raw = raw            # uncompressed bytes per block
        self.first = first        # first row of each block (+ the end)
        self.lo = lo              # each row's start in its block
        self.valid = valid
        self.nbytes = sum(len(b) for b in blocks) + lo.nbytes + valid.nbytes

    @classmethod
    def from_parts(cls, blocks: list[bytes], raw: np.ndarray, first: np.ndarray, lo: np.ndarray,
                   valid: np.ndarray) -> "TextBlocks":
        """The blocks as kept elsewhere (``pipeline.prepared``), checked to fit together: a row's
        start lies inside its block (ValueError otherwise)."""
        raw, first = raw.astype(np.int64), first.astype(np.int64)
        lo, valid = lo.astype(np.int32), valid.astype(bool)
        n = int(first[-1]) if len(first) else -1
        per_block = np.diff(first)
        if (len(blocks) != len(raw) or len(first) != len(raw) + 1 or first[0] or len(lo) != n
                or len(valid) != n or (per_block < 0).any() or (raw < 0).any()):
            raise ValueError("text blocks do not fit their rows")
        if n and ((lo < 0) | (lo > np.repeat(raw, per_block))).any():
            raise ValueError("text offsets outside their blocks")
        tb = cls.__new__(cls)
        tb._set(blocks, raw, first, lo, valid)
        return tb

    def __len__(self) -> int:
        return int(self.first[-1])

    def take(self, rows: np.ndarray) -> pa.Array:
        """The strings of ``rows`` (any order, repeats allowed) as a large_string array."""
        rows = np.asarray(rows, dtype=np.int64)
        blk = np.searchsorted(self.first, rows, side="right") - 1
        used = np.unique(blk)
        # every row of the used blocks, in order: their strings are contiguous once unpacked
        starts, ends = self.first[used], self.first[used + 1]
        counts = ends - starts
        pos = np.repeat(np.cumsum(counts) - counts, counts)
        every = np.repeat(starts, counts) + np.arange(int(counts.sum())) - pos
        base = np.cumsum(self.raw[used]) - self.raw[used]
        offsets = np.append(np.repeat(base, counts) + self.lo[every], self.raw[used].sum())
        data = b"".join(self.CODEC.decompress(self.blocks[b], int(self.raw[b]), asbytes=True)
                        for b in used.tolist())
        validity = pa.array(self.valid[every]).buffers()[1]
        whole = pa.Array.from_buffers(pa.large_string(), len(every),
                                      [validity, pa.py_buffer(offsets.astype(np.int64)),
                                       pa.py_buffer(data)])
        whole.validate(full=True)   # blocks read back from disk (``pipeline.prepared``): checked
        local = np.searchsorted(every, rows)                # ``every`` is sorted
        return whole.take(pa.array(local, type=pa.int64()))


class Rows:
    """The rows of one table of a build, by row number, with the interface of ``pa.Table`` that
    the queries use (``take``, ``select``, ``slice``, ``num_rows``, ``schema``).

    Columns held in memory (``memory``: Arrow arrays; ``blocks``: ``TextBlocks``) come from
    there; the others are read from the Parquet partitions, only the row groups that hold the
    rows asked for. Output types are the table schema's, so results equal those of the whole
    table read into memory.
    """

    def __init__(self, schema: pa.Schema, files: list[str], memory: dict | None = None,
                 blocks: dict | None = None, columns: list[str] | None = None,
                 groups: tuple | None = None):
        self.schema_all = schema
        self.files = files
        self.memory = memory or {}
        self.blocks = blocks or {}
        self.columns = list(columns) if columns is not None else list(schema.names)
        if groups is None:   # (first row, file, row group) of every row group, in row order
            first, where = [0], []
            for i, f in enumerate(files):
                md = pq.ParquetFile(f).metadata
                for g in range(md.num_row_groups):
                    first.append(first[-1] + md.row_group(g).num_rows)
                    where.append((i, g))
            groups = (np.array(first, dtype=np.int64), where)
        self.groups = groups

    @property
    def num_rows(self) -> int:
        return int(self.groups[0][-1])

    def __len__(self) -> int:
        return self.num_rows

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([self.schema_all.field(c) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    def select(self, columns: list[str]) -> "Rows":
        return Rows(self.schema_all, self.files, self.memory, self.blocks, columns, self.groups)

    def slice(self, offset: int = 0, length: int | None = None) -> pa.Table:
        end = self.num_rows if length is None else min(offset + length, self.num_rows)
        return self.take(np.arange(offset, max(end, offset), dtype=np.int64))

    def take(self, indices) -> pa.Table:
        """The rows ``indices`` (any order) of the selected columns, as an Arrow table."""
        rows = np.asarray(indices.to_numpy(zero_copy_only=False) if isinstance(
            indices, (pa.Array, pa.ChunkedArray)) else indices, dtype=np.int64)
        if len(rows) and (rows.min() < 0 or rows.max() >= self.num_rows):
            raise IndexError("row number out of range")
        out = {}
        disk = [c for c in self.columns if c not in self.memory and c not in self.blocks]
        if disk:
            read = self._read(rows, disk)
            out.update({c: read.column(c) for c in disk})
        for c in self.columns:
            if c in self.memory:
                out[c] = self.memory[c].take(pa.array(rows, type=pa.int64()))
            elif c in self.blocks:
                blocks = self.blocks[c]
                if isinstance(blocks, Future):         # still being built
                    blocks = self.blocks[c] = blocks.result()
                out[c] = blocks.take(rows)
        cols = []
        for c in self.columns:
            t = self.schema_all.field(c).type
            a = out[c]
            cols.append(a if a.type == t else a.cast(t))
        return pa.table(cols, schema=self.schema)

    #: Up to this many rows are read by DuckDB (a row costs ~15 ms: it reads only the pages that
    #: hold it), more by whole row groups in pyarrow (~200 ms for 65,536 rows of every column).
    FEW = 16

    def _read(self, rows: np.ndarray, columns: list[str]) -> pa.Table:
        schema = pa.schema([self.schema_all.field(c) for c in columns])
        if 0 < len(rows) <= self.FEW:
            return self._read_few(rows, columns, schema)
        first, where = self.groups
        g = np.searchsorted(first, rows, side="right") - 1
        order = np.argsort(g, kind="stable")
        parts = []
        for gi in np.unique(g).tolist():
            fi, rg = where[gi]
            t = pq.ParquetFile(self.files[fi]).read_row_group(rg, columns=columns)
            t = t.cast(pa.schema([self.schema_all.field(c) for c in columns]))
            parts.append(t.take(pa.array(rows[order][g[order] == gi] - first[gi])))
        if not parts:
            return pa.table({c: pa.array([], self.schema_all.field(c).type) for c in columns})
        got = pa.concat_tables(parts)        # rows by row group; back to the order asked for
        back = np.empty(len(rows), dtype=np.int64)
        back[order] = np.arange(len(rows))
        return got.take(pa.array(back))

    def _read_few(self, rows: np.ndarray, columns: list[str], schema: pa.Schema) -> pa.Table:
        first, where = self.groups
        g = np.searchsorted(first, rows, side="right") - 1
        file_first = {}                      # first row of each file
        for gi, (fi, rg) in enumerate(where):
            file_first.setdefault(fi, int(first[gi]))
        files = np.array([where[gi][0] for gi in g.tolist()], dtype=np.int64)
        sel = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
        parts, got_rows = [], []
        with _duck() as con:
            for fi in np.unique(files).tolist():
                local = rows[files == fi] - file_first[fi]
                t = con.sql(f"SELECT file_row_number, {sel} FROM read_parquet($f, "
                            "file_row_number = true) WHERE list_contains($r, file_row_number)",
                            params={"f": self.files[fi], "r": sorted(set(local.tolist()))}
                            ).to_arrow_table()
                got_rows.append(t.column(0).to_numpy() + file_first[fi])
                parts.append(t.drop_columns(["file_row_number"]).cast(schema))
        got = pa.concat_tables(parts)
        pos = {int(r): i for i, r in enumerate(np.concatenate(got_rows).tolist())}
        return got.take(pa.array([pos[int(r)] for r in rows.tolist()], type=pa.int64()))


_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="antifraud-load")


def _in_background(fn, *args) -> Future:
    """``fn(*args)`` on the background thread, at a lower CPU priority (nice 10; Linux sets it
    per thread): what it makes is wanted later (evidence rows below the charts, the prepared
    files), so it gives way to the script thread and the browser."""
    def run():
        try:
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, max(10, os.getpriority(os.PRIO_PROCESS, tid)))
        except (AttributeError, OSError):
            pass
        return fn(*args)
    return _BACKGROUND.submit(run)


_DUCK: list = []
_DUCK_LOCK = threading.Lock()


def _duck():
    """A DuckDB cursor of this process's one in-memory database (a cursor per thread)."""
    import duckdb
    with _DUCK_LOCK:
        if not _DUCK:
            _DUCK.append(duckdb.connect(config={"threads": max(1, os.cpu_count() or 1)}))
            atexit.register(_DUCK[0].close)
        return _DUCK[0].cursor()


class Search:
    """Free-text search in the evidence sentences (each in its own script and simplified), by
    DuckDB over the build's Parquet partitions (or over an Arrow table in memory).

    Same result as Arrow's ``match_substring(ignore_case=True)`` on the old search column (the
    evidence, plus ``\\x01`` and its simplified form where that differs): both are RE2 with case
    folding; a query without cased letters (Chinese, digits) is a plain ``contains``. Results are
    kept per query (most recent ``KEEP``), so other filter changes under one search are cheap.
    The simplified forms that differ from the evidence (few: the traditional-script facts) are
    read once (``differing``; a prepared build brings them along), so a search reads only the
    ``evidence`` column and matches those in memory with Arrow's ``match_substring``.
    """

    KEEP = 8

    def __init__(self, n: int, files: list[str] | None = None, table: pa.Table | None = None,
                 offsets: np.ndarray | None = None,
                 differ: tuple[np.ndarray, pa.Array] | None = None):
        self.n, self.files, self.table, self.offsets = n, files, table, offsets
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}
        self._differ = differ       # ``differing()``: rows, simplified forms (read once)

    def rows(self, query: str) -> np.ndarray:
        """Row mask of the facts whose evidence contains ``query`` (ignoring case)."""
        with self._lock:
            hit = self._cache.get(query)
        if hit is not None:
            return hit
        with _duck() as con:
            hit = self._rows(con, query)
        with self._lock:
            self._cache[query] = hit
            while len(self._cache) > self.KEEP:
                self._cache.pop(next(iter(self._cache)))
        return hit

    def _source(self, con) -> tuple[str, str]:
        if self.table is not None:          # registrations belong to one connection (cursor)
            con.register("facts", self.table)
            return "facts", "row"
        return "read_parquet($files, file_row_number = true)", "file_index, file_row_number"

    def differing(self) -> tuple[np.ndarray, pa.Array]:
        """(rows, simplified forms) of the facts whose ``evidence_simplified`` differs from their
        ``evidence`` (read once; kept with a prepared build, so that even the first search
        reads only the evidence)."""
        if self._differ is None:
            with _duck() as con:
                source, row = self._source(con)
                got = con.sql(f"SELECT {row}, evidence_simplified FROM {source} WHERE evidence "
                              "IS DISTINCT FROM evidence_simplified",
                              params={} if self.table is not None else {"files": self.files}
                              ).to_arrow_table()
            self._differ = (self._row_numbers(got),
                            got.column("evidence_simplified").combine_chunks())
        return self._differ

    def _rows(self, con, query: str) -> np.ndarray:
        source, row = self._source(con)
        params: dict = {"q": query}
        if _caseless(query):
            match = "contains({}, $q)"
        else:
            params["q"] = con.execute("SELECT regexp_escape($q)", params).fetchall()[0][0]
            match = "regexp_matches({}, $q, 'i')"
        if self.table is None:
            params["files"] = self.files
        hit = np.zeros(self.n, dtype=bool)
        if "\x01" in query:   # the old search column, joined, so a match may span both forms
            where = match.format("CASE WHEN evidence = evidence_simplified THEN evidence ELSE "
                                 "coalesce(evidence, '') || chr(1) || "
                                 "coalesce(evidence_simplified, '') END")
            hit[self._row_numbers(con.sql(f"SELECT {row} FROM {source} WHERE {where}",
                                          params=params).to_arrow_table())] = True
            return hit
        on_ev = f"coalesce({match.format('evidence')}, false)"
        hit[self._row_numbers(con.sql(f"SELECT {row} FROM {source} WHERE {on_ev}",
                                      params=params).to_arrow_table())] = True
        rows, simplified = self.differing()
        if len(rows):      # evidence_simplified = evidence elsewhere: matched above
            m = pc.fill_null(pc.match_substring(simplified, query, ignore_case=True), False)
            hit[rows[m.to_numpy(zero_copy_only=False)]] = True
        return hit

    def _row_numbers(self, got: pa.Table) -> np.ndarray:
        if self.table is not None:
            return got.column("row").to_numpy().astype(np.int64)
        return (self.offsets[got.column("file_index").to_numpy().astype(np.int64)]
                + got.column("file_row_number").to_numpy().astype(np.int64))


#: Characters without case (CJK ideographs and punctuation, kana, digits, ASCII and general
#: punctuation): a query made only of these matches the same with or without case folding.
_CASELESS = re.compile(r"[\u2010-\u205e\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                       r"\uff01-\uff20\uff3b-\uff40\uff5b-\uff65\U00020000-\U0003134f"
                       r"0-9 !-/:-@\[-`{-~]*", re.ASCII)


def _caseless(text: str) -> bool:
    return _CASELESS.fullmatch(text) is not None


@dataclass
class Counting:
    """What the no-double-counting rule needs, computed once per build (module docstring).

    Per filter, ``counted_mask`` only subsets these precomputed orders: O(rows), no joins.
    """

    root: np.ndarray            # reprint group (duplicate_of chains resolved)
    reprint_order: np.ndarray   # rows by (root, is a reprint, row): the original first
    group: np.ndarray           # code of (agency, metric, currency); -1: the rule does not apply
    start: np.ndarray           # period in days since 1900 (valid where ``dated``)
    end: np.ndarray
    dated: np.ndarray
    cum: np.ndarray
    op: np.ndarray
    cum_order: np.ndarray       # dated cumulative rows by (group, start, -end)
    op_order: np.ndarray        # dated operation rows in the rule by (group, end)
    tie: np.ndarray             # cumulative rows of one group and one period (or one undated
    tie_order: np.ndarray       #   article): only the largest counts; rows by (tie, -value, row)
    undated: np.ndarray         # code of (group, article) for undated rows in the rule, else -1
    whole_keep: np.ndarray | None = None    # ``counted_mask`` of every row (the view without
    whole_live: np.ndarray | None = None    #   filters, every session's first): ``whole()``
    cum_gse: tuple = ()         # group, start, end of the ``cum_order`` rows (contiguous;
    op_gse: tuple = ()          #   derived) and of the ``op_order`` rows
    shared: tuple = ()          # derived: rows of reprint groups of two or more, in
    #   ``reprint_order``; ``tie_order`` rows of ties of two or more; per row: alone in its group

    def __post_init__(self):
        if not self.cum_gse:
            self.cum_gse = tuple(a[self.cum_order] for a in (self.group, self.start, self.end))
        if not self.op_gse:
            self.op_gse = tuple(a[self.op_order] for a in (self.group, self.start, self.end))
        if not self.shared:     # (the other rows are decided alone: no sort order needed)
            n = len(self.root)
            alone = (np.bincount(self.root, minlength=n) == 1)[self.root]
            tie = self.tie[self.tie_order]
            same = tie[1:] == tie[:-1]
            tied = np.zeros(len(tie), dtype=bool)
            tied[1:] |= same
            tied[:-1] |= same
            self.shared = (self.reprint_order[~alone[self.reprint_order]],
                           self.tie_order[tied], alone)
        for a in (self.whole_keep, self.whole_live):
            if a is not None:
                a.flags.writeable = False       # shared by every view without filters

    def whole(self) -> tuple[np.ndarray, np.ndarray]:
        """``counted_mask`` of every row, made on first use (not while a build is opened: the
        peak memory of the open) and kept."""
        with _WHOLE_LOCK:
            if self.whole_keep is None or self.whole_live is None:
                keep, live = counted_mask(self, np.ones(len(self.root), bool), whole=False)
                keep.flags.writeable = live.flags.writeable = False
                self.whole_keep, self.whole_live = keep, live
        return self.whole_keep, self.whole_live


_WHOLE_LOCK = threading.Lock()


@dataclass
class Data:
    """One build, prepared for querying. Treat as read-only."""

    build: str                  # the build folder both tables were read from ("" in memory)
    facts: pd.DataFrame         # query frame: one row per fact, index = row number
    detail: pa.Table | Rows     # every fact column, same row order (evidence rows come from it)
    search: Search              # free-text search in the evidence
    camp_rows: np.ndarray       # campaign membership: row number ...
    camp_codes: np.ndarray      # ... and index into ``campaigns``
    campaigns: list[str]        # all campaign names, most frequent first (fixes the colours)
    counting: Counting
    articles: pa.Table | Rows | None = None  # ARTICLE_FIELDS of every article (else read on demand)
    article_ids: pa.Array | None = None     # article_id of each row of ``articles``
    choices: dict | None = None            # filter values present (``_choices``), made once
    fact_ids: pa.Array | None = None        # fact_id of each row (for ``fact_detail``)
    synthetic: np.ndarray | None = None     # per row: the fact comes from a synthetic article
    synthetic_all: tuple[int, int] | None = None   # ``synthetic_articles`` of the whole build


# --------------------------------------------------------------------------------------------
# Synthetic data (``antifraud synth``): marked wherever it is shown
# --------------------------------------------------------------------------------------------

#: What ``pipeline.synth`` puts in the title and outlet of every article it makes (the
#: traditional-script pages carry the converted form).
SYNTHETIC_MARKS = ("合成数据", "合成數據")
SYNTHETIC_TAG = "【合成数据】"
_SYNTHETIC_RE = "|".join(re.escape(m) for m in SYNTHETIC_MARKS)


def marked_synthetic(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per row of a string column (plain or dictionary-encoded): does it carry a synthetic mark.
    A dictionary column is matched once per distinct string.

    >>> marked_synthetic(pa.array(["【合成数据】某市", "示例日报", None, "【合成數據】某市"])).tolist()
    [True, False, False, True]
    """
    if isinstance(arr, pa.ChunkedArray):
        parts = [marked_synthetic(c) for c in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, bool)
    if pa.types.is_dictionary(arr.type):
        hit = np.append(marked_synthetic(arr.dictionary), False)        # [-1]: null
        idx = pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        return hit[idx]
    if not len(arr):
        return np.zeros(0, bool)
    return pc.fill_null(pc.match_substring_regex(arr, _SYNTHETIC_RE), False).to_numpy(
        zero_copy_only=False).astype(bool)


def _synthetic_rows(columns: list) -> np.ndarray | None:
    """Per row: title or outlet marked synthetic (``columns``: those present); None if none."""
    out = None
    for arr in columns:
        m = marked_synthetic(arr)
        out = m if out is None else out | m
    return out


def synthetic_articles(data: Data, mask: np.ndarray | None = None) -> tuple[int, int]:
    """(synthetic articles, all articles) among the facts of ``mask`` (default: the whole
    build). An article is synthetic when its title or outlet carries ``SYNTHETIC_MARKS``."""
    whole = mask is None or bool(mask.all())
    if whole and data.synthetic_all is not None:
        return data.synthetic_all
    art = data.facts["article_id"].cat
    codes, k = art.codes.to_numpy(), len(art.categories)

    def articles(rows: np.ndarray | None) -> int:
        seen = np.zeros(k + 1, dtype=bool)          # [-1]: no article
        seen[codes if rows is None else codes[rows]] = True
        return int(seen[:k].sum())

    n_all = articles(None if whole else mask)
    syn = data.synthetic
    if syn is None or not syn.any():
        return 0, n_all
    if syn.all():                   # every fact synthetic (``antifraud synth`` tables)
        return n_all, n_all
    return articles(syn if whole else syn & mask), n_all


def read_facts(build: str | os.PathLike) -> pa.Table:
    """The facts table of one build folder (a file or a folder of partitions), all in memory."""
    t = pads.dataset(Path(build) / "facts.parquet", format="parquet").to_table()
    return t.cast(tables.FACTS_SCHEMA) if t.schema != tables.FACTS_SCHEMA else t


ARTICLE_FIELDS = ["article_id", "title", "source", "url", "text"]


def read_articles(build: str | os.PathLike) -> pa.Table:
    """The ``ARTICLE_FIELDS`` of every article of one build folder (text stays in Arrow)."""
    return pads.dataset(Path(build) / "articles.parquet", format="parquet").to_table(
        columns=ARTICLE_FIELDS)


def load(folder: str | os.PathLike | None = None) -> Data | None:
    """Open the current build of ``folder`` (default ``data_dir()``); None if none."""
    key = build_key(folder)
    return None if key is None else open_build(key[0])


def open_build(build: str | os.PathLike, prepared: bool = True) -> Data:
    """Prepare one build folder for querying, holding in memory only what filtering and counting
    need (``MEMORY_COLUMNS``, strings dictionary-encoded; evidence compressed); every other
    column, and the articles, are read from the Parquet partitions for the rows shown.

    With ``prepared`` (the default) the result is read from the build's prepared files
    (``pipeline.prepared``) when they are valid, and otherwise written there in the background
    after it is computed, for the next open."""
    build = Path(build)
    if not prepared:
        return _open_parquet(build)
    from . import prepared as prep
    data = prep.load(build)
    if data is None:
        data = _open_parquet(build)
        global _SAVING
        _SAVING = _in_background(_save_quietly, prep, data, build)
    return data


_SAVING: Future | None = None


def _save_quietly(prep, data: Data, build: Path) -> Path | None:
    try:
        return prep.save(data, build)
    except Exception:           # a cache: never let writing it break the dashboard
        return None


def wait_saved() -> Path | None:
    """Wait for the prepared files being written in the background (tests, benchmarks)."""
    return _SAVING.result() if _SAVING is not None else None


def _open_parquet(build: Path) -> Data:
    fmt = pads.ParquetFileFormat(
        read_options=pads.ParquetReadOptions(dictionary_columns=DICTIONARY_COLUMNS))
    ds = pads.dataset(build / "facts.parquet", format=fmt)
    names = set(ds.schema.names)
    mem = ds.to_table(columns=[c for c in MEMORY_COLUMNS if c in names])     # on all cores
    # the compressed evidence is built on a second thread while the rest is prepared (pyarrow
    # reads and compresses without the GIL); the first evidence rows wait for it
    evidence = _in_background(lambda: TextBlocks(
        b.column(0) for b in pads.dataset(build / "facts.parquet", format="parquet").to_batches(
            columns=["evidence"])))
    cols = {}
    for c in MEMORY_COLUMNS:
        t = tables.FACTS_SCHEMA.field(c).type
        if c not in names:
            cols[c] = pa.nulls(mem.num_rows, t)
        elif mem.column(c).type != t and not pa.types.is_dictionary(mem.column(c).type):
            cols[c] = mem.column(c).cast(t)
        else:
            cols[c] = mem.column(c)
    del mem
    # one array per column (taking rows from 100 chunks would concatenate them on every take);
    # each column's chunks are let go as it is replaced (lower peak memory)
    for c in list(cols):
        cols[c] = _one_chunk(cols[c])
    files = list(ds.files)
    detail = Rows(tables.FACTS_SCHEMA, files,
                  memory={c: cols[c] for c in MEMORY_COLUMNS if c != "duplicate_of"},
                  blocks={"evidence": evidence})
    counts = [pq.ParquetFile(f).metadata.num_rows for f in files]
    search = Search(detail.num_rows, files=files,
                    offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    articles = article_rows(pads.dataset(build / "articles.parquet", format="parquet"))
    # synthetic articles: title and outlet read dictionary-encoded (each distinct string matched
    # once per row group), not kept
    marks = [c for c in ("title", "outlet") if c in names]
    synthetic = None
    if marks:
        mds = pads.dataset(build / "facts.parquet", format=pads.ParquetFileFormat(
            read_options=pads.ParquetReadOptions(dictionary_columns=marks)))
        parts = [_synthetic_rows(b.columns) for b in mds.to_batches(columns=marks)]
        synthetic = np.concatenate(parts) if parts else np.zeros(0, bool)
    return _prepare(cols, str(build), detail, search, articles, synthetic)


def article_rows(arts: pads.Dataset, groups: tuple | None = None) -> Rows:
    """The ``ARTICLE_FIELDS`` of a build's articles dataset, read for the rows asked for."""
    return Rows(pa.schema([arts.schema.field(c) for c in ARTICLE_FIELDS]), list(arts.files),
                groups=groups)


def from_frames(facts: pd.DataFrame | list[dict],
                articles: pd.DataFrame | list[dict] | None = None) -> Data:
    """Prepare in-memory tables (rows with any subset of the schema's columns)."""
    arts = None if articles is None else tables.to_table(
        articles, tables.ARTICLES_SCHEMA).select(ARTICLE_FIELDS)
    return prepare(tables.to_table(facts, tables.FACTS_SCHEMA), "", arts)


def prepare(facts: pa.Table, build: str = "", articles: pa.Table | None = None) -> Data:
    """Prepare tables held in memory (every fact column, and optionally the articles)."""
    facts = facts.combine_chunks()
    search = Search(facts.num_rows, table=pa.table({
        "row": pa.array(np.arange(facts.num_rows, dtype=np.int64)),
        "evidence": facts.column("evidence"),
        "evidence_simplified": facts.column("evidence_simplified")}))
    return _prepare({c: facts.column(c) for c in MEMORY_COLUMNS}, str(build), facts, search,
                    articles, _synthetic_rows([facts.column(c) for c in ("title", "outlet")
                                               if c in facts.column_names]))


def _one_chunk(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One array of a column read in chunks (dictionaries unified)."""
    if not isinstance(arr, pa.ChunkedArray):
        return arr
    if pa.types.is_dictionary(arr.type):
        arr = pa.table({"c": arr}).unify_dictionaries().column("c")
    return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)


def _cat(arr: pa.ChunkedArray | pa.Array) -> pd.Categorical:
    """A string column (plain or dictionary-encoded, in chunks or not) as a pandas Categorical,
    categories in order of first appearance, as ``dictionary_encode`` of the whole column."""
    arr = _one_chunk(arr)
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    # the indices as they are (no int64 copy); nulls -1
    idx = (pc.fill_null(arr.indices, -1) if arr.null_count else arr.indices).to_numpy(
        zero_copy_only=False)
    seen = pd.unique(idx[idx >= 0] if arr.null_count else idx)   # entries, first appearance first
    remap = np.full(len(arr.dictionary) + 1, -1, dtype=np.int64)
    remap[seen] = np.arange(len(seen))
    # codes made directly in the width pandas keeps them in (no second copy in ``from_codes``)
    width = np.int8 if len(seen) < 127 else np.int16 if len(seen) < 32767 else np.int32
    codes = remap.astype(width)[idx]                 # -1 stays -1 (remap[-1] is the spare -1)
    names = pd.Index(arr.dictionary.take(pa.array(seen, type=pa.int64())).to_pandas())
    return pd.Categorical.from_codes(codes, categories=names, validate=False)   # in range


def _datetimes(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A date column as datetime64[s] (NaT for null), as ``pd.to_datetime`` of its dates."""
    return pc.cast(arr, pa.timestamp("s")).to_numpy(zero_copy_only=False).astype(
        "datetime64[s]")


def _prepare(col: dict, build: str, detail: pa.Table | Rows, search: Search,
             articles: pa.Table | Rows | None, synthetic: np.ndarray | None = None) -> Data:
    """The query frame, campaign membership and counting orders of the ``MEMORY_COLUMNS``."""
    fact_id = col["fact_id"]
    fact_id = fact_id.combine_chunks() if isinstance(fact_id, pa.ChunkedArray) else fact_id
    n = len(fact_id)
    f = pd.DataFrame(index=pd.RangeIndex(n))
    f["fact_id"] = pd.Series(fact_id.to_pandas(), index=f.index)
    for c in ("article_id", "metric", "unit", "currency", "qualifier", "scope", "province",
              "city", "district", "agency", "agency_level", "script"):
        f[c] = _cat(col[c])
    f["value"] = col["value"].to_pandas().astype("float64")
    published = _datetimes(col["published"])
    period_start = _datetimes(col["period_start"])
    end = _datetimes(col["period_end"])
    f["date"] = np.where(np.isnat(end), published, end)
    del published, end          # (a million articles: 36 MB each; the open's peak is below)
    # region label: the most specific level, with its city where there is a district
    codes = [f[c].cat.codes.to_numpy().astype(np.int64) for c in ("province", "city", "district")]
    sizes = [len(f[c].cat.categories) + 1 for c in ("province", "city", "district")]
    packed = ((codes[0] + 1) * sizes[1] + codes[1] + 1) * sizes[2] + codes[2] + 1
    combo, uniq = pd.factorize(packed)
    names = [np.asarray(f[c].cat.categories, dtype=object)
             for c in ("province", "city", "district")]
    labels = []
    for u in uniq.tolist():
        d = u % sizes[2] - 1
        ci = u // sizes[2] % sizes[1] - 1
        p = u // sizes[2] // sizes[1] - 1
        city = names[1][ci] if ci >= 0 else None
        if d >= 0:
            labels.append((city or "") + names[2][d])
        else:
            labels.append(city if city is not None else (names[0][p] if p >= 0 else "全国"))
    lab_codes, lab_names = pd.factorize(pd.Index(labels, dtype="str"))
    f["region_label"] = pd.Categorical.from_codes(
        lab_codes[combo] if n else np.zeros(0, np.int64), categories=lab_names)
    del codes, packed, combo
    # campaigns: membership pairs and the first named
    camps = col["campaigns"]
    camps = camps.combine_chunks() if isinstance(camps, pa.ChunkedArray) else camps
    camps = pc.fill_null(camps, pa.scalar([], type=camps.type)) if camps.null_count else camps
    rows = pc.list_parent_indices(camps).to_numpy().astype(np.int64)
    flat = pc.list_flatten(camps)
    names_all, codes = (np.array([], dtype=object), np.zeros(0, np.int64))
    if len(flat):
        enc = pc.dictionary_encode(flat).combine_chunks() if isinstance(flat, pa.ChunkedArray) \
            else pc.dictionary_encode(flat)
        names_all = np.array(enc.dictionary.to_pylist(), dtype=object)
        codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    freq = np.bincount(codes, minlength=len(names_all))
    order = sorted(range(len(names_all)), key=lambda i: (-freq[i], names_all[i]))
    remap = np.empty(len(names_all), np.int64)
    remap[order] = np.arange(len(order))
    codes = remap[codes] if len(codes) else codes
    campaigns = [str(names_all[i]) for i in order]
    offsets = camps.offsets.to_numpy()
    offsets = offsets - offsets[0]          # a sliced array's offsets need not start at 0
    lengths = np.diff(offsets)
    has = lengths > 0
    first = np.full(n, len(campaigns), dtype=np.int64)          # NO_CAMPAIGN
    if len(codes):
        first[has] = codes[offsets[:-1][has]]
    f["campaign_first"] = pd.Categorical.from_codes(first, campaigns + [NO_CAMPAIGN])
    # bit i of camp_bits: the fact names campaigns[i] (the 63 most frequent; the rest in lists)
    bits = np.zeros(n, dtype=np.int64)
    small = codes < MAX_BITS
    if len(codes):   # list items are stored row by row: OR each row's segment
        flags = np.where(small, np.left_shift(1, np.minimum(codes, MAX_BITS - 1)), 0)
        bits[has] = np.bitwise_or.reduceat(flags, offsets[:-1][has])
    f["camp_bits"] = bits
    extra = np.zeros(n, dtype=bool)
    extra[rows[~small]] = True
    more = np.full(n, None, dtype=object)
    for i in np.flatnonzero(extra):
        more[i] = camps[int(i)].as_py()
    f["camp_more"] = pd.Series(more, dtype=object)
    f["_row"] = np.arange(n, dtype=np.int64)
    counting = _counting(f, fact_id, col["duplicate_of"], period_start)
    art_ids = None
    if isinstance(articles, Rows):
        art_ids = None                      # read on the first ``article_text``
    elif articles is not None:
        art_ids = articles.column("article_id").combine_chunks()
    data = Data(build=str(build), facts=f, detail=detail, search=search, camp_rows=rows,
                camp_codes=codes, campaigns=campaigns, counting=counting, choices=_choices(f),
                articles=articles, article_ids=art_ids, fact_ids=fact_id,
                synthetic=synthetic if synthetic is not None and synthetic.any() else None)
    data.synthetic_all = synthetic_articles(data)
    return data


def _days(v: np.ndarray) -> np.ndarray:
    """Days since ``DAY0`` of datetimes (0 for NaT)."""
    d = np.asarray(v)
    if d.dtype != np.dtype("datetime64[s]"):
        d = d.astype("datetime64[s]")
    nat = np.isnat(d)
    out = d.view(np.int64) // 86400 + int((np.datetime64("1970-01-01", "D") - DAY0).astype(int))
    out[nat] = 0
    return out


def _counting(f: pd.DataFrame, fact_id: pa.Array, duplicate_of: pa.Array | pa.ChunkedArray,
              period_start: np.ndarray) -> Counting:
    n = len(f)
    rows = np.arange(n, dtype=np.int64)
    # 1. reprint roots: follow duplicate_of to the first fact with that id (chains are short)
    dup = duplicate_of.combine_chunks() if isinstance(duplicate_of, pa.ChunkedArray) \
        else duplicate_of
    if pa.types.is_dictionary(dup.type):
        dup = dup.cast(dup.type.value_type)
    is_reprint = pc.fill_null(pc.not_equal(dup, ""), False).to_numpy(zero_copy_only=False)
    parent = np.full(n, -1, np.int64)
    if is_reprint.any():   # hash the few ids reprints point to, not every fact_id
        dups = dup.filter(pa.array(is_reprint))
        targets = pc.unique(dups)
        at = pc.fill_null(pc.index_in(fact_id, value_set=targets), -1).to_numpy(
            zero_copy_only=False).astype(np.int64)
        hit = np.flatnonzero(at >= 0)
        first_row = np.full(len(targets), -1, np.int64)
        first_row[at[hit][::-1]] = hit[::-1]              # the first row with each id
        parent[is_reprint] = first_row[pc.index_in(dups, value_set=targets).to_numpy(
            zero_copy_only=False).astype(np.int64)]
    root = rows.copy()
    for _ in range(50):
        p = parent[root]
        step = p >= 0
        if not step.any():
            break
        root = np.where(step, p, root)
    del rows, parent, p, step
    # by (root, is a reprint, row): one stable sort of a nearly sorted key (roots mostly = row)
    reprint_order = np.argsort(root * 2 + is_reprint, kind="stable")
    # 2. groups of the containment rule
    cum = (f["scope"] == "cumulative").to_numpy(bool)
    op = (f["scope"] == "operation").to_numpy(bool)
    mcodes = f["metric"].cat.codes.to_numpy().astype(np.int64)
    pct = np.array([metric_kind(m) == "percent" for m in f["metric"].cat.categories] + [True])
    eligible = ((f["agency"].cat.codes.to_numpy() >= 0) & f["value"].notna().to_numpy(bool)
                & ~pct[mcodes])
    cur = f["currency"]
    ccodes = np.where(cur.isna() | (cur == BASE_CURRENCY), -1,
                      cur.cat.codes.to_numpy()).astype(np.int64) + 1
    packed = ((f["agency"].cat.codes.to_numpy().astype(np.int64) * (len(pct) + 1) + mcodes + 1)
              * (len(cur.cat.categories) + 1) + ccodes)
    group = np.where(eligible, pd.factorize(packed)[0] if n else packed, -1).astype(np.int64)
    del mcodes, ccodes, packed, eligible
    date = f["date"].to_numpy(dtype="datetime64[s]")
    dated = ~np.isnat(date)
    end = _days(date)
    start = np.where(np.isnat(period_start), end, _days(period_start))
    jan1 = np.flatnonzero(np.isnat(period_start) & cum & dated)    # 今年以来: from 1 January
    start[jan1] = _days(date[jan1].astype("datetime64[Y]"))
    start = np.minimum(start, end)
    in_rule = group >= 0
    # dated cumulative rows by (group, start, -end)
    # (one stable sort of a packed key: a lexsort over three keys sorts three times)
    dc = np.flatnonzero(in_rule & cum & dated)
    period = (group[dc] * BIG + start[dc]) * BIG          # + end: one group and one period
    key = period + (BIG - 1 - end[dc])
    by_key = np.argsort(key, kind="stable")
    cum_order = dc[by_key]
    do = np.flatnonzero(in_rule & op & dated)
    op_order = do[np.argsort(group[do] * BIG + end[do], kind="stable")]
    # ties: one group and one period, or one group and one undated article
    art = f["article_id"].cat.codes.to_numpy().astype(np.int64)
    undated = np.full(n, -1, np.int64)
    ud = np.flatnonzero(in_rule & ~dated)
    if len(ud):
        undated[ud] = pd.factorize(group[ud] * (art.max() + 2) + art[ud] + 1)[0]
    tie = np.full(n, -1, np.int64)
    value = f["value"].to_numpy(float)
    tie_order = np.zeros(0, np.int64)       # tie rows by (tie, -value, row)
    if len(dc):
        # one period = one run of ``cum_order`` (rows ascending within a run), numbered by
        # first appearance like a factorize of the periods in row order (no hashing), and
        # put in that order run by run (no sort of every row)
        key = key[by_key]
        new = np.ones(len(key), dtype=bool)
        new[1:] = key[1:] != key[:-1]
        starts = np.flatnonzero(new)
        runs = np.argsort(cum_order[starts])        # runs by code (distinct first rows)
        code = np.empty(len(starts), np.int64)
        code[runs] = np.arange(len(code))
        tie[cum_order] = code[np.cumsum(new) - 1]
        size = np.diff(np.append(starts, len(key)))[runs]
        tie_order = cum_order[np.repeat(starts[runs] - (np.cumsum(size) - size), size)
                              + np.arange(len(key))]
        tied = np.repeat(size > 1, size)            # ties of two or more: by -value, stably
        sub = tie_order[tied]
        tie_order[tied] = sub[np.lexsort((-value[sub], tie[sub]))]
    uc = np.flatnonzero(in_rule & cum & ~dated)
    if len(uc):                                     # (codes after every dated one)
        tie[uc] = undated[uc] + (tie.max() + 1)
        tie_order = np.concatenate([tie_order, uc[np.lexsort((-value[uc], tie[uc]))]])
    return Counting(root=root, reprint_order=reprint_order, group=group, start=start, end=end,
                    dated=dated, cum=cum, op=op, cum_order=cum_order, op_order=op_order, tie=tie,
                    tie_order=tie_order, undated=undated)


def _group_cummax(g: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Running maximum of ``v`` restarting at each new ``g`` (``g`` sorted, 0 <= v < BIG)."""
    w = g * BIG + v
    return np.maximum.accumulate(w) - g * BIG


def counted_mask(c: Counting, mask: np.ndarray, whole: bool = True
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(counted, live) row masks for the selected rows ``mask``: ``live`` after dropping repeated
    reprints, ``counted`` after the containment rule too. Every row selected (and ``whole``):
    the result made once (read-only arrays)."""
    n = len(mask)
    if whole and mask.all():
        return c.whole()
    group_order, tie_order, alone = c.shared
    live = mask & alone                 # a fact without reprints: live when selected
    sub = group_order[mask[group_order]]
    r = c.root[sub]
    first = np.ones(len(sub), dtype=bool)
    first[1:] = r[1:] != r[:-1]
    live[sub[first]] = True
    absorbed = np.zeros(n, dtype=bool)
    # cumulative totals of one period: only the largest
    t = tie_order[live[tie_order]]
    tg = c.tie[t]
    later = np.zeros(len(t), dtype=bool)
    later[1:] = tg[1:] == tg[:-1]
    absorbed[t[later]] = True
    # cumulative totals strictly inside a longer one
    alive = live[c.cum_order]
    k = c.cum_order[alive]
    if len(k):     # (the rows' group, start and end, kept in this order: no random reads)
        g, s, e = (a[alive] for a in c.cum_gse)
        runmax = _group_cummax(g, e)
        idx = np.arange(len(k))
        newblock = np.ones(len(k), dtype=bool)
        newblock[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
        bstart = np.maximum.accumulate(np.where(newblock, idx, 0))
        prev = np.maximum(bstart - 1, 0)
        has_prev = (bstart > 0) & (g[prev] == g)
        inside = (has_prev & (runmax[prev] >= e)) | (e[bstart] > e)
        absorbed[k[inside]] = True
        # operations overlapping a cumulative total (searched in key order: cache-friendly)
        alive = live[c.op_order]
        ops = c.op_order[alive]
        if len(ops):
            og, os_, oe = (a[alive] for a in c.op_gse)
            pos = np.searchsorted(g * BIG + s, og * BIG + oe, side="right") - 1
            p = np.maximum(pos, 0)
            hit = (pos >= 0) & (g[p] == og) & (runmax[p] >= os_)
            absorbed[ops[hit]] = True
    # undated operations of an article that also states an undated total
    totals = c.undated[live & c.cum & (c.undated >= 0)]
    if len(totals):
        ops = np.flatnonzero(live & c.op & (c.undated >= 0))
        absorbed[ops[np.isin(c.undated[ops], totals)]] = True
    return live & ~absorbed, live


# --------------------------------------------------------------------------------------------
# Filters (their URL form is the dashboard's query string)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    campaigns: tuple[str, ...] = ()
    province: str | None = None
    city: str | None = None
    district: str | None = None
    agency_levels: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    scopes: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()
    search: str = ""

    # field -> URL key
    URL_KEYS = {"campaigns": "campaign", "province": "province", "city": "city",
                "district": "district", "agency_levels": "level", "metrics": "metric",
                "start": "from", "end": "to", "scopes": "scope", "scripts": "script",
                "search": "q"}

    def to_query(self) -> dict[str, str | list[str]]:
        """The URL query parameters of these filters (empty ones left out).

        >>> Filters(campaigns=("断卡",), start=date(2022, 1, 1)).to_query()
        {'campaign': ['断卡'], 'from': '2022-01-01'}
        """
        out: dict[str, str | list[str]] = {}
        for fl in fields(self):
            v = getattr(self, fl.name)
            key = self.URL_KEYS[fl.name]
            if isinstance(v, tuple):
                if v:
                    out[key] = list(v)
            elif isinstance(v, date):
                out[key] = v.isoformat()
            elif v:
                out[key] = str(v)
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str | list[str]]) -> "Filters":
        """Filters from URL query parameters; a malformed date is ignored.

        >>> Filters.from_query({"campaign": "断卡", "to": "2022-13-01", "q": "冻结"})
        Filters(campaigns=('断卡',), province=None, city=None, district=None, agency_levels=(), metrics=(), start=None, end=None, scopes=(), scripts=(), search='冻结')
        """
        kw: dict = {}
        for fl in fields(cls):
            raw = params.get(cls.URL_KEYS[fl.name])
            if raw is None:
                continue
            vals = [raw] if isinstance(raw, str) else [str(x) for x in raw]
            vals = [x for x in vals if x != ""]
            if not vals:
                continue
            if fl.name in ("start", "end"):
                try:
                    kw[fl.name] = date.fromisoformat(vals[-1])
                except ValueError:
                    pass
            elif isinstance(cls.__dataclass_fields__[fl.name].default, tuple):
                kw[fl.name] = tuple(dict.fromkeys(vals))
            else:
                kw[fl.name] = vals[-1]
        return cls(**kw)

    def restrict(self, valid: Mapping[str, list[str]]) -> "Filters":
        """Drop values not in ``valid[field]`` (e.g. a stale link), keep the rest."""
        kw = {}
        for name, ok in valid.items():
            v = getattr(self, name)
            okset = set(ok)
            if isinstance(v, tuple):
                kw[name] = tuple(x for x in v if x in okset)
            elif v is not None and v not in okset:
                kw[name] = None
        return replace(self, **kw)


def _any_of(codes: np.ndarray, wanted: list[int]) -> np.ndarray:
    """``np.isin(codes, wanted)``; a few values compared one by one (no index arrays made)."""
    if len(wanted) > 4:
        return np.isin(codes, wanted)
    out = np.zeros(len(codes), dtype=bool)
    for w in wanted:
        out |= codes == w
    return out


def filter_mask(data: Data, flt: Filters) -> np.ndarray:
    """Boolean row mask of the facts matching ``flt``."""
    f = data.facts
    n = len(f)
    m = np.ones(n, dtype=bool)
    if flt.campaigns:
        want = [i for i, c in enumerate(data.campaigns) if c in set(flt.campaigns)]
        cm = np.zeros(n, dtype=bool)
        cm[data.camp_rows[_any_of(data.camp_codes, want)]] = True
        m &= cm
    for col, vals in (("province", (flt.province,) if flt.province else ()),
                      ("city", (flt.city,) if flt.city else ()),
                      ("district", (flt.district,) if flt.district else ()),
                      ("agency_level", flt.agency_levels), ("metric", flt.metrics),
                      ("scope", flt.scopes), ("script", flt.scripts)):
        if vals:
            cat = f[col].cat
            codes = [cat.categories.get_loc(v) for v in vals if v in cat.categories]
            m &= _any_of(cat.codes.to_numpy(), codes)
    if flt.start is not None or flt.end is not None:
        d = f["date"].to_numpy()            # (datetime64[s]: compared in its own unit)
        ok = ~np.isnat(d)
        if flt.start is not None:
            ok &= d >= np.datetime64(flt.start)
        if flt.end is not None:
            ok &= d <= np.datetime64(flt.end)
        m &= ok
    q = flt.search.strip()
    if q and n:
        m &= data.search.rows(q)
    return m


def filter_facts(data: Data | pd.DataFrame, flt: Filters) -> pd.DataFrame:
    """The facts matching ``flt`` (all of them, reprints included), as query-frame rows."""
    data = data if isinstance(data, Data) else from_frames(data)
    return data.facts[filter_mask(data, flt)]


#: Columns of ``View.counted``: what the aggregations need (evidence rows come from ``detail``).
COUNTED_COLUMNS = ["fact_id", "metric", "value", "currency", "province", "city", "district",
                   "region_label", "date", "campaign_first", "camp_bits", "camp_more", "_row"]


class View:
    """The result of one filter: every matching fact, and the ones that count in sums.

    Frames are built on first use: a rerun that only needs the sums never copies the rest.
    """

    def __init__(self, data: Data, mask: np.ndarray, keep: np.ndarray, live: np.ndarray,
                 preferred: tuple[str, ...] = ()):
        self.data, self.mask, self.keep, self.live = data, mask, keep, live
        self.preferred = preferred
        self.n_matched = int(mask.sum())
        self.n_counted = int(keep.sum())
        self.n_reprint = int((mask & ~live).sum())
        self.n_contained = self.n_matched - self.n_counted - self.n_reprint

    @property
    def empty(self) -> bool:
        return self.n_matched == 0

    @cached_property
    def matched(self) -> pd.DataFrame:
        """Query-frame rows matching the filter."""
        return self.data.facts[self.mask]

    @cached_property
    def counted(self) -> pd.DataFrame:
        """The rows that count (``COUNTED_COLUMNS``), plus ``campaign`` for colouring."""
        rows = np.flatnonzero(self.keep)
        f = self.data.facts[COUNTED_COLUMNS].take(rows)
        return f.assign(campaign=main_campaign(self.data, rows, self.preferred))

    @cached_property
    def status(self) -> pd.Series:
        """Per matched row: counted, reprint or contained."""
        codes = self._status_codes()[self.mask]
        return pd.Series(pd.Categorical.from_codes(codes, STATUSES),
                         index=self.data.facts.index[self.mask])

    def _status_codes(self) -> np.ndarray:
        return np.where(self.keep, 0, np.where(self.live, 2, 1)).astype(np.int8)


def select(data: Data, flt: Filters) -> View:
    """Filter, then apply the no-double-counting rule."""
    mask = filter_mask(data, flt)
    keep, live = counted_mask(data.counting, mask)
    return View(data, mask, keep, live, flt.campaigns)


def main_campaign(data: Data, rows: np.ndarray, preferred: tuple[str, ...] = ()) -> pd.Categorical:
    """One campaign per fact for colouring stacked charts: the first selected campaign it names,
    else the first it names, else ``NO_CAMPAIGN``."""
    first = data.facts["campaign_first"]
    out = first.cat.codes.to_numpy()[rows].astype(np.int64)
    for c in reversed(preferred):
        if c in data.campaigns:
            i = data.campaigns.index(c)
            member = np.zeros(len(data.facts), dtype=bool)
            member[data.camp_rows[data.camp_codes == i]] = True
            out = np.where(member[rows], i, out)
    return pd.Categorical.from_codes(out, first.cat.categories)


# --------------------------------------------------------------------------------------------
# Aggregations (take ``View.counted``)
# --------------------------------------------------------------------------------------------

@dataclass
class Headline:
    metric: str
    label: str
    value: float                    # sum in base units (money: yuan, CNY only)
    text: str                       # formatted in Chinese convention
    facts: int                      # how many facts were summed
    other_currency: int = 0         # money facts in another currency, not summed


def summable(counted: pd.DataFrame, metric: str, columns: list[str] | None = None
             ) -> pd.DataFrame:
    """The counted facts of ``metric`` that can be added up (money: CNY only); only ``columns``
    (default all)."""
    ok = (counted["metric"] == metric).to_numpy(bool) & counted["value"].notna().to_numpy(bool)
    if metric_kind(metric) == "money":
        cur = counted["currency"]
        ok &= (cur.isna() | (cur == BASE_CURRENCY)).to_numpy(bool)
    return counted.loc[ok, columns] if columns is not None else counted[ok]


def headline(counted: pd.DataFrame, metrics: list[str] | None = None) -> dict[str, Headline]:
    """Sum of each headline metric over the counted facts."""
    cats = list(counted["metric"].cat.categories)
    k = len(cats) + 1
    codes = counted["metric"].cat.codes.to_numpy().astype(np.int64) % k   # -1 (null) -> k-1
    value = counted["value"].to_numpy(float)
    cur = counted["currency"]
    base = (cur.isna() | (cur == BASE_CURRENCY)).to_numpy(bool)
    money = np.array([metric_kind(c) == "money" for c in cats] + [False])
    ok = ~np.isnan(value) & (base | ~money[codes])
    sums = np.bincount(codes[ok], weights=value[ok], minlength=k)
    n_ok = np.bincount(codes[ok], minlength=k)
    n_all = np.bincount(codes, minlength=k)
    out = {}
    for m in metrics or HEADLINE_METRICS:
        i = cats.index(m) if m in cats else None
        total = float(sums[i]) if i is not None else 0.0
        n = int(n_ok[i]) if i is not None else 0
        other = int(n_all[i] - n_ok[i]) if i is not None and metric_kind(m) == "money" else 0
        out[m] = Headline(m, metric_label(m), total,
                          fmt_number(total, metric_unit(m)) if n else "—", n, other)
    return out


def _fac(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, names) of a column; -1 for missing. Categoricals use their codes (no hashing)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64), np.asarray(s.cat.categories, dtype=object)
    codes, names = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(names, dtype=object)


def _sum_by(keys: list[np.ndarray], sizes: list[int], values: np.ndarray
            ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Group sums over several code columns (code -1 = missing): (codes per key, sums, counts)."""
    packed = np.zeros(len(values), dtype=np.int64)
    for k, n in zip(keys, sizes):
        packed = packed * (n + 1) + (k + 1)
    space = int(np.prod([n + 1 for n in sizes], dtype=np.float64))
    if space <= 1 << 20:      # small key space: count into every possible key (no sort)
        counts = np.bincount(packed, minlength=space)
        uniq = np.flatnonzero(counts)
        sums = np.bincount(packed, weights=values, minlength=space)[uniq]
        counts = counts[uniq]
    else:
        uniq, inv = np.unique(packed, return_inverse=True)
        sums = np.bincount(inv, weights=values, minlength=len(uniq))
        counts = np.bincount(inv, minlength=len(uniq))
    out = []
    for n in reversed(sizes):
        out.append(uniq % (n + 1) - 1)
        uniq = uniq // (n + 1)
    return out[::-1], sums, counts


def by_district(counted: pd.DataFrame, metric: str, top: int = 30) -> pd.DataFrame:
    """Sum per district (label, campaign, value), districts by total descending; only facts
    resolved to a district. ``attrs``: ``undistricted`` facts left out, ``districts`` in all."""
    f = summable(counted, metric, ["district", "region_label", "campaign", "value"])
    has = f["district"].notna().to_numpy(bool)
    lab, lab_names = _fac(f["region_label"])
    camp, camp_names = _fac(f["campaign"])
    (lc, cc), sums, _ = _sum_by([lab[has], camp[has]], [len(lab_names), len(camp_names)],
                                f["value"].to_numpy(float)[has])
    totals = np.bincount(lc, weights=sums, minlength=len(lab_names)) if len(lc) else np.zeros(0)
    present = np.unique(lc)
    ranked = present[np.lexsort((present, -totals[present]))][:top]
    rank = np.full(len(lab_names), -1)
    rank[ranked] = np.arange(len(ranked))
    sel = rank[lc] >= 0 if len(lc) else np.zeros(0, bool)
    order = np.lexsort((-sums[sel], rank[lc[sel]]))
    g = pd.DataFrame({"label": lab_names[lc[sel]][order], "campaign": camp_names[cc[sel]][order],
                      "value": sums[sel][order]})
    g.attrs["undistricted"] = int((~has).sum())
    g.attrs["districts"] = int(len(present))
    return g


def by_campaign(counted: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Sum per campaign (campaign, value, facts); a fact naming two campaigns is in both bars."""
    f = summable(counted, metric, ["campaign_first", "camp_bits", "camp_more", "value"])
    names = list(f["campaign_first"].cat.categories)[:-1]     # campaigns, most frequent first
    bits = f["camp_bits"].to_numpy(np.int64)
    value = f["value"].to_numpy(float)
    rows = []
    for i, name in enumerate(names[:MAX_BITS]):
        hit = (bits >> i) & 1 == 1
        if hit.any():
            rows.append((name, float(value[hit].sum()), int(hit.sum())))
    more = f["camp_more"].to_numpy(dtype=object)
    extra: dict[str, list] = {}
    for lst, v in zip(more, value):
        for name in (lst if lst is not None else ()):
            if name not in names[:MAX_BITS]:
                extra.setdefault(name, [0.0, 0])
                extra[name][0] += v
                extra[name][1] += 1
    rows += [(k, v, c) for k, (v, c) in extra.items()]
    none = bits == 0
    none &= np.array([x is None for x in more], dtype=bool) if len(more) else none
    if none.any():
        rows.append((NO_CAMPAIGN, float(value[none].sum()), int(none.sum())))
    g = pd.DataFrame(rows, columns=["campaign", "value", "facts"])
    return g.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


def by_month(counted: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Sum per month of the fact's date (month 'YYYY-MM', campaign, value), months ascending."""
    f = summable(counted, metric, ["date", "campaign", "value"])
    d = f["date"].to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(d)
    months = d[ok].astype("datetime64[M]").astype(np.int64)
    m0 = int(months.min()) if len(months) else 0
    camp, names = _fac(f["campaign"])
    (mc, cc), sums, _ = _sum_by([months - m0, camp[ok]],
                                [int(months.max() - m0 + 1) if len(months) else 1, len(names)],
                                f["value"].to_numpy(float)[ok])
    label = (np.array(mc + m0, dtype="datetime64[M]").astype(str) if len(mc)
             else np.zeros(0, dtype=object))
    return pd.DataFrame({"month": label.astype(object), "campaign": names[cc], "value": sums})


def metric_mix(counted: pd.DataFrame) -> pd.DataFrame:
    """Number of counted facts per metric and campaign (metric, label, campaign, facts)."""
    met, met_names = _fac(counted["metric"])
    camp, camp_names = _fac(counted["campaign"])
    ok = met >= 0
    (mc, cc), _, counts = _sum_by([met[ok], camp[ok]], [len(met_names), len(camp_names)],
                                  np.ones(int(ok.sum())))
    tot = np.bincount(mc, weights=counts, minlength=len(met_names)) if len(mc) else np.zeros(0)
    metric = met_names[mc].astype(str) if len(mc) else np.zeros(0, dtype=str)
    order = np.lexsort((metric, -tot[mc])) if len(mc) else np.zeros(0, dtype=np.int64)
    metric = metric[order]
    return pd.DataFrame({"metric": metric.astype(object), "campaign": camp_names[cc][order],
                         "facts": counts[order].astype(np.int64),
                         "label": [metric_label(m) for m in metric]})


def by_region(counted: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Sum per (province, city, district); missing levels are None."""
    f = summable(counted, metric, ["province", "city", "district", "value"])
    cols = [_fac(f[c]) for c in ("province", "city", "district")]
    codes, sums, _ = _sum_by([c for c, _ in cols], [len(n) for _, n in cols],
                             f["value"].to_numpy(float))
    out = {}
    for name, (c, (_, names)) in zip(("province", "city", "district"), zip(codes, cols)):
        vals = np.empty(len(c), dtype=object)
        vals[:] = None
        vals[c >= 0] = names[c[c >= 0]]
        out[name] = vals
    return pd.DataFrame({**out, "value": sums})


# --------------------------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------------------------

STATUSES = ["counted", "reprint", "contained"]
STATUS_LABELS = {"counted": "计入", "reprint": "转载（不重复计）", "contained": "已含于累计数"}
EVIDENCE_COLUMNS = ["指标", "数值", "限定", "口径", "地区", "机构", "专项", "日期", "证据原文",
                    "来源", "计数"]


#: The fact columns ``evidence_table`` shows (all held in memory by ``open_build``).
EVIDENCE_FIELDS = ["fact_id", "metric", "value", "unit", "currency", "qualifier", "scope",
                   "agency", "campaigns", "evidence", "source"]


def evidence_rows(view: View, limit: int | None = 1000,
                  columns: list[str] | None = None) -> pd.DataFrame:
    """The matched facts, newest first (at most ``limit``): the fact columns (all, or
    ``columns``) plus ``date``, ``region_label`` and ``status``."""
    c = view.data.counting
    rows = np.flatnonzero(view.mask)
    key = np.where(c.dated[rows], c.end[rows], -1)
    if limit is not None and len(rows) > limit:
        part = np.argpartition(-key, limit - 1)[:limit]
        rows, key = rows[part], key[part]
    order = np.lexsort((rows, -key))
    rows = rows[order]
    detail = view.data.detail if columns is None else view.data.detail.select(columns)
    out = detail.take(pa.array(rows, type=pa.int64())).to_pandas()
    f = view.data.facts
    out.index = f.index[rows]
    out["date"] = f["date"].to_numpy()[rows]
    out["region_label"] = f["region_label"].take(rows).astype(object).to_numpy()
    status = np.where(view.keep[rows], 0, np.where(view.live[rows], 2, 1))
    out["status"] = np.array(STATUSES, dtype=object)[status]
    return out


def evidence_table(view: View, limit: int | None = 1000) -> pd.DataFrame:
    """The matched facts for reading: newest first, Chinese headers, ``fact_id`` as index."""
    f = evidence_rows(view, limit, EVIDENCE_FIELDS)
    out = pd.DataFrame({
        "指标": f["metric"].map(metric_label),
        "数值": [fmt_fact_value(v, u, q, c) for v, u, q, c in
                 zip(f["value"], f["unit"], f["qualifier"], f["currency"])],
        "限定": f["qualifier"].map(lambda x: QUALIFIERS.get(x, x) if isinstance(x, str) else ""),
        "口径": f["scope"].map(lambda x: SCOPES.get(x, x) if isinstance(x, str) else ""),
        "地区": f["region_label"],
        "机构": f["agency"].fillna(""),
        "专项": ["、".join(c) if c is not None else "" for c in f["campaigns"]],
        "日期": pd.to_datetime(f["date"]).dt.strftime("%Y-%m-%d").fillna(""),
        "证据原文": f["evidence"].fillna(""),
        "来源": f["source"].fillna(""),
        "计数": f["status"].map(STATUS_LABELS),
    })
    out.index = pd.Index(f["fact_id"].astype(object), name="fact_id")
    return out


def fact_detail(data: Data, fact_id: str, columns: list[str] | None = None) -> dict | None:
    """Every column (or ``columns``) of the first fact with this id, or None."""
    i = pc.index(data.fact_ids, pa.scalar(fact_id, data.fact_ids.type)).as_py()
    if i is None or i < 0:
        return None
    detail = data.detail if columns is None else data.detail.select(columns)
    return detail.slice(int(i), 1).to_pylist()[0]


def read_article(build: str | os.PathLike, article_id: str) -> dict | None:
    """Title, source, url and text of one article of a build folder, or None."""
    ds = pads.dataset(Path(build) / "articles.parquet", format="parquet")
    t = ds.to_table(columns=ARTICLE_FIELDS, filter=pads.field("article_id") == article_id)
    return t.slice(0, 1).to_pylist()[0] if t.num_rows else None


def article_text(data: Data, article_id: str) -> dict | None:
    """Title, source, url and text of one article (the first with that id), from memory or read
    from the build's partitions (only the row group holding it)."""
    if data.articles is None:
        return read_article(data.build, article_id) if data.build else None
    if data.article_ids is None:      # a build: the ids are read once, on the first call
        ids = pads.dataset(data.articles.files, format="parquet").to_table(
            columns=["article_id"]).column("article_id").combine_chunks()
        data.article_ids = ids
    i = pc.index(data.article_ids, pa.scalar(article_id, data.article_ids.type)).as_py()
    if i is None or i < 0:
        return None
    return data.articles.select(ARTICLE_FIELDS).slice(int(i), 1).to_pylist()[0]


def highlight_html(text: str | None, start: int | None, end: int | None) -> str:
    """The article ``text`` as escaped HTML with [start, end) wrapped in <mark>.

    Everything from the article is escaped, so markup, Markdown and formulas in it show verbatim.

    >>> highlight_html("a<b>c", 1, 4)
    '<div class="article-text" style="white-space: pre-wrap; line-height: 1.7">a<mark>&lt;b&gt;</mark>c</div>'
    """
    text = text or ""
    n = len(text)
    a = min(max(int(start), 0), n) if start is not None and not pd.isna(start) else n
    b = min(max(int(end), a), n) if end is not None and not pd.isna(end) else a
    body = html.escape(text[:a])
    if b > a:
        body += "<mark>" + html.escape(text[a:b]) + "</mark>"
    body += html.escape(text[b:])
    return f'<div class="article-text" style="white-space: pre-wrap; line-height: 1.7">{body}</div>'




def _present(s: pd.Series) -> list[str]:
    codes = np.unique(s.cat.codes.to_numpy())
    return sorted(str(s.cat.categories[i]) for i in codes if i >= 0)


def _pairs(f: pd.DataFrame, parent: str, child: str) -> dict[str, list[str]]:
    """parent value -> sorted child values present under it (e.g. province -> cities)."""
    p, c = f[parent].cat.codes.to_numpy(), f[child].cat.codes.to_numpy()
    pn = np.asarray(f[parent].cat.categories, dtype=object)
    cn = np.asarray(f[child].cat.categories, dtype=object)
    ok = (p >= 0) & (c >= 0)
    u = np.unique(p[ok].astype(np.int64) * (len(cn) + 1) + c[ok])
    out: dict[str, list[str]] = {}
    for pi, ci in zip((u // (len(cn) + 1)).tolist(), (u % (len(cn) + 1)).tolist()):
        out.setdefault(str(pn[pi]), []).append(str(cn[ci]))
    return {k: sorted(v) for k, v in out.items()}


def _choices(f: pd.DataFrame) -> dict:
    order = list(METRICS)
    d = f["date"].dropna()
    return {"province": _present(f["province"]), "cities": _pairs(f, "province", "city"),
            "districts": _pairs(f, "city", "district"),
            "agency_levels": _present(f["agency_level"]),
            "metrics": sorted(_present(f["metric"]),
                              key=lambda m: (order.index(m) if m in order else len(order), m)),
            "scopes": _present(f["scope"]), "scripts": _present(f["script"]),
            "bounds": None if d.empty else (d.min().date(), d.max().date())}


def options(data: Data, flt: Filters | None = None) -> dict[str, list[str]]:
    """Values offered by each filter; the region cascade follows ``flt``'s province and city."""
    c = data.choices or _choices(data.facts)
    flt = flt or Filters()
    return {"campaigns": list(data.campaigns), "province": c["province"],
            "city": c["cities"].get(flt.province, []) if flt.province else [],
            "district": c["districts"].get(flt.city, []) if flt.city else [],
            "agency_levels": c["agency_levels"], "metrics": c["metrics"], "scopes": c["scopes"],
            "scripts": c["scripts"]}


def date_bounds(data: Data) -> tuple[date, date] | None:
    """First and last fact date, or None when no fact is dated."""
    return (data.choices or _choices(data.facts))["bounds"]
