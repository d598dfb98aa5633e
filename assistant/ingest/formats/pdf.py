"""PDF files: the pypdf text layer, pages joined with a blank line; encrypted, corrupt and scanned PDFs refused."""
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
    text = PAGE_SEPARATOR.join(p for p in pages if p.strip())
    if not text.strip():
        raise cannot_read(name, "PDF 没有文字层（可能是扫描件；暂不支持 OCR，请先做文字识别）",
                          "the PDF has no text layer (scanned?); OCR is not supported")
    return Loaded(text, None)


def _encrypted(name: str):
    return cannot_read(name, "PDF 已加密（需要密码）", "the PDF is encrypted (a password is required)")


def _corrupt(name: str, why: str):
    return cannot_read(name, "PDF 文件损坏或无法解析", f"the PDF is corrupt or cannot be parsed ({why})")
