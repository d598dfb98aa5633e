"""The JSON records of the batch interface (DESIGN.md), shared by the CLI and the HTTP API."""
from __future__ import annotations

import re


def answer_record(answer) -> dict:
    """The DESIGN.md batch record of an answer."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [c.to_json() for c in answer.citations],
        "hits": [
            {"source": h.chunk.source, "start": h.chunk.start, "end": h.chunk.end, "score": round(h.score, 6)}
            for h in answer.hits
        ],
        "seconds": round(answer.seconds, 4),
    }


def hit_record(hit, full: bool = False) -> dict:
    """A retrieved passage; ``full`` adds its text, title, section path, kind and date."""
    c = hit.chunk
    record = {"source": c.source, "start": c.start, "end": c.end, "score": round(float(hit.score), 6)}
    if full:
        record.update(title=c.title, section_path=list(c.section_path), kind=c.kind, date=c.date, text=c.text)
    return record


def verdict_record(verdict) -> dict:
    """The DESIGN.md batch record of a verdict."""
    return {
        "claim": verdict.claim, "label": verdict.label, "evidence": [c.to_json() for c in verdict.evidence],
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
