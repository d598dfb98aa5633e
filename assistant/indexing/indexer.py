"""Indexing files and folders: load, chunk, embed and store, incrementally, one bad file never stopping the rest."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from assistant.chunking import CHUNKER_VERSION, chunk_document
from assistant.errors import EmbeddingEndpointError
from assistant.ingest import IngestError, iter_files, load_document
from assistant.ingest.ocr import ocr_context
from assistant.ingest.pages import with_pages
from assistant.indexing.stages import IndexStages
from assistant.indexing.batches import vectors_for

Progress = Callable[[int, int, str], None]  # (done, total, current source)


@dataclass
class IndexReport:
    """What an indexing run did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)  # e.g. OCR pages of low confidence, per file
    chunks: int = 0
    embedded: int = 0  # chunks sent to the embedder (the rest reused stored vectors)
    repaired: int = 0  # chunks of an interrupted earlier run that were removed

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        parts = [
            f"新增 {len(self.added)}", f"更新 {len(self.updated)}", f"未变 {len(self.unchanged)}",
            f"移除 {len(self.removed)}", f"失败 {len(self.errors)}", f"片段 {self.chunks}", f"新向量化片段 {self.embedded}",
        ]
        if self.repaired:
            parts.append(f"清理中断残留片段 {self.repaired}")
        return "，".join(parts)


class Indexer:
    """Puts documents into a ChunkStore with their embeddings."""

    def __init__(self, embedder, store, min_chars: int = 100, max_chars: int = 400, max_file_bytes: int | None = None,
                 max_document_chars: int | None = None, ocr_limits=None, lexical=None, batch_chunks: int = 256):
        self.embedder = embedder
        self.store = store
        self.lexical = lexical  # a LexicalIndex: each document is put there once chunked, before its vectors exist
        self.stages = IndexStages()
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.max_file_bytes = max_file_bytes
        self.max_document_chars = max_document_chars
        self.ocr_limits = ocr_limits  # pages, pixels and OCR seconds per file (ingest/ocr.py OcrLimits)
        self.batch_chunks = batch_chunks  # passages collected over documents before one embedder call and write

    @classmethod
    def from_settings(cls, settings, embedder, store, lexical=None) -> "Indexer":
        from assistant.ingest.ocr import limits_from_settings

        return cls(embedder, store, settings.chunk_min_chars, settings.chunk_max_chars, settings.max_file_bytes,
                   settings.max_document_chars, limits_from_settings(settings), lexical, settings.index_batch_chunks)

    def check(self) -> None:
        """Refuse an index built with another embedder or chunker."""
        self.store.check_provenance(self.embedder.model_id, self.embedder.dim, CHUNKER_VERSION)

    def index_paths(self, paths: list[Path], progress: Progress | None = None, prune: bool = True) -> IndexReport:
        """Index files and folders; only changed files are re-embedded.

        With ``prune``, documents that were indexed from one of the given folders and are no
        longer in it are removed; documents indexed from other folders or as single files stay.
        """
        paths = [Path(p) for p in paths]
        missing = [str(p) for p in paths if not p.exists()]
        report = IndexReport()
        for p in missing:
            report.errors[p] = f"路径不存在 / path not found: {p}"
        self.check()
        self.store.begin_run()
        try:
            self._index_files(paths, report, progress, prune)
        finally:
            self.store.end_run()
        return report

    def _index_files(self, paths: list[Path], report: IndexReport, progress: Progress | None, prune: bool) -> None:
        """Two stages: every changed file is loaded, chunked and put into BM25 (searchable from then on), then the
        files are embedded and committed one by one (dense retrieval finds each from its commit)."""
        report.repaired = self.store.repair()
        files = [(path, source, _folder_of(root)) for root in paths if root.exists() for path, source in iter_files([root])]
        known = self.store.documents()
        seen: set[str] = set()
        folders = {_folder_of(p) for p in paths if p.is_dir()}
        self.stages.start(len(files))
        ready = []
        for path, source, folder in files:
            if progress:
                progress(self.stages.state.embedded, len(files), source)
            seen.add(source)
            if folder and _moved_here(known.get(source), path):
                folders.add(known[source].folder)  # the folder was moved or renamed: prune as the same folder
            with _file_errors(report, source, self.stages):
                with ocr_context(self.ocr_limits, _page_progress(progress, self.stages.state.embedded, len(files), source)):
                    item = self._chunk_file(path, source, folder, known, report)
                if item is not None:
                    ready.append(item)
        # stage 2: the passages of several documents in one embedder call, each document committed on its own
        pending: list[tuple] = []
        for item in ready:
            pending.append(item)
            if sum(len(p[1]) for p in pending) >= self.batch_chunks:
                self._write(pending, known, report, progress, len(files))
        self._write(pending, known, report, progress, len(files))
        if prune and folders:
            for source in sorted(s for s in set(known) - seen if known[s].folder in folders | {None}):
                self.store.delete_document(source)
                report.removed.append(source)
        self.stages.finish()
        if progress:
            progress(len(files), len(files), "")

    def _chunk_file(self, path: Path, source: str, folder: str, known: dict, report: IndexReport):
        """(document, chunks, folder, previous record) of a new or changed file, now in BM25; None when unchanged."""
        previous = known.get(source)
        if previous is not None and _same_bytes(path, previous.content_hash, self.max_file_bytes):
            if previous.folder != folder:  # unchanged: not loaded again (a scanned file is not OCR'd again)
                self.store.set_folder(source, folder)
            report.unchanged.append(source)
            self.stages.chunked(source, embedded=True)
            return None
        doc = load_document(path, source=source, max_bytes=self.max_file_bytes, max_chars=self.max_document_chars)
        if doc.warnings:
            report.warnings[source] = list(doc.warnings)
        chunks = self.chunk(doc)
        self.stages.chunked(source)
        return doc, chunks, folder, previous

    def _write(self, pending: list[tuple], known: dict, report: IndexReport, progress: Progress | None = None,
               total: int = 0) -> None:
        """Embed the pending documents' new passages in one embedder call, then commit the documents one by one
        (each its chunks, then its record: an interrupted run loses at most the batch, never a document's half)."""
        if not pending:
            return
        batch, pending[:] = list(pending), []
        self.check()

        def handled(source: str) -> None:
            self.stages.embedded(source)
            if progress:
                progress(self.stages.state.embedded, total, source)

        groups = [(chunks, self._reusable(doc, known)) for doc, chunks, *_ in batch]
        try:
            vectors, fresh = vectors_for(self.embedder, self.store, groups)
        except EmbeddingEndpointError:  # every further file would fail alike; committed documents stay whole
            raise
        except Exception as exc:
            if len(batch) == 1:
                report.errors[batch[0][0].source] = f"无法处理文件 {batch[0][0].source}：{type(exc).__name__}: {exc}"
                handled(batch[0][0].source)
                return
            for item in batch:  # find the document the embedder refuses; the others go on
                self._write([item], known, report, progress, total)
            return
        report.embedded += fresh
        self.store.check_provenance(self.embedder.model_id, self.embedder.dim, CHUNKER_VERSION, claim=True)
        for (doc, chunks, folder, previous), vecs in zip(batch, vectors):
            try:
                self.store.put_document(doc, chunks, vecs, folder=folder)
            except Exception as exc:
                report.errors[doc.source] = f"无法处理文件 {doc.source}：{type(exc).__name__}: {exc}"
            else:
                report.chunks += len(chunks)
                (report.updated if previous is not None else report.added).append(doc.source)
            handled(doc.source)

    @staticmethod
    def _reusable(doc, known: dict) -> list[str]:
        """Sources whose stored vectors may serve this document: its previous version, same-content documents."""
        return [s for s, r in known.items() if s == doc.source or r.content_hash == doc.content_hash]

    def chunk(self, doc) -> list:
        """A document's chunks, put into the lexical index at once (found by BM25 before its vectors exist)."""
        chunks = with_pages(doc, chunk_document(doc, self.min_chars, self.max_chars))
        if not chunks:
            raise IngestError(f"文件中没有可索引的文字 / no indexable text in {doc.source}")
        if self.lexical is not None:
            self.lexical.add(doc.source, doc.content_hash, chunks, mine=True)
        return chunks

    def add_document(self, doc, known: dict | None = None, report: IndexReport | None = None, folder: str = "",
                     chunks: list | None = None) -> int:
        """Chunk (unless ``chunks`` are given), embed and store one loaded document; returns its chunk count.

        Vectors already stored for the same passage text (the document's previous version, or a
        document with the same content under another name, e.g. a renamed file) are reused, so only
        new passages reach the embedder.
        """
        self.check()
        chunks = self.chunk(doc) if chunks is None else chunks
        known = self.store.documents() if known is None else known
        (vectors,), fresh = vectors_for(self.embedder, self.store, [(chunks, [doc.source, *self._reusable(doc, known)])])
        if report is not None:
            report.embedded += fresh
        self.store.check_provenance(self.embedder.model_id, self.embedder.dim, CHUNKER_VERSION, claim=True)
        self.store.put_document(doc, chunks, vectors, folder=folder)
        return len(chunks)


