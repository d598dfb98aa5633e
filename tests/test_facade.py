"""The facade's verbs, as every front-end uses them: a real Chroma in a temporary folder, the fake embedder."""
from __future__ import annotations

import pytest

from assistant.assistant import Assistant
from assistant.errors import QuestionError
from assistant.types import SearchFilters, Turn


def test_documents_open_and_delete(fake_assistant, sample_path):
    docs = fake_assistant.documents()
    assert [d.source for d in docs] == [sample_path.name]
    text, record = fake_assistant.open_document(sample_path.name)
    assert "出庭应诉率" in text and record.title
    assert fake_assistant.open_document("nope.txt") is None
    assert fake_assistant.stats() == {"documents": 1, "chunks": record.chunks}
    assert fake_assistant.health()["status"] == "ok"
    removed = fake_assistant.delete(sample_path.name)
    assert removed.source == sample_path.name
    assert fake_assistant.documents() == [] and fake_assistant.delete(sample_path.name) is None
    assert fake_assistant.search("出庭应诉率") == []  # the retriever forgot it too


def test_index_uploads_keeps_a_copy_that_delete_removes(fake_settings, sample_path, tmp_path):
    a = Assistant(fake_settings)
    odd = tmp_path / "报告 (最终版).txt"
    odd.write_bytes(sample_path.read_bytes())
    result = a.index_uploads([("../../报告 (最终版).txt", odd)])
    assert result.ok and result.chunks > 0
    [outcome] = result.outcomes
    kept = a.upload_dir() / outcome.name
    assert kept.is_file() and kept.parent == a.upload_dir()
    a.delete(outcome.name)
    assert not kept.exists()


def test_question_checks_are_the_same_for_every_verb(fake_assistant):
    for verb in (fake_assistant.ask, fake_assistant.search, fake_assistant.verify, fake_assistant.verify_claim):
        with pytest.raises(QuestionError):
            verb("   ")
        with pytest.raises(QuestionError):
            verb("问" * (fake_assistant.settings.max_question_chars + 1))


def test_ask_with_history_as_turns_or_dicts(fake_assistant):
    first = fake_assistant.ask("2023年行政机关负责人出庭应诉率是多少？")
    turn = {"question": "2023年行政机关负责人出庭应诉率是多少？", "standalone": first.question,
            "answer": first.text}
    as_dicts = fake_assistant.ask("行政应诉案件呢？", history=[turn])
    as_turns = fake_assistant.ask("行政应诉案件呢？", history=[Turn(**turn)])
    assert as_dicts.text == as_turns.text


def test_verify_claim_and_filters(fake_assistant, sample_path):
    verdict = fake_assistant.verify_claim("2023年行政机关负责人出庭应诉率100%。")
    assert verdict.label == "supported"
    assert fake_assistant.search("出庭应诉率", filters=SearchFilters(sources=("other.txt",))) == []
    assert fake_assistant.search("出庭应诉率", filters=SearchFilters(sources=(sample_path.name,)))


def test_describe_and_highlight_terms(fake_assistant):
    info = fake_assistant.describe()
    assert info["embedding_model"].startswith("fake") and info["documents"] == 1
    assert "出庭" in "".join(Assistant.highlight_terms("出庭应诉率是多少"))


def test_a_chat_session_resolves_follow_ups(fake_assistant):
    chat = Assistant.new_chat()
    final = None
    for update in fake_assistant.ask_stream("2023年行政应诉案件有多少件？", history=chat.turns):
        final = update
    chat.record("2023年行政应诉案件有多少件？", final.question, final.answer.text)
    assert len(chat.turns) == 1

