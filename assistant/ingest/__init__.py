"""Loading files into Documents: formats, encodings, boilerplate spans and metadata.

>>> from pathlib import Path
>>> doc = load_document(Path(__file__).resolve().parents[2] / "samples" / "xuchang_2023_fazhi_report.txt")
>>> doc.title, doc.date, doc.kind
('许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告', '2024-03-01', 'report')
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator

from assistant.types import Document
from assistant.ingest.boilerplate import find_boilerplate, markup_spans, merge_spans
from assistant.ingest.encoding import decode_bytes
from assistant.errors import IngestError, cannot_read
from assistant.ingest.laws import case_name, is_law_markdown, law_info
from assistant.ingest.registry import LOADERS, SUPPORTED_SUFFIXES, loader_for
from assistant.ingest.metadata import detect_metadata, title_year

__all__ = [
    "IngestError", "SUPPORTED_SUFFIXES", "decode_bytes", "find_boilerplate", "iter_files", "load_document",
    "title_year",
]


def load_document(path: Path | str, source: str | None = None, max_bytes: int | None = None,
                  max_chars: int | None = None) -> Document:
    """Read one file into a Document; raises IngestError with a message a user can act on.

    ``source`` defaults to the file name; ``content_hash`` is the SHA-256 of the raw bytes (hex).
    ``text`` is the whole text as loaded (see the loaders); boilerplate is recorded in ``skip_spans``.
    """
    path = Path(path)
    source = source or path.name
    fmt, loader = loader_for(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise cannot_read(source, exc.strerror or type(exc).__name__, "cannot open the file") from None
    if not path.is_file():
        raise cannot_read(source, "不是普通文件", "not a regular file")
    if max_bytes is not None and size > max_bytes:
        raise _too_large(source, size, max_bytes)
    if size == 0:
        raise cannot_read(source, "文件为空", "the file is empty")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise cannot_read(source, exc.strerror or type(exc).__name__, "cannot read the file") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_large(source, len(data), max_bytes)
    loaded = loader(data, source)
    if max_chars is not None and len(loaded.text) > max_chars:  # before the slower metadata and boilerplate passes
        raise cannot_read(
            source, f"文字过长（{len(loaded.text):,} 字，上限 {max_chars:,} 字），请拆分后再索引，或调高设置 max_document_chars",
            f"the text is too long ({len(loaded.text):,} characters, limit {max_chars:,}); split the file or raise "
            f"max_document_chars",
        )
    if not loaded.text.strip():
        raise cannot_read(source, "文件为空（没有文字内容）", "the file is empty (no text, only whitespace)")
    text = loaded.text
    skip = merge_spans(find_boilerplate(text) + markup_spans(text, fmt) + list(loaded.skip), text)
    meta = detect_metadata(text, fmt, filename=path.name, skip=skip, title_hint=loaded.title)
    legal = {}
    if fmt == "md" and is_law_markdown(text, source):
        law = law_info(text, source, kind_hint=meta.kind)
        title = (case_name(text) if law.kind == "案例" else "") or law.title or meta.title
        legal = {"title": title, "kind": law.doc_kind, "date": law.date or meta.date, "issuer": meta.issuer or law.issuer,
                 "law_kind": law.kind, "level": law.level, "region": law.region}
    date = None if fmt == "xlsx" else meta.date  # a date in a cell is data, not the workbook's publication date
    fields = {"title": meta.title, "date": date, "issuer": meta.issuer, "kind": meta.kind, **legal}
    return Document(
        source=source, text=text, format=fmt, encoding=loaded.encoding, content_hash=hashlib.sha256(data).hexdigest(),
        skip_spans=tuple(skip), page_starts=tuple(loaded.pages), page_numbers=tuple(loaded.page_numbers),
        regions=tuple(loaded.regions), ocr_confidence=loaded.confidence, warnings=tuple(loaded.warnings), **fields,
    )


def _too_large(source: str, size: int, limit: int) -> IngestError:
    return cannot_read(
        source, f"文件太大（{_mb(size)}，上限 {_mb(limit)}）",
        f"the file is too large ({size} bytes, limit {limit} bytes); raise the size limit to index it",
    )


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n} 字节"


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, source) for the given files and folders.

    A file given directly is yielded whatever its suffix (loading it then says if the format is not
    supported), with its file name as the source. A folder is walked recursively in sorted order;
    its files get the path relative to the folder, with "/" separators, as the source. Inside
    folders, hidden files and folders (".name"), Word lock files ("~$name.docx") and files with an
    unsupported suffix are skipped silently; symbolic links to folders are not followed.
    """
    for root in paths:
        root = Path(root)
        if not root.is_dir():
            yield root, root.name
            continue
        found = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith((".", "~$")) or Path(name).suffix.lower() not in LOADERS:
                    continue
                file = Path(dirpath) / name
                found.append((file.relative_to(root).parts, file))
        for parts, file in sorted(found):
            yield file, "/".join(parts)
