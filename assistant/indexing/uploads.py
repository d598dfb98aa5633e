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

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable, Sequence

from assistant.types import FileOutcome, UploadResult

UPLOAD_DIRNAME = "uploads"
ProgressFn = Callable[[int, int, str], None]
_UNSAFE = re.compile(r'[<>:"/\\|?*]')


def safe_filename(name: str, default: str = "upload", max_len: int = 120) -> str:
    """A file name safe to create in the upload folder: no folders, control characters or reserved characters.

    >>> safe_filename("..")
    'upload'
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name:
        return default
    if len(name) > max_len:
        dot = name.rfind(".")
        suffix = name[dot:] if 0 < dot and len(name) - dot <= 10 else ""
        name = name[: max_len - len(suffix)] + suffix
    return name


def upload_dir(settings) -> Path:
    """Where uploaded files are kept: ``<store_dir>/uploads``."""
    return Path(settings.store_dir) / UPLOAD_DIRNAME


def discard_copy(settings, source: str) -> bool:
    """Remove the uploaded copy of ``source`` (when it was uploaded under that name); whether one was removed."""
    copy = upload_dir(settings) / safe_filename(source)
    if copy.name != source or not copy.is_file():
        return False
    try:
        copy.unlink()
    except OSError:
        return False
    return True


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
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=root))
    outcomes: dict[str, FileOutcome] = {}
    staged: list[Path] = []
    try:
        for i, (client_name, local) in enumerate(files):
            name = safe_filename(client_name)
            dest = (staging / name).resolve()
            if dest.parent != staging.resolve():  # belt and braces: safe_filename keeps it inside already
                outcomes[f"{i}:{name}"] = FileOutcome(name, "error", "文件名不安全，已拒绝。")
                continue
            if dest in staged:
                outcomes[f"{i}:{name}"] = FileOutcome(name, "skipped", "本次上传中有同名文件，只处理了第一个。")
                continue
            try:
                shutil.copyfile(local, dest)
            except OSError as exc:
                outcomes[f"{i}:{name}"] = FileOutcome(name, "error", f"无法保存上传的文件：{exc.strerror or exc}")
                continue
            outcomes[name] = FileOutcome(name, "pending")
            staged.append(dest)
        if staged:
            try:
                report = assistant.index(staged, progress=progress)
            except known_errors as exc:
                result.error = str(exc)
                result.outcomes = [o if o.status != "pending" else FileOutcome(o.name, "error", str(exc))
                                   for o in outcomes.values()]
                return result
            result.chunks = report.chunks
            for path in staged:
                s = path.name
                if s in report.errors:
                    outcomes[s] = FileOutcome(s, "error", report.errors[s])
                    continue
                if s in report.added:
                    outcomes[s] = FileOutcome(s, "added", "已加入索引。")
                elif s in report.updated:
                    outcomes[s] = FileOutcome(s, "updated", "已替换同名文档的旧版本。")
                elif s in report.unchanged:
                    outcomes[s] = FileOutcome(s, "unchanged", "内容与已索引的版本相同。")
                else:
                    outcomes[s] = FileOutcome(s, "error", "没有被索引。")
                    continue
                os.replace(path, root / s)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.outcomes = list(outcomes.values())
    return result
