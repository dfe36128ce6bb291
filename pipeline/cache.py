"""Incremental builds: which inputs changed, which partitions can be reused as they are.

A build folder holds the tables as Parquet partitions (``articles.parquet/part-NNNNNN.parquet``,
``facts.parquet/part-NNNNNN.parquet``, same schema in every part) and an input index
``inputs.parquet``: one row per input file with its size, mtime, sha256, the partition its rows
are in and the ids of its articles.

The next build into the same folder

- takes the sha256 of an input from the index when size and mtime are unchanged (so 100k unchanged
  files cost a ``stat`` each), and reads and hashes the others;
- reuses the rows of an input when its path and sha256 are unchanged and the pipeline version is
  the same (``pipeline_version``: a hash of the code the build runs and its resources), and
  processes the others;
- hard-links a whole partition when its list of inputs is unchanged.

Partitions are runs of consecutive inputs (sorted by path) cut where the hash of a path hits
1 in ``PART_TARGET``: boundaries depend on the paths alone, so adding or removing inputs changes
only the partitions around them.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

PART_TARGET = 1000          # inputs per partition, on average
INDEX = "inputs.parquet"
INDEX_SCHEMA = pa.schema([
    ("source", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64()),
    ("sha256", pa.string()), ("duplicate_of", pa.string()), ("part", pa.string()),
    ("signature", pa.string()), ("article_ids", pa.list_(pa.string())),
])
_PKG = Path(__file__).parent
_LIBS = ("opencc", "jieba", "cn2an", "charset-normalizer", "beautifulsoup4", "lxml")


# Imports of this package's modules: "from .x import a", "from . import x, y", "from pipeline.x import".
_IMPORT = re.compile(r"""
    ^[ \t]*from[ \t]+
    (?: \.(?P<rel>\w+)?              # from .x / from .
      | pipeline\.(?P<abs>\w+) )      # from pipeline.x
    [.\w]*[ \t]+import[ \t]+
    (?P<names>\([\w ,\t\n]+\)|[\w ,\t]+)   # the names: a parenthesised list, or one line
