"""Write a small out-of-genre probe from CMRC 2018 (Wikipedia reading comprehension) as documents and a gold file.

    python benchmarks/cmrc_probe.py --articles 25 --out /tmp/cmrc
    assistant index /tmp/cmrc/docs --store /tmp/cmrc-idx
    assistant eval --qa /tmp/cmrc/gold.jsonl --store /tmp/cmrc-idx

Each article becomes one .txt file (title, blank line, context); the gold spans are the CMRC answer spans shifted by
the title, so the DESIGN.md measures apply unchanged. Fact questions, no unanswerable ones.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

CMRC = Path(__file__).resolve().parents[2] / "shared" / "data" / "qa" / "cmrc2018" / "cmrc2018_dev.json"
ARTICLES, SEED = 25, 0  # the probe's defaults


def sample_articles(data: list[dict], articles: int = ARTICLES, seed: int = SEED) -> list[dict]:
    """The articles the probe is written from; with the defaults, the ones no training script may use."""
    random.seed(seed)
    return random.sample(data, articles)


def probe_article_ids(data: list[dict] | None = None) -> set[str]:
    """The ids of the default probe's articles (training scripts leave them out)."""
    data = data if data is not None else json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    return {a["id"] for a in sample_articles(data)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--articles", type=int, default=ARTICLES)
    p.add_argument("--per-paragraph", type=int, default=2)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    out = Path(args.out)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
    rows = []
    for i, article in enumerate(sample_articles(data, args.articles, args.seed)):
        for paragraph in article["paragraphs"]:
            source = f"doc{i:02d}.txt"
            title = article.get("title", "")
            (out / "docs" / source).write_text(f"{title}\n\n{paragraph['context']}", encoding="utf-8")
            shift = len(title) + 2
            for qa in paragraph["qas"][: args.per_paragraph]:
                ans = qa["answers"][0]
                start = ans["answer_start"] + shift
                rows.append({"id": qa["id"], "question": qa["question"], "answer": ans["text"], "doc": source,
                             "evidence": ans["text"], "evidence_start": start, "evidence_end": start + len(ans["text"]),
                             "type": "fact"})
    with open(out / "gold.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"{len(rows)} questions over {args.articles} articles in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
