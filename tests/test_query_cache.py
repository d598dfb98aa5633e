"""Query vectors are computed once per process for a repeated question (retriever, then answerer or verifier)."""
from __future__ import annotations

import numpy as np

from assistant.indexing.embedders import base as embedders_base
from assistant.indexing.embedders import sentence_transformer as embedding
from assistant.indexing.embedders import SentenceTransformerEmbedder


class CountingModel:
    prompts = {}

    def __init__(self):
        self.calls = 0

    def encode(self, texts, prompt="", **_kw):
        self.calls += 1
        return np.stack([np.full(4, len(prompt + t), np.float32) / (2 * len(prompt + t)) for t in texts])

    def get_sentence_embedding_dimension(self):
        return 4


def test_repeated_query_is_embedded_once(monkeypatch):
    monkeypatch.setattr(embedders_base, "QUERY_CACHE_SIZE", 2)
    emb = SentenceTransformerEmbedder()
    emb._model = model = CountingModel()
    first = emb.embed_query("出庭应诉率是多少")
    first[:] = 0  # the caller's copy: the cache must not change
    again = emb.embed_query("出庭应诉率是多少")
    assert model.calls == 1 and again.any()
    emb.embed_query("b")
    emb.embed_query("c")  # evicts the first (cache of 2)
    emb.embed_query("出庭应诉率是多少")
    assert model.calls == 4
    emb.embed_queries(["c"])  # batch calls are never cached
    assert model.calls == 5


def test_small_batches_run_on_the_query_threads(monkeypatch):
    import torch

    seen = []

    class ThreadsModel(CountingModel):
        def encode(self, texts, prompt="", **kw):
            seen.append(torch.get_num_threads())
            return super().encode(texts, prompt, **kw)

    before = torch.get_num_threads()
    emb = SentenceTransformerEmbedder(query_threads=1)
    emb._model = ThreadsModel()
    emb.embed_query("q")
    emb.embed_documents([f"passage {i}" for i in range(embedding.SMALL_BATCH + 1)])  # indexing-size: untouched
    assert seen == [1, before]
    assert torch.get_num_threads() == before
