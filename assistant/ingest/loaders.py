"""One loader per format, each returning (text, format, encoding) or raising IngestError."""
from __future__ import annotations

import io
import re
from pathlib import Path

from .encoding import decode_bytes
from .errors import IngestError


def load_text(data: bytes, name: str) -> tuple[str, str | None]:
    return decode_bytes(data, name)


def load_html(data: bytes, name: str) -> tuple[str, str | None]:
    """Visible text, block elements on their own lines; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup

    raw, enc = decode_bytes(data, name)
    soup = BeautifulSoup(raw, "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "iframe", "form", "template"]):
        tag.decompose()
    root = soup.body or soup
    text = root.get_text("\n")
    lines = [re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    title = soup.title.get_text(strip=True) if soup.title else ""
    if title and not text.startswith(title):
        h1 = soup.find("h1")
        if h1 is None:
            text = title + "\n" + text
    return text, enc


def load_pdf(data: bytes, name: str) -> tuple[str, str | None]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - a declared dependency
        raise IngestError("读取 PDF 需要 pypdf：pip install pypdf / PDF support needs pypdf") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise IngestError(f"{name}：PDF 已加密（需要密码） / the PDF is password-protected")
            except IngestError:
                raise
            except Exception:
                raise IngestError(f"{name}：PDF 已加密（需要密码） / the PDF is password-protected") from None
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, Exception) as exc:
        raise IngestError(f"{name}：PDF 文件损坏或无法解析 / the PDF is corrupt ({type(exc).__name__})") from None
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise IngestError(f"{name}：PDF 没有文字层（可能是扫描件，暂不支持 OCR） / no text layer (scanned PDF; OCR is not supported)")
    return text, None


def load_docx(data: bytes, name: str) -> tuple[str, str | None]:
    try:
        import docx
    except ImportError:  # pragma: no cover - a declared dependency
        raise IngestError("读取 DOCX 需要 python-docx：pip install python-docx") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise IngestError(f"{name}：DOCX 文件损坏或无法解析 / the DOCX is corrupt ({type(exc).__name__})") from None
    parts: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = []
                    for cell in row.iterchildren():
                        if cell.tag.endswith("}tc"):
                            cells.append("".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t")).strip())
                    parts.append("\t".join(cells))
    return "\n".join(parts), None


LOADERS = {
    ".txt": ("txt", load_text), ".text": ("txt", load_text), ".md": ("md", load_text), ".markdown": ("md", load_text),
    ".html": ("html", load_html), ".htm": ("html", load_html), ".pdf": ("pdf", load_pdf), ".docx": ("docx", load_docx),
}


def loader_for(path: Path):
    try:
        return LOADERS[path.suffix.lower()]
    except KeyError:
        supported = " ".join(sorted(LOADERS))
        raise IngestError(f"不支持的文件格式 {path.suffix or '(无扩展名)'}，支持：{supported} / unsupported format") from None
