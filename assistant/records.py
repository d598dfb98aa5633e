"""The JSON records of the batch interface (DESIGN.md): the one serialiser of hits, citations, answers and verdicts,
shared by the CLI, the HTTP API and evaluation.

>>> from assistant.types import Chunk, Hit
>>> hit_record(Hit(Chunk("r.txt", 0, 4, "出庭应诉"), 0.1234567))
{'source': 'r.txt', 'start': 0, 'end': 4, 'score': 0.123457}
"""
from __future__ import annotations

import re


def citation_record(citation) -> dict:
    """A citation: source, offsets and the exact quote (a law's label too)."""
    return citation.to_json()


def hit_record(hit, full: bool = False) -> dict:
    """A retrieved passage; ``full`` adds its text, title, section path, kind and date, and a law's label, article,
    kind, level and region."""
    c = hit.chunk
    record = {"source": c.source, "start": c.start, "end": c.end, "score": round(float(hit.score), 6)}
    if full:
        record.update(title=c.title, section_path=list(c.section_path), kind=c.kind, date=c.date, text=c.text)
        if c.law_kind:
            record.update(label=c.label, article=c.article, law_kind=c.law_kind, level=c.level, region=c.region)
    return record


def answer_record(answer) -> dict:
    """The DESIGN.md batch record of an answer."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [citation_record(c) for c in answer.citations],
        "hits": [hit_record(h) for h in answer.hits],
        "seconds": round(answer.seconds, 4),
    }


def verdict_record(verdict) -> dict:
    """The DESIGN.md batch record of a verdict."""
    return {
        "claim": verdict.claim, "label": verdict.label, "evidence": [citation_record(c) for c in verdict.evidence],
        "explanation": verdict.explanation, "compared": [list(pair) for pair in verdict.compared],
    }


_ITEM_LINE = re.compile(r".*\[\d{1,3}\][。；;]?$")


def list_items(text: str) -> list[str]:
    """The items of a list answer (two or more lines, each ending with its ``[n]``); empty for any other answer.

    >>> list_items("一是减免房租[1]\\n二是缓缴社保费[2]")
    ['一是减免房租[1]', '二是缓缴社保费[2]']
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines if len(lines) >= 2 and all(_ITEM_LINE.match(line) for line in lines) else []
