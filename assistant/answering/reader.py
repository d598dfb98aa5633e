"""The span reader (issue 20, route b): a start/end head on the e5 encoder, its top layers fine-tuned for answer spans.

Trained by ``training/train_reader.py`` on CMRC 2018, LawBench's reading-comprehension items and the tuning part of
``ncp_policy_dev``; the trained layers and the head are checked in as fp16 (``assistant/data/reader/``), the lower
layers and the embeddings are those of the built default model. The weights' sha256 (``reader.json``) is verified at
load: a mismatch raises :class:`ReaderError`, and :func:`load_reader` then logs a warning and the answerer keeps the
rules route.

The reader does not write answers: it scores the candidate spans of :mod:`assistant.answering.span_select` (the best
start + end within a candidate, token offsets mapped back to the chunk's characters), so every citation stays a
verbatim slice and the list / measure extension of the rules is kept.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "data" / "reader"
_MAX_SPAN_TOKENS = 160
ROUTES = ("reader", "rules")


class ReaderError(RuntimeError):
    """The reader's weights are missing, altered or do not fit the base model."""


@dataclass(frozen=True)
class PassageScores:
    """The reader's log-probabilities of each passage token starting / ending the answer, with its character span."""

    starts: np.ndarray  # token char starts within the passage
    ends: np.ndarray
    start_logp: np.ndarray
    end_logp: np.ndarray

    def best_span(self) -> tuple[float, int, int]:
        """(log-probability, char start, char end) of the reader's best span in the whole passage."""
        if self.starts.size == 0:
            return float("-inf"), 0, 0
        best = (float("-inf"), 0, 0)
        for j in range(self.starts.size):
            lo = max(0, j - _MAX_SPAN_TOKENS + 1)
            i = lo + int(np.argmax(self.start_logp[lo : j + 1]))
            score = float(self.start_logp[i] + self.end_logp[j])
            if score > best[0]:
                best = (score, int(self.starts[i]), int(self.ends[j]))
        return best

    def best_within(self, s: int, e: int) -> float:
        """log p(start) + log p(end) of the best span lying inside passage characters ``[s, e)``; -inf if none."""
        inside = np.nonzero((self.starts >= s) & (self.ends <= e) & (self.ends > self.starts))[0]
        if inside.size == 0:
            return float("-inf")
        st, en = self.start_logp[inside], self.end_logp[inside]
        best, run = float("-inf"), float("-inf")
        window: list[float] = []
        for k in range(inside.size):  # best start at or before each end, at most _MAX_SPAN_TOKENS back
            window.append(float(st[k]))
            if len(window) > _MAX_SPAN_TOKENS:
                window.pop(0)
                run = max(window)
            else:
                run = max(run, window[-1])
            best = max(best, run + float(en[k]))
        return best


def verify(weights_dir: Path = WEIGHTS_DIR) -> dict:
    """The reader's metadata, once the weights file's sha256 matches it; :class:`ReaderError` otherwise."""
    meta_path = Path(weights_dir) / "reader.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = (Path(weights_dir) / meta["weights"]).read_bytes()
    except (OSError, ValueError, KeyError) as e:
        raise ReaderError(f"阅读模型文件缺失或损坏 / reader weights missing or unreadable in {weights_dir}: {e}") from e
    digest = hashlib.sha256(data).hexdigest()
    if digest != meta.get("sha256"):
        raise ReaderError(f"阅读模型校验失败 / reader weights {meta['weights']} fail their sha256 check: "
                          f"{digest} != {meta.get('sha256')} (reader.json); re-run training/train_reader.py or "
                          "restore the file")
    return meta


