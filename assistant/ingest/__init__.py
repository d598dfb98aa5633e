"""Loading files into Documents: formats, encodings, boilerplate spans and metadata."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator

from ..types import Document
from .boilerplate import find_boilerplate, front_matter
from .errors import IngestError
from .loaders import LOADERS, loader_for
from .metadata import detect_date, detect_issuer, detect_kind, detect_title, title_year

SUPPORTED_SUFFIXES = tuple(sorted(LOADERS))
__all__ = ["IngestError", "SUPPORTED_SUFFIXES", "iter_files", "load_document", "title_year"]


def load_document(path: Path | str, source: str | None = None, max_bytes: int | None = None) -> Document:
    """Read one file into a Document; raises IngestError with a message a user can act on."""
    path = Path(path)
    source = source or path.name
    fmt, loader = loader_for(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"无法读取 {source}：{exc.strerror} / cannot read the file") from None
    if max_bytes is not None and size > max_bytes:
        raise IngestError(
            f"{source} 太大（{size / 2**20:.1f} MB，上限 {max_bytes / 2**20:.0f} MB） / file too large; "
            "raise max_file_bytes in the settings to index it"
        )
    if size == 0:
        raise IngestError(f"{source} 是空文件 / the file is empty")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"无法读取 {source}：{exc.strerror} / cannot read the file") from None
    text, encoding = loader(data, source)
    if not text.strip():
        raise IngestError(f"{source} 没有文字内容 / the file has no text")
    skip = find_boilerplate(text)
    if fmt == "md":
        skip = sorted(skip + front_matter(text))
    title = detect_title(text, skip, fmt, fallback=path.stem)
    return Document(
        source=source, text=text, title=title, date=detect_date(text, path.name), issuer=detect_issuer(title, text),
        kind=detect_kind(title, text), format=fmt, encoding=encoding,
        content_hash=hashlib.sha256(data).hexdigest(), skip_spans=tuple(skip),
    )


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, source) for files and folders; a folder's files are named relative to it, hidden ones skipped."""
    for root in paths:
        root = Path(root)
        if root.is_file():
            yield root, root.name
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or Path(name).suffix.lower() not in LOADERS:
                    continue
                file = Path(dirpath) / name
                yield file, file.relative_to(root).as_posix()
