"""Indexing throughput: `assistant index` against raw SentenceTransformer.encode on the same chunk texts.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python benchmarks/index_throughput.py [--docs 12] [--backend torch]

Corpus: the newest ``--docs`` national government work reports (benchmarks/corpora.py writes them as files).
Both sides run in this one process with the same model object loaded once; the raw side encodes exactly the texts the
indexer embeds (title > heading path + passage, with e5's "passage: " prompt) with sentence-transformers' own
defaults (batch 32, its length sorting). On a shared machine wall time is noisy, so the ratio is also given in
CPU seconds of this process (time.process_time, all threads). The indexing side is a full run into a fresh persistent Chroma folder, and
its time is split into loading, chunking, embedding, Chroma writes and the rest; building the BM25 index (done on the
first query, then cached on disk) is timed separately.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import gov_report_name, gov_reports_dir  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=12, help="number of reports (newest first)")
    ap.add_argument("--backend", default=None, help="embedding_backend setting (torch, onnx, onnx-int8)")
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args(argv)

    import assistant.indexing.indexer as indexing
    from assistant.chunking import chunk_document
    from assistant.config import Settings
    from assistant.ingest import load_document
    from assistant.assistant import Assistant
    from assistant.retrieval.retriever import embedding_text

    folder = gov_reports_dir()
    years = sorted((int(p.name[:4]) for p in folder.glob("*.txt")), reverse=True)[: args.docs]
    corpus = Path(tempfile.mkdtemp(prefix="throughput-corpus-"))
    for y in years:
        shutil.copyfile(folder / gov_report_name(y), corpus / gov_report_name(y))
    store_dir = Path(tempfile.mkdtemp(prefix="throughput-index-"))
    overrides = {"embedding_backend": args.backend} if args.backend else {}
    settings = Settings.load(store_dir=str(store_dir), **overrides)
    assistant = Assistant(settings)
    embedder = assistant.embedder

    # the texts the indexer will embed
    texts = []
    for path in sorted(corpus.iterdir()):
        doc = load_document(path, source=path.name)
        texts += [embedding_text(c) for c in chunk_document(doc, settings.chunk_min_chars, settings.chunk_max_chars)]
    model = embedder.model  # load once, outside both timings
    prompt = embedder._prompts[1]
    model.encode(texts[:64], prompt=prompt, batch_size=32, normalize_embeddings=True)  # warm-up

    def raw() -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        model.encode(texts, prompt=prompt, batch_size=32, convert_to_numpy=True, normalize_embeddings=True,
                     show_progress_bar=False)
        return time.perf_counter() - t0, time.process_time() - c0

    raw_before = raw()

    spent: dict[str, float] = defaultdict(float)

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - t
        return wrapper

    indexing.load_document = timed("loading", indexing.load_document)
    indexing.chunk_document = timed("chunking", indexing.chunk_document)
    embedder.embed_documents = timed("embedding", embedder.embed_documents)
    store = assistant.store
    store.put_document = timed("chroma writes", store.put_document)
    t0, c0 = time.perf_counter(), time.process_time()
    report = assistant.index([corpus])
    index_s, index_cpu = time.perf_counter() - t0, time.process_time() - c0
    assert report.ok and report.chunks == len(texts), (report.errors, report.chunks, len(texts))
    raw_after = raw()  # raw encode before and after the indexing run: a busy machine drifts
    raw_s, raw_cpu = (raw_before[0] + raw_after[0]) / 2, (raw_before[1] + raw_after[1]) / 2
    t0 = time.perf_counter()
    assistant.retriever.lexical()
    bm25_s = time.perf_counter() - t0

    n = len(texts)
    out = {
        "documents": len(years), "chunks": n, "chars": sum(map(len, texts)),
        "backend": getattr(embedder, "backend", "torch"), "torch_threads": _threads(),
        "raw_encode_s": round(raw_s, 2), "raw_chunks_per_s": round(n / raw_s, 1),
        "index_s": round(index_s, 2), "index_chunks_per_s": round(n / index_s, 1),
        "ratio_wall": round(raw_s / index_s, 3),
        "raw_cpu_s": round(raw_cpu, 2), "index_cpu_s": round(index_cpu, 2),
        "ratio_cpu": round(raw_cpu / index_cpu, 3),
        "raw_runs_s": [round(raw_before[0], 2), round(raw_after[0], 2)],
        "breakdown_s": {k: round(v, 2) for k, v in spent.items()},
        "outside_embedding_share": round((index_s - spent["embedding"]) / index_s, 4),
        "other_s": round(index_s - sum(spent.values()), 2),
        "bm25_build_s (first query, then cached)": round(bm25_s, 2),
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(store_dir, ignore_errors=True)
    return out


def _threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    main()
