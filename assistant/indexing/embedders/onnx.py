"""An ONNX Runtime backend for sentence-transformers models with mean pooling (the built-in e5 among them).

``embedding_backend = "onnx"`` exports the model folder to ONNX once (torch.onnx, locally, nothing downloaded) and
runs it with ONNX Runtime on all cores; ``"onnx-int8"`` also quantises the linear layers' weights to int8
(onnxruntime.quantization.quantize_dynamic). The exported files go to ``<model cache>/<model>.onnx/``, keyed by the
model folder's config so a rebuilt model is exported again. sentence-transformers' own ``backend="onnx"`` needs
optimum-onnx, which pins transformers < 4.58 (this project runs 5.x), hence this small exporter.

The encoder mimics the part of SentenceTransformer.encode the embedders use: prompts, length-sorted batches padded
to the batch's longest text, attention-masked mean pooling, L2 normalisation.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

BACKENDS = ("torch", "onnx", "onnx-int8")
BATCH_TOKENS = 8192  # padded tokens per ONNX batch: 64 passages of 128 tokens, 16 of 512 (BENCHMARKS.md, issue 19)
EXPORT_VERSION = "onnx-export/1"
INSTALL_HINT = ("ONNX 后端需要 onnx 与 onnxruntime 软件包 / the ONNX backend needs onnx and onnxruntime: "
                "pip install onnx onnxruntime；或改用 embedding_backend = \"torch\"")


def _key(model_dir: Path) -> str:
    parts = [EXPORT_VERSION]
    for name in ("config.json", "modules.json", "model.safetensors", "pytorch_model.bin"):
        p = model_dir / name
        if p.is_file():
            parts.append(f"{name}:{p.stat().st_size}:{int(p.stat().st_mtime)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def export_dir(model_dir: Path) -> Path:
    return model_dir.parent / f"{model_dir.name}.onnx"


def ensure_onnx(model_dir: str | os.PathLike, quantized: bool = False) -> Path:
    """The exported (and optionally int8-quantised) ONNX file of a local model folder, made on first use."""
    model_dir = Path(model_dir)
    target = export_dir(model_dir)
    key = _key(model_dir)
    name = "model_qint8.onnx" if quantized else "model.onnx"
    stamp = target / "EXPORT_OK.json"
    try:
        done = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        done = {}
    if done.get("key") == key and (target / name).is_file() and name in done.get("files", []):
        return target / name
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"{INSTALL_HINT} ({exc})") from None
    target.mkdir(parents=True, exist_ok=True)
    files = done.get("files", []) if done.get("key") == key else []
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target))
    try:
        if "model.onnx" not in files or not (target / "model.onnx").is_file():
            _export(model_dir, tmp / "model.onnx")
            os.replace(tmp / "model.onnx", target / "model.onnx")
            files = ["model.onnx"]
        if quantized:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(target / "model.onnx"), str(tmp / name), weight_type=QuantType.QInt8)
            os.replace(tmp / name, target / name)
            files.append(name)
        stamp.write_text(json.dumps({"key": key, "files": sorted(set(files))}), encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target / name


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(Hidden(model), (ids, mask), str(out), input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "last_hidden_state": {0: "batch", 1: "seq"}})


class OnnxEncoder:
    """Looks like the slice of SentenceTransformer the embedders call: encode, prompts, the dimension."""

    def __init__(self, model_dir: str | os.PathLike, quantized: bool = False, threads: int | None = None,
                 batch_tokens: int = BATCH_TOKENS):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        model_dir = Path(model_dir)
        self.model_dir = model_dir
        self.path = ensure_onnx(model_dir, quantized)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        st_config = model_dir / "config_sentence_transformers.json"
        self.prompts = json.loads(st_config.read_text(encoding="utf-8")).get("prompts", {}) if st_config.is_file() else {}
        bert = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.dim = int(bert["hidden_size"])
        self.max_len = 512
        sbert = model_dir / "sentence_bert_config.json"
        if sbert.is_file():
            self.max_len = int(json.loads(sbert.read_text(encoding="utf-8")).get("max_seq_length", 512))
        self.pad_id = int(self.tokenizer.pad_token_id or 0)
        self.batch_tokens = batch_tokens  # padded tokens per batch (0: batch_size x max_len)
        self._lock = threading.Lock()

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, texts: list[str], prompt: str | None = None, batch_size: int = 32, convert_to_numpy: bool = True,
               normalize_embeddings: bool = True, show_progress_bar: bool = False, **_ignored) -> np.ndarray:
        """Vectors in input order. Texts are tokenised once, sorted by token count and cut into batches of at most
        ``batch_tokens`` padded tokens (``batch_size`` texts of the longest length, more of shorter ones), so
        little is spent on padding; each batch is padded to its own longest text."""
        texts = [(prompt or "") + t for t in texts]
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_len, padding=False)["input_ids"]
        for idx in token_batches([len(x) for x in ids], self.batch_tokens or batch_size * self.max_len):
            width = len(ids[idx[0]])
            input_ids = np.full((len(idx), width), self.pad_id, np.int64)
            mask = np.zeros((len(idx), width), np.int64)
            for row, j in enumerate(idx):
                input_ids[row, : len(ids[j])] = ids[j]
                mask[row, : len(ids[j])] = 1
            with self._lock:
                (hidden,) = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            if normalize_embeddings:
                pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[idx] = pooled
        return out


def token_batches(lengths: list[int], budget: int) -> list[list[int]]:
    """Indexes grouped longest first into batches whose padded size (count x longest) stays within ``budget``.

    >>> token_batches([3, 10, 4, 9], 20)
    [[1, 3], [2, 0]]
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and (len(batches[-1]) + 1) * lengths[batches[-1][0]] <= budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches
