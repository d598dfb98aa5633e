"""The chat tab's streaming handler with a scripted LLM: per-session turns, follow-ups, checked partial answers."""
from __future__ import annotations

from assistant.llm.backends import LLMTimeout
from assistant.assistant import Assistant
from assistant.interfaces.ui import GENERATING, respond_stream

from .conftest import SAMPLE


def test_stream_shows_checked_sentences_then_the_final_answer(llm_assistant, llm):
    llm.enqueue("行政应诉案件17件[1]。全省排名第一[1]。")
    steps = list(respond_stream(llm_assistant, "示范区2023年有多少件行政应诉案件？", [], []))
    first_history = steps[0][0]
    assert "正在检索" in first_history[-1]["content"]
    partial = [s for s in steps if s[2] is None and GENERATING in s[0][-1]["content"]]
    assert partial and "17件" in partial[0][0][-1]["content"]
    history, box, answer, turns = steps[-1]
    assert box == "" and answer is not None
    assert "17件" in history[-1]["content"] and "排名第一" not in history[-1]["content"]
    assert "已删除 1 句" in history[-1]["content"]
    assert turns == [{"question": "示范区2023年有多少件行政应诉案件？", "standalone": "示范区2023年有多少件行政应诉案件？",
                      "answer": answer.text}]


def test_follow_up_uses_this_sessions_turns_only(fake_settings):
    assistant = Assistant(fake_settings)  # no LLM: the rule-based carry-over
    assert assistant.index([SAMPLE]).ok
    *_, (history, _, answer, turns) = respond_stream(assistant, "示范区2023年有多少件行政应诉案件？", [], [])
    *_, (history, _, answer, turns) = respond_stream(assistant, "那出庭应诉率呢？", history, turns)
    assert turns[-1]["standalone"] != "那出庭应诉率呢？" and "出庭应诉率" in turns[-1]["standalone"]
    assert "100%" in answer.text
    assert "按上下文理解为" in history[-1]["content"]
    # another browser session (empty turns) does not see that conversation
    *_, (_, _, other, other_turns) = respond_stream(assistant, "那出庭应诉率呢？", [], [])
    assert other_turns[-1]["standalone"] == "那出庭应诉率呢？"


def test_timeout_shows_the_extractive_answer_with_a_note(llm_assistant, llm):
    llm.enqueue(LLMTimeout("no reply within 1s"))
    *_, (history, _, answer, _) = respond_stream(llm_assistant, "2023年行政机关负责人出庭应诉率是多少？", [], [])
    assert "100%" in answer.text
    assert "限定时间" in history[-1]["content"] and "原文摘录" in history[-1]["content"]
