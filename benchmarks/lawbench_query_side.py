"""Query side (issue 19): on an int8 LawBench index, questions embedded by the int8 file and by the fp32 one.

    HF_HUB_OFFLINE=1 python benchmarks/lawbench_query_side.py /tmp/speed/lb-int8   # the --cache of an int8 lawbench run
"""
import collections
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.lawbench import national_documents, join_questions, choose_subset, materialise, _overlaps, KS
from assistant.config import Settings
from assistant.assistant import Assistant
from assistant.indexing.embedders import make_embedder
cache = Path(sys.argv[1])
docs = national_documents(); qs, _ = join_questions(docs)
sources, qs = choose_subset(docs, qs, 120_000, 60_000, 0)
corpus = materialise(sources, cache)
s = Settings(store_dir=str(cache / f"project-{corpus.name}"), embedding_backend="onnx-int8")
app = Assistant(s)
fp32 = make_embedder(Settings(embedding_backend="onnx"))
app.embedder._query_model = app.embedder.model  # the int8 file for questions first
out = {}
for name in ("int8 queries", "fp32 queries"):
    if name.startswith("fp32"):
        app.embedder.embed_queries = fp32.embed_queries
        app.embedder._query_cache.clear()
    ranks = collections.defaultdict(list)
    for q in qs:
        hits = app.search(q.question, k=10)
        ranks[q.task].append(next((i for i, h in enumerate(hits) if _overlaps(q.gold, h.chunk.source, h.chunk.start, h.chunk.end)), None))
    out[name] = {t: {f"hit@{k}": round(sum(1 for r in rs if r is not None and r < k) / len(rs), 3) for k in KS} for t, rs in ranks.items()}
    print(name, out[name], flush=True)
print(json.dumps(out, indent=2))
