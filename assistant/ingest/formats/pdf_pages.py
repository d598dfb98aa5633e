"""PDF pages: the text layer read with pypdfium2 (better than pypdf on CJK tables and layouts: BENCHMARKS.md),
two-column pages laid out from their text boxes, and the pages without a usable text layer rendered and OCR'd.

A page needs OCR when its text layer is empty or garbage: unmapped CID glyphs, private-use or control
characters, replacement characters, or Latin-1 mojibake of UTF-8 Chinese. Text-layer pages keep their lines
(rows of a table become header rows, tables.py); OCR'd pages come out of ocr_layout. Pages are joined with a
blank line, empty pages left out; ``Loaded.pages`` holds where each kept page starts and its page number.
"""
from __future__ import annotations

import re
import unicodedata

from assistant.errors import IngestError, cannot_read
from assistant.ingest.formats.image import low_confidence_warnings, ocr_pages, too_many_pages
from assistant.ingest.formats.base import Loaded
from assistant.ingest.ocr import current_limits
from assistant.ingest.tables import rewrite_tables

PAGE_SEPARATOR = "\n\n"
_CID = re.compile(r"\(cid:\d+\)|/g\d+|\\u[0-9a-f]{4}", re.I)
_MOJIBAKE = re.compile(r"[ÃÂÅÆÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ][\x80-\xbf¡-¿]")


def garbage_share(text: str) -> float:
    """The share of characters (whitespace aside) that no real text layer would hold."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 1.0
    bad = sum(len(m.group(0)) for m in _CID.finditer(text)) + 2 * len(_MOJIBAKE.findall(text))
    for c in chars:
        cat = unicodedata.category(c)
        if c == "\ufffd" or cat in ("Co", "Cc", "Cs", "Cn") or "\u0080" <= c <= "\u009f":
            bad += 1
    return min(1.0, bad / len(chars))


def needs_ocr(text: str) -> bool:
    """No text layer, or one that is mostly garbage."""
    stripped = "".join(text.split())
    return len(stripped) < 2 or garbage_share(text) > 0.3


def pdfium_texts(data: bytes, name: str) -> list[str] | None:
    """The text of every page with pypdfium2, lines trimmed (None when pypdfium2 cannot read the file)."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:
        return None
    try:
        out = []
        for page in pdf:
            textpage = page.get_textpage()
            raw = _two_column_text(page, textpage)
            if raw is None:
                raw = textpage.get_text_range()
            textpage.close()
            page.close()
            lines = [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
            out.append("\n".join(lines).strip("\n"))
        return out
    except Exception:
        return None
    finally:
        pdf.close()


def _two_column_text(page, textpage) -> str | None:
    """A two-column page's text in reading order (left column, then right), laid out from the text runs' boxes
    like an OCR'd page; None for other pages, which keep the content stream's order.

    Some programs write two-column pages row by row across the columns; the stream order then interleaves the
    columns (BENCHMARKS.md: 0.58 character accuracy for both pypdf and pypdfium2's plain text).
    """
    from assistant.ingest.ocr import OcrLine
    from assistant.ingest.ocr_layout import _gutter, layout_pages

    width, height = page.get_size()
    lines = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top).strip()
        if text:
            lines.append(OcrLine((left, height - top, right, height - bottom), text, 1.0))
    if len(lines) < 6 or _gutter(lines, width) is None:
        return None
    return layout_pages([(lines, int(width), int(height))]).text


def assemble(data: bytes, texts: list[str], name: str) -> Loaded:
    """The document text from per-page text layers, OCR'ing the pages that need it."""
    limits = current_limits()
    if len(texts) > limits.max_pages:
        raise too_many_pages(name, len(texts), limits.max_pages)
    texts = [rewrite_tables(t) if not needs_ocr(t) else t for t in texts]
    scan = [i for i, t in enumerate(texts) if needs_ocr(t)]
    ocr_text: dict[int, tuple[str, list, list]] = {}
    confidence = None
    warnings: tuple = ()
    if scan:
        doc = ocr_pages(_render(data, scan, name, limits), len(scan), name)
        confidence = doc.confidence
        warnings = low_confidence_warnings(doc, tuple(i + 1 for i in scan))
        bounds = [*doc.page_starts, len(doc.text) + len(PAGE_SEPARATOR)]
        for k, i in enumerate(scan):
            start, end = bounds[k], bounds[k + 1] - len(PAGE_SEPARATOR)
            skip = [(s - start, e - start) for s, e in doc.skip_spans if start <= s < end]
            regions = [(s - start, e - start, i + 1, *box) for s, e, _, *box in doc.regions if start <= s < end]
            ocr_text[i] = (doc.text[start:end], skip, regions)
    parts, starts, numbers, skip_all, regions_all = [], [], [], [], []
    pos = 0
    for i, text in enumerate(texts):
        page_text, skip, regions = ocr_text.get(i, (text, [], []))
        if not page_text.strip():
            continue
        if parts:
            parts.append(PAGE_SEPARATOR)
            pos += len(PAGE_SEPARATOR)
        starts.append(pos)
        numbers.append(i + 1)
        skip_all += [(s + pos, e + pos) for s, e in skip]
        regions_all += [(s + pos, e + pos, *rest) for s, e, *rest in regions]
        parts.append(page_text)
        pos += len(page_text)
    text = "".join(parts)
    if not text.strip():
        raise cannot_read(name, "PDF 没有文字层，文字识别（OCR）也没有识别出文字（空白页或图像不清晰）",
                          "the PDF has no text layer and OCR found no text (blank or unreadable pages)")
    return Loaded(text, None, None, skip=tuple(skip_all), pages=tuple(starts), page_numbers=tuple(numbers),
                  regions=tuple(regions_all), confidence=confidence, warnings=warnings)


def _render(data: bytes, indices: list[int], name: str, limits):
    """Page images, rendered one at a time (at ``render_dpi``, fewer dots for pages that would exceed the pixel limit)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        raise cannot_read(name, "PDF 页面无法渲染（无法做文字识别）", f"the PDF pages cannot be rendered for OCR ({type(exc).__name__})") from None
    try:
        for i in indices:
            page = pdf[i]
            width, height = page.get_size()  # points
            scale = limits.render_dpi / 72
            if width * height * scale * scale > limits.max_image_pixels:
                scale = (limits.max_image_pixels / max(width * height, 1)) ** 0.5
            try:
                image = page.render(scale=scale).to_pil()
            except Exception as exc:
                raise cannot_read(name, f"PDF 第 {i + 1} 页无法渲染", f"page {i + 1} cannot be rendered ({type(exc).__name__})") from None
            finally:
                page.close()
            yield image
    except IngestError:
        raise
    finally:
        pdf.close()
