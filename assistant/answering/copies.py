"""The same passage in other documents: a notice republished by another office, a reply reposted by a city's portal.

A quoted span that stands word for word in other retrieved documents is cited there too, so that the user sees every
document that holds the text, not one chosen at random among identical copies. Each copy is its own verbatim slice
(``document.text[start:end] == quote``); short spans, which many unrelated documents share, are not looked for.

>>> from assistant.types import Chunk, Hit
>>> a = Chunk("a.txt", 0, 22, "一、减免房租三个月，缓缴社会保险费六个月。")
>>> b = Chunk("b.txt", 100, 127, "转发通知：一、减免房租三个月，缓缴社会保险费六个月。")
>>> [(c.source, c.start, c.quote) for c in copies_of(Citation.of(a, 2, 22), [Hit(a, 1.0), Hit(b, 0.9)])]
[('b.txt', 107, '减免房租三个月，缓缴社会保险费六个月。')]
"""
from __future__ import annotations

from collections.abc import Sequence

from assistant.types import Citation, Hit
from assistant.zh.spans import CONTENT_CHAR

MIN_CONTENT_CHARS = 12  # a shorter quote ("按规定执行") stands in many unrelated documents
MAX_COPIES = 2  # documents cited beside the one quoted, per span


def copies_of(citation: Citation, hits: Sequence[Hit], limit: int = MAX_COPIES) -> list[Citation]:
    """Citations of ``citation.quote`` in the chunks of other documents among ``hits``, best hit first, one per
    document, at most ``limit``."""
    quote = citation.quote.strip()
    if len(CONTENT_CHAR.findall(quote)) < MIN_CONTENT_CHARS:
        return []
    out: list[Citation] = []
    seen = {citation.source}
    for hit in hits:
        chunk = hit.chunk
        if chunk.source in seen:
            continue
        at = chunk.text.find(quote)
        if at < 0:
            continue
        seen.add(chunk.source)
        start = chunk.start + at
        out.append(Citation.of(chunk, start, start + len(quote)))
        if len(out) == limit:
            break
    return out


def with_copies(citations: Sequence[Citation], hits: Sequence[Hit]) -> list[tuple[Citation, ...]]:
    """Each citation followed by its copies in other documents: one group per quoted span."""
    return [(c, *copies_of(c, hits)) for c in citations]