class SpanReader:
    """The e5 encoder with the trained top layers and head; loads lazily, thread-safe, CPU."""

    def __init__(self, model_dir: str | Path, weights_dir: str | Path = WEIGHTS_DIR, threads: int = 1,
                 passages: int = 2):
        self.model_dir = Path(model_dir)
        self.weights_dir = Path(weights_dir)
        self.meta = verify(self.weights_dir)  # checked at construction: a bad file never gets as far as a question
        self.threads = threads
        self.passages = passages  # passages read per question (the latency budget)
        self._lock = threading.Lock()
        self._model = None

    def _load(self):
        import torch
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(self.model_dir))
        if not tok.is_fast:
            raise ReaderError("阅读模型需要快速分词器 / the reader needs a fast tokenizer (character offsets)")
        model = AutoModel.from_pretrained(str(self.model_dir)).eval()
        tensors = load_file(str(self.weights_dir / self.meta["weights"]))
        for i in self.meta["layers"]:
            prefix = f"layer.{i}."
            state = {k[len(prefix):]: v.float() for k, v in tensors.items() if k.startswith(prefix)}
            model.encoder.layer[i].load_state_dict(state, strict=True)
        head = torch.nn.Linear(model.config.hidden_size, 2)
        head.load_state_dict({"weight": tensors["qa.weight"].float(), "bias": tensors["qa.bias"].float()})
        return tok, model, head.eval()

    def read(self, question: str, passages: list[str]) -> list[PassageScores]:
        """Start / end log-probabilities over the tokens of each passage (one softmax over all of them together, so
        the scores compare across passages)."""
        if not passages:
            return []
        import torch

        with self._lock:
            if self._model is None:
                self._model = self._load()
            tok, model, head = self._model
            enc = tok([question] * len(passages), passages, truncation="only_second", padding=True,
                      max_length=int(self.meta.get("max_length", 256)), return_offsets_mapping=True,
                      return_tensors="pt")
            offsets = enc.pop("offset_mapping").numpy()
            previous = torch.get_num_threads()
            torch.set_num_threads(self.threads)
            try:
                with torch.inference_mode():
                    hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
                    logits = head(hidden).numpy()
            finally:
                torch.set_num_threads(previous)
        rows = []
        for k in range(len(passages)):
            seq = np.array([x == 1 for x in enc.sequence_ids(k)])
            keep = seq & (offsets[k, :, 1] > offsets[k, :, 0])
            rows.append((offsets[k][keep], logits[k][keep]))
        all_logits = np.concatenate([lg for _o, lg in rows]) if rows else np.zeros((0, 2))
        norm = _logsumexp(all_logits[:, 0]), _logsumexp(all_logits[:, 1])
        return [PassageScores(o[:, 0], o[:, 1], lg[:, 0] - norm[0], lg[:, 1] - norm[1]) for o, lg in rows]


def _logsumexp(x: np.ndarray) -> float:
    if x.size == 0:
        return 0.0
    m = float(x.max())
    return m + float(np.log(np.exp(x - m).sum()))


def load_reader(settings, weights_dir: str | Path = WEIGHTS_DIR) -> SpanReader | None:
    """The reader ``settings.span_route`` asks for, or None (the rules route): the route "rules", an embedding model
    other than the built-in e5 the reader was trained on, or weights that fail their check (logged as a warning)."""
    route = getattr(settings, "span_route", "rules")
    if route not in ROUTES:
        raise ValueError(f"span_route 只能是 {' / '.join(ROUTES)} / span_route must be one of {ROUTES}: {route!r}")
    if route != "reader":
        return None
    from assistant.config import DEFAULT_MODEL
    from assistant.indexing.embedders.default_model import default_model_path

    if settings.embedding_model != DEFAULT_MODEL:
        log.info("span reader: embedding model %s is not the built-in e5; using the rules route",
                 settings.embedding_model)
        return None
    try:
        return SpanReader(default_model_path(settings.model_cache_dir), weights_dir, passages=settings.reader_passages,
                          threads=max(1, settings.query_threads))
    except ReaderError as e:
        log.warning("span reader unavailable, using the rules route: %s", e)
        return None
