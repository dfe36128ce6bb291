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
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"not a regular file: {path}")
    with open(fd, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def is_boundary(source: str) -> bool:
    """Does a new partition start at ``source``? (1 in PART_TARGET paths, by hash.)"""
    d = hashlib.blake2b(source.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(d, "big") % PART_TARGET == 0


@dataclass(slots=True)   # one per input file: compact at a million inputs
class Input:
    source: str
    size: int
    mtime_ns: int
    sha256: str = ""
    duplicate_of: str | None = None   # an earlier input with the same bytes
    reuse: bool = False               # rows can be taken from the previous build
    reason: str | None = None         # why ingest's walk skips this entry unread


@dataclass
class Previous:
    """What the previous build in the output folder knows (empty for a first build).

    Kept compact (the input index stays an Arrow table; ``rows`` holds a tuple per input), so
    the memory of a rebuild grows by ~100 bytes per input, not by the index as Python dicts.
    """

    folder: Path | None
    version: str | None
    rows: dict          # source -> (size, mtime_ns, sha256, duplicate_of, part, row in index)
    parts: dict         # signature -> partition file name
    index: pa.Table | None = None

    @classmethod
    def load(cls, folder: Path | None, version: str | None) -> "Previous":
        if folder is None or not (folder / INDEX).is_file():
            return cls(None, None, {}, {})
        t = pq.read_table(folder / INDEX)
        cols = [t[c].to_pylist() for c in ("source", "size", "mtime_ns", "sha256",
                                           "duplicate_of", "part")]
        rows = {c[0]: (*c[1:], i) for i, c in enumerate(zip(*cols))}
        parts = dict(zip(t["signature"].to_pylist(), cols[5]))
        return cls(folder, version, rows, parts, t.drop_columns(["signature"]))

    def index_rows(self, sources: list[str], part: str, sig: str) -> pa.Table:
        """The index rows of ``sources``, moved to partition ``part`` with signature ``sig``."""
        t = self.index.take(pa.array([self.rows[s][5] for s in sources], pa.int64()))
        n = t.num_rows
        t = t.set_column(t.schema.get_field_index("part"), "part", pa.array([part] * n, pa.string()))
        return t.append_column("signature", pa.array([sig] * n, pa.string())).select(INDEX_SCHEMA.names)

    def article_ids(self, source: str) -> list[str]:
        return self.index["article_ids"][self.rows[source][5]].as_py() or []


def scan(files: list[tuple[str, str | None]], prev: Previous, version: str,
         progress=None) -> list[Input]:
    """Stat (and where needed hash) ``files`` ((path, skip reason) pairs); mark inputs with the
    same bytes as an earlier one, and inputs whose rows the previous build has."""
    same_version = prev.version == version
    out, first_of = [], {}
    for f, reason in files:
        old = prev.rows.get(f)
        try:
            st = os.stat(f) if reason is None else None
        except OSError as e:   # vanished or unreadable since the walk: ingest will say why
            st, reason = None, None
            inp = Input(f, 0, 0, sha256=f"error:{type(e).__name__}")
        if reason is not None:
            inp = Input(f, 0, 0, sha256="skip:" + hashlib.sha256(reason.encode()).hexdigest(),
                        reason=reason)
        elif st is not None:
            inp = Input(f, st.st_size, st.st_mtime_ns)
            if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
                inp.sha256 = old[2]
            else:
                try:
                    inp.sha256 = file_sha256(f)
                except OSError as e:
                    inp.sha256 = f"error:{type(e).__name__}"
        if inp.size and inp.reason is None and not inp.sha256.startswith("error:"):
            inp.duplicate_of = first_of.setdefault(inp.sha256, f)
            if inp.duplicate_of == f:
                inp.duplicate_of = None
        inp.reuse = bool(same_version and old and old[2] == inp.sha256
                         and old[3] == inp.duplicate_of
                         and not inp.sha256.startswith("error:"))
        out.append(inp)
        if progress is not None:
            progress.update(1)
    return out


def plan_partitions(inputs: list[Input]) -> list[list[Input]]:
    """Cut the (sorted) inputs into content-defined runs."""
    parts: list[list[Input]] = []
    for inp in inputs:
        if not parts or is_boundary(inp.source):
            parts.append([])
        parts[-1].append(inp)
    return parts or [[]]


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
            self._cache[part] = (pq.read_table(f / "articles.parquet" / part),
                                 pq.read_table(f / "facts.parquet" / part))
        return self._cache[part]

    def take(self, members: list[Input]) -> tuple[list[pa.Table], list[pa.Table]]:
        by_part: dict[str, list[str]] = {}
        for m in members:
            by_part.setdefault(self.prev.rows[m.source][4], []).extend(
                self.prev.article_ids(m.source))
        arts, facts = [], []
        for part, ids in by_part.items():
            a, f = self._part(part)
            keep = pa.array(ids, pa.string())
            arts.append(a.filter(pc.is_in(a["article_id"], value_set=keep)))
            facts.append(f.filter(pc.is_in(f["article_id"], value_set=keep)))
        return arts, facts
