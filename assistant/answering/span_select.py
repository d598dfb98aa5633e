"""Span selection: from the best-scored window, quote the part that adds what the question asks, as long as it is.

The answerer's windows find where a passage talks about the question's subject. What the user asked for usually comes
after it: the measures, the conditions, the department, the deadline. So the span

- starts at the sentence of the best window, past leading clauses (or a whole heading sentence) that only restate
  the question;
- for a list, measure or condition question runs on across clauses, ；-separated items, sentences and enumeration
  items (一是… / （一）… / 1.…), and stops at the next topic: a new heading, the next item of the series the window
  sits in, a paragraph break outside an enumeration, or the length cap;
- for other shapes ends with its sentence (capped at a clause boundary).

Every span is a verbatim slice of its passage. A span that covers several enumeration items is returned as one
Evidence per item, so each item keeps its own citation.

>>> from assistant.types import Chunk, Hit
>>> from assistant.answering.question import analyze
>>> text = "四、援企稳岗。疫情期间，一是返还失业保险费；二是发放补贴。五、其他事项。"
>>> w = Evidence(Hit(Chunk("a.txt", 0, len(text), text), 1.0), 0, 6, 0, (0, 7))
>>> [e.text for e in select_spans(analyze("援企稳岗有哪些举措？"), w)]
['疫情期间，一是返还失业保险费', '二是发放补贴。']
"""
from __future__ import annotations

import math
import re
from dataclasses import replace
from difflib import SequenceMatcher

from assistant.answering.question import Question
from assistant.answering.shape import (LONG_SHAPES, announces, focus_terms, is_boilerplate, is_heading, is_signature,
                                       item_kind, rules, shape_of)
from assistant.types import Evidence
from assistant.zh.spans import CLAUSE_ENDS, CONTENT_CHAR as _CONTENT, SENTENCE_ENDS, split_spans

_FUNCTION_CHARS = frozenset("的了和与及或在对为是将把被由从等中上下有个之其")
_DATE = re.compile(r"[0-9０-９〇零一二三四五六七八九十]+\s*[年月日时号]|[0-9０-９]+")
_SHAPE_MARKS = {
    # a date, a time or a length of time ("期间" alone, as in 疫情防控期间, dates nothing)
    "date": re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年|\d{1,2}\s*[:：]\s*\d{2}|[日月]起|[日月]前|截至|之日|"
                       r"\d+\s*(?:个)?(?:工作日|天|日|个月|周|年)"),
    "entity": re.compile(r"[\u4e00-\u9fff]{1,10}?(?:部|厅|局|委|办|署|院|中心|政府|机关|银行|公司|集团|协会|医院|学校|大学|"
                         r"平台|网站|热线|窗口|社区|街道)"),
}
_HEADLINE_CHARS, _GAIN_FULL, _LEAD_MARGIN = 5, 30, 0.1
_BLANK = re.compile(r"[ \u3000\t]{1,}")  # scraped notices keep their line breaks as spaces
_ECHO_BACK, _ECHO_MIN = 30, 2  # characters before the span within its sentence; shortest run that counts


def choose_spans(q: Question, shape: str, best: Evidence, windows: list[Evidence], reader=None,
                 reader_weight: float = 1.0, following=None) -> list[Evidence]:
    """The spans of the shortlisted window whose answer fits ``q`` best (:func:`candidate_fits`); with a ``reader``
    (:class:`assistant.answering.reader.SpanReader`) the fit adds ``reader_weight`` times the reader's log-probability
    of its best span inside the candidate, over the candidates of the passages it reads."""
    candidates = candidate_fits(q, shape, windows, following)
    if not candidates:
        return [best]
    if reader is not None:
        scored = reader_fits(q, candidates, reader, reader_weight)
        if scored:
            candidates = scored
    return max(candidates, key=lambda c: c[0])[1]


def reader_fits(q: Question, candidates: list[tuple[float, list[Evidence]]], reader,
                weight: float) -> list[tuple[float, list[Evidence]]]:
    """The candidates of the best-fitting ``reader.passages`` chunks, each fit plus the weighted reader score."""
    chunks = []
    for _fit, spans in sorted(candidates, key=lambda c: -c[0]):
        if spans[0].chunk not in chunks:
            chunks.append(spans[0].chunk)
    chunks = chunks[: reader.passages]
    read = reader.read(q.text, [c.text for c in chunks])
    scores = {(c.source, c.start): r for c, r in zip(chunks, read)}
    out = []
    for fit, spans in candidates:
        passage = scores.get((spans[0].chunk.source, spans[0].chunk.start))
        if passage is not None:
            c0 = spans[0].chunk.start
            r = passage.best_within(spans[0].start - c0, spans[-1].end - c0)
            if r > float("-inf"):
                out.append((fit + weight * r, spans))
    return out


