"""Calibrating the support threshold of the citation checker (Settings.llm_min_support).

Negatives: every sentence of the indexed documents that lies outside the passages given for a question,
scored against those passages (what a sentence copied from elsewhere, or made up in the documents' style,
gets by chance). Positives (with --llm): the sentences the local model writes for the questions, printed
with their scores for inspection.

    python benchmarks/calibrate_grounding.py --qa ../shared/data/seed/dev_qa.jsonl --store /tmp/idx [--llm]
"""
from __future__ import annotations

import argparse
import json
import statistics

from assistant.config import Settings
from assistant.answering.grounding import CitationChecker, GroundedText, support_score
from assistant.answering.passages import build_passages
from assistant.assistant import Assistant
from assistant.zh.spans import SENTENCE_ENDS, split_spans


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--qa", required=True)
    ap.add_argument("--store", default="index")
    ap.add_argument("--llm", action="store_true", help="also run the local model and print its sentences")
    args = ap.parse_args()
    settings = Settings.load(store_dir=args.store, llm_backend="llamacpp" if args.llm else None)
    assistant = Assistant(settings)
    rows = [json.loads(x) for x in open(args.qa, encoding="utf-8") if x.strip()]
    questions = [r["question"] for r in rows if r.get("type") != "unanswerable"]
    docs = {source: assistant.store.document_text(source) for source in assistant.store.documents()}
    negatives = []
    for q in questions:
        hits = assistant.retriever.search(q, 10)
        passages = build_passages(q, hits, settings.llm_passages, idf=assistant.answerer.idf)
        shown = {(p.hit.chunk.source, s, e) for p in passages for s, e in p.spans}
        evidence = " ".join(p.text for p in passages)
        for source, text in docs.items():
            for s, e in split_spans(text or "", SENTENCE_ENDS):
                if e - s < 12 or any(src == source and a < e and s < b for src, a, b in shown):
                    continue
                score, content = support_score(text[s:e], evidence, q)
                if content:
                    negatives.append(score)
    negatives.sort()
    pct = lambda p: negatives[min(len(negatives) - 1, int(p * len(negatives)))]  # noqa: E731
    print(f"negatives: {len(negatives)} sentences outside the passages; median {statistics.median(negatives):.2f}, "
          f"p90 {pct(0.90):.2f}, p95 {pct(0.95):.2f}, p99 {pct(0.99):.2f}, max {negatives[-1]:.2f}")
    for t in (0.5, 0.6, 0.7):
        print(f"  threshold {t}: {sum(1 for x in negatives if x >= t) / len(negatives):.1%} of negatives would pass "
              f"(before the number check)")
    if args.llm:
        checker = CitationChecker(settings.llm_min_support)
        for q in questions:
            hits = assistant.retriever.search(q, 10)
            passages = build_passages(q, hits, settings.llm_passages, idf=assistant.answerer.idf)
            messages = assistant.llm_answerer.prompts.answer_messages(q, [p.text for p in passages])
            raw = assistant.llm.complete(messages, settings.llm_max_tokens)
            g = GroundedText()
            from assistant.answering.grounding import split_sentences

            for sentence in split_sentences(raw):
                check = checker.check_sentence(sentence, passages, q)
                g.add(check)
                print(f"{check.support:.2f} {'keep' if check.supported else 'drop'} {check.reason or ''} | {sentence}")


if __name__ == "__main__":
    main()
