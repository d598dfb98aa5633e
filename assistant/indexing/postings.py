"""BM25 postings in numpy arrays that grow by document and shrink by tombstone: nothing is rebuilt over every chunk.

Rows are chunk numbers. Added rows go to a small delta (per-token lists) merged into the sorted arrays once it
outgrows a quarter of them; deleted rows are masked dead and their tokens' document frequencies lowered at once, so
the scores equal a fresh :class:`assistant.indexing.lexical.BM25Index` over the live rows (same Okapi formula,
k1 = 1.2, b = 0.75).

>>> p = Postings()
>>> p.add(0, [(0, 2), (1, 1)]); p.add(1, [(1, 1)])
>>> [row for row, _ in p.search([0], 5)]
[0]
>>> p.delete(0); p.search([0], 5)
[]
"""
from __future__ import annotations

import math

import numpy as np


class Postings:
    """Token id → (row, term frequency) postings with live-row statistics."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self._ptr = np.zeros(1, dtype=np.int64)  # sorted part: token t's postings are rows[ptr[t]:ptr[t+1]]
        self._rows = np.zeros(0, dtype=np.int32)
        self._tf = np.zeros(0, dtype=np.int32)
        self._delta: dict[int, tuple[list[int], list[int]]] = {}
        self._delta_arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # the delta lists as arrays, per token read
        self._delta_size = 0
        self._length = np.zeros(0, dtype=np.int32)  # per row: token count
        self._alive = np.zeros(0, dtype=bool)
        self._df = np.zeros(0, dtype=np.int32)  # per token: live rows containing it
        self._row_tokens: dict[int, np.ndarray] = {}  # row -> its token ids (for delete)
        self.n = 0
        self.total_len = 0

    # -- bulk load (a new process) ---------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: list[int], tokens: list[np.ndarray], tfs: list[np.ndarray]) -> "Postings":
        """Build from stored rows: token id and tf arrays per row (the SQLite blobs), in one numpy sort."""
        p = cls()
        if not rows:
            return p
        size = max(rows) + 1
        p._grow_rows(size)
        row_arr = np.asarray(rows, dtype=np.int32)
        all_tok = np.concatenate(tokens).astype(np.int64)
        all_tf = np.concatenate(tfs).astype(np.int32)
        all_row = np.repeat(row_arr, [len(t) for t in tokens])
        lengths = np.bincount(all_row, weights=all_tf, minlength=size).astype(np.int32)[row_arr]
        p._length[row_arr] = lengths
        p._alive[row_arr] = True
        p.n, p.total_len = len(rows), int(lengths.sum())
        p._row_tokens = dict(zip(rows, tokens))
        p._set_sorted(all_tok, all_row, all_tf)
        return p

    def _set_sorted(self, tok: np.ndarray, row: np.ndarray, tf: np.ndarray) -> None:
        order = np.lexsort((row, tok))
        tok, self._rows, self._tf = tok[order], row[order].astype(np.int32), tf[order]
        vocab = int(tok.max()) + 1 if len(tok) else 0
        counts = np.bincount(tok, minlength=vocab)
        self._ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._grow_vocab(vocab)
        self._df[:] = 0
        live = self._alive[self._rows]
        self._df[: len(counts)] = np.bincount(tok[live], minlength=vocab)[: len(counts)]

    # -- incremental writes -------------------------------------------------------------------
    def add(self, row: int, counts: list[tuple[int, int]]) -> None:
        """Add one row: its (token id, term frequency) pairs."""
        self._grow_rows(row + 1)
        if self._alive[row]:
            self.delete(row)
        tokens = np.array([t for t, _ in counts], dtype=np.int32)
        self._grow_vocab(int(tokens.max()) + 1 if len(tokens) else 0)
        length = sum(tf for _, tf in counts)
        for tok, tf in counts:
            rows, tfs = self._delta.setdefault(tok, ([], []))
            rows.append(row)
            tfs.append(tf)
            self._delta_arrays.pop(tok, None)
        self._df[tokens] += 1  # a row's tokens are distinct
        self._delta_size += len(counts)
        self._length[row], self._alive[row] = length, True
        self._row_tokens[row] = tokens
        self.n += 1
        self.total_len += length
        if self._delta_size > max(100_000, len(self._rows) // 4):
            self.compact()

    def delete(self, row: int) -> None:
        """Mark a row dead: it no longer scores or counts in N, the average length and document frequencies."""
        if row >= len(self._alive) or not self._alive[row]:
            return
        self._alive[row] = False
        tokens = self._row_tokens.pop(row, np.zeros(0, dtype=np.int32))
        np.subtract.at(self._df, tokens, 1)
        self.n -= 1
        self.total_len -= int(self._length[row])

    def compact(self) -> None:
        """Merge the delta into the sorted arrays and drop dead rows' postings."""
        tok = np.repeat(np.arange(len(self._ptr) - 1, dtype=np.int64), np.diff(self._ptr))
        d_tok = [np.full(len(r), t, dtype=np.int64) for t, (r, _) in self._delta.items()]
        d_row = [np.asarray(r, dtype=np.int32) for r, _ in self._delta.values()]
        d_tf = [np.asarray(f, dtype=np.int32) for _, f in self._delta.values()]
        tok = np.concatenate([tok, *d_tok])
        row = np.concatenate([self._rows, *d_row])
        tf = np.concatenate([self._tf, *d_tf])
        live = self._alive[row]
        self._delta, self._delta_arrays, self._delta_size = {}, {}, 0
        self._set_sorted(tok[live], row[live], tf[live])

    # -- reads ------------------------------------------------------------------------------
    def idf(self, tok: int | None) -> float:
        df = int(self._df[tok]) if tok is not None and tok < len(self._df) else 0
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def _postings(self, tok: int) -> tuple[np.ndarray, np.ndarray]:
        if tok + 1 < len(self._ptr):
            lo, hi = self._ptr[tok], self._ptr[tok + 1]
            rows, tfs = self._rows[lo:hi], self._tf[lo:hi]
        else:
            rows, tfs = self._rows[:0], self._tf[:0]
        if tok in self._delta:
            if tok not in self._delta_arrays:
                d_rows, d_tfs = self._delta[tok]
                self._delta_arrays[tok] = (np.asarray(d_rows, dtype=np.int32), np.asarray(d_tfs, dtype=np.int32))
            d_rows, d_tfs = self._delta_arrays[tok]
            rows, tfs = np.concatenate([rows, d_rows]), np.concatenate([tfs, d_tfs])
        live = self._alive[rows]
        return rows[live], tfs[live]

    def search(self, tokens: list[int | None], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (row, score), best first; only rows where ``allowed`` is True if given. Ties are ordered as
        BM25Index orders them: by the first query token that reached the row, then by row.

        ``tokens`` are the query's distinct token ids in query order (None for a token no row has)."""
        if self.n == 0:
            return []
        scores = np.zeros(len(self._alive), dtype=np.float64)
        first = np.full(len(self._alive), len(tokens), dtype=np.int32)  # the first query token that touched a row
        touched = np.zeros(len(self._alive), dtype=bool)
        avg = self.total_len / self.n or 1.0
        for place, tok in enumerate(tokens):
            if tok is None or tok >= len(self._df):
                continue
            rows, tfs = self._postings(tok)
            if allowed is not None:
                keep = allowed[rows]
                rows, tfs = rows[keep], tfs[keep]
            if not len(rows):
                continue
            tf = tfs.astype(np.float64)
            norm = tf + self.k1 * (1 - self.b + self.b * self._length[rows] / avg)
            scores[rows] += self.idf(tok) * tf * (self.k1 + 1) / norm
            touched[rows] = True
            first[rows] = np.minimum(first[rows], place)
        hit = np.flatnonzero(touched)
        if len(hit) > k:
            cut = np.partition(-scores[hit], k - 1)[k - 1]
            hit = hit[-scores[hit] <= cut]
        order = np.lexsort((hit, first[hit], -scores[hit]))[:k]
        return [(int(hit[i]), float(scores[hit[i]])) for i in order]

    @property
    def rows(self) -> int:
        """One more than the highest row number ever used."""
        return len(self._alive)

    def _grow_rows(self, size: int) -> None:
        if size > len(self._alive):
            extra = max(size, 2 * len(self._alive)) - len(self._alive)
            self._alive = np.concatenate([self._alive, np.zeros(extra, dtype=bool)])
            self._length = np.concatenate([self._length, np.zeros(extra, dtype=np.int32)])

    def _grow_vocab(self, size: int) -> None:
        if size > len(self._df):
            self._df = np.concatenate([self._df, np.zeros(max(size, 2 * len(self._df)) - len(self._df), dtype=np.int32)])
