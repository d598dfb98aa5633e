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

from assistant.answering.extractive import ExtractiveAnswerer
from assistant.indexing.embedders import make_embedder
from assistant.indexing.indexer import Indexer, IndexReport, Progress
from assistant.retrieval.retriever import Retriever, SearchFilters
from assistant.indexing.store import ChunkStore
from assistant.types import Answer, Hit


class QuestionError(ValueError):
    """A question that cannot be asked (empty or too long)."""


class Assistant:
    """One object per process: construct cheaply, models load on first use."""

    def __init__(self, settings, embedder=None, store: ChunkStore | None = None, llm=None):
        self.settings = settings
        self._embedder = embedder
        self._store = store
        self._index_lock = threading.Lock()  # one indexing run at a time per process (uploads from several users)
        self._llm = llm  # an assistant.llm.LLM; by default the one Settings.llm_backend names (or none)

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
    def llm(self):
        """The chat model (None when Settings.llm_backend is not set: the extractive answerer serves alone)."""
        from assistant.llm.backends import make_llm

        return self._llm or make_llm(self.settings)

    @cached_property
    def llm_answerer(self):
        if self.llm is None:
            return None
        from assistant.answering.grounding import CitationChecker
        from assistant.answering.llm_answer import LLMAnswerer

        s = self.settings
        return LLMAnswerer(self.llm, self.answerer, checker=CitationChecker(s.llm_min_support), passages=s.llm_passages,
                           max_tokens=s.llm_max_tokens, temperature=s.llm_temperature, timeout=s.llm_timeout,
                           idf=self.answerer.idf)

    @cached_property
    def verifier(self):
        from assistant.verify.claims import ClaimVerifier

        return ClaimVerifier(self.retriever, self.embedder, idf=self.answerer.idf)

    def verify(self, text: str) -> list:
        """Verdicts for every claim in ``text`` (a sentence or a whole paragraph)."""
        text = self.check_question(text)
        self.indexer.check()
        return self.verifier.verify_text(text)

    def warm_up(self) -> None:
        """Load the model, the tokenizer dictionaries and the lexical index now rather than on the first question."""
        from assistant.answering.question import analyze

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

    def ask(self, question: str, filters: SearchFilters | None = None, history=None) -> Answer:
        """The answer to ``question``; ``history`` (earlier chat.Turn records) resolves follow-ups."""
        final = None
        for update in self.ask_stream(question, filters, history):
            final = update.answer
        return final

    def ask_stream(self, question: str, filters: SearchFilters | None = None, history=None):
        """AnswerUpdate records: checked partial answers while the LLM writes, the final answer last (done=True)."""
        from dataclasses import replace

        from assistant.answering.chat import rewrite_question
        from assistant.answering.llm_answer import AnswerUpdate

        started = time.perf_counter()
        question = self.check_question(question)
        self.indexer.check()
        standalone = question
        if history:
            standalone = rewrite_question(question, list(history), self.llm, timeout=self.settings.llm_timeout)
        shown = max(10, self.settings.top_k)
        # twice as many hits as are shown: when the first are out of the question's scope, the answerer looks further
        hits = self.retriever.search(standalone, 2 * shown, filters)
        note = (f"按上下文理解为：“{standalone}”",) if standalone != question else ()
        if self.llm_answerer is None:
            answer = self.answerer.answer(standalone, hits)
            updates = iter([AnswerUpdate(answer, True)])
        else:
            updates = self.llm_answerer.stream(standalone, hits)
        for update in updates:
            answer = replace(update.answer, question=question, notes=note + tuple(update.answer.notes),
                             seconds=time.perf_counter() - started, hits=update.answer.hits[:shown])
            yield replace(update, answer=answer, question=standalone)
