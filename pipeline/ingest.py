"""Ingest: files and folders -> one RawDoc per input file or record (placeholder, being built)."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Iterator

from .model import RawDoc


def read_inputs(paths: Iterable[str]) -> Iterator[RawDoc]:
    for p in paths:
        path = Path(p)
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file() and f.suffix.lower() == ".txt":
                data = f.read_bytes()
                yield RawDoc(source=str(f), status="ok", text=data.decode("utf-8", "replace"),
                             encoding="utf-8", fmt="txt", size_bytes=len(data),
                             content_hash=hashlib.sha256(data).hexdigest())
