"""The BM25 index and its chunks saved beside an embedded Chroma folder, keyed by the store's generation token.

Building BM25 means reading every chunk back from Chroma and segmenting it with jieba: seconds for a few thousand
chunks, a minute for 50k. A new process (the CLI, the app after a restart) reloads the saved index instead, as long as
the store's generation token and chunk count are those it was built for; any write to the store changes the token
(``ChunkStore._bump``), so a stale file is never used. The file is a pickle written by this program into the index
folder (write to a temporary file, then rename), read only from there.
"""
from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

FORMAT = "bm25-cache/1"  # bump when BM25Index, Chunk or the lexical text change


def cache_path(store) -> Path | None:
    """Where the cache of ``store`` lives: inside its Chroma folder (embedded mode only), else None."""
    folder = getattr(store, "path", None)
    return Path(folder) / f"bm25-{store.name}.pickle" if folder else None


def load(store, version: tuple) -> tuple[list, object] | None:
    """(chunks, BM25Index) saved for exactly this ``version`` (count, generation), else None."""
    path = cache_path(store)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            saved = pickle.load(fh)
        if saved.get("format") == FORMAT and tuple(saved.get("version", ())) == tuple(version):
            return saved["chunks"], saved["index"]
    except Exception:  # a truncated or foreign file: rebuild
        return None
    return None


def save(store, version: tuple, chunks: list, index) -> None:
    """Save atomically; a failure (read-only folder, full disk) only costs the next process a rebuild."""
    path = cache_path(store)
    if path is None:
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"format": FORMAT, "version": tuple(version), "chunks": chunks, "index": index}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
