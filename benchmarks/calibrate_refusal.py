"""Print the answer support score of every gold question, to calibrate the refusal threshold.

    python benchmarks/calibrate_refusal.py --qa ../shared/data/seed/dev_qa.jsonl --store /tmp/idx

Answerable questions should score above ``answer_min_support`` and unanswerable ones below it;
the threshold goes in the gap (closer to the unanswerable side: a wrong refusal is cheaper to
notice than a wrong answer, but both count).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.config import Settings  # noqa: E402
from assistant.assistant import Assistant  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--qa", required=True)
    p.add_argument("--store", required=True)
    args = p.parse_args()
    assistant = Assistant(Settings.load(store_dir=args.store, answer_min_support=0.0))
    rows = [json.loads(line) for line in open(args.qa, encoding="utf-8") if line.strip()]
    answerable, unanswerable = [], []
    for row in rows:
        answer = assistant.ask(row["question"])
        kind = "unanswerable" if row.get("type") == "unanswerable" else "answerable"
        (unanswerable if kind == "unanswerable" else answerable).append(answer.support)
        print(f"{row['id']:<8} {kind:<13} support={answer.support:.3f}  {row['question'][:50]}")
    print(f"\nanswerable:   min {min(answerable, default=0):.3f}  median {statistics.median(answerable or [0]):.3f}")
    print(f"unanswerable: max {max(unanswerable, default=0):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
