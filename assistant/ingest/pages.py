"""Pages of chunks: the page a chunk starts on and, for OCR'd pages, the box of its lines on that page.

>>> from assistant.types import Chunk, Document
>>> doc = Document(source="a.pdf", text="第一页。\\n\\n第二页。", page_starts=(0, 6), page_numbers=(1, 2))
>>> [c.page for c in with_pages(doc, [Chunk("a.pdf", 0, 4, "第一页。"), Chunk("a.pdf", 6, 10, "第二页。")])]
[1, 2]
"""
from __future__ import annotations

import bisect
import dataclasses

from assistant.types import Chunk, Document


def page_at(doc: Document, offset: int) -> int:
    """The page number at a text offset (0 for documents without pages)."""
    if not doc.page_starts:
        return 0
    i = max(0, bisect.bisect_right(doc.page_starts, offset) - 1)
    return doc.page_numbers[i] if i < len(doc.page_numbers) else i + 1


def chunk_box(doc: Document, start: int, end: int, page: int) -> tuple[float, ...]:
    """The union of the OCR boxes on ``page`` that overlap [start, end), or () when there are none."""
    boxes = [r[3:7] for r in doc.regions if r[2] == page and r[0] < end and start < r[1]]
    if not boxes:
        return ()
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def with_pages(doc: Document, chunks: list[Chunk]) -> list[Chunk]:
    """The chunks with their page and box filled in (unchanged for documents without pages)."""
    if not doc.page_starts:
        return chunks
    out = []
    for c in chunks:
        page = page_at(doc, c.start)
        out.append(dataclasses.replace(c, page=page, box=chunk_box(doc, c.start, c.end, page)))
    return out
