"""A deterministic model-free embedder for logic tests: hashed character unigrams and bigrams.

>>> e = FakeEmbedder(dim=8)
>>> e.embed_query("出庭").shape
(8,)"""
from __future__ import annotations

import hashlib
from functools import lru_cache
import numpy as np


class FakeEmbedder:
    """Deterministic model-free embedder for logic tests: hashed character unigrams and bigrams, L2-normalised."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"fake-{dim}"

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    embed_queries = embed_documents  # no query/document asymmetry

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def _vector(self, text: str) -> np.ndarray:
        text = text.lower()
        grams = [*text, *(text[i : i + 2] for i in range(len(text) - 1))] or [""]
        vector = np.zeros(self.dim, np.float32)
        for gram in grams:
            vector[_bucket(gram, self.dim)] += 1.0
        return vector / np.linalg.norm(vector)


@lru_cache(maxsize=65536)
def _bucket(gram: str, dim: int) -> int:
    return int.from_bytes(hashlib.sha256(gram.encode("utf-8")).digest()[:8], "little") % dim
