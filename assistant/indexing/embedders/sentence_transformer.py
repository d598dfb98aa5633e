"""A sentence-transformers model (the built-in e5 among them), loaded offline on first use, with separate query and
passage prompts, a query-vector cache and thread limits for query-time work."""
from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable
import numpy as np
from assistant.indexing.embedders.base import (
    DEFAULT_ALIASES, DEFAULT_NAME, E5_PROMPTS, cached_query,
)
from assistant.errors import ModelNotAvailableError
from assistant.indexing.embedders.default_model import resolve_model

class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded offline on first use; queries and documents get their own prompts."""

    def __init__(self, model: str = DEFAULT_NAME, batch_size: int = 32, device: str = "cpu",
                 query_prefix: str | None = None, passage_prefix: str | None = None,
                 cache_dir: str | os.PathLike | None = None, backend: str = "torch", query_threads: int = 1) -> None:
        from assistant.indexing.embedders.onnx import BACKENDS

        if backend not in BACKENDS:
            raise ValueError(f"未知的嵌入后端 {backend!r}，可选 {', '.join(BACKENDS)} / unknown embedding_backend {backend!r}")
        self.backend = backend
        self.query_threads = query_threads  # torch threads for small (query-time) batches; 0: all cores
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self.cache_dir = cache_dir
        self.model_id = DEFAULT_NAME if model in DEFAULT_ALIASES else Path(model).name if Path(model).is_dir() else model
        if backend == "onnx-int8":  # int8 weights give slightly different vectors: an index of its own
            self.model_id += "@int8"
        self._overrides = (query_prefix, passage_prefix)
        self._prompts = ("", "")
        self._model: Any = None
        self._query_model: Any = None
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded (and the built-in model built) on first access."""
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                from sentence_transformers import SentenceTransformer

                from assistant.config import Settings

                path = resolve_model(self.model_name, self.cache_dir or Settings().model_cache_dir)
                if self.backend != "torch":
                    from assistant.indexing.embedders.onnx import OnnxEncoder

                    if not Path(path).is_dir():
                        raise ModelNotAvailableError(
                            f"ONNX 后端需要本地模型文件夹 / the ONNX backend needs a local model folder, not {path!r}")
                    model = OnnxEncoder(path, quantized=self.backend == "onnx-int8")
                else:
                    _use_all_cores()
                    model = SentenceTransformer(path, device=self.device, local_files_only=True)
                self._prompts = self._choose_prompts(model.prompts or {})
                self._model = model
            return self._model

    def _choose_prompts(self, configured: dict[str, str]) -> tuple[str, str]:
        """(query, passage) prefixes: explicit overrides, else the folder's prompts, else e5's for e5 models."""
        configured = {k: v for k, v in configured.items() if v}
        e5 = E5_PROMPTS if "e5" in f"{self.model_name} {self.model_id}".lower() else {"query": "", "passage": ""}
        query = configured.get("query", e5["query"])
        passage = next((configured[k] for k in ("document", "passage", "corpus") if k in configured), e5["passage"])
        q_override, p_override = self._overrides
        return (query if q_override is None else q_override, passage if p_override is None else p_override)

    @property
    def dim(self) -> int:
        """The vectors' size, read from the model (so this loads it)."""
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter() or len(self.embed_query("dim")))

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        model = self.model
        return self._encode(getattr(model, "encode_document", model.encode), list(texts), self._prompts[1])

    @property
    def query_model(self) -> Any:
        """What encodes questions: the model itself, except for ``onnx-int8``, whose questions go through the fp32
        ONNX file. int8 question vectors cost LawBench 3-2 hit@5 0.019; fp32 questions on the int8 passages give
        torch's figures (BENCHMARKS.md, Scale). The index's vectors (passages) stay int8: same model id."""
        model = self.model
        if self.backend != "onnx-int8":
            return model
        with self._lock:
            if self._query_model is None:
                from assistant.indexing.embedders.onnx import OnnxEncoder

                self._query_model = OnnxEncoder(model.model_dir, quantized=False, threads=self.query_threads or None)
            return self._query_model

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        model = self.query_model
        return self._encode(getattr(model, "encode_query", model.encode), list(texts), self._prompts[0])

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector; the last few hundred are kept, as one question is embedded by the retriever and
        again by the answerer or verifier (a copy is returned, so callers cannot change the cached vector)."""
        return cached_query(self, text)

    def _encode(self, encode: Callable[..., np.ndarray], texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")  # longest first: batches of similar length
        small = self.backend == "torch" and self.query_threads > 0 and len(texts) <= SMALL_BATCH
        with _torch_threads(self.query_threads if small else 0):
            vectors = encode([texts[i] for i in order], prompt=prompt, batch_size=self.batch_size,
                             convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        out = np.empty((len(texts), vectors.shape[1]), np.float32)
        out[order] = vectors
        return out


SMALL_BATCH = 16  # up to this many texts (a question, a few clauses) count as query-time work
_THREADS_LOCK = threading.Lock()


@contextlib.contextmanager
def _torch_threads(n: int):
    """Run small batches on ``n`` torch threads (0: leave as is).

    A question and a handful of clauses are too little work to split: on a busy machine two threads wait for each
    other at every layer (measured 2.5-3x slower than one thread at load 8 on 2 cores; BENCHMARKS.md). torch's
    thread count is per process, so it is restored afterwards, under a lock.
    """
    if n <= 0:
        yield
        return
    import torch

    with _THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(n)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def _use_all_cores() -> None:
    """torch picks the physical core count; a container may report fewer: use every core this process may run on."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if torch.get_num_threads() < cores:
        torch.set_num_threads(cores)