@contextmanager
def _file_errors(report: IndexReport, source: str, stages: IndexStages, counted: bool = False):
    """One bad file never stops the folder: its error is recorded (an embedding endpoint's failure stops the run,
    every further file would fail alike; committed documents stay whole)."""
    try:
        yield
    except IngestError as exc:
        report.errors[source] = str(exc)
    except EmbeddingEndpointError:
        raise
    except Exception as exc:
        report.errors[source] = f"无法处理文件 {source}：{type(exc).__name__}: {exc}"
    else:
        return
    (stages.embedded if counted else stages.skipped)(source)


def _same_bytes(path: Path, content_hash: str, max_bytes: int | None) -> bool:
    """Whether a file's bytes still hash to ``content_hash`` (files over the size limit are left to the loader)."""
    import hashlib

    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == content_hash
    except OSError:
        return False


def _page_progress(progress: Progress | None, done: int, total: int, source: str):
    """Per-page progress of an OCR'd file, shown as the current source "file（第3/12页）"."""
    if progress is None:
        return None
    return lambda page, pages: progress(done, total, f"{source}（第{page}/{pages}页）")


def _moved_here(previous, path: Path) -> bool:
    """The same file, indexed before from a folder that no longer exists."""
    if previous is None or not previous.folder or Path(previous.folder).is_dir():
        return False
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest() == previous.content_hash


def _folder_of(root: Path) -> str:
    """What a document record keeps of where it came from: the absolute folder, or "" for a single file."""
    return str(Path(root).resolve()) if Path(root).is_dir() else ""


def print_progress(stream=sys.stderr, state: Callable[[], object] | None = None) -> Progress:
    """A tqdm progress bar for indexing runs in a terminal: files embedded, the stages (IndexingState.label) before."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int, source: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="文件", file=stream, desc="索引")
        if state is not None:
            bar.set_description_str(state().label)
        bar.n = done
        bar.set_postfix_str(source[-40:] if source else "")
        bar.refresh()
        if done >= total:
            bar.close()

    return update
