"""Sentence spans for chunking: a line cut after sentence ends (closing quotes kept), over-long sentences split at
commas and then hard, so that no chunk is longer than its maximum.

>>> text = "一是加强领导。成立委员会！二是完善机制"
>>> [text[s:e] for s, e in sentences(text, 0, len(text), 400)]
['一是加强领导。', '成立委员会！', '二是完善机制']
"""
from __future__ import annotations

from assistant.zh.spans import BLANK as _SPACE
from assistant.zh.spans import strip_blank as _trim

_SENTENCE_END = "。！？!?；;"
_CLOSERS = "”’\"'）)」』】》"
_SOFT_SPLIT = "，,：:、"


def sentences(text: str, start: int, end: int, max_chars: int):
    """Sentence spans in a line; over-long sentences are split at commas, then hard."""
    pos = start
    i = start
    while i < end:
        ch = text[i]
        if ch in _SENTENCE_END or (ch == "." and (i + 1 >= end or text[i + 1] in _SPACE)):
            j = i + 1
            while j < end and text[j] in _CLOSERS:
                j += 1
            yield from _split_long(text, *_trim(text, pos, j), max_chars)
            pos = i = j
            continue
        i += 1
    s, e = _trim(text, pos, end)
    if s < e:
        yield from _split_long(text, s, e, max_chars)


def _split_long(text: str, s: int, e: int, max_chars: int):
    if s >= e:
        return
    while e - s > max_chars:
        window = text[s : s + max_chars]
        cut = max((window.rfind(c) for c in _SOFT_SPLIT), default=-1)
        cut = s + cut + 1 if cut > max_chars // 3 else s + max_chars
        yield _trim(text, s, cut)
        s, _ = _trim(text, cut, e)
    if s < e:
        yield s, e
