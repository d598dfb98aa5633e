"""One process per embedded store folder: an exclusive lock file held while the process uses the folder.

Embedded Chroma keeps its state in the process that opened the folder: a second process writing to the same
folder leaves the first one answering from stale data (or failing). So opening an embedded store takes
``<folder>/.assistant.lock`` with ``flock``; a second process gets :class:`StoreLockedError`, naming the holder's
pid and pointing at server mode. Within one process the lock is taken once per folder and shared (refcounted):
several Assistant objects on one folder are fine. The operating system drops the lock when the process ends,
kill -9 included, so a stale lock file never blocks anyone.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> first, second = acquire(folder), acquire(folder)   # one process: shared
>>> holder(folder) == os.getpid()
True
>>> first.release(); second.release()
"""
from __future__ import annotations

import fcntl
import os
import socket
import threading
from pathlib import Path

LOCK_NAME = ".assistant.lock"

_held: dict[str, list] = {}  # resolved folder -> [file descriptor, users]
_mutex = threading.Lock()


class StoreLockedError(RuntimeError):
    """Another process holds the embedded store folder."""


def lock_path(folder: str | os.PathLike) -> Path:
    return Path(folder) / LOCK_NAME


def holder(folder: str | os.PathLike) -> int | None:
    """The pid written by the process holding (or last holding) the folder's lock."""
    try:
        first = lock_path(folder).read_text(encoding="utf-8").split()[0]
        return int(first)
    except (OSError, ValueError, IndexError):
        return None


class StoreLock:
    """One user's share of a folder's lock; :meth:`release` once (idempotent)."""

    def __init__(self, key: str):
        self.key = key
        self._released = False

    def release(self) -> None:
        with _mutex:
            if self._released:
                return
            self._released = True
            entry = _held.get(self.key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] <= 0:
                del _held[self.key]
                try:
                    fcntl.flock(entry[0], fcntl.LOCK_UN)
                finally:
                    os.close(entry[0])


def acquire(folder: str | os.PathLike) -> StoreLock:
    """Take (or share, within this process) the exclusive lock of ``folder``; StoreLockedError if another has it."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    key = str(Path(folder).resolve())
    with _mutex:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
            return StoreLock(key)
        fd = os.open(lock_path(key), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreLockedError(_locked_message(key, holder(key))) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        _held[key] = [fd, 1]
        return StoreLock(key)


def _locked_message(folder: str, pid: int | None) -> str:
    who = f"进程 pid {pid}" if pid else "另一个进程"
    who_en = f"process {pid}" if pid else "another process"
    return (
        f"索引目录 {folder} 正被{who}使用（例如正在运行的 app.py）：同一个本地索引同时只能由一个进程打开。"
        f"请通过该进程的网页“文档”标签或 HTTP API（POST /api/index、/api/ask）操作，或先停止它；"
        f"多个进程共用一个索引请用服务器模式（chroma run，然后 --chroma-url / ASSISTANT_CHROMA_URL）。"
        f" / The index folder {folder} is in use by {who_en}: one embedded index serves one process at a time. "
        f"Use that process's web UI or HTTP API, stop it first, or run a Chroma server (server mode, --chroma-url)."
    )
