"""Search, ask and verify latency and memory on a SYNTHETIC index of 200k chunks (texts from real laws, random vectors).

    PYTHONPATH=. HF_HUB_OFFLINE=1 python benchmarks/latency_synthetic.py [--sizes 200000] [--repeat 1]

benchmarks/latency.py indexes real law files through the Indexer; at 200k chunks that means segmenting and writing
200k chunks one file at a time, hours on 2 shared cores. Here the chunks are those of benchmarks/lexical_scale.py
(real law chunks, then synthetic ones made from real text, in documents of 40 chunks; the tokens cached there), the
vectors seeded random unit vectors, and both are written in batches straight into the store's collections (the same
chunk and document records ``ChunkStore.put_document`` writes) and into the lexical index (one document at a time,
as the indexer does). The measurement is latency.py's: a fresh process opens the index with the real default model
(every query embedded for real), warms up, then times the 20 questions and 10 claims; peak RSS is that process's.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import latency  # noqa: E402
from benchmarks.corpora import CACHE  # noqa: E402


def store_dir(size: int) -> Path:
    return CACHE / f"latency-synthetic-{size}"


def build(size: int) -> dict:
    from assistant.chunking import CHUNKER_VERSION
    from assistant.config import Settings
    from assistant.indexing import lexical_store
    from assistant.indexing.embedders import make_embedder
    from assistant.indexing.store import ChunkStore, _chunk_meta, _doc_id
    from benchmarks.lexical_scale import DOC, corpus

    store = ChunkStore.persistent(str(store_dir(size)))
    if store.count() >= size:
        return {"chunks": store.count(), "built": False}
    t0 = time.perf_counter()
    embedder = make_embedder(Settings.load())
    store.check_provenance(embedder.model_id, embedder.dim, CHUNKER_VERSION, claim=True)
    rows = corpus(size)
    docs, tokens = [], {}
    for i in range(0, len(rows), DOC):  # a document's text is its chunks joined, offsets true
        part, text, start = [], [], 0
        for chunk, toks in rows[i: i + DOC]:
            chunk = replace(chunk, start=start, end=start + len(chunk.text))
            part.append(chunk)
            text.append(chunk.text)
            tokens[lexical_store.lexical_text(chunk)] = toks
            start += len(chunk.text) + 1
        docs.append((part, "\n".join(text)))
    rng = np.random.default_rng(7)
    chunks = [c for part, _ in docs for c in part]
    for i in range(0, len(chunks), 2000):
        batch = chunks[i: i + 2000]
        vectors = rng.standard_normal((len(batch), embedder.dim)).astype(np.float32)
        store._chunks.upsert(ids=[c.id for c in batch], embeddings=vectors / np.linalg.norm(vectors, axis=1, keepdims=True),
                             documents=[c.text for c in batch], metadatas=[{**_chunk_meta(c), "run": ""} for c in batch])
    for i in range(0, len(docs), 500):
        batch = docs[i: i + 500]
        store._docs.upsert(ids=[_doc_id(p[0].source) for p, _ in batch], embeddings=[[0.0]] * len(batch),
                           documents=[t for _, t in batch], metadatas=[_record(p, t) for p, t in batch])
    store._bump()
    written = time.perf_counter() - t0
    lexical_store.tokenize = tokens.__getitem__  # the cached jieba tokens (lexical_scale.py)
    lex = lexical_store.LexicalIndex.for_store(store)
    for part, _ in docs:
        lex.add(part[0].source, part[0].doc_hash, part)
    lex.sync(store)
    return {"chunks": store.count(), "built": True, "store_write_s": round(written, 1),
            "lexical_s": round(time.perf_counter() - t0 - written, 1)}


def _record(part: list, text: str) -> dict:
    c = part[0]
    return {"source": c.source, "content_hash": c.doc_hash, "title": c.title, "kind": c.kind, "date": c.date or "",
            "issuer": "", "chunks": len(part), "chars": len(text), "format": "md", "folder": "", "law_kind": c.law_kind,
            "level": c.level, "region": c.region, "pages": 0, "ocr_confidence": -1.0, "warnings": "",
            "page_starts": "[[], []]"}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200_000])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--step", choices=["build", "measure"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        (size,) = args.sizes
        latency.store_dir = store_dir
        result = build(size) if args.step == "build" else latency.measure(size, args.repeat)
        print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
        return
    for size in args.sizes:
        print(json.dumps(latency.build_and_measure(__file__, size, args.repeat), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
