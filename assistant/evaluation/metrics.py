"""Quality measures over gold question files: hit@k, answer accuracy, citation recall/precision, refusals.

Gold rows are ``{id, question, answer, doc, evidence, evidence_start, evidence_end, type}`` with
``type == "unanswerable"`` (and null answer/evidence) for questions the documents cannot answer.
"""
from __future__ import annotations

import re
import statistics
from difflib import SequenceMatcher

from assistant.zh.numbers import number_strings

NEAR_CHARS = 200  # a citation within this many characters of the gold span counts as precise
TEXT_MATCH = 0.6  # share of the gold answer's characters that a non-numeric answer must contain
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _norm_text(text: str) -> str:
    from assistant.zh.numbers import normalize_digits

    return _PUNCT.sub("", normalize_digits(text or "")).lower()


def answer_correct(gold: dict, answer_text: str) -> bool:
    """Numbers: every gold figure appears in the answer; text: most of the gold text appears in it."""
    gold_answer = str(gold.get("answer") or "")
    if gold.get("type") == "number":
        wanted = number_strings(gold_answer)
        got = set(number_strings(answer_text))
        if wanted:
            return all(n in got for n in wanted)
    g, a = _norm_text(gold_answer), _norm_text(answer_text)
    if not g:
        return False
    matched = sum(b.size for b in SequenceMatcher(None, g, a, autojunk=False).get_matching_blocks())
    return matched / len(g) >= TEXT_MATCH


def _overlaps(item: dict, gold: dict) -> bool:
    return (
        _same_source(item.get("source"), gold.get("doc"))
        and item["start"] < gold["evidence_end"]
        and gold["evidence_start"] < item["end"]
    )


def _near(item: dict, gold: dict) -> bool:
    if not _same_source(item.get("source"), gold.get("doc")):
        return False
    gap = max(gold["evidence_start"] - item["end"], item["start"] - gold["evidence_end"], 0)
    return gap <= NEAR_CHARS


def _same_source(source: str | None, doc: str | None) -> bool:
    if not source or not doc:
        return False
    return source == doc or source.endswith("/" + doc) or doc.endswith("/" + source)


def score_records(gold_rows: list[dict], records: dict[str, dict], texts: dict[str, str] | None = None) -> dict:
    """Metrics for batch ``records`` (DESIGN.md format, by id) against ``gold_rows``."""
    rows = []
    for gold in gold_rows:
        rec = records.get(gold["id"], {})
        answerable = gold.get("type") != "unanswerable"
        hits = rec.get("hits", [])
        cits = rec.get("citations", [])
        row = {
            "id": gold["id"], "question": gold["question"], "type": gold.get("type"), "answerable": answerable,
            "refused": bool(rec.get("refused")), "answer": rec.get("answer", ""), "seconds": rec.get("seconds"),
            "chars": len(rec.get("answer", "")), "citations": len(cits),
        }
        for key in ("first_token_seconds", "first_sentence_seconds"):
            if key in rec:
                row[key] = rec[key]
        if texts is not None:
            row["bad_quotes"] = sum(
                1 for c in cits if texts.get(c["source"], "")[c["start"] : c["end"]] != c["quote"]
            )
        if answerable and gold.get("evidence_start") is not None:
            first = next((i for i, h in enumerate(hits) if _overlaps(h, gold)), None)
            row["first_hit"] = None if first is None else first + 1
            row["correct"] = not row["refused"] and answer_correct(gold, row["answer"])
            row["cited"] = any(_overlaps(c, gold) for c in cits)
            row["precise"] = sum(1 for c in cits if _near(c, gold))
        rows.append(row)
    return {"rows": rows, "summary": summarize(rows)}


def summarize(rows: list[dict]) -> dict:
    ans = [r for r in rows if r["answerable"] and "correct" in r]
    una = [r for r in rows if not r["answerable"]]

    def share(xs, pred):
        return round(sum(1 for x in xs if pred(x)) / len(xs), 4) if xs else None

    n_cits = sum(r["citations"] for r in ans)
    summary = {
        "questions": len(rows), "answerable": len(ans), "unanswerable": len(una),
        "hit@1": share(ans, lambda r: r["first_hit"] is not None and r["first_hit"] <= 1),
        "hit@5": share(ans, lambda r: r["first_hit"] is not None and r["first_hit"] <= 5),
        "hit@10": share(ans, lambda r: r["first_hit"] is not None and r["first_hit"] <= 10),
        "answer_accuracy": share(ans, lambda r: r["correct"]),
        "citation_recall": share(ans, lambda r: r["cited"]),
        "citation_precision": round(sum(r["precise"] for r in ans) / n_cits, 4) if n_cits else None,
        "unanswerable_refused": share(una, lambda r: r["refused"]),
        "answerable_refused": share(ans, lambda r: r["refused"]),
        "median_answer_chars": statistics.median([r["chars"] for r in rows if not r["refused"]] or [0]),
        "median_seconds": statistics.median([r["seconds"] for r in rows if r.get("seconds") is not None] or [0]),
    }
    for key in ("first_token_seconds", "first_sentence_seconds"):
        values = [r[key] for r in rows if r.get(key) is not None]
        if values:
            summary["median_" + key] = statistics.median(values)
    if rows and "bad_quotes" in rows[0]:
        summary["citations_not_verbatim"] = sum(r["bad_quotes"] for r in rows)
    return summary


