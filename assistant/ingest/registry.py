"""The format registry: suffix → (format, loader). It imports the format loaders (lazily, so a PDF library loads only
for a PDF); the loaders import only ``formats/base.py``, never this module."""
from __future__ import annotations

from pathlib import Path

from assistant.errors import IngestError
from assistant.ingest.formats.base import Loaded, Loader
from assistant.ingest.formats.text import load_text


def load_html(data: bytes, name: str) -> Loaded:
    from assistant.ingest.formats.html import load_html as load

    return load(data, name)


def load_pdf(data: bytes, name: str) -> Loaded:
    from assistant.ingest.formats.pdf import load_pdf as load

    return load(data, name)


def load_docx(data: bytes, name: str) -> Loaded:
    from assistant.ingest.formats.docx import load_docx as load

    return load(data, name)


def load_image(data: bytes, name: str) -> Loaded:
    from assistant.ingest.formats.image import load_image as load

    return load(data, name)


def load_xlsx(data: bytes, name: str) -> Loaded:
    from assistant.ingest.formats.xlsx import load_xlsx as load

    return load(data, name)


def load_doc(data: bytes, name: str) -> Loaded:
    from assistant.ingest.formats.doc import load_doc as load

    return load(data, name)


LOADERS: dict[str, tuple[str, Loader]] = {
    ".txt": ("txt", load_text),
    ".md": ("md", load_text),
    ".markdown": ("md", load_text),
    ".html": ("html", load_html),
    ".htm": ("html", load_html),
    ".pdf": ("pdf", load_pdf),
    ".docx": ("docx", load_docx),
    ".doc": ("doc", load_doc),
    ".xlsx": ("xlsx", load_xlsx),
    **{suffix: ("image", load_image) for suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")},
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(sorted(LOADERS))

_HINTS = {
    ".wps": "WPS 格式，请另存为 .docx / WPS format: save it as .docx",
    ".xls": "旧版 Excel 格式，请另存为 .xlsx / old Excel format: save it as .xlsx",
}


def loader_for(path: Path) -> tuple[str, Loader]:
    """(format, loader) for a file's suffix; IngestError listing the supported suffixes otherwise."""
    suffix = path.suffix.lower()
    try:
        return LOADERS[suffix]
    except KeyError:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        hint = f"（{_HINTS[suffix]}）" if suffix in _HINTS else ""
        raise IngestError(
            f"无法读取文件 {path.name}：不支持的格式 {suffix or '（无扩展名）'}{hint}，支持：{supported} / "
            f"unsupported format, supported: {supported}"
        ) from None
