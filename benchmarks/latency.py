"""Query latency (p50/p95) of search, extractive ask and verify on laws indexes of about 1k, 10k and 50k chunks.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python benchmarks/latency.py [--sizes 1000 10000 50000] [--repeat 3]
    PYTHONPATH=. HF_HUB_OFFLINE=1 python benchmarks/latency.py --store /tmp/full-idx --repeat 1   # an existing index

Indexes: files of ../shared/data/laws/lawrefbook (sorted by path), loaded and chunked by the normal loader and
chunker until the chunk count is reached (when the real files run out, the same files are indexed again under
other names, "副本1/…": a 200k index is SYNTHETIC in its documents too, its texts repeated), written by the normal
Indexer into a persistent Chroma folder under $BENCH_CACHE (default /tmp/assistant-bench; reused by later runs). Embedding 50k chunks with e5 on 2 shared cores
would take hours, so the STORED PASSAGE VECTORS ARE RANDOM unit vectors (seeded): the figures measure the store
(HNSW), BM25, fusion, the answerer and the verifier at that size, while every QUERY is embedded by the real default
model. Each size is measured in a fresh process (so peak memory, ru_maxrss, is that size's): the model, BM25 and
tokenizer dictionaries are loaded once (timed as "load"), one warm-up question, then every question --repeat times.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import CACHE, LAWS  # noqa: E402

QUESTIONS = [
    "劳动合同解除需要提前多少日通知用人单位？", "行政复议申请期限是多少日？", "盗窃罪的量刑标准是什么？",
    "未成年人的监护人由谁担任？", "民事诉讼的上诉期限是多长？", "哪些财产属于夫妻共同财产？",
    "How long is the limitation period for civil claims?", "交通事故责任如何认定？", "个人信息处理者应当履行哪些义务？",
    "行政机关实施行政处罚应当遵循什么原则？", "What are the conditions for parole?", "消费者的合法权益有哪些？",
    "公司注册资本最低限额是多少？", "行政诉讼的起诉期限是多少个月？", "著作权的保护期是多少年？",
    "环境污染造成损害的责任由谁承担？", "土地承包经营权的期限是多少年？", "正当防卫的条件是什么？",
    "劳动者每日工作时间不超过多少小时？", "国家机关工作人员滥用职权如何处罚？",
]
CLAIMS = [
    "行政复议申请期限为六十日。", "劳动者每日工作时间不超过八小时。", "著作权的保护期为五十年。",
    "民事诉讼的上诉期限为十五日。", "行政诉讼的起诉期限为六个月。", "劳动者解除劳动合同应当提前三十日以书面形式通知用人单位。",
    "醉酒的人犯罪，应当负刑事责任。", "公司注册资本最低限额为三万元。", "未满十四周岁的人不负刑事责任。",
    "国家实行最低工资保障制度。",
]


class RandomPassages:
    """The real embedder for queries; seeded random unit vectors for passages (see the module docstring)."""

    def __init__(self, real, seed: int = 7):
        self.real, self.rng = real, np.random.default_rng(seed)
        self.model_id, self.dim = real.model_id, real.dim

    def embed_documents(self, texts):
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def embed_query(self, text):
        return self.real.embed_query(text)

    def embed_queries(self, texts):
        return self.real.embed_queries(texts)


def store_dir(size: int) -> Path:
    return CACHE / f"latency-laws-{size}"


def build(size: int) -> dict:
    """Index laws files until ``size`` chunks (kept when already built)."""
    from assistant.config import Settings
    from assistant.indexing.embedders import make_embedder
    from assistant.ingest import IngestError, load_document
    from assistant.assistant import Assistant

    settings = Settings.load(store_dir=str(store_dir(size)))
    assistant = Assistant(settings, embedder=RandomPassages(make_embedder(settings)))
    if assistant.store.count() >= size * 0.95:
        return {"chunks": assistant.store.count(), "built": False}
    t0 = time.perf_counter()
    total = 0
    files = sorted(p for p in LAWS.rglob("*.md") if p.name not in ("SOURCE.md", "_index.md"))
    for copy in range(1000):  # past the real files: the same laws again under other names (SYNTHETIC, see above)
        for path in files:
            source = str(path.relative_to(LAWS))
            try:
                doc = load_document(path, source=source if not copy else f"副本{copy}/{source}")
            except IngestError:
                continue
            total += assistant.indexer.add_document(doc, known={})  # nothing to reuse: random vectors
            if total >= size:
                break
        if total >= size:
            break
    assistant.retriever.invalidate()
    assistant.retriever.lexical()  # the lexical index follows the store (it was filled while chunking)
    return {"chunks": assistant.store.count(), "built": True, "build_s": round(time.perf_counter() - t0, 1)}


def measure(size: int, repeat: int) -> dict:
    from assistant.config import Settings
    from assistant.assistant import Assistant

    settings = Settings.load(store_dir=str(store_dir(size)))
    t0 = time.perf_counter()
    assistant = Assistant(settings)
    assistant.warm_up()
    load_s = time.perf_counter() - t0
    assistant.ask(QUESTIONS[0])
    times: dict[str, list[float]] = {"search": [], "ask": [], "verify": []}
    forget = getattr(assistant.embedder, "_query_cache", {}).clear  # every timed call embeds its question afresh
    for _ in range(repeat):
        for q in QUESTIONS:
            forget()
            t = time.perf_counter()
            assistant.search(q)
            times["search"].append(time.perf_counter() - t)
            forget()
            t = time.perf_counter()
            assistant.ask(q)
            times["ask"].append(time.perf_counter() - t)
        for c in CLAIMS:
            forget()
            t = time.perf_counter()
            assistant.verify(c)
            times["verify"].append(time.perf_counter() - t)
    out = {"chunks": assistant.store.count(), "documents": len(assistant.store.documents()),
           "load_s (model + BM25 + dictionaries)": round(load_s, 2)}
    for name, xs in times.items():
        out[f"{name}_p50_ms"] = round(statistics.median(xs) * 1000, 1)
        out[f"{name}_p95_ms"] = round(float(np.percentile(xs, 95)) * 1000, 1)
        out[f"{name}_n"] = len(xs)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def build_and_measure(script: str, size: int, repeat: int) -> dict:
    """Run ``script --step build`` then ``--step measure`` for one size, each in a fresh process (so the measure
    step's memory is that of a process opening the index); their RESULT lines as one row."""
    row = {"target": size}
    for step in ("build", "measure"):
        proc = subprocess.run([sys.executable, script, "--step", step, "--sizes", str(size), "--repeat", str(repeat)],
                              capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not lines:
            sys.exit(f"{step} {size} failed:\n{proc.stderr[-3000:]}")
        row.update({f"{step}_{k}" if step == "build" else k: v for k, v in json.loads(lines[-1][7:]).items()})
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--step", choices=["build", "measure"], help=argparse.SUPPRESS)
    ap.add_argument("--store", help="measure an index already built there (real vectors), in this process")
    args = ap.parse_args(argv)
    if args.store:
        global store_dir
        store_dir = lambda _size: Path(args.store)  # noqa: E731
        print(json.dumps(measure(0, args.repeat), ensure_ascii=False), flush=True)
        return
    if args.step:  # one size, in this (child) process
        (size,) = args.sizes
        result = build(size) if args.step == "build" else measure(size, args.repeat)
        print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
        return
    rows = {}
    for size in args.sizes:
        row = build_and_measure(__file__, size, args.repeat)
        rows[size] = row
        print(json.dumps(row, ensure_ascii=False), flush=True)
    out = CACHE / "latency.json"
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    keys = ["chunks", "search_p50_ms", "search_p95_ms", "ask_p50_ms", "ask_p95_ms", "verify_p50_ms", "verify_p95_ms",
            "peak_rss_mb", "load_s (model + BM25 + dictionaries)"]
    print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for row in rows.values():
        print("| " + " | ".join(str(row.get(k)) for k in keys) + " |")
    print(f"figures: {out}")


if __name__ == "__main__":
    main()
