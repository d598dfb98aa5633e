"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, with document priors and optional rerank.

>>> from assistant.indexing.embedders import FakeEmbedder
>>> from assistant.indexing.store import ChunkStore
>>> retriever = Retriever(FakeEmbedder(), ChunkStore.in_memory())
>>> retriever.search("出庭应诉率")
[]
"""
from __future__ import annotations

import math
import threading
from dataclasses import replace

from assistant.indexing.lexical import tokenize
from assistant.indexing.lexical_store import LexicalIndex
from assistant.answering.question import lexical_query
from assistant.retrieval.legal_refs import LegalLookup
from assistant.types import Chunk, Hit, Retrieval, SearchFilters  # noqa: F401  (SearchFilters re-exported)
from assistant.zh.rules import years_in

_TITLE_NOISE = frozenset("关于 报告 工作 情况 年度 通知 决定 意见 中华人民共和国 政府 人民 全国 印发".split())


class Retriever:
    """Hybrid dense + BM25 retriever over one ChunkStore.

    The BM25 side is a :class:`LexicalIndex` (saved beside the Chroma folder in embedded mode): it follows the
    store's writes document by document, and holds documents an indexing run has chunked but not yet embedded, so they
    are found by BM25 before dense retrieval can find them.
    """

    def __init__(self, embedder, store, candidates: int = 50, rrf_k: int = 60, reranker=None, prior_weight: float = 0.5,
                 legal: LegalLookup | None = None, lexical: LexicalIndex | None = None):
        self.embedder = embedder
        self.store = store
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.reranker = reranker
        self.prior_weight = prior_weight
        self._lock = threading.Lock()
        self._lexical = lexical  # opened on first use
        # "行政诉讼法第三条" → that article first; newest version of a law first
        self.legal = legal if legal is not None else LegalLookup(store)

    @classmethod
    def from_settings(cls, settings, embedder, store) -> "Retriever":
        reranker = CrossEncoderReranker(settings.reranker) if settings.reranker else None
        return cls(embedder, store, settings.candidates, settings.rrf_k, reranker, legal=LegalLookup(store))

    # -- lexical side ---------------------------------------------------------------------
    def lexical_index(self) -> LexicalIndex:
        """The lexical index as it is (opened on first use; the indexer writes chunked documents into it)."""
        with self._lock:
            if self._lexical is None:
                self._lexical = LexicalIndex.for_store(self.store)
            return self._lexical

    def lexical(self) -> LexicalIndex:
        """The lexical index, brought up to date with what any process committed to the store."""
        index = self.lexical_index()
        index.sync(self.store)
        return index

    def _sources(self, index: LexicalIndex) -> dict[str, Chunk]:
        """One chunk per document (its title, year and metadata), kept while the indexed documents are the same."""
        key = frozenset(index.sources().items())
        cached = getattr(self, "_sources_of", None)
        if cached is None or cached[0] != key:
            cached = (key, index.document_heads())
            self._sources_of = cached
        return cached[1]

    def invalidate(self) -> None:
        """Another handle wrote to the store: the next search follows it (documents of a finished run settle)."""
        if self._lexical is not None:
            self._lexical.forget_run()

    # -- search ---------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``, best first."""
        return list(self.retrieve(query, k, filters).hits)

    def retrieve(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> Retrieval:
        """The ``k`` best chunks for ``query`` with the BM25 statistics the search used."""
        if not query.strip():
            return Retrieval(query, ())
        bm25 = self.lexical()  # documents still being embedded are here already; dense joins once their vectors are
        stored = self.store.count()
        if bm25.n == 0 and stored == 0:
            return Retrieval(query, ())
        filters = filters or SearchFilters()
        n = max(self.candidates, k)
        vector = self.embedder.embed_query(query) if stored else None
        dense = self.store.query(vector, n, filters.chroma_where()) if stored else []
        q_tokens = lexical_query(query)
        narrowing = _year_documents(query, self._sources(bm25), filters)
        if narrowing:  # the year is searched through the documents about it, not as a word of their headings
            q_tokens = [t for t in q_tokens if not (t.isdigit() and years_in(t))] or q_tokens
        lexical = bm25.search(q_tokens, n, None if filters.empty else bm25.allowed(filters))
        extra = []
        for narrowed in narrowing:
            # the documents about the asked year: searched on their own too, so that a report's yearly phrases in
            # fifty other reports do not crowd its own passages out of the candidates
            m = max(k, self.candidates // 2)
            if stored:
                extra.append([h.chunk for h in self.store.query(vector, m, narrowed.chroma_where())])
            extra.append([c for c, _ in bm25.search(q_tokens, m, bm25.allowed(narrowed))])
        fused = self._fuse(dense, lexical, query, extra)
        if self.reranker is not None:
            fused = self.reranker.rerank(query, fused[: max(k, 20)])
        hits = self.legal.apply(query, fused, k, None if filters.empty else filters.accepts)
        return Retrieval(query, tuple(hits), bm25)

    def _fuse(self, dense: list[Hit], lexical: list[tuple[Chunk, float]], query: str,
              extra: list[list[Chunk]] = ()) -> list[Hit]:
        rows: dict[str, dict] = {}
        for rank, hit in enumerate(dense):
            rows[hit.chunk.id] = {"chunk": hit.chunk, "rrf": 1.0 / (self.rrf_k + rank + 1), "dense": hit.dense_score}
        top_lex = lexical[0][1] if lexical else 1.0
        for rank, (chunk, score) in enumerate(lexical):
            row = rows.setdefault(chunk.id, {"chunk": chunk, "rrf": 0.0, "dense": None})
            row["rrf"] += 1.0 / (self.rrf_k + rank + 1)
            row["lex"] = score / top_lex if top_lex else 0.0
        for ranking in extra:
            for rank, chunk in enumerate(ranking):
                row = rows.setdefault(chunk.id, {"chunk": chunk, "rrf": 0.0, "dense": None})
                row["rrf"] += 1.0 / (self.rrf_k + rank + 1)
        priors = self._document_priors(query, [r["chunk"] for r in rows.values()])
        unit = self.prior_weight / (self.rrf_k + 1)
        hits = [
            Hit(
                chunk=r["chunk"], score=r["rrf"] + unit * priors.get(r["chunk"].source, 0.0),
                dense_score=r["dense"], lexical_score=r.get("lex"),
            )
            for r in rows.values()
        ]
        hits.sort(key=lambda h: (-h.score, h.chunk.source, h.chunk.start))
        return hits

    def _document_priors(self, query: str, chunks: list[Chunk]) -> dict[str, float]:
        """Prefer documents whose year or title the question names (reports repeat phrases yearly)."""
        q_years = years_in(query)
        q_tokens = {t for t in tokenize(query) if len(t) >= 2 and t not in _TITLE_NOISE and not t.isdigit()}
        priors: dict[str, float] = {}
        titles = {c.source: c for c in chunks}
        if len(titles) < 2:
            return priors
        outcome = bool(q_years) and _asks_outcome(query)
        title_tokens = {source: set(tokenize(chunk.title)) - _TITLE_NOISE for source, chunk in titles.items()}
        # a word most candidate titles share (疫情, 防控 in a folder of epidemic notices) names no one document
        df = {t: sum(1 for tt in title_tokens.values() if t in tt) for t in q_tokens}
        weight = {t: math.log((len(titles) + 1) / (df[t] + 0.5)) for t in q_tokens}
        total = sum(weight.values())
        for source, chunk in titles.items():
            score = 0.0
            if q_years:
                score += _year_prior(q_years, chunk, outcome)
            if total > 0:  # some question word (every weight is positive)
                score += sum(weight[t] for t in q_tokens & title_tokens[source]) / total
            priors[source] = score
        return priors


def _year_documents(query: str, sources: dict[str, Chunk], filters: SearchFilters) -> list[SearchFilters]:
    """The filters narrowed to the documents that speak about what the question dates: the document it names; for
    a year, the reports that review it (an outcome) and those that plan it (a target), each on its own, both when
    the question does not say which. Empty when it names neither, no document is about it, or every one is."""
    from assistant.answering.scope import (claim_scope, document_scope, is_statement, names_document,
                                           question_scope)

    if filters.sources:
        return []
    q = claim_scope(query) if is_statement(query) else question_scope(query)
    if q.document is not None:
        tests = [lambda c: names_document(q.document, c)]
    elif q.years:
        def speaks(part: str):
            def test(c: Chunk) -> bool | None:
                doc = document_scope(c)
                if doc.review or doc.plan:
                    return bool(getattr(doc, part) & q.years)
                years = document_years(c)
                return bool(years & (q.years | {y + 1 for y in q.years})) if years else None
            return test

        parts = {"outcome": ["review"], "target": ["plan"]}.get(q.modality or "", ["review", "plan"])
        tests = [speaks(p) for p in parts]
    else:
        return []
    out = []
    for test in tests:
        verdicts = {s: test(c) for s, c in sources.items() if filters.accepts(c)}
        chosen = [s for s, v in verdicts.items() if v]
        # a document whose year is unknown (a notice without a date line) is not another year's: it joins the
        # documents about the year, when there are any
        chosen = sorted(chosen + [s for s, v in verdicts.items() if v is None]) if chosen else []
        narrowed = replace(filters, sources=tuple(chosen))
        if chosen and len(chosen) < len(sources) and narrowed not in out:  # notices: review and plan are one set
            out.append(narrowed)
    return out


def document_years(chunk: Chunk) -> set[int]:
    """The years a chunk's document is about: those in its title, else its publication year (empty: none known)."""
    return years_in(chunk.title) or ({chunk.year} if chunk.year else set())


def _year_prior(q_years: set[int], chunk: Chunk, outcome: bool = False) -> float:
    """A document about the asked year ranks first; the next year's report (which reviews it) second. For an
    outcome ("实际增长了多少") the order turns: the next year's report holds it, the year's own report its target."""
    doc_years = document_years(chunk)
    if not doc_years:
        return 0.0
    same, next_year = bool(doc_years & q_years), bool({y + 1 for y in q_years} & doc_years)
    if outcome and next_year:
        return 1.0
    if same:
        return 0.4 if outcome else 1.0
    if next_year:
        return 0.4
    return -0.3


def _asks_outcome(query: str) -> bool:
    from assistant.answering.question import wants_number_in
    from assistant.answering.scope import claim_scope, is_statement, question_scope

    if is_statement(query):
        scope = claim_scope(query)
    else:  # a dated figure question with no word of a target asks what happened, as a dated claim states it
        scope = question_scope(query)
        if scope.modality is None and scope.years and wants_number_in(query):
            return scope.document is None
    return scope.modality == "outcome" and scope.document is None  # "2023年政府工作报告" is that year's report


def embedding_text(chunk: Chunk) -> str:
    """What the dense index embeds: title and heading path give the passage its context."""
    head = " > ".join(p for p in (chunk.title, chunk.section) if p)
    return f"{head}\n{chunk.text}" if head else chunk.text


class CrossEncoderReranker:
    """Optional sentence-transformers CrossEncoder reranking (a model name or folder)."""

    def __init__(self, model: str):
        self.model_name = model
        self._model = None

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        if not hits:
            return hits
        if self._model is None:
            import os

            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(self.model_name, device="cpu")
        scores = self._model.predict([(query, h.chunk.text) for h in hits])
        ranked = sorted(zip(hits, scores), key=lambda hs: -float(hs[1]))
        return [replace(h, rerank_score=float(s)) for h, s in ranked]
