"""The lexical index: chunks and their jieba tokens in SQLite beside the Chroma files, BM25 postings in numpy.

Embedded mode keeps ``lexical-<collection>.sqlite3`` in the Chroma folder; a server or in-memory store keeps the same
tables in memory. A document is added when it is chunked (the BM25 stage of an indexing run, before its vectors
exist) and dropped when deleted; :meth:`LexicalIndex.sync` then follows the store's committed documents (another
process's writes, an interrupted run) by document, never by re-reading every chunk. A new process reads token-id
blobs, not pickled chunks, and a hit's chunk is read from SQLite by row. Scores equal
:class:`assistant.indexing.lexical.BM25Index` over the same texts.

>>> from assistant.types import Chunk
>>> lex = LexicalIndex.open(None)
>>> lex.add("a.txt", "h1", [Chunk("a.txt", 0, 9, "行政应诉案件17件", doc_hash="h1")])
>>> [c.source for c, _ in lex.search(["应诉"], 3)]
['a.txt']
"""
from __future__ import annotations

import json
import sqlite3
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import numpy as np

from assistant.indexing.lexical import tokenize
from assistant.indexing.postings import Postings
from assistant.types import Chunk

FORMAT = "lexical/1"  # bump when the tokens, the lexical text or the tables change
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS vocab (id INTEGER PRIMARY KEY, token TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (source, hash));
CREATE TABLE IF NOT EXISTS chunks (row INTEGER PRIMARY KEY, doc INTEGER NOT NULL, source TEXT, kind TEXT, year INTEGER,
    law_kind TEXT, level TEXT, region TEXT, tokens BLOB, tfs BLOB, meta TEXT, text TEXT);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc);
"""
_META_FIELDS = tuple(f.name for f in fields(Chunk) if f.name != "text")
_FILTER_COLUMNS = (("kinds", "kind"), ("sources", "source"), ("law_kinds", "law_kind"), ("levels", "level"),
                   ("regions", "region"))


def lexical_text(chunk: Chunk) -> str:
    """What BM25 indexes: the passage and the heading path it sits under."""
    return chunk.section + "\n" + chunk.text if chunk.section_path else chunk.text


def index_path(store) -> Path | None:
    """Where ``store``'s lexical index lives: inside its Chroma folder (embedded mode only), else None (memory)."""
    folder = getattr(store, "path", None)
    return Path(folder) / f"lexical-{store.name}.sqlite3" if folder else None


