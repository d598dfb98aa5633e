"""Chroma storage of chunks, documents and index provenance: persistent, server or in-memory.

Chroma never embeds here: every vector is passed in. Distances become higher-is-better
scores once, in :meth:`ChunkStore.query`.

>>> store = ChunkStore.in_memory()
>>> store.count()
0
"""
from __future__ import annotations

from assistant.errors import IndexMismatchError  # noqa: F401  (raised here; defined with every user-facing error)

import json
import os
import socket
import time
import uuid
from urllib.parse import urlparse

import numpy as np

from assistant.types import Chunk, Document, DocumentRecord, Hit  # noqa: F401  (DocumentRecord re-exported)

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


RUN_TIMEOUT = 600.0  # seconds without a heartbeat after which an indexing run counts as dead


def _client_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class ChunkStore:
    """Chunks (with vectors) in one Chroma collection, documents in a companion collection."""

    def __init__(self, client, name: str = "documents"):
        self.client = client
        self.name = name
        self._chunks = client.get_or_create_collection(
            f"{name}-chunks", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self._docs = client.get_or_create_collection(f"{name}-docs", embedding_function=None)
        self._runs = client.get_or_create_collection(f"{name}-runs", embedding_function=None)
        self._run: str | None = None
        self._beat_at = 0.0
        self._committed: tuple[str, dict[str, str]] | None = None  # (generation, source -> content hash)
        self.path: str | None = None  # the Chroma folder in embedded mode (caches are kept beside it)
        self._lock = None  # embedded mode: this process's share of the folder's lock (store_lock)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def persistent(cls, path: str, name: str = "documents") -> "ChunkStore":
        import weakref

        import chromadb

        from assistant.indexing.store_lock import acquire

        lock = acquire(path)  # shared to read, exclusive from the first write (StoreLockedError names the holder)
        try:
            store = cls(chromadb.PersistentClient(path=path, settings=_client_settings()), name)
        except BaseException:
            lock.release()
            raise
        weakref.finalize(store, lock.release)
        store.path, store._lock = str(path), lock
        return store

    @classmethod
    def server(cls, url: str, name: str = "documents") -> "ChunkStore":
        import chromadb

        parsed = urlparse(url if "://" in url else f"http://{url}")
        client = chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
            settings=_client_settings(),
        )
        return cls(client, name)

    @classmethod
    def in_memory(cls, name: str = "documents") -> "ChunkStore":
        import chromadb

        return cls(chromadb.EphemeralClient(settings=_client_settings()), f"{name}-{uuid.uuid4().hex[:8]}")

    @classmethod
    def from_settings(cls, settings) -> "ChunkStore":
        if settings.chroma_url:
            return cls.server(settings.chroma_url, settings.collection)
        return cls.persistent(settings.store_dir, settings.collection)

    def hold_for_writing(self) -> None:
        """Embedded mode: take the folder's lock exclusively, for the process's life (done before every write;
        the app does it at start). StoreLockedError while another process has the folder open."""
        if self._lock is not None:
            self._lock.upgrade()

    # -- provenance ---------------------------------------------------------------------
    def provenance(self) -> dict:
        """What built the index, read afresh: another process (or app on a shared server) may have claimed it."""
        meta = self.client.get_collection(f"{self.name}-chunks", embedding_function=None).metadata or {}
        return {k: meta[k] for k in ("embedder", "dim", "chunker") if k in meta}

    def check_provenance(self, embedder: str, dim: int, chunker: str, claim: bool = False) -> None:
        """Raise IndexMismatchError if the index was built differently; record it when ``claim`` and empty."""
        found = self.provenance()
        wanted = {"embedder": embedder, "dim": int(dim), "chunker": chunker}
        if found and self.count() > 0:
            diffs = [f"{k}: 索引中为 {found.get(k)!r}，当前配置为 {v!r}" for k, v in wanted.items() if found.get(k) != v]
            if diffs:
                raise IndexMismatchError(
                    "索引与当前配置不一致（" + "；".join(diffs) + "）。请重新建立索引："
                    "删除索引目录后运行 `assistant index 文件或文件夹`，或改回原来的嵌入模型。"
                    " / The index was built with a different embedder or chunker; re-index "
                    "(delete the index folder and run `assistant index PATH`) or switch the model back."
                )
        if claim and found != wanted:
            self.hold_for_writing()
            self._chunks.modify(metadata=wanted)

    # -- writes ---------------------------------------------------------------------------
    def put_document(self, doc: Document, chunks: list[Chunk], embeddings: np.ndarray, batch: int = 2000,
                     folder: str = "") -> None:
        """Store ``doc``'s chunks, then its record (the commit marker), then drop its previous version.

        Chunk ids carry the content hash, so a new version never overwrites the old one: until the
        record is written, readers see the previous version, and an interrupted run leaves only
        uncommitted chunks that :meth:`repair` removes.
        """
        self.hold_for_writing()
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            self._beat()
            self._chunks.upsert(
                ids=[c.id for c in part],
                embeddings=np.asarray(embeddings[i : i + batch], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[{**_chunk_meta(c), "run": self._run or ""} for c in part],
            )
        record = {
            "source": doc.source, "content_hash": doc.content_hash, "title": doc.title, "kind": doc.kind,
            "date": doc.date or "", "issuer": doc.issuer or "", "chunks": len(chunks), "chars": len(doc.text),
            "format": doc.format, "folder": folder, "law_kind": doc.law_kind, "level": doc.level, "region": doc.region,
            "pages": len(doc.page_starts), "ocr_confidence": -1.0 if doc.ocr_confidence is None else doc.ocr_confidence,
            "warnings": "\n".join(doc.warnings),
            "page_starts": json.dumps([list(doc.page_starts), list(doc.page_numbers)]),
        }
        self._docs.upsert(ids=[_doc_id(doc.source)], embeddings=[[0.0]], documents=[doc.text], metadatas=[record])
        self._chunks.delete(where={"$and": [{"source": doc.source}, {"doc_hash": {"$ne": doc.content_hash}}]})
        self._bump()

    def set_folder(self, source: str, folder: str) -> None:
        """Record the folder an unchanged document is now indexed from (the folder was moved or renamed)."""
        self.hold_for_writing()
        got = self._docs.get(ids=[_doc_id(source)], include=["metadatas"])
        if got["ids"]:
            self._docs.update(ids=[_doc_id(source)], metadatas=[{**got["metadatas"][0], "folder": folder}])

    def delete_document(self, source: str) -> None:
        """Remove the record first (the document is gone for readers), then its chunks."""
        self.hold_for_writing()
        self._docs.delete(ids=[_doc_id(source)])
        self._chunks.delete(where={"source": source})
        self._bump()

    def _bump(self) -> None:
        """Mark the index as changed, so every process (and every app on a shared server) rebuilds its BM25."""
        self._docs.modify(metadata={"generation": uuid.uuid4().hex})

    def generation(self) -> str:
        """A token that changes whenever any process writes to this index."""
        fresh = self.client.get_collection(f"{self.name}-docs", embedding_function=None)
        return str((fresh.metadata or {}).get("generation", ""))

    # -- indexing runs ----------------------------------------------------------------------
    def begin_run(self) -> str:
        """Announce an indexing run, so that other processes' :meth:`repair` spares its uncommitted chunks."""
        self.hold_for_writing()
        self._run = uuid.uuid4().hex
        self._beat(force=True)
        return self._run

    def end_run(self) -> None:
        if self._run:
            self._runs.delete(ids=[self._run])
        self._run = None

    def _beat(self, force: bool = False) -> None:
        now = time.time()
        if self._run and (force or now - self._beat_at > 5.0):
            meta = {"pid": os.getpid(), "host": socket.gethostname(), "beat": now}
            self._runs.upsert(ids=[self._run], embeddings=[[0.0]], metadatas=[meta])
            self._beat_at = now

    def live_runs(self) -> set[str]:
        """Other processes' indexing runs that are still going; records of dead runs are deleted."""
        got = self._runs.get(include=["metadatas"])
        live, dead = set(), []
        for rid, meta in zip(got["ids"], got["metadatas"]):
            if rid != self._run:
                (live.add(rid) if _run_alive(meta) else dead.append(rid))
        if dead:
            self._runs.delete(ids=dead)
        return live

    def repair(self) -> int:
        """Undo what an interrupted run left: chunks of no committed document, and incomplete documents.

        A chunk is committed when a document record has its source and content hash. A record whose
        chunk count differs from the chunks found is dropped with its chunks, so the next run redoes it.
        Chunks being written by another live indexing run (:meth:`begin_run`) are left alone.
        Returns the number of chunks deleted.
        """
        self.hold_for_writing()
        busy = self.live_runs()
        records = self.documents()
        got = get_all(self._chunks, include=["metadatas"])
        orphans: list[str] = []
        found: dict[str, int] = {}
        for cid, meta in zip(got["ids"], got["metadatas"]):
            rec = records.get(meta["source"])
            if rec is None or rec.content_hash != meta.get("doc_hash", ""):
                if meta.get("run") not in busy:
                    orphans.append(cid)
            else:
                found[rec.source] = found.get(rec.source, 0) + 1
        incomplete = [s for s, rec in records.items() if found.get(s, 0) != rec.chunks]
        for i in range(0, len(orphans), 2000):
            self._chunks.delete(ids=orphans[i : i + 2000])
        for source in incomplete:
            self.delete_document(source)
        if orphans and not incomplete:
            self._bump()
        return len(orphans) + sum(found.get(s, 0) for s in incomplete)

    def vectors_of(self, sources: list[str]) -> list[tuple[Chunk, np.ndarray]]:
        """The stored chunks of ``sources`` with their vectors (to reuse them instead of embedding again)."""
        if not sources:
            return []
        got = get_all(self._chunks, where={"source": {"$in": sorted(set(sources))}},
                       include=["documents", "metadatas", "embeddings"])
        return [
            (_chunk_from(text, meta), np.asarray(vec, dtype=np.float32))
            for text, meta, vec in zip(got["documents"], got["metadatas"], got["embeddings"])
        ]

    # -- reads ----------------------------------------------------------------------------
    def count(self) -> int:
        return self._chunks.count()

    def documents(self) -> dict[str, DocumentRecord]:
        got = get_all(self._docs, include=["metadatas"])
        out = {}
        for meta in got["metadatas"]:
            out[meta["source"]] = DocumentRecord(
                source=meta["source"], content_hash=meta["content_hash"], title=meta.get("title", ""),
                kind=meta.get("kind", "other"), date=meta.get("date") or None, issuer=meta.get("issuer") or None,
                chunks=int(meta.get("chunks", 0)), chars=int(meta.get("chars", 0)), format=meta.get("format", "txt"),
                folder=meta.get("folder"), law_kind=meta.get("law_kind", ""), level=meta.get("level", ""),
                region=meta.get("region", ""), pages=int(meta.get("pages", 0) or 0),
                ocr_confidence=None if float(meta.get("ocr_confidence", -1.0)) < 0 else float(meta["ocr_confidence"]),
                warnings=tuple(w for w in str(meta.get("warnings", "")).split("\n") if w),
                page_starts=tuple(tuple(x) for x in json.loads(meta.get("page_starts") or "[[], []]")),
            )
        return out

    def document_text(self, source: str) -> str | None:
        got = self._docs.get(ids=[_doc_id(source)], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def committed(self) -> dict[str, str]:
        """Source -> content hash of the committed documents, cached per generation token."""
        generation = self.generation()
        if self._committed is None or self._committed[0] != generation:
            self._committed = (generation, {s: r.content_hash for s, r in self.documents().items()})
        return self._committed[1]

    def _is_committed(self, meta: dict, committed: dict[str, str]) -> bool:
        """Readers never see chunks of an unfinished write (a run in progress or killed)."""
        return committed.get(meta["source"]) == meta.get("doc_hash", "")

    def all_chunks(self) -> list[Chunk]:
        """Every committed chunk, in document order."""
        got = get_all(self._chunks, include=["documents", "metadatas"])
        committed = self.committed()
        chunks = [
            _chunk_from(text, meta) for text, meta in zip(got["documents"], got["metadatas"])
            if self._is_committed(meta, committed)
        ]
        chunks.sort(key=lambda c: (c.source, c.ordinal))
        return chunks

    def get_chunks(self, where: dict) -> list[Chunk]:
        """The committed chunks matching a Chroma metadata filter (an exact lookup, no vectors), in document order."""
        got = get_all(self._chunks, where=where, include=["documents", "metadatas"])
        committed = self.committed()
        chunks = [_chunk_from(t, m) for t, m in zip(got["documents"], got["metadatas"]) if self._is_committed(m, committed)]
        chunks.sort(key=lambda c: (c.source, c.ordinal))
        return chunks

    def query(self, embedding: np.ndarray, n: int, where: dict | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity (score = 1 - cosine distance)."""
        total = self.count()
        if total == 0:
            return []
        got = self._chunks.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=min(n, total), where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        committed = self.committed()
        for text, meta, dist in zip(got["documents"][0], got["metadatas"][0], got["distances"][0]):
            if not self._is_committed(meta, committed):
                continue
            sim = 1.0 - float(dist)
            hits.append(Hit(chunk=_chunk_from(text, meta), score=sim, dense_score=sim))
        return hits


def _run_alive(meta: dict) -> bool:
    """A run is alive while it beats; on this host, also only while its process exists."""
    if time.time() - float(meta.get("beat", 0)) > RUN_TIMEOUT:
        return False
    if meta.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(meta.get("pid", 0)), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


def _doc_id(source: str) -> str:
    return "doc:" + source


def _chunk_meta(c: Chunk) -> dict:
    return {
        "source": c.source, "start": c.start, "end": c.end, "ordinal": c.ordinal,
        "section_path": json.dumps(list(c.section_path), ensure_ascii=False), "title": c.title,
        "kind": c.kind, "date": c.date or "", "year": c.year or 0, "doc_hash": c.doc_hash,
        **_legal_meta(c), **_page_meta(c),
    }


def _page_meta(c: Chunk) -> dict:
    """The page (and OCR box) of a chunk of a paged document; nothing for other chunks."""
    return {"page": int(c.page), "box": json.dumps(list(c.box))} if c.page else {}



def _legal_meta(c: Chunk) -> dict:
    """A law's or case's fields (label, article, kind, level, region); nothing for reports, so their chunks stay as they were."""
    if not c.law_kind:
        return {}
    return {"label": c.label, "article": int(c.article), "law_kind": c.law_kind, "level": c.level, "region": c.region}


def _chunk_from(text: str, meta: dict) -> Chunk:
    return Chunk(
        source=meta["source"], start=int(meta["start"]), end=int(meta["end"]), text=text,
        section_path=tuple(json.loads(meta.get("section_path") or "[]")), ordinal=int(meta.get("ordinal", 0)),
        title=meta.get("title", ""), kind=meta.get("kind", "other"), date=meta.get("date") or None,
        doc_hash=meta.get("doc_hash", ""), label=meta.get("label", ""), article=int(meta.get("article", 0) or 0),
        law_kind=meta.get("law_kind", ""), level=meta.get("level", ""), region=meta.get("region", ""),
        page=int(meta.get("page", 0) or 0), box=tuple(json.loads(meta.get("box") or "[]")),
    )


GET_PAGE = 5000  # rows per Chroma read: one read of every row fails past ~32k rows ("too many SQL variables")


def get_all(collection, include: list[str], where: dict | None = None) -> dict:
    """``collection.get`` of every matching row, read in pages of :data:`GET_PAGE` (ids and the ``include`` fields)."""
    out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
    offset = 0
    while True:
        got = collection.get(where=where, include=include, limit=GET_PAGE, offset=offset)
        out["ids"].extend(got["ids"])
        for k in include:
            values = got[k]
            out[k].extend(list(values) if values is not None else [None] * len(got["ids"]))
        if len(got["ids"]) < GET_PAGE:
            return out
        offset += GET_PAGE
