"""The assistant assembled from Settings: embedder, store, retriever, answerer and indexer, built lazily.

>>> from assistant.config import Settings
>>> a = Assistant(Settings(embedding_model="fake"), store=None)
>>> a.settings.embedding_model
'fake'
"""
from __future__ import annotations

import threading
import time
from functools import cached_property
from pathlib import Path

from .answer import ExtractiveAnswerer
from .embedding import make_embedder
from .indexing import Indexer, IndexReport, Progress
from .retrieval import Retriever, SearchFilters
from .store import ChunkStore
from .types import Answer, Hit


class QuestionError(ValueError):
    """A question that cannot be asked (empty or too long)."""


class Assistant:
    """One object per process: construct cheaply, models load on first use."""

    def __init__(self, settings, embedder=None, store: ChunkStore | None = None):
        self.settings = settings
        self._embedder = embedder
        self._store = store
        self._index_lock = threading.Lock()  # one indexing run at a time per process (uploads from several users)

    @cached_property
    def embedder(self):
        return self._embedder or make_embedder(self.settings)

    @cached_property
    def store(self) -> ChunkStore:
        return self._store or ChunkStore.from_settings(self.settings)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever.from_settings(self.settings, self.embedder, self.store)

    @cached_property
    def indexer(self) -> Indexer:
        return Indexer.from_settings(self.settings, self.embedder, self.store)

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        def idf(term: str) -> float:  # answers and verdicts follow a search: its index is current
            return self.retriever.last_lexical()[1].idf(term)

        def mentions(word: str) -> bool:
            return self.retriever.last_lexical()[1].mentions(word)

        return ExtractiveAnswerer(self.embedder, idf=idf, min_support=self.settings.answer_min_support,
                                  mentions=mentions)

    @cached_property
    def verifier(self):
        from .verify import ClaimVerifier

        return ClaimVerifier(self.retriever, self.embedder, idf=self.answerer.idf)

    def verify(self, text: str) -> list:
        """Verdicts for every claim in ``text`` (a sentence or a whole paragraph)."""
        text = self.check_question(text)
        self.indexer.check()
        return self.verifier.verify_text(text)

    def warm_up(self) -> None:
        """Load the model, the tokenizer dictionaries and the lexical index now rather than on the first question."""
        from .question import analyze

        self.embedder.embed_query("预热")
        self.retriever.lexical()
        analyze("示范区2023年办理了多少件行政复议案件？")

    def index(self, paths: list[str | Path], progress: Progress | None = None) -> IndexReport:
        with self._index_lock:
            report = self.indexer.index_paths([Path(p) for p in paths], progress)
            self.retriever.invalidate()
        return report

    def check_question(self, question: str) -> str:
        question = "".join(ch for ch in (question or "") if ch.isprintable() or ch in "\n\t").strip()
        if not question:
            raise QuestionError("问题为空，请输入问题。 / The question is empty.")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"问题过长（{len(question)} 字，上限 {self.settings.max_question_chars} 字），请缩短后再问。"
                f" / The question is too long ({len(question)} > {self.settings.max_question_chars} characters)."
            )
        return question

    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> list[Hit]:
        query = self.check_question(query)
        self.indexer.check()
        return self.retriever.search(query, k or self.settings.top_k, filters)

    def ask(self, question: str, filters: SearchFilters | None = None) -> Answer:
        started = time.perf_counter()
        question = self.check_question(question)
        self.indexer.check()
        hits = self.retriever.search(question, max(10, self.settings.top_k), filters)
        answer = self.answerer.answer(question, hits)
        from dataclasses import replace

        return replace(answer, seconds=time.perf_counter() - started)
