"""The extractive answerer: pick the clauses that answer the question, quote them with exact citations, or refuse.

Nothing is generated: every statement in the answer is a verbatim slice of a source, and the
answer is refused when the best evidence does not carry the question's content.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import replace
from typing import Callable

import numpy as np

from assistant.zh.numbers import find_figures
from assistant.answering.copies import with_copies
from assistant.answering.question import Question, analyze
from assistant.answering import scope as scopes
from assistant.answering.shape import shape_of
from assistant.answering.span_select import choose_spans
from assistant.zh.safety import looks_like_instruction
from assistant.zh.spans import CLAUSE_ENDS, SENTENCE_ENDS, split_spans
from assistant.types import Answer, Citation, Evidence, Hit, TermStats

_MAX_WINDOW = 3
_DEEPER = 6  # further hits weighed when the first ones are out of the question's scope
_EN_MARGIN = 0.2
_ORDINAL = re.compile(r"第[一二三四五六七八九十\d]+|前[一二三四五六七八九十\d]+|首位|榜首|优秀|先进")
_LIST_MAX_CHARS = 130
_ADMIN_SUFFIX = re.compile(r"(?:[省市区县]?(?:人民)?政府|[省市区县])$")

REFUSAL_ZH = "文档中没有找到能回答该问题的内容。以下是最接近的段落，仅供参考。"
REFUSAL_EN = "The documents do not contain an answer to this question. The nearest passages are listed below for reference."


def _refusal(lang: str, missing: str | None) -> str:
    """The refusal, saying what is missing when the nearest evidence was out of scope."""
    if not missing:
        return REFUSAL_EN if lang == "en" else REFUSAL_ZH
    if lang == "en":
        return f"{missing} {REFUSAL_EN}"
    return f"{missing}。{REFUSAL_ZH}"


class ExtractiveAnswerer:
    """Answers by quoting the best-supported clauses of the top passages.

    ``idf`` weights question terms (rarer terms matter more); ``min_support`` is the refusal
    threshold on the support score (see :meth:`support`), calibrated on the dev set. ``reader`` (optional) scores the
    candidate spans of Chinese non-figure questions; refusals are decided before it and never by it.
    """

    def __init__(self, embedder=None, idf: Callable[[str], float] | None = None, min_support: float = 0.5,
                 passages: int = 4, mentions: Callable[[str], bool] | None = None, reader=None,
                 reader_weight: float = 1.0):
        self.embedder = embedder
        self.reader = reader  # a SpanReader (answering/reader.py) scores the candidate spans; None: the rules alone
        self.reader_weight = reader_weight
        self.idf = idf or (lambda _t: 1.0)
        self.mentions = mentions  # does any indexed document use this word at all?
        self.min_support = min_support
        self.passages = passages

    def answer(self, question: str, hits: list[Hit], terms: TermStats | None = None) -> Answer:
        """The answer from ``hits``; ``terms`` (the search's BM25 statistics) weigh the question's words, else the
        ``idf`` / ``mentions`` given at construction."""
        idf = terms.idf if terms is not None else self.idf
        mentions = terms.mentions if terms is not None else self.mentions
        started = time.perf_counter()
        q = analyze(question)
        misses: list[scopes.Miss] = []
        windows = self._score(q, hits[: self.passages], idf, misses)
        best = max(windows, key=lambda w: w.score) if windows else None
        support = self.support(best, q) if best else 0.0
        if support < self.min_support and misses and len(hits) > self.passages:
            # out-of-scope passages (another year's report…) crowded the top: look further down the hits
            q_scope = scopes.question_scope(q.text)
            further = [h for h in hits[self.passages:] if scopes.document_in_scope(q_scope, h.chunk)]
            misses = []
            windows = self._score(q, hits[: self.passages] + further[:_DEEPER], idf, misses)
            best = max(windows, key=lambda w: w.score) if windows else None
            support = self.support(best, q) if best else 0.0
        unheard = [n for n in q.names if mentions is not None and not _heard(n, mentions)
                   and not scopes.is_scope_phrase(n)]  # 控制目标: a target, which the scope checks
        if unheard:  # the question is about something no document mentions
            support = min(support, self.min_support / 2)
        if best is None or support < self.min_support:
            notes = tuple(f"文档中没有出现“{n}”" for n in unheard)
            missing = None if unheard else scopes.missing_note(misses, q.language)  # what the nearest evidence has
            text = _refusal(q.language, missing)
            return Answer(question=question, text=text, hits=tuple(hits), refused=True, language=q.language,
                          seconds=time.perf_counter() - started, support=support, notes=notes)
        chosen = self._select(q, best, windows, getattr(terms, "following", None))
        quoted = [w.citation() for w in chosen]
        groups = with_copies(quoted, hits) if q.language == "zh" else [(c,) for c in quoted]  # + identical copies
        citations = tuple(c for g in groups for c in g)
        text = _compose(q, groups)
        return Answer(question=question, text=text, citations=citations, hits=tuple(hits), refused=False,
                      language=q.language, seconds=time.perf_counter() - started, support=support)

    # -- scoring --------------------------------------------------------------------------
    def support(self, window: Evidence, q: Question) -> float:
        """How well the best evidence carries the question: its terms, or its meaning across languages."""
        if q.language == "en":  # terms reached through the glossary are less certain than direct matches
            return max(window.coverage - _EN_MARGIN, _dense_support(window.dense))
        return window.coverage

    def _score(self, q: Question, hits: list[Hit], idf: Callable[[str], float],
               misses: list | None = None) -> list[Evidence]:
        """Score every window of one to three clauses; meaning (dense) only for the promising ones.

        Windows out of the question's scope (:mod:`assistant.answering.scope`) are not shortlisted; why the best
        of them were left out is appended to ``misses``.
        """
        windows: list[Evidence] = []
        sentences: list[tuple[Hit, int, int]] = []
        before: dict[tuple[str, int], str] = {}  # (source, sentence start) -> the sentence before it in its chunk
        for rank, hit in enumerate(hits):
            previous = ""
            for sent in split_spans(hit.chunk.text, SENTENCE_ENDS):
                before[(hit.chunk.source, hit.chunk.start + sent[0])] = previous
                previous = hit.chunk.text[sent[0] : sent[1]]
                if looks_like_instruction(previous):
                    continue  # documents are data: a sentence addressing the model is never quoted as an answer
                c0 = hit.chunk.start
                clauses = [(c0 + s, c0 + e) for s, e in split_spans(hit.chunk.text, CLAUSE_ENDS, *sent)]
                sent_abs = (c0 + sent[0], c0 + sent[1])
                sentences.append((hit, *sent_abs))
                for i in range(len(clauses)):
                    for j in range(i, min(i + _MAX_WINDOW, len(clauses))):
                        windows.append(Evidence(hit, clauses[i][0], clauses[j][1], rank, sent_abs))
        if not windows:
            return []
        # years, the named document and target/outcome words are checked by the scope, not looked for as terms
        # (a Latin name counts with the Chinese terms that stand for it: GDP, 国内生产总值)
        alternatives = {r[0]: r for r in q.required}
        groups = [kept for g in scopes.coverage_groups(q.text, q.groups)
                  if (kept := tuple(t for t in alternatives.get(g[0], g) if len(t) >= 2 or t.isdigit()))]
        weights = [max(idf(t) for t in g) for g in groups]
        # an English word the glossary cannot map weighs like a term the documents never use
        total = (sum(weights) + len(q.unknown) * idf("\uffff")) or 1.0
        fold = any(ch.isascii() and ch.isalpha() for g in groups for t in g for ch in t)  # Latin terms: lower case

        def coverage(context: str) -> float:
            context = context.lower() if fold else context
            return sum(w for g, w in zip(groups, weights) if any(t in context for t in g)) / total if groups else 0.0

        sentence_dense: dict[tuple[str, int], float] = {}
        if q.language == "en":
            sentence_dense = self._dense(q, [(h, s, e) for h, s, e in sentences if h in hits[:3]])
        q_scope = scopes.question_scope(q.text)
        out_of_scope = _scope_checker(q_scope)
        excluded: list[tuple[float, scopes.Miss]] = []
        for w in windows:
            context = w.hit.chunk.section + " " + w.text
            w.coverage = coverage(context)
            miss = out_of_scope(w)
            if miss is not None:  # another document, period, modality or subject: not shortlisted
                excluded.append((w.coverage, miss))
                w.coverage = 0.0
            w.dense = sentence_dense.get((w.hit.chunk.source, w.sentence[0]), 0.0)
            w.score = _window_score(q, w) + _named_year_bonus(q_scope, w)
        ranked = sorted(windows, key=lambda w: -w.score)
        shortlist = ranked[:8]
        clause_dense = self._dense(q, [(w.hit, w.start, w.end) for w in shortlist])
        for w in shortlist:
            w.dense = max(w.dense, clause_dense.get((w.hit.chunk.source, w.start), 0.0))
            # a modifier the question did not ask for (中央财政赤字 for 财政赤字) fits less well
            w.score = (_window_score(q, w) + _named_year_bonus(q_scope, w)
                       - 0.3 * scopes.extra_modifiers(q_scope, w.text))
        # span selection weighs sentences: the best window of a few more sentences joins (no clause embedding, so
        # the time per question stays that of the eight), as the top windows often sit in the one sentence that
        # restates the question
        shortlist += _other_sentences(ranked[8:], shortlist)
        for w in shortlist:  # support is judged on the whole sentence the window sits in
            sent_text = w.sentence_text
            context = " ".join((w.hit.chunk.title, w.hit.chunk.section, sent_text))
            w.coverage = coverage(context)
            w.lead_coverage = max(w.coverage, coverage(context + " " + before.get((w.source, w.sentence[0]), "")))
            lowered = context.lower()
            if any(not any(alt in lowered for alt in group) for group in q.required) or out_of_scope(w):
                w.coverage, w.dense, w.lead_coverage = 0.0, 0.0, 0.0
        if misses is not None:
            # only evidence that would have answered, had it been in scope, says what is missing
            misses.extend(m for c, m in sorted(excluded, key=lambda cm: -cm[0])[:5] if c >= self.min_support)
        return shortlist

    def _dense(self, q: Question, spans: list[tuple[Hit, int, int]]) -> dict[tuple[str, int], float]:
        """Query–passage cosine for each (hit, start, end) span, keyed by (source, start)."""
        if self.embedder is None or not spans:
            return {}
        texts = [h.chunk.text[s - h.chunk.start : e - h.chunk.start] for h, s, e in spans]
        qv = np.asarray(self.embedder.embed_query(q.text))
        sims = np.asarray(self.embedder.embed_documents(texts)) @ qv
        return {(h.chunk.source, s): float(x) for (h, s, _e), x in zip(spans, sims)}

    def _select(self, q: Question, best: Evidence, windows: list[Evidence], following=None) -> list[Evidence]:
        """The span that answers a Chinese question (span_select); for figures and English questions the best window,
        widened for list questions, and a second one when the question asks two things."""
        shape = shape_of(q)
        if q.language == "zh" and shape != "figure":
            return choose_spans(q, shape, best, windows, self.reader, self.reader_weight, following)
        chosen = [_widen(best) if q.wants_list else best]
        if q.asks > 1:
            covered = set(_figures_units(best.text))
            for w in sorted(windows, key=lambda w: -w.score):
                if w is best or _overlaps(w, chosen):
                    continue
                if w.score >= 0.6 * best.score and set(_figures_units(w.text)) - covered:
                    chosen.append(w)
                    break
        return sorted(chosen, key=lambda w: (w.rank, w.start))


def _named_year_bonus(q_scope, w: Evidence) -> float:
    """A sentence that names the asked year fits a little better than one whose period is only inferred. A dated
    question with no word of a target ("2022年城镇新增就业多少万人？") reads as asking what happened, as a dated claim
    does (scope.claim_scope): an outcome fits a little better than that year's target."""
    bonus = 0.15 if q_scope.years and scopes.years_in(w.sentence_text) & q_scope.years else 0.0
    if q_scope.years and q_scope.modality is None and q_scope.document is None:
        if scopes.evidence_scope(w).modality == "outcome":
            bonus += 0.1
    return bonus


def _heard(name: str, mentions: Callable[[str], bool]) -> bool:
    """Whether the documents use a name of the question: the name itself, the name without its administrative suffix
    (泉州市: 泉州), or each two-character word of it (天津泰达: 天津 and 泰达), so that a name the question words a
    little differently is not taken for one no document mentions."""
    if mentions(name):
        return True
    base = _ADMIN_SUFFIX.sub("", name)
    if len(base) >= 2 and base != name and mentions(base):
        return True
    from assistant.indexing.lexical import _jieba

    words = [w for w in _jieba().lcut_for_search(name) if len(w) == 2]
    return len(words) >= 2 and all(mentions(w) for w in words)


def _other_sentences(rest: list[Evidence], shortlist: list[Evidence], n: int = 4) -> list[Evidence]:
    """The best window of each of the next ``n`` best sentences that no shortlisted window sits in."""
    seen = {(w.source, w.sentence[0]) for w in shortlist}
    extra = []
    for w in rest:
        key = (w.source, w.sentence[0])
        if key not in seen:
            seen.add(key)
            extra.append(w)
            if len(extra) == n:
                break
    return extra


def _scope_checker(q_scope):
    """``check(window) -> Miss | None`` for one question, computed once per sentence."""
    cache: dict[tuple[str, int, int], scopes.Miss | None] = {}

    def check(w: Evidence):
        key = (w.source, *w.sentence)
        if key not in cache:
            cache[key] = scopes.check(q_scope, w)
        return cache[key]

    return check


def _window_score(q: Question, w: Evidence) -> float:
    text = w.text
    figs = [f for f in find_figures(text) if not f.is_year]
    number_fit = 0.0
    if q.wants_number:
        if figs:
            number_fit = 0.5
            if q.units and any(f.unit in q.units for f in figs):
                number_fit = 1.0
        else:
            number_fit = -0.5
    if q.wants_rank:
        number_fit += 1.0 if _ORDINAL.search(text) else -0.5
    length = len(text)
    length_penalty = 0.15 * math.log1p(max(0, length - 25) / 25)
    rank_prior = 0.1 / (1 + w.rank)
    semantic = 0.6 * w.dense if q.language == "en" else 0.35 * w.dense
    return w.coverage + semantic + 0.25 * number_fit + rank_prior - length_penalty - _echo_penalty(q, text)


def _echo_penalty(q: Question, text: str) -> float:
    """A window that only repeats the question ("班杰", "河口") answers nothing: it must add words of its own."""
    if q.language != "zh":
        return 0.0
    asked_figures = {f.value for f in find_figures(q.text)}
    if any(not f.is_year and f.value not in asked_figures for f in find_figures(text)):
        return 0.0  # a figure the question does not hold is an answer ("行政应诉案件：12件" in a table row)
    asked = set(q.text)
    new = sum(1 for ch in text if ch not in asked and (ch.isalnum() or "\u4e00" <= ch <= "\u9fff"))
    return 0.6 if new < 3 else 0.3 if new < 6 else 0.0


def _dense_support(sim: float) -> float:
    """Map a query–clause cosine onto the coverage scale; only near-paraphrases (≥ 0.85) count."""
    return min(1.0, max(0.0, (sim - 0.85) / 0.10))


def _widen(w: Evidence) -> Evidence:
    """For list questions: the whole sentence when short, else the window grown forward clause by clause."""
    s, e = w.sentence
    chunk = w.hit.chunk
    if e - s <= _LIST_MAX_CHARS:
        return replace(w, start=s, end=e)
    local = list(split_spans(chunk.text, CLAUSE_ENDS, s - chunk.start, e - chunk.start))
    end = w.end
    for cs, ce in local:
        abs_s, abs_e = chunk.start + cs, chunk.start + ce
        if abs_s >= w.end and abs_e - w.start <= _LIST_MAX_CHARS:
            end = abs_e
        elif abs_s >= w.end:
            break
    return replace(w, end=end)


def _overlaps(w: Evidence, chosen: list[Evidence]) -> bool:
    return any(c.overlaps(w) for c in chosen)


def _figures_units(text: str) -> list[tuple[float, str]]:
    return [(f.value, f.unit) for f in find_figures(text) if not f.is_year]


def _compose(q: Question, groups: list[tuple[Citation, ...]]) -> str:
    """A short answer: the figure first when one is asked for, then each quoted span with its [n] and its copies'."""
    citations = tuple(g[0] for g in groups)
    quotes, n = [], 0
    for g in groups:
        quotes.append(g[0].quote + "".join(f"[{n + k}]" for k in range(1, len(g) + 1)))
        n += len(g)
    figures = []
    if q.wants_number:
        for c in citations:
            figures.extend(f.raw for f in _answer_figures(q, c.quote))
    if q.language == "en":  # figure first, then the indicator's English name, the Chinese quote as citation
        from assistant.answering.english import compose

        figs = [f for c in citations for f in _answer_figures(q, c.quote)] if q.wants_number else []
        return compose(q.text, figs, [c.quote for c in citations], q.wants_list)
    lead = f"{'，'.join(figures)}。" if figures else ""
    if len(citations) > 1 and len({c.source for c in citations}) == 1 and not figures and _contiguous(citations):
        return "\n".join(quotes)  # the items of one enumeration: one line (and one citation) each
    return lead + "；".join(quotes)


def _contiguous(citations: tuple[Citation, ...]) -> bool:
    """Whether the quotes follow one another in their document (the items of one span)."""
    return all(b.start >= a.end and b.start - a.end <= 8 for a, b in zip(citations, citations[1:]))


def _answer_figures(q: Question, quote: str) -> list:
    """The figures of a quote that answer the question: right unit, the noun after it, terms before it."""
    figs = [f for f in find_figures(quote) if not f.is_year]
    if not figs:
        return []

    def fit(f) -> float:
        score = 0.0
        if q.units:
            score += 2.0 if f.unit in q.units else 0.0
        after = quote[f.end : f.end + 3]
        score += 1.0 if any(after.startswith(n) for n in q.nouns) else 0.0
        before = quote[max(0, f.start - 20) : f.start]
        cut = max(before.rfind(ch) for ch in "(（,，;；")
        before = before[cut + 1 :] if cut >= 0 else before
        counted: list[str] = []  # 国内生产总值 counts once, not again as 生产总值, 总值, 国内
        for t in q.terms:  # longest first
            if len(t) >= 2 and t in before and not any(t in c for c in counted):
                counted.append(t)
        score += 0.5 * len(counted)
        if rate and f.unit in ("%", "个百分点", "‰"):  # 增长了多少 asks the growth rate, not the amount
            score += 1.0
        return score

    rate = not q.units and bool(_RATE_ASK.search(q.text))
    ranked = sorted(figs, key=lambda f: -fit(f))
    chosen = ranked[: q.asks]
    return [_with_range(quote, f, figs) for f in sorted(chosen, key=lambda f: f.start)]


_RATE_ASK = re.compile(r"增长|增幅|增速|涨幅|降幅|下降|提高|降低|减少|\bgrow|\bgrowth\b|\brise\b|\brose\b|\bfell\b|\bfall\b|"
                       r"\bincrease|\bdecrease|\bby how much\b", re.I)
_RANGE_JOIN = re.compile(r"\s*[－\-–—~～至到]\s*")


def _with_range(quote: str, f, figs):
    """A figure that opens a range (6%－6.5%, 6.5%-7%) stands for the whole range."""
    from dataclasses import replace

    nxt = next((g for g in figs if g.start >= f.end), None)
    if nxt is not None and _RANGE_JOIN.fullmatch(quote[f.end : nxt.start]) and nxt.unit == f.unit:
        return replace(f, raw=quote[f.start : nxt.end])
    return f
