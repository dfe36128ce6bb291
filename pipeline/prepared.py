"""A prepared build, kept on disk: what ``query.open_build`` computes from a build's Parquet
partitions (the dictionary-encoded columns held in memory, the query frame, campaign membership,
the sort orders of the counting rule, the compressed evidence, the row-group index), written
into the build folder the first time the build is opened, so that later opens (a restarted
dashboard server, the export command, a second server) read it instead of computing it again.

    builds/<id>/prepared/meta.json       what the files hold, and the key they are valid for
    builds/<id>/prepared/n<LENGTH>.arrow  Arrow IPC files, one per array length; every array
                                          is a column of one of them

The key is the build's partition files (relative path, size, mtime), this code and the
versions of the libraries that shape the data (pandas, pyarrow, numpy): anything else, a
missing or damaged file, and the prepared files are ignored (the build is opened from its
Parquet partitions and the prepared files are written again). A build folder is never
changed after it is published (``tables.publish_build``), so the files stay valid for the
build's life and are removed with it. Data only (Arrow IPC, JSON; no pickle): a tampered
folder cannot make the reader run code. A folder that cannot be written (read-only data)
simply stays unprepared. Read files are validated in full (offsets, UTF-8, dictionary
indices) and the compressed evidence is checked when it is unpacked.

The files are not compressed and are memory-mapped: the arrays are read in place from the page
cache (1,000,000 articles: 1.1 GB on disk; open 1.0-1.3 s instead of 3.9-4.0 s with zstd, most
of which was decompressing into fresh memory). They are replaced only by renaming a new folder
into place (``save``): a file changed in place under a running reader would fault it (SIGBUS).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import fields
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads

from . import query as q
from . import tables

DIRNAME = "prepared"
VERSION = 2                       # 2: uncompressed, memory-mapped (1: zstd)


@lru_cache(maxsize=1)
def _code_digest() -> str:
    h = hashlib.sha256()
    for mod in (q, tables):
        h.update(Path(mod.__file__).read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


def key(build: Path, facts: list[str], articles: list[str]) -> dict:
    """What the prepared files of ``build`` are valid for (compared as JSON)."""
    stats = []
    for f in facts + articles:
        st = os.stat(f)
        stats.append([os.path.relpath(f, build), st.st_size, st.st_mtime_ns])
    return {"version": VERSION, "code": _code_digest(), "pandas": pd.__version__,
            "pyarrow": pa.__version__, "numpy": np.__version__, "files": stats}


# --------------------------------------------------------------------------------------------
# Write
# --------------------------------------------------------------------------------------------

def _arrow(a) -> pa.Array:
    if isinstance(a, pa.ChunkedArray):
        return a.combine_chunks()
    if isinstance(a, pa.Array):
        return a
    return pa.array(np.asarray(a))


def _categorical(s: pd.Series) -> pa.Array:
    codes = s.cat.codes.to_numpy()
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0),
                                          pa.array(list(s.cat.categories), pa.string()))


def save(data: q.Data, build: str | os.PathLike) -> Path | None:
    """Write ``data`` (what ``query.open_build(build)`` returned) into ``build/prepared``,
    replacing what is there. Returns the folder, or None when the build folder cannot be written
    or ``data`` is not an opened build. Written to a temporary folder first, then renamed: a
    reader sees all or nothing."""
    build = Path(build)
    detail, articles = data.detail, data.articles
    if not isinstance(detail, q.Rows) or not isinstance(articles, q.Rows):
        return None
    evidence = detail.blocks.get("evidence")
    if evidence is not None and hasattr(evidence, "result"):
        evidence = evidence.result()
    f, c = data.facts, data.counting
    c.whole()                               # (kept with the rest)
    arrays: dict[str, pa.Array] = {}
    for name, arr in detail.memory.items():
        arrays["m." + name] = _arrow(arr)
    frame = []
    for col in f.columns:
        s = f[col]
        frame.append([col, str(s.cat.categories.dtype) if isinstance(s.dtype, pd.CategoricalDtype)
                      else ""])
        if col in ("fact_id", "value", "_row"):          # = m.fact_id, m.value, row numbers
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            arrays["f." + col] = _categorical(s)
        elif col == "camp_more":
            arrays["f." + col] = pa.array(s.tolist(), pa.list_(pa.string()))
        else:
            arrays["f." + col] = pa.array(s.to_numpy())
    for fl in fields(c):
        v = getattr(c, fl.name)
        if not isinstance(v, tuple):        # (the tuples are derived: ``Counting``)
            arrays["c." + fl.name] = _arrow(v)
    arrays["camp_rows"], arrays["camp_codes"] = _arrow(data.camp_rows), _arrow(data.camp_codes)
    if data.synthetic is not None:
        arrays["synthetic"] = _arrow(data.synthetic)
    if evidence is not None:
        arrays["e.blocks"] = pa.array(evidence.blocks, pa.large_binary())
        for name in ("raw", "first", "lo", "valid"):
            arrays["e." + name] = _arrow(getattr(evidence, name))
    for prefix, rows in (("g", detail), ("ag", articles)):
        first, where = rows.groups
        arrays[prefix + ".first"] = _arrow(first)
        w = np.asarray(where, dtype=np.int64).reshape(-1, 2)
        arrays[prefix + ".file"], arrays[prefix + ".rg"] = _arrow(w[:, 0]), _arrow(w[:, 1])
    if data.search.offsets is not None:
        arrays["s.offsets"] = _arrow(data.search.offsets)
    rows_differ, simplified = data.search.differing()
    arrays["s.differ_rows"], arrays["s.differ_text"] = _arrow(rows_differ), simplified

    ch = dict(data.choices or q._choices(f))
    if ch.get("bounds") is not None:
        ch["bounds"] = [d.isoformat() for d in ch["bounds"]]
    by_len: dict[int, list[str]] = {}
    for name, a in arrays.items():
        by_len.setdefault(len(a), []).append(name)
    meta = {"key": key(build, detail.files, articles.files), "rows": len(f),
            "frame": frame, "campaigns": list(data.campaigns), "choices": ch,
            "synthetic_all": list(data.synthetic_all) if data.synthetic_all else None,
            "evidence": evidence is not None,
            "arrays": {f"n{n}.arrow": names for n, names in by_len.items()}}
    final = build / DIRNAME
    for left in build.glob(f".{DIRNAME}-*"):     # of a writer killed over an hour ago
        try:
            if left.stat().st_mtime < time.time() - 3600:
                shutil.rmtree(left, ignore_errors=True)
        except OSError:
            pass
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{DIRNAME}-", dir=build))
    except OSError:
        return None                        # read-only build folder: stays unprepared
    try:
        for fname, names in meta["arrays"].items():
            t = pa.table({n: arrays[n] for n in names})
            with pa.OSFile(str(tmp / fname), "wb") as sink, pa.ipc.new_file(sink, t.schema) as w:
                w.write_table(t)
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        os.chmod(tmp, build.stat().st_mode & 0o777)     # readable like the build (not 0700)
        old = None
        if final.exists():          # stale or damaged (``load`` refused it): moved away first
            old = Path(tempfile.mkdtemp(prefix=f".{DIRNAME}-old-", dir=build))
            os.rename(final, old / DIRNAME)
        os.rename(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)   # full disk, or another process won the rename
        return final if final.exists() else None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)   # nothing half-written is left behind
        raise
    return final


# --------------------------------------------------------------------------------------------
# Read
# --------------------------------------------------------------------------------------------

def _np(a: pa.Array) -> np.ndarray:
    return a.to_numpy(zero_copy_only=False)


def load(build: str | os.PathLike) -> q.Data | None:
    """The prepared build of ``build``, equal to ``query.open_build(build)``; None when there
    are no valid prepared files (missing, made from other files, code or library versions, or
    unreadable)."""
    build = Path(build)
    folder = build / DIRNAME
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        # the partition files, in the order ``open_build`` reads them (the key names them all)
        facts_files = list(pads.dataset(build / "facts.parquet", format="parquet").files)
        arts = pads.dataset(build / "articles.parquet", format="parquet")
        if meta.get("key") != json.loads(json.dumps(key(build, facts_files, list(arts.files)))):
            return None
        arrays: dict[str, pa.Array] = {}
        for fname, names in meta["arrays"].items():
            with pa.memory_map(str(folder / fname)) as src:
                t = pa.ipc.open_file(src).read_all()
            if t.column_names != names:
                return None
            t.validate(full=True)          # offsets, UTF-8, dictionary indices (0.3 s at 1M)
            for n in names:
                col = t.column(n)
                arrays[n] = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
        return _data(build, meta, arrays, facts_files, arts)
    except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException):
        return None


def _data(build: Path, meta: dict, arrays: dict, facts_files: list[str],
          arts: pads.Dataset) -> q.Data:
    n = int(meta["rows"])
    memory = {k[2:]: a for k, a in arrays.items() if k.startswith("m.")}
    index = pd.RangeIndex(n)
    frame: dict = {}                # the columns; the frame is made of them at once
    for col, cat_dtype in meta["frame"]:
        if col == "fact_id":
            frame[col] = pd.Series(memory["fact_id"].to_pandas(), index=index)
        elif col == "value":
            frame[col] = memory["value"].to_pandas().astype("float64")
        elif col == "_row":
            frame[col] = np.arange(n, dtype=np.int64)
        elif cat_dtype:
            a = arrays["f." + col]
            codes = _np(a.indices.fill_null(-1))
            cats = pd.Index(a.dictionary.to_pandas()).astype(cat_dtype)
            frame[col] = pd.Categorical.from_codes(codes, categories=cats, validate=False)
        elif col == "camp_more":
            a = arrays["f." + col]
            more = np.full(n, None, dtype=object)
            for i in np.flatnonzero(_np(a.is_valid())).tolist():
                more[i] = a[i].as_py()
            frame[col] = pd.Series(more, index=index, dtype=object)
        else:
            frame[col] = _np(arrays["f." + col])
    f = pd.DataFrame(frame, index=index, copy=False)
    counting = q.Counting(**{fl.name: _np(arrays["c." + fl.name]) for fl in fields(q.Counting)
                             if "c." + fl.name in arrays})

    def groups(prefix: str) -> tuple:
        files, rgs = _np(arrays[prefix + ".file"]), _np(arrays[prefix + ".rg"])
        return (_np(arrays[prefix + ".first"]).astype(np.int64),
                list(zip(files.tolist(), rgs.tolist())))

    blocks = {}
    if meta["evidence"]:
        blocks["evidence"] = q.TextBlocks.from_parts(
            arrays["e.blocks"].to_pylist(), *(_np(arrays["e." + k])
                                              for k in ("raw", "first", "lo", "valid")))
    detail = q.Rows(tables.FACTS_SCHEMA, facts_files, memory=memory, blocks=blocks,
                    groups=groups("g"))
    offsets = _np(arrays["s.offsets"]).astype(np.int64) if "s.offsets" in arrays else None
    search = q.Search(n, files=facts_files, offsets=offsets,
                      differ=(_np(arrays["s.differ_rows"]).astype(np.int64),
                              arrays["s.differ_text"]))
    articles = q.article_rows(arts, groups=groups("ag"))
    ch = dict(meta["choices"])
    if ch.get("bounds") is not None:
        ch["bounds"] = tuple(date.fromisoformat(d) for d in ch["bounds"])
    synthetic = _np(arrays["synthetic"]).astype(bool) if "synthetic" in arrays else None
    syn_all = meta["synthetic_all"]
    return q.Data(build=str(build), facts=f, detail=detail, search=search,
                  camp_rows=_np(arrays["camp_rows"]), camp_codes=_np(arrays["camp_codes"]),
                  campaigns=list(meta["campaigns"]), counting=counting, choices=ch,
                  articles=articles, article_ids=None, fact_ids=memory["fact_id"],
                  synthetic=synthetic,
                  synthetic_all=tuple(syn_all) if syn_all is not None else None)
