"""Settings: defaults, overridden by a TOML file and then by ASSISTANT_* environment variables.

Settings are built explicitly and passed in; nothing here runs at import time.

>>> s = Settings.load(env={"ASSISTANT_TOP_K": "8"})
>>> s.top_k
8
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

DEFAULT_MODEL = "multilingual-e5-small"


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "legal-assistant")


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant, with working offline defaults."""

    store_dir: str = "index"
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 selects the server mode
    collection: str = "documents"
    embedding_model: str = DEFAULT_MODEL  # the built-in e5, a sentence-transformers name, or a folder
    model_cache_dir: str = dataclasses.field(default_factory=_default_cache_dir)
    embed_batch_size: int = 32
    query_threads: int = 1  # torch threads for question-time embedding (small batches); 0 = all cores
    # "torch" | "onnx" | "onnx-int8" (int8 passages, fp32 questions: 3x the indexing throughput, same hit@5 but answer
    # accuracy 0.917 -> 0.883 on the gov dev set; kept opt-in until measured on a quiet box: BENCHMARKS.md, Scale)
    embedding_backend: str = "torch"
    embedding_url: str | None = None  # an OpenAI-compatible /v1/embeddings server, e.g. http://127.0.0.1:8000/v1
    embedding_api_key_env: str = "ASSISTANT_EMBEDDING_API_KEY"  # the environment variable holding its key
    embedding_input_type: str = "auto"  # "auto" | "input_type" | "prefix" (e5's query:/passage:) | "none"
    embedding_concurrency: int = 4  # requests in flight to the endpoint
    embedding_timeout: float = 60.0  # seconds per request
    embedding_retries: int = 3  # retries of a refused connection, timeout, 429 or 5xx (back-off 0.5 s, 1 s, 2 s ...)
    index_batch_chunks: int = 256  # passages of several documents embedded in one call and written together
    chunk_min_chars: int = 100
    chunk_max_chars: int = 400
    top_k: int = 10
    candidates: int = 50  # per retriever before fusion
    rrf_k: int = 60
    reranker: str | None = None  # a sentence-transformers CrossEncoder name or folder
    span_route: str = "rules"  # "rules" (clause rules) | "reader" (+ the trained span reader; lost: BENCHMARKS.md)
    reader_passages: int = 2  # passages the reader reads per question (latency: BENCHMARKS.md)
    reader_weight: float = 1.0  # weight of the reader's span log-probability against the rules' fit
    answer_passages: int = 6  # top hits the extractive answerer reads (4 → 6 measured: BENCHMARKS.md, answer spans)
    answer_min_support: float = 0.3  # refusal threshold on the answer support score (calibrated: BENCHMARKS.md)
    max_question_chars: int = 2000
    max_file_bytes: int = 200 * 1024 * 1024  # larger files are refused before they are read
    max_document_chars: int = 3_000_000  # longer texts are refused (about 7,500 passages, minutes of embedding)
    max_request_bytes: int = 4 * 1024 * 1024  # HTTP API bodies other than uploads
    max_pages: int = 1000  # pages (PDF, TIFF frames, sheets) per document
    max_image_pixels: int = 60_000_000  # larger images (and rendered pages) are refused: decompression bombs
    ocr_seconds_per_file: float = 1800.0  # OCR of one file past this is stopped with an error
    ocr_dpi: int = 150  # resolution PDF pages without a text layer are rendered at for OCR
    ocr_min_confidence: float = 0.8  # pages whose mean OCR confidence is lower get a warning
    llm_backend: str | None = None  # None | "openai" | "llamacpp"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key_env: str = "ASSISTANT_LLM_API_KEY"
    llm_timeout: float = 60.0  # seconds for the whole reply; past it the extractive answer is shown
    llm_max_tokens: int = 200
    llm_temperature: float = 0.0
    llm_context: int = 2048  # context window of the local GGUF model
    llm_passages: int = 4  # passages put in the prompt, trimmed to their relevant sentences
    llm_min_support: float = 0.6  # share of a sentence's new content found in its passages (calibrated: BENCHMARKS.md)
    host: str = "127.0.0.1"
    port: int = 7860
    allowed_hosts: str = ""  # extra Host names the app answers to, comma-separated (localhost names always); "*" = any
    max_batch_questions: int = 200  # questions in one /api/ask/batch request
    request_seconds: float = 300.0  # time budget of one batch request; questions past it get a per-line error
    login_attempts: int = 5  # wrong passwords from one client before it must wait
    login_backoff_seconds: float = 2.0  # the first wait; it doubles with every further wrong password (up to 15 min)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, env: dict | None = None, **overrides) -> "Settings":
        """Defaults < TOML file (``path`` or $ASSISTANT_CONFIG) < ASSISTANT_* env < keyword overrides."""
        env = dict(os.environ) if env is None else env
        values: dict = {}
        path = path or env.get("ASSISTANT_CONFIG")
        if path:
            p = Path(path)
            if not p.is_file():
                raise FileNotFoundError(f"配置文件不存在 / settings file not found: {p}")
            values.update(tomllib.loads(p.read_text(encoding="utf-8")))
        known = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        for name, f in known.items():
            raw = env.get("ASSISTANT_" + name.upper())
            if raw is not None:
                values[name] = _coerce(raw, f)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


def _coerce(raw: str, f: dataclasses.Field):
    kind = str(f.type)
    if raw == "" and "None" in kind:
        return None
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("float"):
        return float(raw)
    if kind.startswith("bool"):
        return raw.lower() in ("1", "true", "yes", "on")
    return raw
