"""Chat-model backends: any OpenAI-compatible endpoint, a local GGUF through llama-cpp-python, and a scripted fake.

A backend implements one method, :meth:`LLM.stream` (text pieces of the reply as they come); ``complete``
joins them. Every failure a caller can recover from (dead endpoint, timeout, missing package or model file)
is an :class:`LLMError`, so the answerer can fall back to the extractive answer.

>>> llm = ScriptedLLM(["依据文档，出庭应诉率为100%[1]。"])
>>> llm.complete([{"role": "user", "content": "出庭应诉率是多少？"}])
'依据文档，出庭应诉率为100%[1]。'
>>> llm.history[0][-1]["content"]
'出庭应诉率是多少？'
"""
from __future__ import annotations

from assistant.errors import LLMError, LLMTimeout  # noqa: F401  (raised here; defined with every user-facing error)

import json
import os
import threading
import time
from abc import ABC, abstractmethod
from typing import Iterator

Message = dict  # {"role": "system" | "user" | "assistant", "content": str}


class LLM(ABC):
    """A chat model. ``name`` says which one (shown in the settings tab and kept with evaluation results)."""

    name = "llm"

    @abstractmethod
    def stream(self, messages: list[Message], max_tokens: int = 200, temperature: float = 0.0,
               timeout: float = 60.0) -> Iterator[str]:
        """The reply, piece by piece; raises :class:`LLMError` (or :class:`LLMTimeout`) when it cannot go on."""

    def complete(self, messages: list[Message], max_tokens: int = 200, temperature: float = 0.0,
                 timeout: float = 60.0) -> str:
        return "".join(self.stream(messages, max_tokens, temperature, timeout))

    def warm_up(self) -> None:
        """Load what is slow to load (a local model) now rather than on the first question."""


class OpenAIChatLLM(LLM):
    """Any OpenAI-compatible ``/chat/completions`` endpoint (vLLM, Ollama, llama.cpp server, DeepSeek, DashScope).

    The key is read from the environment variable named ``api_key_env`` (never from a settings file). Replies
    stream as server-sent events; ``timeout`` bounds both the wait for each piece and the whole reply.
    """

    def __init__(self, base_url: str, model: str, api_key_env: str = "ASSISTANT_LLM_API_KEY", env: dict | None = None):
        if not base_url:
            raise LLMError("未设置大模型服务地址（ASSISTANT_LLM_BASE_URL），例如 http://127.0.0.1:8080/v1 "
                           "/ llm_base_url is not set")
        self.base_url = base_url.rstrip("/")
        self.model = model or "default"
        self.api_key = (os.environ if env is None else env).get(api_key_env) or None
        self.name = f"openai:{self.model}@{self.base_url}"

    def stream(self, messages, max_tokens=200, temperature=0.0, timeout=60.0):
        import httpx

        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
                "stream": True}
        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        deadline = time.monotonic() + timeout
        url = self.base_url + "/chat/completions"
        try:
            with httpx.stream("POST", url, json=body, headers=headers, timeout=httpx.Timeout(timeout)) as resp:
                if resp.status_code != 200:
                    detail = resp.read().decode("utf-8", "replace")[:200]
                    raise LLMError(f"大模型服务返回 HTTP {resp.status_code}，请检查地址、模型名与密钥 / {detail}")
                for line in resp.iter_lines():
                    if time.monotonic() > deadline:
                        raise LLMTimeout(f"大模型在 {timeout:g} 秒内没有答完 / no full reply within {timeout:g}s")
                    piece = _sse_piece(line)
                    if piece is None:
                        break
                    if piece:
                        yield piece
        except httpx.TimeoutException:
            raise LLMTimeout(f"大模型服务在 {timeout:g} 秒内没有响应 / {url} timed out") from None
        except httpx.HTTPError as exc:
            raise LLMError(f"无法连接大模型服务 {url}，请确认服务已启动 / cannot reach the endpoint: {exc}") from None


