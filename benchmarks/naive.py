"""The naive LangChain pipeline a tutorial user builds, kept as the baseline the benchmarks compare against.

RecursiveCharacterTextSplitter(500, 50) with start indexes, a langchain-chroma store with default settings, and
similarity search top-k with the SAME embedder as the project (so the comparison is about everything but the
model). Files are read with this project's loader so that both pipelines see the same text (and the same offsets,
which the gold evidence spans refer to); a tutorial user's TextLoader would fail on GBK files altogether.

>>> from assistant.indexing.embedders import FakeEmbedder
>>> p = NaivePipeline(FakeEmbedder(64))
>>> p.add_texts(["第一条 为了规范行政行为，制定本法。" * 40], [{"source": "a.md"}])
2
>>> p.search("规范行政行为", 1)[0].metadata["source"]
'a.md'
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterable

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

CHUNK_SIZE, CHUNK_OVERLAP = 500, 50
_BATCH = 1000


class EmbedderAdapter(Embeddings):
    """This project's embedder behind LangChain's Embeddings interface (same vectors, same query/passage prompts)."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.embed_documents(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.embedder.embed_query(text)))


class NaivePipeline:
    """Split, embed, store, similarity-search: nothing else (no fusion, no structure, no refusal)."""

    def __init__(self, embedder, persist_dir: str | Path | None = None, collection: str = "naive") -> None:
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        client = (chromadb.PersistentClient(path=str(persist_dir), settings=settings) if persist_dir
                  else chromadb.EphemeralClient(settings=settings))
        self.store = Chroma(collection_name=f"{collection}-{uuid.uuid4().hex[:8]}" if not persist_dir else collection,
                            embedding_function=EmbedderAdapter(embedder), client=client)
        self.splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                                       add_start_index=True)

    def add_texts(self, texts: Iterable[str], metadatas: Iterable[dict]) -> int:
        """Split and store texts; returns the number of chunks written."""
        docs = self.splitter.create_documents(list(texts), metadatas=[dict(m) for m in metadatas])
        for i in range(0, len(docs), _BATCH):
            self.store.add_documents(docs[i:i + _BATCH])
        return len(docs)

    def add_files(self, paths: Iterable[str | Path]) -> int:
        """Load files with the project's loader (same text and offsets as the project sees) and store them."""
        from assistant.ingest import IngestError, load_document

        texts, metas = [], []
        for path in paths:
            try:
                doc = load_document(Path(path))
            except IngestError:
                continue
            texts.append(doc.text)
            metas.append({"source": doc.source, "title": doc.title})
        return self.add_texts(texts, metas)

    def sources(self) -> set[str]:
        """The sources already in the store."""
        from assistant.indexing.store import get_all  # in pages: one read of every row fails past ~32k rows

        metas = get_all(self.store._collection, include=["metadatas"])["metadatas"]
        return {m["source"] for m in metas if m and "source" in m}

    def count(self) -> int:
        return self.store._collection.count()

    def search(self, query: str, k: int = 10) -> list[LCDocument]:
        """Similarity search top-k; each result's metadata has "source" and "start_index"."""
        return self.store.similarity_search(query, k=k)

    @staticmethod
    def answer(results: list[LCDocument]) -> str:
        """The tutorial answer: the top chunk verbatim (never refuses)."""
        return results[0].page_content if results else ""
