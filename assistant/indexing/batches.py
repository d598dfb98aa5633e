"""Indexing's embedding stage at speed: the passages of several documents are embedded in one call (the embedder
sorts them by token count, so batches pad little) before the documents are committed one by one. Vectors already
stored for the same embedded text are reused, not recomputed.
"""
from __future__ import annotations

import numpy as np

from assistant.retrieval.retriever import embedding_text


def vectors_for(embedder, store, groups: list[tuple[list, list[str]]]) -> tuple[list[np.ndarray], int]:
    """One ``[n, dim]`` array per group of ``(chunks, sources whose stored vectors may be reused)``, and how many
    texts were embedded: every text without a stored vector, each distinct text once, in one embedder call."""
    dim = embedder.dim
    reuse_from = sorted({s for _chunks, sources in groups for s in sources})
    stored = {embedding_text(c): v for c, v in store.vectors_of(reuse_from) if len(v) == dim} if reuse_from else {}
    texts = [[embedding_text(c) for c in chunks] for chunks, _sources in groups]
    missing = sorted({t for group in texts for t in group if t not in stored})
    if missing:
        for text, vec in zip(missing, embedder.embed_documents(missing)):
            stored[text] = np.asarray(vec, dtype=np.float32)
    return [np.stack([stored[t] for t in group]) if group else np.zeros((0, dim), np.float32)
            for group in texts], len(missing)
