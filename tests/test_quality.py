"""Quality on the seed dev set with the real default model (the acceptance figures of the foundation issue)."""
import pytest

from assistant.evaluation.metrics import evaluate_qa

from .conftest import SHARED, read_jsonl

pytestmark = [pytest.mark.model, pytest.mark.shared]


@pytest.fixture(scope="module")
def report(real_assistant):
    return evaluate_qa(real_assistant, read_jsonl(SHARED / "seed" / "dev_qa.jsonl"))


def test_retrieval_finds_every_gold_passage_in_the_top_five(report):
    assert report["summary"]["hit@5"] == 1.0


def test_answers_are_accurate_cited_and_short(report):
    s = report["summary"]
    assert s["answer_accuracy"] >= 0.9
    assert s["citation_recall"] >= 0.9
    assert s["median_answer_chars"] < 120
    assert s["citations_not_verbatim"] == 0


def test_refusals(report):
    s = report["summary"]
    assert s["unanswerable_refused"] == 1.0
    assert s["answerable_refused"] == 0.0


def test_english_question_is_answered_in_english_from_chinese_text(real_assistant):
    answer = real_assistant.ask("What was the rate at which heads of administrative organs appeared in court in 2023?")
    assert not answer.refused and answer.language == "en"
    assert "100%" in answer.text and "The documents state" in answer.text
    assert any("出庭应诉率100%" in c.quote for c in answer.citations)