# how much each feature of a candidate answer weighs in its fit (candidate_features); the span with the best fit is
# quoted. Fitted by training/fit_span_weights.py (6 weights free, the rest at their hand-set values) on the ncp tuning
# part and CMRC articles the probe does not use (BENCHMARKS.md, "Answer spans: fitted feature weights").
FIT_WEIGHTS = {
    "coverage": 1.0,      # the question's terms in the sentence (or the one before it, less a margin)
    "dense": 0.0,         # the clause cosine: it hardly differs between the sentences of a notice
    "rank": 0.1,          # 1 / (1 + the passage's rank)
    "gain": 0.25,         # what the span says beyond the question, up to _GAIN_FULL characters
    "empty": -0.4,        # the span adds under 5 characters of its own
    "headline": -0.2,     # the span starts in the notice's headline: it names the subject, not the answer
    "focus": 0.44,        # share of the question's focus words (its 优势, its 渠道) the sentence names
    "boilerplate": -0.58, # a preamble, addressee line or signature (a signature answers a date question)
    "shape": 0.15,        # the span has the asked shape's mark (a date, a body)
    "echo": 0.38,         # how closely the words at the span's start repeat the question (echo)
    "own": 0.35,          # the question's terms in the window's own sentence (not the one before it)
    "focus_span": 0.0,    # share of the focus words in the quoted span itself
    "asked_span": 0.1,    # share of the question's characters in the quoted span
    "length": 0.0,        # log of the quoted span's length
    "position": -0.27,    # how far into its document the span starts (0 at the top, 1 past 3,000 characters)
    "items": 0.0,         # the span is an enumeration of several items
}


def candidate_fits(q: Question, shape: str, windows: list[Evidence],
                   following=None) -> list[tuple[float, list[Evidence]]]:
    """(fit, spans) for each shortlisted window: the weighted sum (FIT_WEIGHTS) of its candidate_features."""
    return [(sum(FIT_WEIGHTS[k] * v for k, v in feats.items()), spans)
            for feats, spans in candidate_features(q, shape, windows, following)]


def candidate_features(q: Question, shape: str, windows: list[Evidence],
                       following=None) -> list[tuple[dict[str, float], list[Evidence]]]:
    """(features, spans) for each shortlisted window: how well its sentence carries the question, how much the
    selected spans say beyond it (a line that only repeats the subject, or a signature with a date, adds nothing),
    and whether they have the asked shape (a date for a date question, a body for an entity question)."""
    asked = _asked_chars(q.text)
    focus = focus_terms(q)
    stem = question_stem(q.text)
    following = _once_per_chunk(following)  # every candidate of a passage would ask the lexical index again
    out = []
    for w in windows:
        if w.coverage <= 0.0:
            continue  # zeroed: another year's document, or a required name missing
        spans = select_spans(q, w, shape, following)
        said = "".join(e.text for e in spans)
        gain = _adds(_DATE.sub("", said) if shape != "date" else said, asked)
        headline = _in_headline(spans[0])
        pattern = _SHAPE_MARKS.get(shape)
        out.append(({
            # sentence-level: a sentence right after the one that names the subject is read with it (less a margin,
            # so that a sentence carrying the terms itself still ranks first among equals)
            "coverage": max(w.coverage, w.lead_coverage - _LEAD_MARGIN),
            "dense": w.dense,
            "rank": 1.0 / (1 + w.rank),
            "gain": min(gain, _GAIN_FULL) / _GAIN_FULL,
            "empty": float(gain < 5),
            "headline": float(headline),
            "focus": sum(1 for t in focus if t in w.sentence_text + said) / len(focus) if focus else 0.0,
            "boilerplate": float(is_boilerplate(said) and not (shape == "date" and is_signature(said))),
            "shape": float(pattern is not None and bool(pattern.search(said))),
            "echo": 0.0 if headline else echo(stem, spans[0]),
            "own": w.coverage,
            "focus_span": sum(1 for t in focus if t in said) / len(focus) if focus else 0.0,
            "asked_span": len(asked & set(said)) / (len(asked) or 1),
            "length": math.log1p(len(said)) / 6,
            "position": min(1.0, spans[0].start / 3000),
            "items": float(len(spans) > 1),
        }, spans))
    return out


def question_stem(question: str) -> str:
    """The question without its question words, which no answer repeats ("北京市|为重点企业推荐成功上岗的人员都是|用工形式")."""
    return rules().ask_words.sub("|", question.rstrip("？?。 "))


