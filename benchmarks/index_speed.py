"""Indexing speed side by side (issue 19): the bare tutorial pipeline, today's `assistant index`, the new default.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python benchmarks/index_speed.py [--files 40] [--backend onnx-int8] [--json out.json]

One process, the same files (the first ``--files`` Markdown files of ``../shared/data/laws/lawrefbook/<folder>``):
- **bare**: RecursiveCharacterTextSplitter(500, 50) + ``SentenceTransformer.encode`` (torch e5-small, batch 32, its
  "passage: " prompt), no store: the tutorial's embedding, run before and after the others (the box drifts), averaged;
- **before**: ``assistant index`` as it was (torch backend, each document embedded alone: ``index_batch_chunks=1``);
- **after**: ``assistant index`` now: passages of several documents per call, ``--backend`` (default onnx-int8; the
  assistant's own default backend stays torch).
Each index goes into a fresh persistent Chroma folder; its BM25 index is built after (the first query does that).
Figures: source characters per second (wall and CPU) and as a ratio to the bare encoder; CPU seconds per 1,000
source characters for each step (load, chunk, embed, write, lexical). CPU is ``time.process_time`` (all threads)
around each call, ``time.thread_time`` for loading and chunking.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LAWS = ROOT.parent / "shared" / "data" / "laws" / "lawrefbook"


def bare(files: list[Path], model) -> dict:
    """The tutorial: split 500/50, encode with sentence-transformers; CPU and wall seconds."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.ingest import load_document

    w, c = time.perf_counter(), time.process_time()
    texts = [load_document(p).text for p in files]
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    pieces = [piece for text in texts for piece in splitter.split_text(text)]
    model.encode(pieces, prompt="passage: ", batch_size=32, convert_to_numpy=True, normalize_embeddings=True,
                 show_progress_bar=False)
    return {"wall_s": time.perf_counter() - w, "cpu_s": time.process_time() - c, "chunks": len(pieces)}


def index(files: list[Path], **overrides) -> dict:
    """One `assistant index` run over a copy of ``files`` into a fresh store, timed step by step."""
    import assistant.indexing.indexer as indexing
    from assistant.assistant import Assistant
    from assistant.config import Settings

    corpus, store = Path(tempfile.mkdtemp(prefix="speed-corpus-")), Path(tempfile.mkdtemp(prefix="speed-index-"))
    for p in files:
        shutil.copyfile(p, corpus / p.name)
    settings = Settings.load(store_dir=str(store), **overrides)
    app = Assistant(settings)
    app.embedder.embed_query("warm-up")  # the model loads outside the timings
    cpu: dict[str, float] = defaultdict(float)

    def timed(name, fn, clock=time.process_time):
        def wrapper(*a, **kw):
            t = clock()
            try:
                return fn(*a, **kw)
            finally:
                cpu[name] += clock() - t
        return wrapper

    saved = indexing.load_document, indexing.chunk_document
    indexing.load_document = timed("load", indexing.load_document, time.thread_time)
    indexing.chunk_document = timed("chunk", indexing.chunk_document, time.thread_time)
    app.embedder.embed_documents = timed("embed", app.embedder.embed_documents)
    app.store.put_document = timed("write", app.store.put_document)
    try:
        w, c = time.perf_counter(), time.process_time()
        report = app.index([corpus])
        wall, total = time.perf_counter() - w, time.process_time() - c
        t = time.process_time()
        app.retriever.lexical()
        cpu["lexical"] = time.process_time() - t
    finally:
        indexing.load_document, indexing.chunk_document = saved
    assert report.chunks and not report.errors, report.errors
    size = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(store, ignore_errors=True)
    return {"wall_s": wall, "cpu_s": total, "chunks": report.chunks, "cpu_by_step_s": dict(cpu),
            "backend": settings.embedding_backend, "index_bytes": size}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--folder", default="行政法规")
    ap.add_argument("--backend", default="onnx-int8", help="embedding_backend of the 'after' run")
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args(argv)
    from sentence_transformers import SentenceTransformer

    from assistant.config import Settings
    from assistant.indexing.embedders import default_model_path
    from assistant.indexing.embedders.sentence_transformer import _use_all_cores
    from assistant.ingest import load_document

    files = sorted(p for p in (LAWS / args.folder).rglob("*.md") if p.name != "_index.md")[: args.files]
    chars = sum(len(load_document(p).text) for p in files)
    _use_all_cores()
    model = SentenceTransformer(str(default_model_path(Settings().model_cache_dir)), device="cpu", local_files_only=True)
    model.encode(["预热"] * 8, prompt="passage: ")
    runs = {"bare_1": bare(files, model)}
    print(runs, file=sys.stderr, flush=True)
    runs["before"] = index(files, embedding_backend="torch", index_batch_chunks=1)
    print(runs, file=sys.stderr, flush=True)
    runs["after"] = index(files, embedding_backend=args.backend)
    print(runs, file=sys.stderr, flush=True)
    runs["bare_2"] = bare(files, model)
    base = {k: (runs["bare_1"][k] + runs["bare_2"][k]) / 2 for k in ("wall_s", "cpu_s")}
    out = {"files": len(files), "source_chars": chars, "torch_threads": _threads(), "runs": {}}
    for name, r in runs.items():
        row = {"chunks": r["chunks"], "wall_s": round(r["wall_s"], 1), "cpu_s": round(r["cpu_s"], 1),
               "chars_per_s_wall": round(chars / r["wall_s"]), "chars_per_s_cpu": round(chars / r["cpu_s"]),
               "vs_bare_wall": round(base["wall_s"] / r["wall_s"], 2), "vs_bare_cpu": round(base["cpu_s"] / r["cpu_s"], 2)}
        if "cpu_by_step_s" in r:
            row["backend"] = r["backend"]
            row["index_mb"] = round(r["index_bytes"] / 2**20, 1)
            row["cpu_s_per_1000_chars"] = {k: round(v / chars * 1000, 4) for k, v in r["cpu_by_step_s"].items()}
        out["runs"][name] = row
    out["after_vs_before_wall"] = round(runs["before"]["wall_s"] / runs["after"]["wall_s"], 2)
    out["after_vs_before_cpu"] = round(runs["before"]["cpu_s"] / runs["after"]["cpu_s"], 2)
    text = json.dumps(out, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    return out


def _threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    main()
