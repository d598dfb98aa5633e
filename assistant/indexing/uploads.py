"""Uploaded files: kept under safe names inside the upload folder, indexed, reported file by file.

Used by the browser workspace and by the HTTP API alike. A file name from a client is never trusted: folders,
control characters and reserved characters are stripped (``safe_filename``), and the resolved destination must lie
directly inside the upload folder. Files are staged first, so a failed file never replaces a kept one.

>>> safe_filename("../../etc/passwd")
'passwd'
>>> safe_filename("a\\x07b\\n.txt")
'ab.txt'
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable, Sequence

from assistant.indexing.store_lock import process_alive
from assistant.types import FileOutcome, UploadResult

UPLOAD_DIRNAME = "uploads"
ProgressFn = Callable[[int, int, str], None]
_UNSAFE = re.compile(r'[<>:"/\\|?*]')
MAX_NAME_BYTES = 255  # the longest file name Linux, macOS and Windows file systems take
INCOMING_PREFIX = ".incoming-"


def safe_filename(name: str, default: str = "upload", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name safe to create in the upload folder: no folders, control characters or reserved characters,
    at most ``max_bytes`` bytes of UTF-8 with its extension. A shortened name ends in a hash of the whole name, so
    two long names that differ only at the end stay apart; a safe name maps to itself.

    >>> safe_filename("..")
    'upload'
    >>> len(safe_filename("长" * 84 + ".txt").encode()) <= 255
    True
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name:
        return default
    if len(name.encode("utf-8")) > max_bytes:
        dot = name.rfind(".")
        suffix = name[dot:] if 0 < dot and len(name) - dot <= 10 else ""
        tag = "-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        stem = name[: len(name) - len(suffix)].encode("utf-8")[: max_bytes - len((tag + suffix).encode("utf-8"))]
        name = stem.decode("utf-8", "ignore").rstrip() + tag + suffix
    return name


def upload_dir(settings) -> Path:
    """Where uploaded files are kept: ``<store_dir>/uploads``."""
    return Path(settings.store_dir) / UPLOAD_DIRNAME


def save_and_index(assistant, files: Sequence[tuple[str, str | Path]], progress: ProgressFn | None = None,
                   known_errors: tuple[type[Exception], ...] = ()) -> UploadResult:
    """Copy ``(client file name, local path)`` pairs into the upload folder under safe names and index them.

    A file indexes under its safe name as ``source``; uploading a file of the same name again replaces that
    document. ``known_errors`` are failures of the whole run reported as ``UploadResult.error`` (not raised).
    """
    result = UploadResult()
    if not files:
        return result
    folder = upload_dir(assistant.settings)
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    staging = Path(tempfile.mkdtemp(prefix=f"{INCOMING_PREFIX}{os.getpid()}-", dir=root))
    outcomes: dict[str, FileOutcome] = {}
    originals: dict[str, str] = {}  # safe name -> the client's name, where they differ
    staged: list[Path] = []

    def outcome(name: str, status: str, message: str) -> FileOutcome:
        return FileOutcome(name, status, message, originals.get(name, ""))

    try:
        for i, (client_name, local) in enumerate(files):
            name = safe_filename(client_name)
            given = re.split(r"[\\/]", str(client_name or ""))[-1]
            if given and given != name:
                originals[name] = given
            dest = (staging / name).resolve()
            if dest.parent != staging.resolve():  # belt and braces: safe_filename keeps it inside already
                outcomes[f"{i}:{name}"] = outcome(name, "error", "文件名不安全，已拒绝。")
                continue
            if dest in staged:
                outcomes[f"{i}:{name}"] = outcome(name, "skipped", "本次上传中有同名文件，只处理了第一个。")
                continue
            try:
                shutil.copyfile(local, dest)
            except OSError as exc:
                outcomes[f"{i}:{name}"] = outcome(name, "error", f"无法保存上传的文件：{exc.strerror or exc}")
                continue
            outcomes[name] = outcome(name, "pending", "")
            staged.append(dest)
        if staged:
            try:
                report = assistant.index(staged, progress=progress)
            except known_errors as exc:
                result.error = str(exc)
                result.outcomes = [o if o.status != "pending" else outcome(o.name, "error", str(exc))
                                   for o in outcomes.values()]
                return result
            result.chunks = report.chunks
            for path in staged:
                s = path.name
                if s in report.errors:
                    outcomes[s] = outcome(s, "error", report.errors[s])
                    continue
                if s in report.added:
                    outcomes[s] = outcome(s, "added", "已加入索引。")
                elif s in report.updated:
                    outcomes[s] = outcome(s, "updated", "已替换同名文档的旧版本。")
                elif s in report.unchanged:
                    outcomes[s] = outcome(s, "unchanged", "内容与已索引的版本相同。")
                else:
                    outcomes[s] = outcome(s, "error", "没有被索引。")
                    continue
                os.replace(path, root / s)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.outcomes = list(outcomes.values())
    return result


def remove_upload(settings, source: str) -> bool:
    """Delete the kept copy of an uploaded document (after the document left the index); True if one was removed."""
    if not source or safe_filename(source) != source:
        return False  # not a name an upload is kept under
    copy = upload_dir(settings) / source
    try:
        if copy.is_file() and not copy.is_symlink():
            copy.unlink()
            return True
    except OSError:
        pass
    return False


def clean_incoming(settings) -> list[str]:
    """Remove staging folders (``uploads/.incoming-PID-*``) that a killed process left; returns their names.

    A folder whose process is still running is left alone (another app on the same uploads folder, in server mode).
    """
    folder = upload_dir(settings)
    removed = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        if not entry.name.startswith(INCOMING_PREFIX) or not entry.is_dir() or entry.is_symlink():
            continue
        pid = entry.name[len(INCOMING_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and (int(pid) == os.getpid() or process_alive(int(pid))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry.name)
    return removed