def echo(stem: str, span: Evidence) -> float:
    """How closely the words just before and at the start of ``span`` repeat the question: the share of the question
    stem found there in runs of two characters or more. Users word a question after the passage they read, and the
    answer is what follows that wording ("企业了解办事流程可|登陆数字东城…" for "企业如何了解…办事流程？")."""
    text, local = span.chunk.text, span.start - span.chunk.start
    first = next((e for _s, e in split_spans(text, CLAUSE_ENDS, local, min(len(text), local + 60))), local)
    back = max(0, local - _ECHO_BACK)
    back = max([back] + [text.rfind(ch, back, local) + 1 for ch in SENTENCE_ENDS])  # within the span's sentence
    anchor = text[back:first]
    content = sum(1 for ch in stem if _CONTENT.match(ch))
    if not anchor or not content:
        return 0.0
    blocks = SequenceMatcher(None, stem, anchor, autojunk=False).get_matching_blocks()
    return min(1.0, sum(b.size for b in blocks if b.size >= _ECHO_MIN) / content)


def _once_per_chunk(following):
    """``following`` asked once per chunk (None stays None)."""
    if following is None:
        return None
    seen: dict[tuple[str, int], object] = {}

    def lookup(chunk):
        key = (chunk.source, chunk.start)
        if key not in seen:
            seen[key] = following(chunk)
        return seen[key]
    return lookup


def _in_headline(span: Evidence) -> bool:
    """Whether a span starts in its document's headline: the first characters, or inside the title that opens a
    one-line text ("国务院联防联控机制发出通知：切实为基层减负…工作 关于…的通知 各省…：")."""
    chunk = span.chunk
    title = chunk.title if chunk.start == 0 and chunk.text.startswith(chunk.title) else ""
    return span.start < max(_HEADLINE_CHARS, len(title))


def select_spans(q: Question, best: Evidence, shape: str | None = None, following=None) -> list[Evidence]:
    """The spans that answer ``q`` around ``best`` (one per enumeration item), in document order. A list or measure
    that runs to the end of its passage goes on into the next chunk of the document, ``following(chunk)``, when
    given (the announcing sentence often closes one chunk and the items open the next)."""
    shape = shape or shape_of(q)
    spans = _select_in(q, best, shape)
    nxt = following(best.chunk) if following is not None and _runs_to_end(best, shape, spans) else None
    if nxt is None:
        return spans
    joined = _joined(best.chunk, nxt)
    return _split_at(_select_in(q, replace(best, hit=replace(best.hit, chunk=joined)), shape), best.hit, nxt)


def _runs_to_end(best: Evidence, shape: str, spans: list[Evidence]) -> bool:
    """Whether a list, measure or announced answer reaches the end of its passage's text."""
    text = best.chunk.text.rstrip()
    return (shape in LONG_SHAPES or announces(spans[-1].text) or text.endswith(("：", ":"))) and \
        spans[-1].end >= best.chunk.start + len(text)


def _joined(chunk, nxt):
    """One passage of ``chunk`` and the chunk after it; the whitespace between them (not stored) as a line break."""
    overlap = max(0, chunk.end - nxt.start)
    text = chunk.text + "\n" * max(0, nxt.start - chunk.end) + nxt.text[overlap:]
    return replace(chunk, end=chunk.start + len(text), text=text)


def _split_at(spans: list[Evidence], first_hit, nxt) -> list[Evidence]:
    """The spans of a joined passage given back to the chunk each lies in (one crossing the seam is cut there)."""
    out = []
    for e in spans:
        if e.start < first_hit.chunk.end:
            out.append(replace(e, hit=first_hit, end=min(e.end, first_hit.chunk.end)))
        if e.end > nxt.start:
            out.append(replace(e, hit=replace(first_hit, chunk=nxt), start=max(e.start, nxt.start)))
    return [e for e in out if e.text.strip()] or spans[:1]


def _select_in(q: Question, best: Evidence, shape: str) -> list[Evidence]:
    chunk = best.chunk
    text, c0 = chunk.text, chunk.start
    sentences = list(split_spans(text, SENTENCE_ENDS))
    if not sentences:
        return [best]
    local = best.start - c0
    i = next((k for k, (s, e) in enumerate(sentences) if s <= local < e), 0)
    asked = _asked_chars(q.text)
    long_answer = shape in LONG_SHAPES
    cap = rules().list_max_chars if long_answer else rules().fact_max_chars

    # a heading, or a sentence that only restates the question, is the subject: the answer is what follows
    if long_answer:  # a window inside a ；-separated run: the run is quoted from its first item
        while i > 0 and _continues(text, sentences[i - 1], sentences[i]) and sentences[i][1] - sentences[i - 1][0] <= cap:
            i -= 1
    s0, e0 = sentences[i]
    series = item_kind(text[s0:e0])  # the window sits in one item of a series: its next item is the next topic
    if i + 1 < len(sentences) and (is_heading(text[s0:e0]) or _adds(text[s0:e0], asked) < 4):
        i += 1
        s0, e0 = sentences[i]
    start = _start(text, (s0, e0), local if sentences[i][0] <= local < e0 else s0, asked, cap)
    end = _end_in_sentence(text, start, e0, max(local, start), cap)
    last = i
    if long_answer or announces(text[s0:end]) or text[end : end + 1] in "：:":
        last, end = _run_on(text, sentences, i, s0, start, end, cap, series)
    spans = _items(text, sentences, start, end) if last > i else [(start, end)]
    out = [replace(best, start=c0 + s, end=c0 + e, sentence=(c0 + s, c0 + e)) for s, e in spans if s < e]
    return out or [best]


