"""Quality side by side: this project against the naive LangChain pipeline, same corpora, questions and embedder.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python benchmarks/quality_vs_naive.py [--corpus seed gov] [--backend torch]

Corpora: the seed report with ../shared/data/seed/dev_qa.jsonl, and the 52 national government work reports with
benchmarks/data/gov_reports_dev.jsonl. Indexes are cached under $BENCH_CACHE (default /tmp/assistant-bench), so a
second run only asks the questions. Both pipelines are scored by assistant/evaluation.py (score_records): the naive
pipeline's hits are its top-10 chunks, its answer is the top chunk and its one citation is that chunk's span; it
never refuses. Prints one table per corpus and writes the figures to $BENCH_CACHE/quality_vs_naive.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import CACHE, GOV_QA, SEED_QA, SEED_REPORT, gov_reports_dir, read_jsonl  # noqa: E402

MEASURES = ("hit@1", "hit@5", "hit@10", "answer_accuracy", "citation_recall", "citation_precision",
            "unanswerable_refused", "answerable_refused", "median_answer_chars")
# (no timings here: both share one embedder and its query cache; latency is benchmarks/latency.py's job)


def corpora(names: list[str], since: int | None = None) -> dict[str, tuple[list[Path], list[dict]]]:
    out = {}
    if "seed" in names:
        out["seed"] = ([SEED_REPORT], read_jsonl(SEED_QA))
    if "gov" in names:
        gold = read_jsonl(GOV_QA)
        if since:  # the questions about the reports kept, and every unanswerable one
            gold = [g for g in gold if g["doc"] is None or int(g["doc"][:4]) >= since]
        out["gov" if since is None else f"gov-since-{since}"] = ([gov_reports_dir(since=since)], gold)
    return out


def run_project(name: str, paths: list[Path], gold: list[dict], settings_overrides: dict, embedder) -> dict:
    from assistant.config import Settings
    from assistant.evaluation.metrics import evaluate_qa
    from assistant.assistant import Assistant

    tag = settings_overrides.get("embedding_backend", "torch")
    settings = Settings.load(store_dir=str(CACHE / f"project-{name}-{tag}"), **settings_overrides)
    assistant = Assistant(settings, embedder=embedder)
    t0 = time.perf_counter()
    report = assistant.index(paths)  # incremental: a cached index is only checked
    index_s = time.perf_counter() - t0
    assert report.ok, report.errors
    assistant.warm_up()
    result = evaluate_qa(assistant, gold)
    result["summary"]["chunks"] = assistant.store.count()
    result["summary"]["index_s"] = round(index_s, 1)
    return result


def run_naive(name: str, paths: list[Path], gold: list[dict], embedder, tag: str) -> dict:
    from benchmarks.naive import NaivePipeline

    from assistant.evaluation.metrics import score_records
    from assistant.ingest import iter_files, load_document

    naive = NaivePipeline(embedder, persist_dir=CACHE / f"naive-{name}-{tag}")
    t0 = time.perf_counter()
    files = [p for p, _source in iter_files(paths)]
    if naive.count() == 0:
        naive.add_files(files)
    index_s = time.perf_counter() - t0
    texts = {}
    for p in files:
        doc = load_document(p)
        texts[doc.source] = doc.text
    records = {}
    for g in gold:
        t = time.perf_counter()
        results = naive.search(g["question"], 10)
        answer = NaivePipeline.answer(results)
        seconds = time.perf_counter() - t
        spans = [{"source": r.metadata["source"], "start": r.metadata["start_index"],
                  "end": r.metadata["start_index"] + len(r.page_content), "quote": r.page_content} for r in results]
        records[g["id"]] = {"answer": answer, "refused": False, "hits": spans, "citations": spans[:1],
                            "seconds": seconds}
    result = score_records(gold, records, texts)
    result["summary"]["chunks"] = naive.count()
    result["summary"]["index_s"] = round(index_s, 1)
    return result


def table(name: str, project: dict, naive: dict) -> str:
    p, n = project["summary"], naive["summary"]
    lines = [f"### {name}: {p['questions']} questions ({p['answerable']} answerable, {p['unanswerable']} unanswerable)",
             "", "| measure | this project | naive LangChain | ratio |", "|---|---|---|---|"]
    for key in (*MEASURES, "chunks"):
        a, b = p.get(key), n.get(key)
        ratio = f"{a / b:.2f}×" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "–"
        lines.append(f"| {key} | {_fmt(key, a)} | {_fmt(key, b)} | {ratio} |")
    return "\n".join(lines)


def _fmt(key: str, v) -> str:
    if v is None:
        return "–"
    if key in ("median_answer_chars", "chunks"):
        return str(v)
    if key == "median_seconds":
        return f"{v * 1000:.0f} ms"
    return f"{v:.1%}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", nargs="+", default=["seed", "gov"], choices=["seed", "gov"])
    ap.add_argument("--backend", default=None, help="embedding_backend for both pipelines (torch, onnx, onnx-int8)")
    ap.add_argument("--rows", action="store_true", help="also print the per-question rows")
    ap.add_argument("--project-only", action="store_true", help="skip the naive pipeline (its index is the slow half)")
    ap.add_argument("--since", type=int, help="only the reports of this year and later (and their questions): "
                    "embedding all 52 reports takes ~20 min of both cores per pipeline")
    args = ap.parse_args(argv)

    from assistant.config import Settings
    from assistant.indexing.embedders import make_embedder

    overrides = {"embedding_backend": args.backend} if args.backend else {}
    embedder = make_embedder(Settings.load(**overrides))  # one model, shared by both pipelines
    tag = args.backend or "torch"
    CACHE.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, (paths, gold) in corpora(args.corpus, args.since).items():
        project = run_project(name, paths, gold, overrides, embedder)
        if args.project_only:
            results[name] = {"project": project["summary"]}
            print(json.dumps(results[name], ensure_ascii=False, indent=2), flush=True)
            continue
        naive = run_naive(name, paths, gold, embedder, tag)
        results[name] = {"project": project["summary"], "naive": naive["summary"]}
        print(table(name, project, naive), flush=True)
        if args.rows:
            from assistant.evaluation.metrics import format_table

            print(format_table({"rows": project["rows"], "summary": {k: v for k, v in project["summary"].items()
                                                                     if k not in ("chunks", "index_s")}}), "\n", flush=True)
        print(flush=True)
    out = CACHE / f"quality_vs_naive-{tag}{f'-since-{args.since}' if args.since else ''}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"figures: {out}")
    return results


if __name__ == "__main__":
    main()
