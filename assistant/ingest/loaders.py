"""The format registry and the plain-text loader (.txt, .md): suffix → (format, loader)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

from .encoding import decode_bytes
from .errors import IngestError


class Loaded(NamedTuple):
    """What a loader returns: the whole text, the encoding it was decoded with (None for PDF/DOCX), a title hint.

    Paged formats also give where each page starts in the text (``pages``, with its page number in
    ``page_numbers``); OCR'd ones their header/footer spans (``skip``), paragraph boxes (``regions``: start, end,
    page, x0, y0, x1, y1 as page fractions), mean recognition confidence and warnings.
    """

    text: str
    encoding: str | None = None
    title: str | None = None
    skip: tuple = ()
    pages: tuple = ()
    page_numbers: tuple = ()
    regions: tuple = ()
    confidence: float | None = None
    warnings: tuple = ()


Loader = Callable[[bytes, str], Loaded]


def load_text(data: bytes, name: str) -> Loaded:
    """A .txt or .md file: the decoded bytes exactly (newlines, indentation and trailing spaces kept)."""
    text, encoding = decode_bytes(data, name)
    return Loaded(text, encoding)


def load_html(data: bytes, name: str) -> Loaded:
    from .html_loader import load_html as load

    return load(data, name)


def load_pdf(data: bytes, name: str) -> Loaded:
    from .pdf_loader import load_pdf as load

    return load(data, name)


def load_docx(data: bytes, name: str) -> Loaded:
    from .docx_loader import load_docx as load

    return load(data, name)


def load_image(data: bytes, name: str) -> Loaded:
    from .image_loader import load_image as load

    return load(data, name)


def load_xlsx(data: bytes, name: str) -> Loaded:
    from .xlsx_loader import load_xlsx as load

    return load(data, name)


def load_doc(data: bytes, name: str) -> Loaded:
    from .doc_loader import load_doc as load

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
