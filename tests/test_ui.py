from assistant.ui import build_ui, render_answer, respond


def test_respond_appends_answer_with_citations(fake_assistant):
    history, box = respond(fake_assistant, "示范区2023年有多少件行政应诉案件？", [])
    assert box == ""
    assert history[0] == {"role": "user", "content": "示范区2023年有多少件行政应诉案件？"}
    reply = history[1]["content"]
    assert "17件" in reply and "引用" in reply and "[1]" in reply


def test_refusal_shows_nearest_passages(fake_assistant):
    reply = render_answer(fake_assistant.ask("联合国秘书长访问了示范区几次？"))
    assert "没有找到" in reply and "最接近的段落" in reply


def test_empty_question_gets_a_message_not_an_exception(fake_assistant):
    history, _ = respond(fake_assistant, "   ", [])
    assert "问题为空" in history[-1]["content"]


def test_ui_builds(fake_assistant):
    demo = build_ui(fake_assistant)
    assert demo is not None
