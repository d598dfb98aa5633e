"""The hybrid retriever as a LangChain ``BaseRetriever``, so it plugs into other people's chains.

LangChain types stay in this adapter; the rest of the package never sees them.

>>> from assistant.indexing.embedders import FakeEmbedder
>>> from assistant.retrieval.retriever import Retriever
>>> from assistant.indexing.store import ChunkStore
>>> lc = HybridRetriever(retriever=Retriever(FakeEmbedder(), ChunkStore.in_memory()), k=3)
>>> lc.invoke("出庭应诉率")
[]
"""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.retrieval.retriever import SearchFilters
from assistant.types import Hit


class HybridRetriever(BaseRetriever):
    """Returns LangChain Documents whose metadata carry source, offsets, heading path and scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
    k: int = 10
    filters: SearchFilters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        return [to_langchain(hit) for hit in self.retriever.search(query, self.k, self.filters)]


def to_langchain(hit: Hit) -> LCDocument:
    c = hit.chunk
    return LCDocument(
        page_content=c.text,
        metadata={
            "source": c.source, "start": c.start, "end": c.end, "section_path": list(c.section_path),
            "section": c.section, "title": c.title, "kind": c.kind, "date": c.date, "score": hit.score,
            "dense_score": hit.dense_score, "lexical_score": hit.lexical_score,
        },
    )
