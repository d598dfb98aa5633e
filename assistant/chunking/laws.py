"""Chunking of legal documents: one chunk per article (long ones split at 款), cases by their parts.

Every chunk is a slice of ``document.text`` with its offsets carried from the parser, never searched for.
Article chunks carry the citation label (``《中华人民共和国行政诉讼法》第三条``), the article number and the
编/章/节 path; a long article is split at 款 (paragraph) boundaries and every piece keeps the article's label.
A guiding case is cut by its parts (关键词, 裁判要点, 基本案情, 裁判结果, 裁判理由 …), labelled
``《案名》裁判要点``. The header (title and adoption history) is one chunk of its own.

>>> from assistant.types import Document
>>> text = "# 中华人民共和国示例法\\n\\n2020年1月1日通过\\n\\n<!-- INFO END -->\\n\\n## 第一章 总则\\n\\n第一条 为了示例，制定本法。\\n"
>>> doc = Document(source="示例法.md", text=text, title="中华人民共和国示例法", kind="law", law_kind="法律")
>>> [(c.label, c.section_path, c.text) for c in chunk_law(doc)][1]
('《中华人民共和国示例法》第一条', ('第一章 总则', '第一条'), '第一条 为了示例，制定本法。')
"""
from __future__ import annotations

from dataclasses import replace

from assistant.chunking.reports import chunk_report
from assistant.chunking.sentences import sentences
from assistant.ingest.laws import HEADING, INFO_END, STRUCTURE, parse_articles, parse_case_parts
from assistant.zh.spans import BLANK as _SPACE
from assistant.zh.spans import lines
from assistant.types import Chunk, Document



def chunk_law(doc: Document, min_chars: int = 100, max_chars: int = 400) -> list[Chunk]:
    """Chunks of a law, regulation, judicial interpretation or case (``doc.law_kind`` set), in text order."""
    pieces: list[tuple[int, int, tuple[str, ...], str, int]] = []  # (start, end, path, label, article)
    header = _header(doc.text)
    if header:
        pieces.append((*header, ("标题与沿革",), f"《{doc.title}》", 0))
    body_start = header[1] if header else 0
    if doc.law_kind == "案例":
        for part in parse_case_parts(doc.text):
            label = f"《{doc.title}》{part.name}" if part.name else f"《{doc.title}》"
            for s, e in _groups(doc.text, part.paragraphs, max_chars):
                pieces.append((s, e, part.path, label, 0))
    else:
        articles = parse_articles(doc.text)
        covered = [(a.start, a.end) for a in articles]
        for a in articles:
            label = f"《{doc.title}》{a.label}"
            for s, e in _groups(doc.text, a.paragraphs, max_chars):
                pieces.append((s, e, (*a.path, a.label), label, a.number))
        for s, e, path in _loose_text(doc.text, body_start, covered, max_chars):
            pieces.append((s, e, path, f"《{doc.title}》", 0))
        if not articles:
            return _generic(doc, min_chars, max_chars, pieces)
    pieces.sort(key=lambda p: p[0])
    return [
        Chunk(source=doc.source, start=s, end=e, text=doc.text[s:e], section_path=path, ordinal=i, title=doc.title,
              kind=doc.kind, date=doc.date, doc_hash=doc.content_hash, label=label, article=number,
              law_kind=doc.law_kind, level=doc.level, region=doc.region)
        for i, (s, e, path, label, number) in enumerate(pieces)
    ]


def _generic(doc: Document, min_chars: int, max_chars: int, pieces) -> list[Chunk]:
    """A legal text without 第X条 articles (some interpretations number 一、二、): the report chunker, labelled."""
    body = [c for c in chunk_report(replace(doc, law_kind=""), min_chars, max_chars)
            if not pieces or c.start >= pieces[0][1]]
    head = [Chunk(source=doc.source, start=s, end=e, text=doc.text[s:e], section_path=path, title=doc.title,
                  kind=doc.kind, date=doc.date, doc_hash=doc.content_hash) for s, e, path, _, _ in pieces]
    return [
        replace(c, ordinal=i, label=f"《{doc.title}》", law_kind=doc.law_kind, level=doc.level, region=doc.region)
        for i, c in enumerate(head + body)
    ]


def _header(text: str) -> tuple[int, int] | None:
    """The title and history lines before ``<!-- INFO END -->``."""
    end = text.find(INFO_END)
    if end <= 0:
        return None
    s, e = 0, end
    while s < e and text[s] in _SPACE:
        s += 1
    while e > s and text[e - 1] in _SPACE:
        e -= 1
    return (s, e) if s < e else None


def _groups(text: str, paragraphs, max_chars: int):
    """Consecutive paragraphs joined while the span stays within ``max_chars``; a longer paragraph alone is split
    at sentence ends."""
    group: list[tuple[int, int]] = []
    for s, e in paragraphs:
        if group and e - group[0][0] > max_chars:
            yield group[0][0], group[-1][1]
            group = []
        if e - s > max_chars:
            if group:
                yield group[0][0], group[-1][1]
                group = []
            yield from _join(list(sentences(text, s, e, max_chars)), max_chars)
            continue
        group.append((s, e))
    if group:
        yield group[0][0], group[-1][1]


def _join(spans, max_chars: int):
    start = end = None
    for s, e in spans:
        if start is not None and e - start > max_chars:
            yield start, end
            start = None
        if start is None:
            start = s
        end = e
    if start is not None:
        yield start, end


def _loose_text(text: str, start: int, covered, max_chars: int):
    """Text after the header that no article holds (a preamble, 序言, closing notes), grouped by paragraphs."""
    covered = sorted(covered)
    run: list[tuple[int, int]] = []
    path: tuple[str, ...] = ()
    i = 0
    for s, e in lines(text, start, len(text)):
        while i < len(covered) and covered[i][1] <= s:
            i += 1
        inside = i < len(covered) and covered[i][0] <= s < covered[i][1]
        line = text[s:e]
        skip = inside or line.startswith("<!--") or bool(STRUCTURE.match(line)) or bool(HEADING.match(line))
        if skip:
            if run:
                yield from ((a, b, path) for a, b in _groups(text, run, max_chars))
                run = []
            heading = HEADING.match(line)
            if heading and not inside:
                path = (heading.group(2).strip(_SPACE),)
            continue
        run.append((s, e))
    if run:
        yield from ((a, b, path) for a, b in _groups(text, run, max_chars))
