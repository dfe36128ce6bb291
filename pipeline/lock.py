"""One build at a time per output folder: an exclusive ``fcntl.flock`` on ``OUT/.lock``.

A second build into the same folder fails at once with ``BuildLocked``, whose message names the
process holding the lock. The kernel releases a ``flock`` when its holder exits, however it exits
(SIGKILL, power loss of the process, OOM killer): a killed build never leaves a lock behind that
blocks the next one. The pid written into the lock file is information for the message only;
the lock itself is the kernel's.

The lock is re-entrant within a process (``build`` holds it and ``tables.publish_build`` takes it
again), and works on local file systems; on NFS ``flock`` is emulated with byte-range locks.
"""
from __future__ import annotations

import fcntl
import functools
import inspect
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".lock"
_held: dict[str, list] = {}    # real path of the lock file -> [open file, depth]


class BuildLocked(RuntimeError):
    """Another process is building into the same folder."""


def _holder(path: Path) -> str:
    try:
        info = path.read_text(encoding="utf-8").strip()
    except OSError:
        info = ""
    return info or "a process that has not written its pid yet"


@contextmanager
def hold(out: str | os.PathLike):
    """Hold the build lock of the folder ``out`` (created if missing) for the ``with`` block.

    Raises ``BuildLocked`` at once if another process holds it.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    key = os.path.realpath(path)
    if key in _held:                                   # re-entrant in this process
        _held[key][1] += 1
        try:
            yield path
        finally:
            _held[key][1] -= 1
        return
    fh = open(path, "a+", encoding="utf-8")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise BuildLocked(
            f"另一个构建正在写入 {folder}（{_holder(path)}）；请等它结束后再运行。 / "
            f"Another build is writing to {folder} ({_holder(path)}); "
            "wait for it to finish, or build into another --out folder.") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()} on {socket.gethostname()}, "
             f"since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    fh.flush()
    _held[key] = [fh, 1]
    try:
        yield path
    finally:
        _held.pop(key, None)
        try:
            fh.seek(0)
            fh.truncate()
            fh.flush()
        finally:   # unlock explicitly: forked workers may share the open file
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()


def holding(param: str = "out"):
    """Decorator: run the function holding the build lock of its argument ``param``."""
    def deco(fn):
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            with hold(bound.arguments[param]):
                return fn(*args, **kwargs)
        return wrapper
    return deco
