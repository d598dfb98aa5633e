"""Indexing's embedding stage at speed: loading and chunking run ahead in a thread, and the passages of several
documents are embedded in one call (the embedder sorts them by length, so batches pad little) before the documents
are written together. Vectors already stored for the same embedded text are reused, not recomputed.

>>> list(prefetch(lambda x: 10 // x, [5, 0, 2]))[1][0], type(list(prefetch(lambda x: 10 // x, [5, 0]))[1][1]).__name__
(0, 'ZeroDivisionError')
"""
from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from assistant.retrieval.retriever import embedding_text

_END = object()


def prefetch(fn: Callable[[Any], Any], items: Iterable[Any], ahead: int = 8) -> Iterator[tuple[Any, Any]]:
    """``(item, fn(item))`` in order, ``fn`` running in a thread up to ``ahead`` items before the consumer; an
    exception of ``fn`` is yielded as the result, not raised. Closing the iterator stops the thread."""
    results: queue.Queue = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()

    def work() -> None:
        for item in items:
            if stop.is_set():
                return
            try:
                result = fn(item)
            except Exception as exc:  # handed to the consumer with its item
                result = exc
            while not stop.is_set():
                try:
                    results.put((item, result), timeout=0.2)
                    break
                except queue.Full:
                    continue
        results.put(_END)

    thread = threading.Thread(target=work, name="index-prefetch", daemon=True)
    thread.start()
    try:
        while (got := results.get()) is not _END:
            yield got
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                results.get(timeout=0.2)
            except queue.Empty:
                pass
        thread.join()


def vectors_for(embedder, store, groups: list[tuple[list, list[str]]]) -> tuple[list[np.ndarray], int]:
    """One ``[n, dim]`` array per group of ``(chunks, sources whose stored vectors may be reused)``, and how many
    texts were embedded: every text without a stored vector, each distinct text once, in one embedder call."""
    dim = embedder.dim
    reuse_from = sorted({s for _chunks, sources in groups for s in sources})
    stored = {embedding_text(c): v for c, v in store.vectors_of(reuse_from) if len(v) == dim} if reuse_from else {}
    texts = [[embedding_text(c) for c in chunks] for chunks, _sources in groups]
    missing = sorted({t for group in texts for t in group if t not in stored})
    if missing:
        for text, vec in zip(missing, embedder.embed_documents(missing)):
            stored[text] = np.asarray(vec, dtype=np.float32)
    return [np.stack([stored[t] for t in group]) if group else np.zeros((0, dim), np.float32)
            for group in texts], len(missing)
