"""The lexical index at 50k and 200k chunks: today's rebuilt BM25, this project's incremental index, bm25s, tantivy.

    PYTHONPATH=.:/tmp/lx/benchlibs HF_HUB_OFFLINE=1 python benchmarks/lexical_scale.py [--sizes 50000 200000]

(bm25s 0.3.16 and tantivy 0.27.0 are not dependencies: ``pip install --no-deps --target /tmp/lx/benchlibs bm25s
tantivy``; a system whose package is missing is skipped.)

Chunks: the laws of ../shared/data/laws/lawrefbook (sorted by path), loaded and chunked by the normal loader and
chunker, and segmented by the project's jieba tokenizer once (cached under $BENCH_CACHE). Past the real chunks,
SYNTHETIC chunks are made from real text: real chunk j followed by the first half of another real chunk (tokens:
j's tokens and the first half of the other's), in documents of 40 chunks. Every system gets the same tokens, so the
figures compare the indexes, not jieba; jieba itself is timed once (seconds per 1,000 chunks, in the output).

Per system, in a fresh process each: build (all chunks), add one 40-chunk file to the full index, query p50 over
the latency questions (tokens given), RSS added by the index; and, for the persistent ones, a new process opening
the saved index (seconds and its whole RSS). Today's BM25Index rebuilds on every add (that is its add time) and a
new process unpickles its cache (chunks and index). Questions: the 20 latency questions, 10 claims, the gov reports
dev set and the first 200 LawBench 3-2 scenarios, as the retriever tokenizes them (``lexical_query``). Rankings: for
how many of them each system's top 50 (rows and order) equals BM25Index's over the same chunks.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import CACHE, GOV_QA, LAWS  # noqa: E402
from benchmarks.latency import CLAIMS, QUESTIONS  # noqa: E402
from benchmarks.lawbench import LAWBENCH  # noqa: E402

DOC = 40  # chunks per synthetic document
TOKENS = CACHE / "lexical-scale-tokens.pickle"


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def real_chunks(limit: int) -> list:
    """(chunk, tokens) of the laws, cached: loading, chunking and jieba once."""
    if TOKENS.is_file():
        return pickle.loads(TOKENS.read_bytes())
    from assistant.chunking import chunk_document
    from assistant.indexing.lexical import tokenize
    from assistant.indexing.lexical_store import lexical_text
    from assistant.ingest import IngestError, load_document

    out, t0 = [], time.perf_counter()
    for path in sorted(p for p in LAWS.rglob("*.md") if p.name not in ("SOURCE.md", "_index.md")):
        try:
            doc = load_document(path, source=str(path.relative_to(LAWS)))
        except IngestError:
            continue
        for c in chunk_document(doc, 100, 400):
            out.append((c, tokenize(lexical_text(c))))
        if len(out) >= limit:
            break
    seconds = time.perf_counter() - t0
    TOKENS.parent.mkdir(parents=True, exist_ok=True)
    TOKENS.write_bytes(pickle.dumps({"chunks": out, "seconds": seconds}))
    return {"chunks": out, "seconds": seconds}


def corpus(size: int) -> list:
    """``size`` (chunk, tokens), real first, then synthetic (module docstring), with documents of DOC chunks."""
    from dataclasses import replace

    real = real_chunks(60_000)["chunks"]
    rng = random.Random(7)
    out = []
    for i in range(size):
        chunk, tokens = real[i % len(real)]
        if i >= len(real):
            other, other_tokens = real[rng.randrange(len(real))]
            half = other.text[: len(other.text) // 2]
            chunk = replace(chunk, text=chunk.text + "\n" + half, end=chunk.end + 1 + len(half))
            tokens = tokens + other_tokens[: len(other_tokens) // 2]
        out.append((replace(chunk, source=f"syn{i // DOC:05d}.txt", ordinal=i % DOC, doc_hash=f"h{i // DOC}"), tokens))
    return out


def queries() -> list[list[str]]:
    from assistant.answering.question import lexical_query

    gov = [json.loads(line)["question"] for line in GOV_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    law = [item["question"] for item in json.loads((LAWBENCH / "3-2.json").read_text(encoding="utf-8"))[:200]]
    return [lexical_query(q) for q in QUESTIONS + CLAIMS + gov + law]


def _p50(fn, qs: list) -> float:
    times = []
    for q in qs:
        t = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t)
    return round(1000 * statistics.median(times), 2)


def _docs(rows: list) -> list[list]:
    return [rows[i: i + DOC] for i in range(0, len(rows), DOC)]


def run(system: str, size: int, folder: Path) -> dict:
    rows = corpus(size)
    extra = corpus(size + DOC)[size:]  # one more file, added to the full index
    qs = queries()
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from here: the index's, not the corpus's
    base = rss_mb()
    out: dict = {"system": system, "chunks": size}
    t0 = time.perf_counter()
    if system == "rebuild":  # today: BM25Index over every chunk, rebuilt when a file is added; pickled for a new process
        from assistant.indexing import lexical
        from assistant.indexing.lexical_store import lexical_text

        texts = {lexical_text(c): t for c, t in rows + extra}
        lexical.tokenize = texts.__getitem__
        index = lexical.BM25Index.build([lexical_text(c) for c, _ in rows])
        out["build_s"] = time.perf_counter() - t0
        out["peak_mb"] = rss_mb("VmHWM") - base
        out["query_ms"] = _p50(lambda q: index.search(q, 50), qs)
        t = time.perf_counter()
        lexical.BM25Index.build([lexical_text(c) for c, _ in rows + extra])
        out["add_file_s"] = time.perf_counter() - t
        t = time.perf_counter()
        (folder / "bm25.pickle").write_bytes(pickle.dumps({"chunks": [c for c, _ in rows], "index": index},
                                                          protocol=pickle.HIGHEST_PROTOCOL))
        out["save_s"] = time.perf_counter() - t
    elif system == "incremental":  # this project: lexical_store.LexicalIndex in SQLite, documents added one by one
        from assistant.indexing import lexical_store

        texts = {lexical_store.lexical_text(c): t for c, t in rows + extra}
        lexical_store.tokenize = texts.__getitem__
        index = lexical_store.LexicalIndex.open(folder / "lexical.sqlite3")
        for doc in _docs(rows):
            index.add(doc[0][0].source, doc[0][0].doc_hash, [c for c, _ in doc])
        out["build_s"] = time.perf_counter() - t0
        out["peak_mb"] = rss_mb("VmHWM") - base
        out["query_ms"] = _p50(lambda q: index.search(q, 50), qs)
        t = time.perf_counter()
        index.add(extra[0][0].source, extra[0][0].doc_hash, [c for c, _ in extra])
        out["add_file_s"] = time.perf_counter() - t
        t = time.perf_counter()
        index.remove(extra[0][0].source)
        out["delete_file_s"] = time.perf_counter() - t
        ids = {c.id: i for i, (c, _) in enumerate(rows)}
        out["same_top50_as_rebuild"] = _compare(rows, qs, lambda q: [ids[c.id] for c, _ in index.search(q, 50)])
    elif system == "bm25s":
        import bm25s

        retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
        retriever.index([t for _, t in rows], show_progress=False)
        out["build_s"] = time.perf_counter() - t0
        out["peak_mb"] = rss_mb("VmHWM") - base
        out["query_ms"] = _p50(lambda q: retriever.retrieve([q], k=50, show_progress=False, n_threads=1), qs)
        t = time.perf_counter()
        bm25s.BM25(method="lucene", k1=1.2, b=0.75).index([t for _, t in rows + extra], show_progress=False)
        out["add_file_s"] = time.perf_counter() - t
        retriever.save(str(folder / "bm25s"))
        out["same_top50_as_rebuild"] = _compare(rows, qs, lambda q: [int(i) for i in retriever.retrieve(
            [q], k=50, show_progress=False, n_threads=1)[0][0]])
    elif system == "tantivy":
        import tantivy

        index, schema = _tantivy(folder / "tantivy")
        writer = index.writer(heap_size=200_000_000, num_threads=1)
        for i, (_, tokens) in enumerate(rows):
            doc = tantivy.Document()
            doc.add_text("body", " ".join(tokens))
            doc.add_integer("row", i)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        out["build_s"] = time.perf_counter() - t0
        out["peak_mb"] = rss_mb("VmHWM") - base
        out["query_ms"] = _p50(lambda q: _tantivy_search(index, schema, q), qs)
        t = time.perf_counter()
        writer = index.writer(heap_size=50_000_000, num_threads=1)
        for i, (_, tokens) in enumerate(extra):
            doc = tantivy.Document()
            doc.add_text("body", " ".join(tokens))
            doc.add_integer("row", size + i)
            writer.add_document(doc)
        writer.commit()
        index.reload()
        out["add_file_s"] = time.perf_counter() - t
        out["same_top50_as_rebuild"] = _compare(rows, qs, lambda q: [r for _, r in _tantivy_search(index, schema, q)
                                                                     if r < size])
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def reopen(system: str, folder: Path) -> dict:
    """A new process opening the saved index: seconds and its whole RSS, then query p50."""
    qs = queries()
    base = rss_mb()
    t0 = time.perf_counter()
    if system == "rebuild":
        saved = pickle.loads((folder / "bm25.pickle").read_bytes())
        search = lambda q: saved["index"].search(q, 50)  # noqa: E731
    elif system == "incremental":
        from assistant.indexing.lexical_store import LexicalIndex

        index = LexicalIndex.open(folder / "lexical.sqlite3")
        search = lambda q: index.search(q, 50)  # noqa: E731
    elif system == "bm25s":
        import bm25s

        retriever = bm25s.BM25.load(str(folder / "bm25s"))
        search = lambda q: retriever.retrieve([q], k=50, show_progress=False, n_threads=1)  # noqa: E731
    else:
        index, schema = _tantivy(folder / "tantivy")
        search = lambda q: _tantivy_search(index, schema, q)  # noqa: E731
    out = {"open_s": time.perf_counter() - t0, "open_rss_mb": rss_mb(), "open_added_mb": rss_mb() - base}
    out["reopened_query_ms"] = _p50(search, qs)
    return {k: round(v, 3) for k, v in out.items()}


def _compare(rows: list, qs: list, ranked) -> str:
    """How many questions' top 50 (rows and order) equal BM25Index's over the same chunks (rows are in document
    order, as a BM25Index built from the store has them)."""
    from assistant.indexing import lexical
    from assistant.indexing.lexical_store import lexical_text

    texts = {lexical_text(c): t for c, t in rows}
    lexical.tokenize = texts.__getitem__
    fresh = lexical.BM25Index.build([lexical_text(c) for c, _ in rows])
    same = sum([i for i, _ in fresh.search(q, 50)] == ranked(q) for q in qs)
    return f"{same}/{len(qs)}"


def _tantivy(path: Path):
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
    builder.add_integer_field("row", stored=True, indexed=True, fast=True)
    schema = builder.build()
    path.mkdir(parents=True, exist_ok=True)
    return tantivy.Index(schema, path=str(path)), schema


def _tantivy_search(index, schema, tokens: list[str]):
    import tantivy

    query = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t))
                                         for t in dict.fromkeys(tokens)])
    searcher = index.searcher()
    return [(score, searcher.doc(addr)["row"][0]) for score, addr in searcher.search(query, 50).hits]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    ap.add_argument("--systems", nargs="+", default=["rebuild", "incremental", "bm25s", "tantivy"])
    ap.add_argument("--step", choices=["build", "open"], help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        (size,), (system,) = args.sizes, args.systems
        fn = run if args.step == "build" else lambda s, _n, f: reopen(s, f)
        print(json.dumps(fn(system, size, Path(args.folder))))
        return
    meta = real_chunks(60_000)
    n_real = len(meta["chunks"])
    print(json.dumps({"real_chunks": n_real, "jieba_s_per_1000_chunks": round(1000 * meta["seconds"] / n_real, 2)}))
    for size in args.sizes:
        for system in args.systems:
            if system in ("bm25s", "tantivy"):
                try:
                    __import__(system)
                except ImportError:
                    print(json.dumps({"system": system, "skipped": "not installed"}))
                    continue
            with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
                row = {}
                for step in ("build", "open"):
                    done = subprocess.run([sys.executable, __file__, "--step", step, "--sizes", str(size), "--systems",
                                           system, "--folder", tmp], capture_output=True, text=True)
                    if done.returncode:
                        row[f"{step}_error"] = done.stderr.strip().splitlines()[-1:]
                        break
                    row.update(json.loads(done.stdout.strip().splitlines()[-1]))
                size_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 2**20
                print(json.dumps({**row, "disk_mb": round(size_mb, 1)}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