""", re.VERBOSE | re.MULTILINE)


def _local_imports(path: Path) -> set[str]:
    """Modules of this package that ``path`` imports (``from .x import``, ``from . import x``)."""
    out = set()
    for m in _IMPORT.finditer(path.read_text(encoding="utf-8")):
        if m["rel"] or m["abs"]:
            out.add(m["rel"] or m["abs"])
        else:
            out.update(n.strip() for n in m["names"].strip("() \n").split(",") if n.strip())
    return out


def pipeline_version() -> str:
    """Hash of everything that decides the rows of an input: the modules ``build`` imports
    (transitively), the files of ``resources/`` and the versions of the text libraries.
    Computed afresh at every call (a few milliseconds), from the files on disk."""
    todo, seen = ["build"], set()
    while todo:
        name = todo.pop()
        if name in seen or not (_PKG / f"{name}.py").is_file():
            continue
        seen.add(name)
        todo += _local_imports(_PKG / f"{name}.py")
    h = hashlib.sha256()
    for name in sorted(seen):
        h.update(f"{name}.py\0".encode() + (_PKG / f"{name}.py").read_bytes())
    for p in sorted((_PKG / "resources").rglob("*")):
        if p.is_file() and p.name != "synth.json" and "__pycache__" not in p.parts:
            h.update(f"{p.relative_to(_PKG)}\0".encode() + p.read_bytes())
    h.update(_lib_versions().encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _lib_versions() -> str:
    out = []
    for lib in _LIBS:
        try:
            out.append(f"{lib}={metadata.version(lib)}")
        except metadata.PackageNotFoundError:
            pass
    return "\0".join(out)


def file_sha256(path: str) -> str:
    """sha256 of a regular file. Opened non-blocking and checked: a FIFO or device named like an
    input raises OSError instead of blocking the build forever (ingest says why it is skipped)."""
    return file_digest(path).hex()


def file_digest(path: str) -> bytes:
    """The sha256 of ``file_sha256``, as 32 bytes."""
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"not a regular file: {path}")
    with open(fd, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.digest()


def read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """One Parquet file as a table (``pq.read_table(path, columns=columns)``), read without
    ``pq.read_table``: that imports ``pyarrow.dataset``, 0.17-0.2 s of CPU a process, more than
    all the reading of a build of 2,000 articles."""
    with pq.ParquetFile(path) as f:
        return f.read(columns=columns)


def is_boundary(source: str) -> bool:
    """Does a new partition start at ``source``? (1 in PART_TARGET paths, by hash.)"""
    d = hashlib.blake2b(source.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(d, "big") % PART_TARGET == 0


@dataclass(slots=True)   # one per input file of the partition being planned or written
class Input:
    source: str
    size: int
    mtime_ns: int
    sha256: str = ""
    duplicate_of: str | None = None   # an earlier input with the same bytes
    reuse: bool = False               # rows can be taken from the previous build
    reason: str | None = None         # why ingest's walk skips this entry unread
    prev_row: int = -1                # its row in the previous build's index (-1: none)


# Memory: a build of a million inputs must not hold a million Python objects per column. The
# inputs are held columnar (paths in one Arrow array, sizes and digests in NumPy arrays, the rare
# skip reasons and non-digest sha256 values in dicts by position); ``Input`` objects are made
# for one partition at a time.

_CHUNK = 1 << 13                      # paths turned into Python strings at a time


def _digests(n: int) -> np.ndarray:
    return np.zeros((n, 32), np.uint8)


class Files:
    """The input files, sorted by path, unique: ``sources`` (an Arrow large_string array) and
    ``reasons`` (position -> why the entry is skipped unread)."""

    def __init__(self, sources: pa.Array, reasons: dict[int, str]):
        self.sources, self.reasons = sources, reasons

    def __len__(self) -> int:
        return len(self.sources)

    @classmethod
    def from_walk(cls, entries) -> "Files":
        """(path, reason) pairs, in any order -> sorted by path, the first of equal paths kept
        (as ``sorted(dict.setdefault)`` would), without a Python object per entry."""
        chunks, cur, reasons = [], [], {}
        for n, (path, reason) in enumerate(entries):
            cur.append(path)
            if reason is not None:
                reasons[n] = reason
            if len(cur) >= _CHUNK:
                chunks.append(pa.array(cur, pa.large_string()))
                cur = []
        chunks.append(pa.array(cur, pa.large_string()))
        arr = pa.concat_arrays(chunks)
        del chunks, cur
        n = len(arr)
        if n == 0:
            return cls(arr, {})
        order = pc.sort_indices(arr).to_numpy()          # stable: equal paths in walk order
        arr = arr.take(pa.array(order))
        new = np.ones(n, bool)                            # first of a run of equal paths
        new[1:] = pc.not_equal(arr.slice(1), arr.slice(0, n - 1)).to_numpy(zero_copy_only=False)
        keep = np.flatnonzero(new)
        pos = np.full(n, -1, np.int64)                    # walk position -> sorted position
        pos[order[keep]] = np.arange(len(keep))
        reasons = {int(pos[i]): r for i, r in reasons.items() if pos[i] >= 0}
        if len(keep) < n:
            arr = arr.filter(pa.array(new))
        return cls(arr, reasons)

    def iter_sources(self, start: int = 0, stop: int | None = None):
        """The paths from ``start`` to ``stop`` as str, made a chunk at a time."""
        stop = len(self.sources) if stop is None else stop
        for a in range(start, stop, _CHUNK):
            yield from self.sources.slice(a, min(_CHUNK, stop - a)).to_pylist()


class Previous:
    """What the previous build in the output folder knows (empty for a first build).

    Kept compact: the input index stays an Arrow table (sizes, mtimes as NumPy arrays, the
    sha256 digests as 32 bytes each), so a rebuild holds no Python object per previous input.
    """

    def __init__(self, folder: Path | None, version: str | None, index: pa.Table | None = None):
        self.folder, self.version = folder, version
        self.index = index if index is not None else INDEX_SCHEMA.empty_table()
        t = self.index
        self.parts: dict[str, str] = {}        # signature -> partition file name
        if t.num_rows:
            sig = t["signature"].combine_chunks()
            new = np.ones(t.num_rows, bool)    # the rows of a partition are consecutive
            new[1:] = pc.not_equal(sig.slice(1), sig.slice(0, len(sig) - 1)).to_numpy(
                zero_copy_only=False)
            firsts = pa.array(np.flatnonzero(new))
            self.parts = dict(zip(sig.take(firsts).to_pylist(),
                                  t["part"].take(firsts).to_pylist()))
        self.index = t = t.drop_columns(["signature"]).combine_chunks()
        self.size = t["size"].to_numpy()
        self.mtime_ns = t["mtime_ns"].to_numpy()
        sha = t["sha256"].combine_chunks()
        hexy = pc.match_substring_regex(sha, "^[0-9a-f]{64}$").to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(hexy)
        self.digest = _digests(t.num_rows)
        for a in range(0, len(rows), _CHUNK):
            r = rows[a:a + _CHUNK]
            text = "".join(sha.take(pa.array(r)).to_pylist())
            self.digest[r] = np.frombuffer(bytes.fromhex(text), np.uint8).reshape(-1, 32)
        self.special = {int(j): sha[int(j)].as_py() for j in np.flatnonzero(~hexy)}

    @classmethod
    def load(cls, folder: Path | None, version: str | None) -> "Previous":
        if folder is None or not (folder / INDEX).is_file():
            return cls(None, None)
        return cls(folder, version, read_parquet(folder / INDEX))

    def __len__(self) -> int:
        return self.index.num_rows

    def rows_of(self, sources: pa.Array) -> np.ndarray:
        """The index row of each of ``sources`` (-1: not in the previous build)."""
        if not len(self) or not len(sources):
            return np.full(len(sources), -1, np.int64)
        known = self.index["source"].combine_chunks().cast(pa.large_string())
        return pc.index_in(sources, value_set=known).fill_null(-1).to_numpy().astype(np.int64)

    def sha256(self, row: int) -> str:
        return self.special[row] if row in self.special else self.digest[row].tobytes().hex()

    def index_rows(self, rows: list[int], part: str, sig: str) -> pa.Table:
        """The index rows ``rows``, moved to partition ``part`` with signature ``sig``."""
        t = self.index.take(pa.array(rows, pa.int64()))
        n = t.num_rows
        t = t.set_column(t.schema.get_field_index("part"), "part", pa.array([part] * n, pa.string()))
        return t.append_column("signature", pa.array([sig] * n, pa.string())).select(INDEX_SCHEMA.names)

    def release(self) -> None:
        """Free the per-input arrays (the build is done with them)."""
        self.__init__(self.folder, self.version)


class Scan:
    """The inputs after ``scan``, columnar, in path order; ``members`` makes ``Input`` objects."""

    def __init__(self, files: Files, prev_row: np.ndarray):
        n = len(files)
        self.files, self.prev_row = files, prev_row
        self.size = np.zeros(n, np.int64)
        self.mtime_ns = np.zeros(n, np.int64)
        self.digest = _digests(n)
        self.special: dict[int, str] = {}       # sha256 that is no digest: error:..., skip:...
        self.dup = np.full(n, -1, np.int64)     # position of the earlier input with the same bytes
        self.reuse = np.zeros(n, bool)

    def __len__(self) -> int:
        return len(self.files)

    def sha256(self, i: int) -> str:
        return self.special[i] if i in self.special else self.digest[i].tobytes().hex()

    def members(self, start: int, stop: int) -> list[Input]:
        """The inputs from ``start`` to ``stop`` as ``Input`` objects."""
        reasons, src = self.files.reasons, self.files.sources
        out = []
        for k, (s, size, mtime, dup, reuse, row) in enumerate(zip(
                self.files.iter_sources(start, stop), self.size[start:stop].tolist(),
                self.mtime_ns[start:stop].tolist(), self.dup[start:stop].tolist(),
                self.reuse[start:stop].tolist(), self.prev_row[start:stop].tolist())):
            i = start + k
            out.append(Input(s, size, mtime, self.sha256(i),
                             src[dup].as_py() if dup >= 0 else None, reuse,
                             reasons.get(i), row))
        return out

    def release(self) -> None:
        """Free the per-input arrays (the build is done with them)."""
        self.__init__(Files(pa.array([], pa.large_string()), {}), np.zeros(0, np.int64))


def scan(files: Files, prev: Previous, version: str, progress=None) -> Scan:
    """Stat (and where needed hash) ``files``; mark inputs with the same bytes as an earlier one,
    and inputs whose rows the previous build has."""
    out = Scan(files, prev.rows_of(files.sources))
    size, mtime, digest, special = out.size, out.mtime_ns, out.digest, out.special
    prev_size, prev_mtime, prev_row = prev.size, prev.mtime_ns, out.prev_row
    for i, f in enumerate(files.iter_sources()):
        reason = files.reasons.get(i)
        if reason is not None:
            special[i] = "skip:" + hashlib.sha256(reason.encode()).hexdigest()
        else:
            try:
                st = os.stat(f)
            except OSError as e:   # vanished or unreadable since the walk: ingest will say why
                special[i] = f"error:{type(e).__name__}"
            else:
                size[i], mtime[i] = st.st_size, st.st_mtime_ns
                j = int(prev_row[i])
                # the previous digest of an unchanged file; a failed read (error:...) is hashed
                # afresh, as it is read again
                if (j >= 0 and prev_size[j] == st.st_size and prev_mtime[j] == st.st_mtime_ns
                        and j not in prev.special):
                    digest[i] = prev.digest[j]
                else:
                    try:
                        digest[i] = np.frombuffer(file_digest(f), np.uint8)
                    except OSError as e:
                        special[i] = f"error:{type(e).__name__}"
        if progress is not None:
            progress.update(1)
    _mark_duplicates(out)
    _mark_reuse(out, prev, prev.version == version)
    return out


def _mark_duplicates(s: Scan) -> None:
    """``dup``: the first input (in path order) with the same sha256, for inputs with bytes,
    not skipped and not failed (as a dict sha256 -> first path, filled in path order, would).
    Only those have a digest: ``special`` holds skip:... and error:... values only."""
    plain = s.size > 0
    plain[list(s.special)] = False
    rows = np.flatnonzero(plain)
    # Sorted by the first 8 bytes of the digest (8 bytes an input, not 32, nor a dict): runs of
    # equal prefixes are the candidates, compared in full (a run is nearly always one content).
    prefix = np.ascontiguousarray(s.digest[rows, :8]).view(">u8").ravel()
    order = np.argsort(prefix, kind="stable")        # equal prefixes stay in path order
    prefix = prefix[order]
    pairs = np.flatnonzero(prefix[1:] == prefix[:-1])  # order[k], order[k + 1]: same prefix
    del prefix
    for run in np.split(pairs, np.flatnonzero(np.diff(pairs) != 1) + 1):
        if len(run):
            first_of: dict[bytes, int] = {}
            for i in rows[order[run[0]:run[-1] + 2]].tolist():
                j = first_of.setdefault(s.digest[i].tobytes(), i)
                if j != i:
                    s.dup[i] = j


def _mark_reuse(s: Scan, prev: Previous, same_version: bool) -> None:
    """``reuse``: same version, path known to the previous build with the same sha256 and the
    same ``duplicate_of``, and no error."""
    if not same_version:
        return
    rows = np.flatnonzero(s.prev_row >= 0)
    mine_special = np.fromiter(s.special, np.int64, len(s.special))
    their_special = np.fromiter(prev.special, np.int64, len(prev.special))
    for a in range(0, len(rows), _CHUNK):
        i = rows[a:a + _CHUNK]
        j = s.prev_row[i]
        same = (s.digest[i] == prev.digest[j]).all(axis=1)
        odd = np.isin(i, mine_special) | np.isin(j, their_special)   # either one no digest
        for k in np.flatnonzero(odd).tolist():
            text = s.sha256(int(i[k]))
            same[k] = text == prev.sha256(int(j[k])) and not text.startswith("error:")
        dup = s.dup[i]
        mine = s.files.sources.take(pa.array(np.where(dup >= 0, dup, 0))).cast(pa.string())
        mine = pc.if_else(pa.array(dup >= 0), mine, pa.nulls(len(i), pa.string()))
        theirs = prev.index["duplicate_of"].take(pa.array(j))
        eq = pc.fill_null(pc.equal(mine, theirs), False)
        both_null = pc.and_(pc.is_null(mine), pc.is_null(theirs))
        same &= pc.or_(eq, both_null).to_numpy(zero_copy_only=False)
        s.reuse[i] = same


def plan_partitions(inputs: Scan) -> list[tuple[int, int]]:
    """Cut the (sorted) inputs into content-defined runs: (start, stop) positions."""
    starts = [i for i, s in enumerate(inputs.files.iter_sources()) if i and is_boundary(s)]
    bounds = [0, *starts, len(inputs)]
    return list(zip(bounds[:-1], bounds[1:]))


def signature(version: str, members: list[Input]) -> str:
    h = hashlib.sha256(version.encode())
    for m in members:
        h.update(f"\n{m.source}\t{m.sha256}\t{m.duplicate_of or ''}".encode())
    return h.hexdigest()[:24]


class OldRows:
    """Rows of reused inputs, read from the previous build's partitions (a few kept open)."""

    def __init__(self, prev: Previous):
        self.prev = prev
        self._cache: dict[str, tuple[pa.Table, pa.Table]] = {}

    def _part(self, part: str) -> tuple[pa.Table, pa.Table]:
        if part not in self._cache:
            if len(self._cache) >= 2:
                self._cache.pop(next(iter(self._cache)))
            f = self.prev.folder
            self._cache[part] = (read_parquet(f / "articles.parquet" / part),
                                 read_parquet(f / "facts.parquet" / part))
        return self._cache[part]

    def take(self, members: list[Input]) -> tuple[list[pa.Table], list[pa.Table]]:
        by_part: dict[str, list[str]] = {}
        if members:
            rows = self.prev.index.select(["part", "article_ids"]).take(
                pa.array([m.prev_row for m in members], pa.int64()))
            for part, ids in zip(rows["part"].to_pylist(), rows["article_ids"].to_pylist()):
                by_part.setdefault(part, []).extend(ids or [])
        arts, facts = [], []
        for part, ids in by_part.items():
            a, f = self._part(part)
            keep = pa.array(ids, pa.string())
            arts.append(a.filter(pc.is_in(a["article_id"], value_set=keep)))
            facts.append(f.filter(pc.is_in(f["article_id"], value_set=keep)))
        return arts, facts
