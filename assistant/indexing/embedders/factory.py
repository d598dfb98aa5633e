"""The one factory of embedders: a plain if/elif on ``Settings.embedding_model`` / ``embedding_backend``."""
from __future__ import annotations

from typing import Any
from assistant.indexing.embedders.base import (
    Embedder,
)
from assistant.indexing.embedders.fake import FakeEmbedder
from assistant.indexing.embedders.sentence_transformer import SentenceTransformerEmbedder

def make_embedder(settings: Any) -> Embedder:
    """The embedder named by settings: an endpoint (embedding_url), "fake" / "fake:DIM", else sentence-transformers."""
    name = settings.embedding_model.strip()
    if getattr(settings, "embedding_url", None):
        from assistant.indexing.embedders.remote import RemoteEmbedder

        return RemoteEmbedder.from_settings(settings)
    elif name == "fake":
        return FakeEmbedder()
    elif name.startswith("fake:"):
        return FakeEmbedder(int(name.split(":", 1)[1]))
    else:
        return SentenceTransformerEmbedder(name, batch_size=settings.embed_batch_size,
                                           cache_dir=settings.model_cache_dir,
                                           backend=getattr(settings, "embedding_backend", "torch") or "torch",
                                           query_threads=getattr(settings, "query_threads", 1))
