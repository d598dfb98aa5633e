"""The two stages of an indexing run, tracked for the front-ends: chunked into BM25 (searchable), then embedded.

>>> stages = IndexStages()
>>> stages.start(2); stages.chunked("a.txt"); stages.chunked("b.txt"); stages.embedded("a.txt")
>>> stages.state.label
'已可检索 · 向量化 1/2'
"""
from __future__ import annotations

import threading
from dataclasses import replace

from assistant.types import IndexingState


class IndexStages:
    """The live IndexingState of this process's indexing run (read from any thread)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state = IndexingState()

    @property
    def state(self) -> IndexingState:
        with self._lock:
            return self._state

    def start(self, total: int) -> None:
        with self._lock:
            self._state = IndexingState(running=True, total=total)

    def chunked(self, source: str, embedded: bool = False) -> None:
        """A file is in BM25 (``embedded``: unchanged, so in the dense index already)."""
        with self._lock:
            s = self._state
            self._state = replace(s, searchable=s.searchable + 1, embedded=s.embedded + int(embedded), source=source)

    def skipped(self, source: str) -> None:
        """A file that failed: it counts as done in both stages, so the counts still reach the total."""
        self.chunked(source, embedded=True)

    def embedded(self, source: str) -> None:
        with self._lock:
            self._state = replace(self._state, embedded=self._state.embedded + 1, source=source)

    def finish(self) -> None:
        with self._lock:
            self._state = replace(self._state, running=False, source="",
                                  searchable=self._state.total, embedded=self._state.total)