def _sse_piece(line: str) -> str | None:
    """The text of one server-sent-event line ("" for none), or None at ``data: [DONE]``."""
    line = line.strip()
    if not line.startswith("data:"):
        return ""
    data = line[5:].strip()
    if data == "[DONE]":
        return None
    try:
        event = json.loads(data)
    except json.JSONDecodeError:
        return ""
    choices = event.get("choices") or [{}]
    delta = choices[0].get("delta") or {}
    return delta.get("content") or choices[0].get("text") or ""


class LlamaCppLLM(LLM):
    """A local GGUF model through ``llama-cpp-python`` (loaded on first use; one generation at a time).

    The chat template is the one stored in the GGUF file (Qwen's ChatML for the bundled model).
    """

    def __init__(self, model_path: str, n_ctx: int = 2048, n_threads: int | None = None):
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.name = f"llamacpp:{os.path.basename(model_path)}"
        self._llama = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self._model()

    def _model(self):
        if self._llama is None:
            try:
                import llama_cpp
            except ImportError:
                raise LLMError("未安装 llama-cpp-python。请运行 `make llm`（或 pip install -e \".[llm]\"）"
                               " / llama-cpp-python is not installed") from None
            if not os.path.isfile(self.model_path):
                raise LLMError(f"找不到模型文件 {self.model_path}。请运行 `assistant models install-llm` "
                               f"/ the GGUF file is missing")
            self._llama = llama_cpp.Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                                          verbose=False)
        return self._llama

    def stream(self, messages, max_tokens=200, temperature=0.0, timeout=60.0):
        deadline = time.monotonic() + timeout
        with self._lock:
            llama = self._model()
            try:
                chunks = llama.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                      temperature=temperature, stream=True)
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise LLMError(f"本地模型无法处理该请求 / local model refused the request: {exc}") from None
            for chunk in chunks:
                piece = (chunk["choices"][0].get("delta") or {}).get("content") or ""
                if piece:
                    yield piece
                if time.monotonic() > deadline:
                    chunks.close()
                    raise LLMTimeout(f"本地模型在 {timeout:g} 秒内没有答完 / no full reply within {timeout:g}s")


class ScriptedLLM(LLM):
    """A fake for tests and demos: replies with queued texts, in pieces, and records every prompt.

    A queued :class:`Exception` is raised instead of replying; ``delay`` seconds pass between pieces.
    """

    name = "scripted"

    def __init__(self, replies: list | None = None, piece_chars: int = 3, delay: float = 0.0):
        self.replies = list(replies or [])
        self.piece_chars = piece_chars
        self.delay = delay
        self.history: list[list[Message]] = []

    def enqueue(self, *replies) -> "ScriptedLLM":
        self.replies.extend(replies)
        return self

    def stream(self, messages, max_tokens=200, temperature=0.0, timeout=60.0):
        self.history.append([dict(m) for m in messages])
        if not self.replies:
            raise LLMError("ScriptedLLM has no reply queued")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        deadline = time.monotonic() + timeout
        for i in range(0, len(reply), self.piece_chars):
            if self.delay:
                time.sleep(self.delay)
            if time.monotonic() > deadline:
                raise LLMTimeout(f"no full reply within {timeout:g}s")
            yield reply[i : i + self.piece_chars]


def make_llm(settings) -> LLM | None:
    """The backend named by ``settings.llm_backend`` (None when no LLM is configured)."""
    backend = (settings.llm_backend or "").strip().lower()
    if not backend or backend == "none":
        return None
    if backend == "openai":
        return OpenAIChatLLM(settings.llm_base_url, settings.llm_model, settings.llm_api_key_env)
    if backend == "llamacpp":
        from assistant.llm.install import default_gguf_path

        return LlamaCppLLM(settings.llm_model or default_gguf_path(settings.model_cache_dir), n_ctx=settings.llm_context)
    raise ValueError(f"未知的大模型后端 {settings.llm_backend!r}，可选 openai 或 llamacpp / unknown llm_backend")
