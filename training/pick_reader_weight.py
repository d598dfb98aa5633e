"""Pick ``Settings.reader_weight`` on the TUNING part of ncp_policy_dev (never the held-back part).

    PYTHONPATH=. HF_HUB_OFFLINE=1 python training/pick_reader_weight.py --qa /tmp/ncp/gold_tune.jsonl --store /tmp/ncp-idx

Asks every question once with the reader route, recording each candidate's rules fit and reader score, then replays
the choice for a grid of weights (0 = the rules alone) and prints answer accuracy and citation recall per weight over
all questions (refused and figure questions, which the reader does not touch, count as they were answered).
"""
from __future__ import annotations

import argparse
import json

from assistant.answering import extractive, span_select
from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.evaluation.metrics import answer_correct

GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 100.0)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--qa", required=True)
    p.add_argument("--store", required=True)
    p.add_argument("--passages", type=int, default=2)
    args = p.parse_args()
    gold = [json.loads(x) for x in open(args.qa, encoding="utf-8") if x.strip()]
    a = Assistant(Settings.load(store_dir=args.store, span_route="reader", reader_passages=args.passages))
    seen: list = []

    def recording(q, shape, best, windows, reader=None, reader_weight=1.0):
        cands = span_select.candidate_fits(q, shape, windows)
        scored = span_select.reader_fits(q, cands, reader, 1.0) if reader is not None and cands else []
        seen.append((cands, scored))
        return span_select.choose_spans(q, shape, best, windows)

    extractive.choose_spans = recording
    rows = []
    for g in gold:
        seen.clear()
        ans = a.ask(g["question"])
        base_ok = not ans.refused and answer_correct(g, ans.text)
        base_cite = any(c.source.endswith(g["doc"]) and c.start < g["evidence_end"] and g["evidence_start"] < c.end
                        for c in ans.citations)
        rows.append((g, None if ans.refused or not seen else seen[-1], base_ok, base_cite))

    def outcome(g, spans):
        text = "；".join(e.text for e in spans)
        cite = any(e.source.endswith(g["doc"]) and e.start < g["evidence_end"] and g["evidence_start"] < e.end
                   for e in spans)
        return answer_correct(g, text), cite

    for w in GRID:
        ok = cited = 0
        for g, rec, base_ok, base_cite in rows:
            if rec is None or not rec[0]:
                ok += base_ok
                cited += base_cite
                continue
            cands, scored = rec
            if w == 0.0 or not scored:
                spans = max(cands, key=lambda c: c[0])[1]
            else:  # scored holds fit + 1.0 * r: recover r
                fits = {id(s): f for f, s in cands}
                spans = max(scored, key=lambda c: fits[id(c[1])] + w * (c[0] - fits[id(c[1])]))[1]
            o, c = outcome(g, spans)
            ok += o
            cited += c
        print(f"weight {w:>6}: accuracy {ok / len(rows):.3f} citation recall {cited / len(rows):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
