"""Structure-aware chunking of Chinese reports, notices and other prose, with exact offsets and heading paths.

Every chunk is a contiguous slice of ``document.text`` (``text[start:end] == chunk.text``), cut
by a cursor that walks the text: offsets are carried, never searched for. Chunks never cut a
sentence (unless one sentence alone is longer than the maximum, which is then split at commas),
never cross a heading, and never include boilerplate (``document.skip_spans``).

>>> from assistant.types import Document
>>> doc = Document(source="a.txt", text="一、总体情况\\n\\n一是加强领导。成立委员会。二是完善机制。")
>>> [c.section_path for c in chunk_report(doc, min_chars=10)]
[('一、总体情况', '一是加强领导'), ('一、总体情况', '二是完善机制')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.chunking.sentences import sentences as _sentences
from assistant.types import Chunk, Document
from assistant.zh.spans import BLANK as _SPACE
from assistant.zh.spans import lines as _lines

_CN_NUM = "一二三四五六七八九十百千零〇两"

# (rank, pattern) for headings at the start of a line; a lower rank is a higher level.
_LINE_HEADINGS: list[tuple[int, re.Pattern]] = [
    (1, re.compile(rf"第[{_CN_NUM}\d]+编")),
    (2, re.compile(rf"第[{_CN_NUM}\d]+章")),
    (3, re.compile(rf"第[{_CN_NUM}\d]+节")),
    (4, re.compile(rf"[{_CN_NUM}]+、")),
    (5, re.compile(rf"[（(][{_CN_NUM}]+[）)]")),
    (6, re.compile(r"\d{1,2}[、．.](?!\d)")),
    (7, re.compile(r"[（(]\d{1,2}[）)]")),
]
_ARTICLE = re.compile(rf"第[{_CN_NUM}\d]+条(之[{_CN_NUM}\d]+)?")
_ARTICLE_RANK = 8
_ENUM = re.compile(rf"(?:[{_CN_NUM}]+是|首先|其次|再次|最后)")  # 一是 / 二是 … inline sub-points
_ENUM_RANK = 9
_MD_HEADING = re.compile(r"#{1,6}\s")
_LABEL_END = re.compile(r"[。！？!?；;，,：:]")


@dataclass
class _Unit:
    """A sentence (or heading line) with its span, the path in force and how it may join the previous one."""

    start: int
    end: int
    path: tuple[str, ...]
    brk: int  # 0 = may join, 1 = join only if the chunk is still short, 2 = always starts a chunk
    heading: bool = False


def chunk_report(doc: Document, min_chars: int = 100, max_chars: int = 400) -> list[Chunk]:
    """Cut a report, notice or other prose document into chunks of roughly ``min_chars``–``max_chars`` characters."""
    units = list(_units(doc, max_chars))
    chunks: list[Chunk] = []
    group: list[_Unit] = []

    def flush() -> None:
        if group:
            start, end = group[0].start, group[-1].end
            chunks.append(
                Chunk(
                    source=doc.source, start=start, end=end, text=doc.text[start:end],
                    section_path=next((u.path for u in group if not u.heading), group[0].path), ordinal=len(chunks), title=doc.title,
                    kind=doc.kind, date=doc.date, doc_hash=doc.content_hash,
                )
            )
            group.clear()

    for unit in units:
        if group:
            size = unit.end - group[0].start
            current = group[-1].end - group[0].start
            if unit.brk == 2 or (unit.brk == 1 and current >= min_chars) or size > max_chars:
                flush()
        group.append(unit)
    flush()
    return chunks


def _units(doc: Document, max_chars: int):
    """Yield sentence units over the text outside the skip spans."""
    text = doc.text
    stack: list[tuple[int, str]] = []

    def enter(rank: int, label: str) -> None:
        while stack and stack[-1][0] >= rank:
            stack.pop()
        stack.append((rank, label))

    title = doc.title.strip(_SPACE)
    for seg_start, seg_end in _kept_segments(len(text), doc.skip_spans):
        first_in_segment = True
        for line_start, line_end in _lines(text, seg_start, seg_end):
            line = text[line_start:line_end]
            heading = _heading(line)
            if heading is not None:
                enter(heading[0], heading[1])
            else:
                while stack and stack[-1][0] >= _ENUM_RANK:
                    stack.pop()
            opens_section = heading is not None or (bool(title) and line == title)
            line_first = True
            for s, e in _sentences(text, line_start, line_end, max_chars):
                if _ENUM.match(text, s) and not (heading is not None and line_first):
                    enter(_ENUM_RANK, _label(text[s:e]))
                    brk = 1
                else:
                    brk = 1 if line_first else 0
                if first_in_segment or (opens_section and line_first):
                    brk = 2
                is_heading = heading is not None and heading[2] and line_first
                yield _Unit(s, e, tuple(label for _, label in stack), brk, is_heading)
                first_in_segment = line_first = False


def _kept_segments(n: int, skip: tuple[tuple[int, int], ...]):
    """The (start, end) ranges of the text that are not boilerplate."""
    pos = 0
    for s, e in sorted(skip):
        if s > pos:
            yield pos, s
        pos = max(pos, e)
    if pos < n:
        yield pos, n


def _heading(line: str) -> tuple[int, str, bool] | None:
    """(rank, label, whole line is a heading) when the line opens a section, else None."""
    md = _MD_HEADING.match(line)
    if md:
        body = line[md.end():].strip(_SPACE)
        for rank, pattern in _LINE_HEADINGS:
            if pattern.match(body):
                return rank, _label(body), True
        return md.end() - 1, _label(body), True
    article = _ARTICLE.match(line)
    if article:
        return _ARTICLE_RANK, article.group(0), False
    for rank, pattern in _LINE_HEADINGS:
        if pattern.match(line):
            short = len(line) <= 60 and not any(ch in line[:-1] for ch in "。！？")
            return rank, (line if short else _label(line)), short
    return None


def _label(sentence: str, limit: int = 40) -> str:
    """The opening phrase of a sentence, used as a section label."""
    m = _LABEL_END.search(sentence)
    head = sentence[: m.start()] if m else sentence
    head = head.strip(_SPACE)
    return head if len(head) <= limit else head[:limit] + "…"
