"""The ONNX Runtime embedding backend: vectors close to the torch model's, same prompts, its own index for int8."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.config import Settings
from assistant.indexing.embedders import SentenceTransformerEmbedder, make_embedder

from .conftest import model_cache_dir

TEXTS = ["2023年行政机关负责人出庭应诉率为100%。", "全年办理行政复议案件45件，纠错率8.9%。",
         "国内生产总值增长6%－6.5%；城镇新增就业1100万人以上。" * 6,
         "What was the defendant-appearance rate of administrative heads?", "短"]


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="embedding_backend"):
        SentenceTransformerEmbedder(backend="tensorrt")


def test_backend_setting_from_environment():
    assert Settings.load(env={"ASSISTANT_EMBEDDING_BACKEND": "onnx"}).embedding_backend == "onnx"
    assert Settings().embedding_backend == "torch"  # onnx-int8 is opt-in (BENCHMARKS.md, Scale)


def test_int8_vectors_are_a_different_index():
    plain = SentenceTransformerEmbedder(backend="onnx")
    int8 = SentenceTransformerEmbedder(backend="onnx-int8")
    assert plain.model_id == SentenceTransformerEmbedder().model_id != int8.model_id


@pytest.fixture(scope="module")
def torch_e5():
    return make_embedder(Settings(model_cache_dir=model_cache_dir(), embedding_backend="torch"))


@pytest.mark.model
@pytest.mark.parametrize("backend, floor", [("onnx", 0.999), ("onnx-int8", 0.98)])
def test_onnx_vectors_match_torch(torch_e5, backend, floor):
    onnx = make_embedder(Settings(model_cache_dir=model_cache_dir(), embedding_backend=backend, embed_batch_size=2))
    for encode in ("embed_documents", "embed_queries"):
        a, b = getattr(torch_e5, encode)(TEXTS), getattr(onnx, encode)(TEXTS)
        assert b.shape == a.shape and b.dtype == np.float32
        assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
        cosines = (a * b).sum(axis=1)
        assert cosines.min() > floor, (backend, encode, cosines)
    if backend == "onnx":
        assert (torch_e5.embed_documents(TEXTS[:2]) * onnx.embed_documents(TEXTS[:2])).sum(axis=1).min() > 0.99
    # query and passage prompts differ, as with the torch model
    assert (onnx.embed_query(TEXTS[0]) * onnx.embed_documents(TEXTS[:1])[0]).sum() < 0.999
    assert onnx.dim == torch_e5.dim


@pytest.mark.model
def test_int8_backend_embeds_questions_in_fp32(torch_e5):
    """int8 passages, fp32 questions: the question vectors are torch's (LawBench: int8 questions lost 3-2 hit@5)."""
    int8 = make_embedder(Settings(model_cache_dir=model_cache_dir(), embedding_backend="onnx-int8"))
    queries, passages = int8.embed_queries(TEXTS), int8.embed_documents(TEXTS)
    assert (queries * torch_e5.embed_queries(TEXTS)).sum(axis=1).min() > 0.9999
    plain = (passages * torch_e5.embed_documents(TEXTS)).sum(axis=1)
    assert plain.min() > 0.98 and plain.max() < 0.9999, "the passages are the int8 model's"
    assert int8.model_id.endswith("@int8")