def evaluate_qa(assistant, gold_rows: list[dict]) -> dict:
    """Ask every gold question through ``assistant`` and score the answers."""
    from assistant.records import answer_record

    records, texts = {}, {}
    for gold in gold_rows:
        answer, timing = timed_ask(assistant, gold["question"])
        records[gold["id"]] = {**answer_record(answer), **timing}
        for c in answer.citations:
            if c.source not in texts:
                opened = assistant.open_document(c.source)
                texts[c.source] = opened[0] if opened else ""
    return score_records(gold_rows, records, texts)


def timed_ask(assistant, question: str) -> tuple:
    """The final answer and, when an LLM answers, the seconds to its first token and to the first checked sentence."""
    import time

    started = time.perf_counter()
    first_token = first_sentence = None
    answer = None
    for update in assistant.ask_stream(question):
        now = time.perf_counter() - started
        if first_token is None and update.raw:
            first_token = now
        if first_sentence is None and update.answer.text and not update.done:
            first_sentence = now
        answer = update.answer
    timing = {}
    if first_token is not None:
        timing = {"first_token_seconds": round(first_token, 4),
                  "first_sentence_seconds": round(first_sentence if first_sentence is not None else answer.seconds, 4)}
    return answer, timing


def format_table(report: dict) -> str:
    """The per-question rows and the summary as a plain-text table."""
    lines = [f"{'id':<10} {'type':<13} {'hit':>4} {'ok':>3} {'cite':>4} {'ref':>3}  answer"]
    for r in report["rows"]:
        hit = "-" if not r["answerable"] else (str(r.get("first_hit")) if r.get("first_hit") else "✗")
        ok = "-" if "correct" not in r else ("✓" if r["correct"] else "✗")
        cite = "-" if "cited" not in r else ("✓" if r["cited"] else "✗")
        ref = "R" if r["refused"] else ""
        answer = r["answer"].replace("\n", " ")
        lines.append(f"{r['id']:<10} {str(r['type']):<13} {hit:>4} {ok:>3} {cite:>4} {ref:>3}  {answer[:70]}")
    lines.append("")
    for key, value in report["summary"].items():
        shown = f"{value:.1%}" if isinstance(value, float) and not key.startswith("median_") else value
        lines.append(f"{key:<24} {shown}")
    return "\n".join(lines)


LABELS = ("supported", "contradicted", "not_found")


def score_verdicts(gold_rows: list[dict], records: dict[str, dict]) -> dict:
    """Accuracy, macro-F1 over the three labels, and evidence overlap with the gold span."""
    rows = []
    for gold in gold_rows:
        rec = records.get(gold["id"], {})
        label = rec.get("label", "not_found")
        row = {"id": gold["id"], "claim": gold["claim"], "gold": gold["label"], "label": label,
               "correct": label == gold["label"], "explanation": rec.get("explanation", "")}
        if gold.get("evidence_start") is not None and gold["label"] != "not_found":
            row["evidence_overlap"] = any(_overlaps(e, gold) for e in rec.get("evidence", []))
        rows.append(row)
    f1s = []
    for lab in LABELS:
        tp = sum(1 for r in rows if r["label"] == lab and r["gold"] == lab)
        fp = sum(1 for r in rows if r["label"] == lab and r["gold"] != lab)
        fn = sum(1 for r in rows if r["label"] != lab and r["gold"] == lab)
        if tp + fp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    with_evidence = [r for r in rows if "evidence_overlap" in r]
    summary = {
        "claims": len(rows),
        "accuracy": round(sum(r["correct"] for r in rows) / len(rows), 4) if rows else None,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else None,
        "evidence_overlap": round(sum(r["evidence_overlap"] for r in with_evidence) / len(with_evidence), 4)
        if with_evidence else None,
    }
    return {"rows": rows, "summary": summary}


def evaluate_claims(assistant, gold_rows: list[dict]) -> dict:
    """Verify every gold claim (as one claim) and score the verdicts."""
    from assistant.records import verdict_record

    records = {g["id"]: verdict_record(assistant.verify_claim(g["claim"])) for g in gold_rows}
    return score_verdicts(gold_rows, records)


def format_claims_table(report: dict) -> str:
    lines = [f"{'id':<10} {'gold':<13} {'label':<13} {'ok':>3} {'ev':>3}  explanation"]
    for r in report["rows"]:
        ev = "-" if "evidence_overlap" not in r else ("✓" if r["evidence_overlap"] else "✗")
        lines.append(f"{r['id']:<10} {r['gold']:<13} {r['label']:<13} {'✓' if r['correct'] else '✗':>3} {ev:>3}  "
                     f"{r['explanation'][:60]}")
    lines.append("")
    for key, value in report["summary"].items():
        lines.append(f"{key:<24} {value:.1%}" if isinstance(value, float) else f"{key:<24} {value}")
    return "\n".join(lines)