class LexicalIndex:
    """Incremental BM25 over chunks (see the module docstring); thread-safe."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._lock = threading.RLock()
        self._vocab: dict[str, int] = {}
        self._docs: dict[tuple[str, str], tuple[int, list[int]]] = {}  # (source, hash) -> (doc id, rows)
        self._postings = Postings()
        self._texts: dict[int, str] | None = None  # doc id -> its lower-cased lexical texts (loaded on first mentions)
        self._mine: set[tuple[str, str]] = set()  # documents this process added that the store has not committed yet
        self._next_row = 0
        self._seen = 0
        self.synced = ""  # the store version (count:generation) the committed documents were last followed to
        self._load()

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str | None) -> "LexicalIndex":
        """The index in the SQLite file ``path`` (created when missing), or in memory for None."""
        try:
            db = sqlite3.connect(str(path) if path else ":memory:", timeout=30, check_same_thread=False,
                                 isolation_level=None)
            if path:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except sqlite3.Error as exc:  # a read-only or damaged folder: serve from memory, rebuilt from the store
            print(f"注意：词法索引 {path} 无法打开（{exc}），本次在内存中重建。", file=sys.stderr)
            return cls.open(None)
        found = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if found.get("format") not in (None, FORMAT):
            db.executescript("DELETE FROM chunks; DELETE FROM docs; DELETE FROM vocab; DELETE FROM meta;")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
        return cls(db)

    @classmethod
    def for_store(cls, store) -> "LexicalIndex":
        """The lexical index of ``store``; an old store's pickled BM25 cache is replaced, saying so."""
        path = index_path(store)
        if path is not None:
            old = path.parent / f"bm25-{store.name}.pickle"
            if old.is_file():
                print(f"词法索引升级：旧的 BM25 缓存 {old.name} 已由增量索引 {path.name} 取代，"
                      "首次检索时从现有索引读取一次（不重新向量化）。 / The old BM25 pickle is replaced by an "
                      "incremental lexical index, built once from the store.", file=sys.stderr)
                try:
                    old.unlink()
                except OSError:
                    pass
        return cls.open(path)

    def _load(self) -> None:
        self._docs, self._texts = {}, None
        self._vocab = {t: i for i, t in self._db.execute("SELECT id, token FROM vocab")}
        docs = {i: (s, h) for i, s, h in self._db.execute("SELECT id, source, hash FROM docs")}
        rows, tokens, tfs = [], [], []
        for row, doc, tok, tf in self._db.execute("SELECT row, doc, tokens, tfs FROM chunks ORDER BY row"):
            rows.append(row)
            tokens.append(np.frombuffer(tok, dtype=np.int32))
            tfs.append(np.frombuffer(tf, dtype=np.int32))
            self._docs.setdefault(docs[doc], (doc, []))[1].append(row)
        for doc, key in docs.items():
            self._docs.setdefault(key, (doc, []))
        self._postings = Postings.from_rows(rows, tokens, tfs)
        self._next_row = (rows[-1] + 1) if rows else 0
        got = self._db.execute("SELECT value FROM meta WHERE key = 'synced'").fetchone()
        self.synced = got[0] if got else ""
        self._seen = self._epoch()  # the file's write count this state reflects

    # -- writes ---------------------------------------------------------------------------------
    def add(self, source: str, content_hash: str, chunks: list[Chunk], mine: bool = False) -> None:
        """Index one document's chunks (its other versions are dropped). ``mine``: added by this process's indexing
        run before the store commits it, so :meth:`sync` keeps it meanwhile."""
        rows_data = [(c, Counter(tokenize(lexical_text(c)))) for c in chunks]  # jieba outside the lock
        with self._lock, self._transaction():
            for key in [k for k in self._docs if k[0] == source]:
                self._drop(key)
            cur = self._db.execute("INSERT INTO docs (source, hash) VALUES (?, ?)", (source, content_hash))
            doc = cur.lastrowid
            nxt, self._next_row = self._next_row, self._next_row + len(rows_data)  # row numbers never reused here
            rows, records = [], []
            for offset, (chunk, counts) in enumerate(rows_data):
                ids = [(self._token_id(t), tf) for t, tf in counts.items()]
                row = nxt + offset
                rows.append(row)
                meta = {f: getattr(chunk, f) for f in _META_FIELDS}
                records.append((row, doc, chunk.source, chunk.kind, chunk.year or 0, chunk.law_kind, chunk.level,
                                chunk.region, np.array([i for i, _ in ids], np.int32).tobytes(),
                                np.array([f for _, f in ids], np.int32).tobytes(),
                                json.dumps(meta, ensure_ascii=False), chunk.text))
                self._postings.add(row, ids)
            self._db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", records)
            self._docs[(source, content_hash)] = (doc, rows)
            if self._texts is not None:
                self._texts[doc] = "\x00".join(lexical_text(c) for c in chunks).lower()
            if mine:  # not committed yet: a process that finds this file after a kill must follow the store again
                self._mine.add((source, content_hash))
                self.synced = ""
                self._db.execute("DELETE FROM meta WHERE key = 'synced'")
            else:
                self._mine.discard((source, content_hash))

    @contextmanager
    def _transaction(self):
        """One SQLite transaction per document written (the caller holds the lock). Another process that shares the
        file (readers of one embedded store each follow it) may have written since: then the file is read again first,
        so that row numbers and documents stay those of the file."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._epoch() != self._seen:
                self._load()
            yield
            self._seen += 1
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('epoch', ?)", (str(self._seen),))
        except BaseException:
            self._db.execute("ROLLBACK")
            self._load()  # the memory state follows the file again
            raise
        self._db.execute("COMMIT")

    def _epoch(self) -> int:
        got = self._db.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
        return int(got[0]) if got else 0

    def _token_id(self, token: str) -> int:
        tid = self._vocab.get(token)
        if tid is None:
            tid = self._vocab[token] = len(self._vocab)
            self._db.execute("INSERT INTO vocab VALUES (?, ?)", (tid, token))
        return tid

    def remove(self, source: str) -> None:
        """Drop every version of ``source``."""
        with self._lock, self._transaction():
            for key in [k for k in self._docs if k[0] == source]:
                self._drop(key)

    def _drop(self, key: tuple[str, str]) -> None:
        doc, rows = self._docs.pop(key)
        for row in rows:
            self._postings.delete(row)
        self._db.execute("DELETE FROM chunks WHERE doc = ?", (doc,))
        self._db.execute("DELETE FROM docs WHERE id = ?", (doc,))
        self._mine.discard(key)
        if self._texts is not None:
            self._texts.pop(doc, None)

    def forget_run(self) -> None:
        """The indexing run ended: documents it added but never committed are dropped at the next sync."""
        with self._lock:
            self._mine.clear()
            self.synced = ""

    # -- following the store ----------------------------------------------------------------------
    def sync(self, store) -> None:
        """Follow ``store``'s committed documents: drop what it no longer holds, read only documents it gained."""
        version = f"{store.count()}:{store.generation()}"
        with self._lock:
            if version == self.synced:
                return
            committed = store.committed()
            with self._transaction():
                for key in list(self._docs):
                    if committed.get(key[0]) != key[1] and key not in self._mine:
                        self._drop(key)
            self._mine -= {k for k in self._mine if committed.get(k[0]) == k[1]}
            pending = {s for s, _ in self._mine}
            missing = sorted(s for s, h in committed.items() if (s, h) not in self._docs and s not in pending)
        for i in range(0, len(missing), 200):  # chunks read from the store outside the lock, a batch of documents at a time
            by_source: dict[str, list[Chunk]] = {}
            for chunk in store.get_chunks({"source": {"$in": missing[i: i + 200]}}):
                by_source.setdefault(chunk.source, []).append(chunk)
            for source, chunks in by_source.items():
                if committed.get(source) == chunks[0].doc_hash:
                    self.add(source, chunks[0].doc_hash, chunks)
        with self._lock:
            self.synced = version
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('synced', ?)", (version,))

    # -- reads (the retriever's and answerer's view: BM25Index's interface) -------------------------------
    def search(self, query: str | list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """Top ``k`` (chunk, score), best first; only rows ``allowed`` (a mask from :meth:`allowed`) when given."""
        tokens = tokenize(query) if isinstance(query, str) else query
        with self._lock:
            if allowed is not None and len(allowed) < self._postings.rows:
                # rows written since the mask was made (an upload between allowed() and here) are not allowed
                allowed = np.concatenate([allowed, np.zeros(self._postings.rows - len(allowed), dtype=bool)])
            ids = [self._vocab.get(t) for t in dict.fromkeys(tokens)]
            ranked = self._postings.search(ids, k, allowed)
            return list(zip(self.chunks_at([r for r, _ in ranked]), [s for _, s in ranked]))

    def chunks_at(self, rows: list[int]) -> list[Chunk]:
        """The chunks stored at ``rows``, in that order."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        with self._lock:
            got = {r: (m, t) for r, m, t in self._db.execute(f"SELECT row, meta, text FROM chunks WHERE row IN ({marks})",
                                                             rows)}
        return [_chunk(*got[r]) for r in rows if r in got]

    def allowed(self, filters) -> np.ndarray:
        """The rows a SearchFilters accepts, as a mask for :meth:`search` (one SQL query, no chunk objects)."""
        clauses, params = [], []
        for attr, column in _FILTER_COLUMNS:
            values = list(getattr(filters, attr))
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params += values
        if filters.year_from is not None:
            clauses.append("year >= ?")
            params.append(int(filters.year_from))
        if filters.year_to is not None:
            clauses.append("year <= ?")
            params.append(int(filters.year_to))
        with self._lock:
            mask = np.zeros(self._postings.rows, dtype=bool)
            where = " AND ".join(clauses) or "1"
            rows = [r for (r,) in self._db.execute(f"SELECT row FROM chunks WHERE {where}", params)]
            mask[rows] = True
            return mask

    def idf(self, token: str) -> float:
        with self._lock:
            return self._postings.idf(self._vocab.get(token))

    def mentions(self, word: str) -> bool:
        """Whether any indexed text contains ``word`` (a substring test, so segmentation does not matter)."""
        word = word.lower()
        with self._lock:
            if self._texts is None:
                texts: dict[int, list[str]] = {}
                for doc, meta, text in self._db.execute("SELECT doc, meta, text FROM chunks ORDER BY row"):
                    texts.setdefault(doc, []).append(lexical_text(_chunk(meta, text)).lower())
                self._texts = {d: "\x00".join(t) for d, t in texts.items()}
            return any(word in text for text in self._texts.values())

    @property
    def n(self) -> int:
        """The number of chunks indexed."""
        return self._postings.n

    def sources(self) -> dict[str, str]:
        """Source -> content hash of every document indexed (committed ones and those still being embedded)."""
        with self._lock:
            return {s: h for s, h in self._docs}

    def document_heads(self) -> dict[str, Chunk]:
        """Source -> the first chunk of each indexed document (its title, date, kind and metadata)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT meta, text FROM chunks WHERE row IN (SELECT MIN(row) FROM chunks GROUP BY doc)").fetchall()
        heads = [_chunk(m, t) for m, t in rows]
        return {c.source: c for c in heads}

    def following(self, chunk: Chunk) -> Chunk | None:
        """The next chunk of ``chunk``'s document: None at its end or for a document this index does not hold."""
        with self._lock:
            rows = next((r for (source, _h), (_d, r) in self._docs.items() if source == chunk.source), None)
        if rows is None or not 0 <= chunk.ordinal + 1 < len(rows):
            return None
        got = self.chunks_at([rows[chunk.ordinal + 1]])
        return got[0] if got and got[0].ordinal == chunk.ordinal + 1 and got[0].start >= chunk.start else None

    def all_chunks(self) -> list[Chunk]:
        """Every indexed chunk, in document order (for tests and tools; searching never builds this list)."""
        with self._lock:
            chunks = [_chunk(m, t) for m, t in self._db.execute("SELECT meta, text FROM chunks")]
        return sorted(chunks, key=lambda c: (c.source, c.ordinal))


def _chunk(meta: str, text: str) -> Chunk:
    fields = json.loads(meta)
    fields["section_path"], fields["box"] = tuple(fields["section_path"]), tuple(fields["box"])
    return Chunk(text=text, **fields)
