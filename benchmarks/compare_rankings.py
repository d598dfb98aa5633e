"""The hybrid search's top 10 for every question of a question file, as JSON: run once per code version and compare.

    PYTHONPATH=<checkout> HF_HUB_OFFLINE=1 python benchmarks/compare_rankings.py --store <index copy> \
        [--qa benchmarks/data/gov_reports_dev.jsonl] > rankings.json

The package is imported from PYTHONPATH (this file adds nothing to the path), so the same script ranks with an
older checkout (``git archive <commit> | tar -x -C /tmp/base``) and with this one. Each run needs its own copy of
the index: the current code replaces an old BM25 pickle with its lexical index.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--qa", default=str(Path(__file__).with_name("data") / "gov_reports_dev.jsonl"))
    ap.add_argument("-k", type=int, default=10)
    args = ap.parse_args()
    import assistant
    from assistant.assistant import Assistant
    from assistant.config import Settings

    a = Assistant(Settings.load(store_dir=args.store))
    questions = [json.loads(line)["question"] for line in Path(args.qa).read_text(encoding="utf-8").splitlines() if line.strip()]
    rankings = {q: [[h.chunk.source, h.chunk.start, h.chunk.end] for h in a.search(q, args.k)] for q in questions}
    print(json.dumps({"package": assistant.__file__, "rankings": rankings}, ensure_ascii=False))


if __name__ == "__main__":
    main()
