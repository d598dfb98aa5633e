"""One writing process per embedded store folder: a lock file held while a process uses the folder.

Embedded Chroma keeps its state in the process that opened the folder: a second process writing to the same
folder leaves the first one answering from stale data (or failing). So opening an embedded store takes
``<folder>/.assistant.lock`` with ``flock``: shared to read, exclusive from the first write on (for the rest of the
process's life; the app takes it at start). Readers run side by side; a process that would write while any other
has the folder open, or read while another writes, gets :class:`StoreLockedError`, naming the holder's pid and
pointing at server mode. Within one process the lock is taken once per folder and shared (refcounted): several
Assistant objects on one folder are fine. The operating system drops the lock when the process ends, kill -9
included, so a stale lock file never blocks anyone.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> first, second = acquire(folder), acquire(folder)   # one process: shared
>>> second.upgrade()                                    # about to write: exclusive for this process
>>> lock_path(folder).read_text().startswith(f"{os.getpid()} writer"), holders(folder)   # no other holder
(True, [])
>>> first.release(); second.release()
"""
from __future__ import annotations

import fcntl
import os
import socket
import threading
from pathlib import Path

from assistant.errors import StoreLockedError

LOCK_NAME = ".assistant.lock"

_held: dict[str, list] = {}  # resolved folder -> [file descriptor, users, exclusive]
_mutex = threading.Lock()


def lock_path(folder: str | os.PathLike) -> Path:
    return Path(folder) / LOCK_NAME


def holders(folder: str | os.PathLike) -> list[int]:
    """Pids of the other live processes that hold the folder's lock, the writer first (from the lock file's lines
    ``PID writer|reader HOST``; a writer rewrites the file, readers add their line)."""
    try:
        lines = lock_path(folder).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in sorted(lines, key=lambda x: " writer" not in x):
        pid = line.split(" ", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and int(pid) not in found and process_alive(int(pid)):
            found.append(int(pid))
    return found


def holder(folder: str | os.PathLike) -> int | None:
    """The pid of the process holding the folder (its writer, else a reader), or None."""
    found = holders(folder)
    return found[0] if found else None


def process_alive(pid: int) -> bool:
    """Whether a process of that id runs (one of another user counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


class StoreLock:
    """One user's share of a folder's lock; :meth:`release` once (idempotent)."""

    def __init__(self, key: str):
        self.key = key
        self._released = False

    def upgrade(self) -> None:
        """Make this process's lock exclusive (before a write); StoreLockedError while another process has it open."""
        with _mutex:
            entry = _held.get(self.key)
            if entry is None or entry[2]:
                return
            try:
                fcntl.flock(entry[0], fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                try:  # Linux drops the shared lock when a conversion fails: take it back
                    fcntl.flock(entry[0], fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    pass
                raise StoreLockedError(_locked_message(self.key, holder(self.key))) from None
            entry[2] = True
            _write_pid(entry[0], writer=True)

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


def acquire(folder: str | os.PathLike, exclusive: bool = False) -> StoreLock:
    """Take (or share, within this process) the lock of ``folder``, shared or ``exclusive``;
    StoreLockedError if another process writes there (or, for ``exclusive``, has it open at all)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    key = str(Path(folder).resolve())
    with _mutex:
        entry = _held.get(key)
        if entry is None:
            fd = os.open(lock_path(key), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise StoreLockedError(_locked_message(key, holder(key))) from None
            except BaseException:
                os.close(fd)
                raise
            _write_pid(fd, writer=exclusive)
            _held[key] = entry = [fd, 0, exclusive]
        entry[1] += 1
    lock = StoreLock(key)
    if exclusive:
        try:
            lock.upgrade()
        except StoreLockedError:
            lock.release()
            raise
    return lock


def _write_pid(fd: int, writer: bool) -> None:
    """Name this process in the lock file (read back by a process that is refused): a writer alone, a reader added."""
    line = f"{os.getpid()} {'writer' if writer else 'reader'} {socket.gethostname()}\n".encode()
    if writer:
        os.ftruncate(fd, 0)
        os.pwrite(fd, line, 0)
    else:
        os.lseek(fd, 0, os.SEEK_END)
        if os.lseek(fd, 0, os.SEEK_CUR) > 64 << 10:  # many readers came and went: start the list afresh
            os.ftruncate(fd, 0)
        os.write(fd, line)


def _locked_message(folder: str, pid: int | None) -> str:
    """Why the folder cannot be used now, naming the holder and what to do instead."""
    who = f"进程 pid {pid}" if pid else "另一个进程"
    who_en = f"process {pid}" if pid else "another process"
    return (
        f"索引目录 {folder} 正被{who}使用（例如正在运行的 app.py）：同一个本地索引同时只能由一个进程打开。"
        f"请通过该进程的网页“文档”标签或 HTTP API（POST /api/index、/api/ask）操作，或先停止它；"
        f"多个进程共用一个索引请用服务器模式（chroma run，然后 --chroma-url / ASSISTANT_CHROMA_URL）。"
        f" / The index folder {folder} is in use by {who_en}: one embedded index serves one process at a time. "
        f"Use that process's web UI or HTTP API, stop it first, or run a Chroma server (server mode, --chroma-url)."
    )
