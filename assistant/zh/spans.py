"""Splitting text into trimmed (start, end) spans at punctuation, offsets kept exact.

>>> text = "一是加强领导，成立委员会。二是完善机制"
>>> [text[s:e] for s, e in split_spans(text, "，。", keep="。")]
['一是加强领导', '成立委员会。', '二是完善机制']
"""
from __future__ import annotations

import re

CONTENT_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9０-９]")  # a character that carries content (not punctuation)
SPACE = " \t\r\n\u3000\xa0"
BLANK = " \t\r\n\u3000\xa0\ufeff"  # whitespace around lines and chunks (a BOM included)
SENTENCE_ENDS = "。！？!?；;\n"
CLAUSE_ENDS = "，,：:；;。！？!?\n"
_TRAILING = "，,：:；;"


def split_spans(text: str, ends: str, start: int = 0, stop: int | None = None, keep: str = "。！？!?"):
    """Spans of ``text[start:stop]`` cut after any character in ``ends``; those in ``keep`` stay in the span."""
    stop = len(text) if stop is None else stop
    pos = start
    for i in range(start, stop):
        if text[i] in ends and not _thousands(text, i):
            s, e = trim(text, pos, i + 1 if text[i] in keep else i)
            if s < e:
                yield s, e
            pos = i + 1
    s, e = trim(text, pos, stop)
    if s < e:
        yield s, e


_DIGIT = frozenset("0123456789０１２３４５６７８９")


def _thousands(text: str, i: int) -> bool:
    """A comma between digits that sets off three more (６，１４１，３９１，０００元) groups thousands: no clause end.

    >>> ["国防费支出为６，１４１，３９１，０００元，占总支出"[s:e] for s, e in split_spans("国防费支出为６，１４１，３９１，０００元，占总支出", "，")]
    ['国防费支出为６，１４１，３９１，０００元', '占总支出']
    """
    if text[i] not in "，," or i == 0 or text[i - 1] not in _DIGIT:
        return False
    group = text[i + 1 : i + 5]
    return len(group) >= 3 and all(c in _DIGIT for c in group[:3]) and (len(group) == 3 or group[3] not in _DIGIT)


def trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Shrink a span past surrounding whitespace and trailing commas or colons."""
    while s < e and text[s] in SPACE:
        s += 1
    while e > s and (text[e - 1] in SPACE or text[e - 1] in _TRAILING):
        e -= 1
    return s, e


def strip_blank(text: str, s: int, e: int) -> tuple[int, int]:
    """Shrink a span past surrounding whitespace (``BLANK``) only."""
    while s < e and text[s] in BLANK:
        s += 1
    while e > s and text[e - 1] in BLANK:
        e -= 1
    return s, e


def lines(text: str, start: int = 0, end: int | None = None):
    r"""(start, end) of the non-blank lines in [start, end), trimmed of surrounding whitespace.

    >>> text = "  第一条 总则\n\n第二条　适用范围 "
    >>> [text[s:e] for s, e in lines(text)]
    ['第一条 总则', '第二条\u3000适用范围']
    """
    end = len(text) if end is None else end
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        s, e = strip_blank(text, pos, stop)
        if s < e:
            yield s, e
        pos = stop + 1
