"""PDF files: opened and checked with pypdf (encrypted and corrupt files refused), text by pdf_pages (pypdfium2, OCR for scanned pages)."""
from __future__ import annotations

import io
import logging

from assistant.errors import IngestError, cannot_read
from assistant.ingest.formats.base import Loaded

PAGE_SEPARATOR = "\n\n"


def load_pdf(data: bytes, name: str) -> Loaded:
    """The text of every page (surrounding line breaks and trailing spaces trimmed) joined with ``PAGE_SEPARATOR``; pages without text are left out.

    A PDF with an owner password only (empty user password) opens like any other.
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise cannot_read(name, "PDF 文件损坏或不是 PDF", "the PDF is corrupt or not a PDF (no %PDF header)")
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # pypdf warns about every small defect it repairs
    try:
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except DependencyError:
                    raise cannot_read(name, "PDF 已加密，解密需要安装 cryptography 库",
                                      "the PDF is encrypted with AES; install the cryptography package") from None
                if not opened:
                    raise _encrypted(name)
            pages = []
            for number, page in enumerate(reader.pages, 1):
                try:
                    pages.append((page.extract_text() or "").lstrip("\r\n").rstrip())
                except FileNotDecryptedError:
                    raise _encrypted(name) from None
                except Exception as exc:
                    raise cannot_read(name, f"PDF 第 {number} 页无法解析",
                                      f"page {number} of the PDF cannot be read ({type(exc).__name__})") from None
        except IngestError:
            raise
        except FileNotDecryptedError:
            raise _encrypted(name) from None
        except Exception as exc:  # pypdf raises many kinds of errors on damaged files
            raise _corrupt(name, type(exc).__name__) from None
    finally:
        pypdf_log.setLevel(level)
    from assistant.ingest.formats.pdf_pages import assemble, pdfium_texts

    better = pdfium_texts(data, name)  # pypdfium2 reads CJK tables and layouts better (BENCHMARKS.md)
    if better is not None and len(better) == len(pages):
        pages = better
    return assemble(data, pages, name)  # pages without a usable text layer are OCR'd


def _encrypted(name: str):
    return cannot_read(name, "PDF 已加密（需要密码）", "the PDF is encrypted (a password is required)")


def _corrupt(name: str, why: str):
    return cannot_read(name, "PDF 文件损坏或无法解析", f"the PDF is corrupt or cannot be parsed ({why})")
