r"""Chunking: documents cut into chunks with exact offsets and heading paths; laws and cases by article or part,
everything else by the report chunker. ``CHUNKER_VERSION`` is recorded in the index, so a change re-chunks.

>>> from assistant.types import Document
>>> [c.text for c in chunk_document(Document(source="a.txt", text="一、总则\n\n第一句。第二句。"), min_chars=2)]
['一、总则', '第一句。第二句。']
"""
from __future__ import annotations

from assistant.chunking.laws import chunk_law
from assistant.chunking.reports import chunk_report
from assistant.types import Chunk, Document

CHUNKER_VERSION = "2"  # 2: laws and cases chunked by article / part (chunking/laws.py); reports unchanged


def chunk_document(doc: Document, min_chars: int = 100, max_chars: int = 400) -> list[Chunk]:
    """Cut ``doc`` into chunks of roughly ``min_chars``–``max_chars`` characters (laws and cases: by article / part)."""
    if doc.law_kind:
        return chunk_law(doc, min_chars, max_chars)
    return chunk_report(doc, min_chars, max_chars)
