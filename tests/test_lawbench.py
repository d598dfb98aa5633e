"""The LawBench retrieval benchmark on a small subset with the real model: sane figures, project vs naive.

The full figures are in BENCHMARKS.md (``python benchmarks/lawbench.py``); nothing here is timed.
"""
import pytest

pytestmark = [pytest.mark.shared, pytest.mark.model, pytest.mark.slow]


def test_join_finds_gold_articles():
    from benchmarks.lawbench import join_questions, national_documents

    docs = national_documents()
    questions, dropped = join_questions(docs)
    by_task = {t: [q for q in questions if q.task == t] for t in ("1-1", "3-2")}
    assert len(by_task["1-1"]) >= 400 and len(by_task["3-2"]) >= 350  # of 500 each
    for q in questions[:50] + questions[-50:]:
        for source, start, end in q.gold:
            assert docs[source].text[start:end].startswith("第") and docs[source].title == q.title


def test_project_beats_naive_on_a_subset(real_embedder, tmp_path):
    from benchmarks.lawbench import run

    figures = run(gold_chars=15_000, distractor_chars=8_000, cache=tmp_path, embedder=real_embedder, log=lambda m: None)
    tasks = figures["tasks"]
    assert set(tasks) == {"1-1", "3-2"} and all(row["questions"] >= 10 for row in tasks.values())
    for row in tasks.values():
        p, n = row["project"], row["naive"]
        assert p["hit@1"] <= p["hit@5"] <= p["hit@10"] and n["hit@1"] <= n["hit@5"] <= n["hit@10"]
        assert p["hit@10"] >= 0.7
    # scenarios: on so small a corpus the naive pipeline's ten 500-character chunks cover a fifth of the text, so
    # only near parity is asked here; the ≥ 1.2× acceptance is measured on the larger subset (BENCHMARKS.md)
    assert tasks["3-2"]["project"]["hit@5"] >= tasks["3-2"]["naive"]["hit@5"] - 0.1
    assert tasks["3-2"]["project"]["hit@1"] >= tasks["3-2"]["naive"]["hit@1"]
    # questions that name the law and the article go straight to it
    assert tasks["1-1"]["project"]["hit@1"] >= 0.9 > tasks["1-1"]["naive"]["hit@1"]