def _start(text: str, sentence: tuple[int, int], local: int, asked: frozenset, cap: int) -> int:
    """The sentence start, or (for a sentence longer than ``cap``) the clause of the window; past leading clauses that
    only restate the question."""
    s0, e0 = sentence
    clauses = list(split_spans(text, CLAUSE_ENDS, s0, e0))
    if e0 - s0 > cap:  # a long sentence: begin at the window's clause
        clauses = [c for c in clauses if c[1] > local] or clauses[-1:]
    while len(clauses) > 1 and _adds(text[clauses[0][0] : clauses[0][1]], asked) < 3:
        clauses.pop(0)
    return clauses[0][0]


def _end_in_sentence(text: str, start: int, e0: int, at_least: int, cap: int) -> int:
    """The sentence end, or the last clause end within ``cap`` characters (never short of ``at_least``)."""
    if e0 - start <= cap:
        return e0
    end = None
    for s, e in split_spans(text, CLAUSE_ENDS, start, e0):
        if e - start > cap and end is not None and end > at_least:
            if text[end : end + 1] in "：:":  # what the colon announces, up to the line break a space stands for
                piece = _BLANK.search(text, s, e)
                if piece is not None and piece.start() > s and piece.start() - start <= cap:
                    end = piece.start()
            break
        end = e
    return end or e0


def _run_on(text: str, sentences: list, i: int, s0: int, start: int, end: int, cap: int,
            series: str | None) -> tuple[int, int]:
    """Grow the span over the sentences after ``i`` while they continue the same answer; (last index, end)."""
    last = i
    # an enumeration already begun inside the span ("疫情期间，一是…") is followed to its further items
    inner = next((k for cs, ce in split_spans(text, CLAUSE_ENDS, start, end)
                  if (k := item_kind(text[cs:ce])) is not None and k != series), None)
    opened = inner is not None or text[end : end + 1] in "：:" or any(
        announces(text[cs:ce]) or text[ce : ce + 1] in "：:" for cs, ce in split_spans(text, CLAUSE_ENDS, s0, end))
    for k in range(i + 1, len(sentences)):
        s, e = sentences[k]
        piece = text[s:e]
        gap = text[end:s]
        kind = item_kind(piece)
        if e - start > cap and k > i + 1 or piece.rstrip("”」\"' ").endswith(("？", "?")):
            break  # the cap, or a question (the next entry of a question-and-answer notice)
        if kind is not None:
            if kind == series:
                break  # the window sits in one item of a series: its next item is the next topic
            if inner is None and not opened and is_heading(piece):
                break  # a heading right after the answer, not announced by it: a new topic
            if inner is not None and kind != inner and is_heading(piece):
                break  # a heading of another level than the enumeration being followed
            inner, opened = inner or kind, True
        elif "\n" in gap and not opened:
            break  # a new paragraph that is not an item of an announced enumeration
        elif inner is not None and text[end - 1] == "。":
            break  # a full sentence after the items: the enumeration is over
        if e - start > cap:  # the first sentence after the anchor: take it clause by clause
            e = _end_in_sentence(text, s, e, s, cap - (s - start))
            if e - start > cap:
                break
        last, end = k, e
        opened = opened or text[e : e + 1] in "：:"
    return last, end


def _items(text: str, sentences: list, start: int, end: int) -> list[tuple[int, int]]:
    """The span cut at its sentence and item boundaries (one citation each); a single span when it holds no
    enumeration."""
    pieces = [(max(s, start), min(e, end)) for s, e in sentences if e > start and s < end]
    if len(pieces) < 2:
        return [(start, end)]
    return pieces


def _continues(text: str, before: tuple[int, int], after: tuple[int, int]) -> bool:
    """Whether ``after`` is the next ；-separated item of the run ``before`` is in (same paragraph, not a heading)."""
    gap = text[before[1] : after[0]]
    return ("；" in gap or ";" in gap) and "\n" not in gap and not is_heading(text[before[0] : before[1]])


def _asked_chars(question: str) -> frozenset:
    return frozenset(ch for ch in question if _CONTENT.match(ch))


def _adds(text: str, asked: frozenset) -> int:
    """How many content characters ``text`` has that the question does not (function characters aside)."""
    return sum(1 for ch in text if _CONTENT.match(ch) and ch not in asked and ch not in _FUNCTION_CHARS)
