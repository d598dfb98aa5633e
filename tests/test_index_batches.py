"""Indexing at speed (issue 19): passages of several documents go to the embedder together, loading runs ahead in a
thread, and the result is the index that embedding each document alone gives; a bad document still costs only itself."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from assistant.assistant import Assistant
from assistant.indexing.embedders import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    """The deterministic fake, counting its calls; it refuses any batch holding ``poison``."""

    def __init__(self, poison: str | None = None):
        super().__init__()
        self.calls: list[int] = []
        self.poison = poison

    def embed_documents(self, texts):
        if self.poison and any(self.poison in t for t in texts):
            raise RuntimeError("refused")
        self.calls.append(len(texts))
        return super().embed_documents(texts)


def _folder(root, n: int, marker: str = "报告"):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        parts = [f"第{i}号{marker}\n"] + [f"{k + 1}、第{i}号{marker}第{k}部分\n\n本部分记载第{i}号{marker}第{k}项工作的"
                                          f"具体内容，包括目标、措施与成效（{marker}{i}之{k}）。" * 3 + "\n" for k in range(4)]
        (root / f"r{i:02d}.txt").write_text("\n".join(parts), encoding="utf-8")
    return root


def _index(settings, emb, folder, **kw):
    app = Assistant(settings, embedder=emb)
    for key, value in kw.items():
        setattr(app.indexer, key, value)
    return app, app.index([folder])


def test_passages_of_several_documents_are_embedded_together(fake_settings, tmp_path):
    folder = _folder(tmp_path / "docs", 12)
    emb = CountingEmbedder()
    app, report = _index(fake_settings, emb, folder, batch_chunks=10_000)
    assert report.ok and len(report.added) == 12
    assert len(emb.calls) == 1 and emb.calls[0] == report.chunks == app.store.count()

    alone = CountingEmbedder()
    other = dataclasses.replace(fake_settings, store_dir=str(tmp_path / "alone"))
    app2, _ = _index(other, alone, folder, batch_chunks=1)
    assert len(alone.calls) == 12, "one call per document"
    a = app.store._chunks.get(include=["embeddings"])
    b = app2.store._chunks.get(include=["embeddings"])
    va, vb = dict(zip(a["ids"], a["embeddings"])), dict(zip(b["ids"], b["embeddings"]))
    assert va.keys() == vb.keys() and all(np.allclose(va[k], vb[k]) for k in va), "the same index either way"
    assert app.search("第7号报告第2部分", k=1)[0].chunk.source == "r07.txt"


def test_batch_size_bounds_each_embedder_call(fake_settings, tmp_path):
    folder = _folder(tmp_path / "docs", 9)
    emb = CountingEmbedder()
    _, report = _index(fake_settings, emb, folder, batch_chunks=12)
    per_doc = report.chunks // 9
    assert len(emb.calls) > 1 and sum(emb.calls) == report.chunks
    assert all(n < 12 + per_doc for n in emb.calls), emb.calls  # a call closes once the batch reaches 12 passages


def test_a_document_the_embedder_refuses_costs_only_itself(fake_settings, tmp_path):
    folder = _folder(tmp_path / "docs", 6)
    poisoned = "第3号报告\n\n一、毒丸\n\n" + "这一段含有嵌入器拒绝的词：毒丸。其余文字照常，足够长以成为一个片段。" * 4
    (folder / "r03.txt").write_text(poisoned + "\n", encoding="utf-8")
    app, report = _index(fake_settings, CountingEmbedder(poison="毒丸"), folder, batch_chunks=10_000)
    assert list(report.errors) == ["r03.txt"] and "RuntimeError" in report.errors["r03.txt"]
    assert sorted(report.added) == [f"r{i:02d}.txt" for i in (0, 1, 2, 4, 5)]
    assert set(app.store.documents()) == set(report.added)


def test_progress_counts_committed_files(fake_settings, tmp_path):
    """Progress reaches n only when n files are in the index (a run killed there keeps them)."""
    folder = _folder(tmp_path / "docs", 5)
    app = Assistant(fake_settings, embedder=CountingEmbedder())
    app.indexer.batch_chunks = 10_000
    seen = []
    app.indexer.index_paths([folder], progress=lambda done, total, source: seen.append(
        (done, len(app.store.documents()))))
    assert seen[-1][0] == 5 and all(committed >= done for done, committed in seen if done), seen


@pytest.mark.model
def test_token_batches_give_the_vectors_of_one_text_at_a_time():
    """The ONNX encoder's length-sorted token batches (padding inside a batch) change no vector. (fp32: int8's dynamic
    quantisation scales activations per batch, so its vectors move with their batch-mates, cosine ≥ 0.99.)"""
    from assistant.config import Settings
    from assistant.indexing.embedders import make_embedder

    from .conftest import model_cache_dir

    texts = ["第一条 为了规范行政复议工作，制定本条例。", "短", "国务院各部门应当依法履行职责。" * 12,
             "第二十条 申请人可以委托代理人代为参加行政复议。" * 3]
    emb = make_embedder(Settings(model_cache_dir=model_cache_dir(), embedding_backend="onnx"))
    together = emb.embed_documents(texts)
    encoder = emb.model
    encoder.batch_tokens = 1  # every text alone
    alone = emb.embed_documents(texts)
    assert (together * alone).sum(axis=1).min() > 0.9999
