"""The extractive answerer's logic, with the deterministic embedder (quality figures come from test_quality)."""
import pytest

from assistant.answering.extractive import REFUSAL_EN, REFUSAL_ZH
from assistant.assistant import QuestionError


def _check_citations(answer, doc):
    for c in answer.citations:
        assert doc.text[c.start : c.end] == c.quote
        assert c.source == doc.source


def test_figure_question_leads_with_the_figure_and_cites_it(fake_assistant, sample_doc):
    answer = fake_assistant.ask("示范区2023年有多少件行政应诉案件？")
    assert not answer.refused
    assert answer.text.startswith("17件")
    assert "[1]" in answer.text
    assert any("行政应诉案件17件" in c.quote for c in answer.citations)
    _check_citations(answer, sample_doc)
    assert len(answer.text) < 120


def test_the_figure_is_the_one_the_question_is_about(fake_assistant, sample_doc):
    answer = fake_assistant.ask("2023年接受社区矫正对象多少人？")
    assert answer.text.startswith("42人")
    _check_citations(answer, sample_doc)


def test_two_figures_asked_two_given(fake_assistant, sample_doc):
    answer = fake_assistant.ask("管委会主任办公会议筹备了多少次？研究了多少个议题？")
    assert "27" in answer.text and "135" in answer.text
    _check_citations(answer, sample_doc)


def test_question_the_documents_cannot_answer_is_refused(fake_assistant):
    answer = fake_assistant.ask("联合国秘书长2023年访问了示范区几次？")
    assert answer.refused
    assert answer.text == REFUSAL_ZH
    assert answer.citations == ()
    assert answer.hits, "a refusal still shows the nearest passages"


def test_latin_name_missing_from_the_documents_is_refused(fake_assistant):
    assert fake_assistant.ask("示范区2023年GDP增长率是多少？").refused


def test_english_refusal_is_in_english(fake_assistant):
    answer = fake_assistant.ask("What was the GDP growth rate of the zone in 2023?")
    assert answer.refused and answer.text == REFUSAL_EN and answer.language == "en"


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01"])
def test_empty_question_is_rejected(fake_assistant, question):
    with pytest.raises(QuestionError, match="问题为空"):
        fake_assistant.ask(question)


def test_enormous_question_is_rejected(fake_assistant):
    with pytest.raises(QuestionError, match="问题过长"):
        fake_assistant.ask("出庭应诉率" * 5000)


def test_list_question_quotes_the_whole_enumeration(fake_assistant, sample_doc):
    answer = fake_assistant.ask("法治文化主题公园设置了哪些区域？")
    assert not answer.refused
    assert "宪法区" in answer.text and "法治人物典故区" in answer.text
    _check_citations(answer, sample_doc)


def test_question_about_something_no_document_mentions_is_refused_with_a_note(fake_assistant):
    answer = fake_assistant.ask("示范区与清华大学合作开展了多少个项目？")
    assert answer.refused
    assert any("清华大学" in n for n in answer.notes)


def test_framing_nouns_do_not_cause_refusal(fake_assistant):
    # "计划" never occurs in the report ("将…"), but it frames the question rather than naming its subject
    answer = fake_assistant.ask("示范区2024年计划建立什么样的矛盾纠纷调处机制？")
    assert not answer.refused and "一站式" in answer.text


def test_latin_acronym_is_found_under_its_chinese_name(fake_settings, tmp_path):
    """A Chinese question saying GDP is answered from a report that writes 地区生产总值 (the glossary's term);
    a report that holds neither still gets a refusal."""
    from assistant.assistant import Assistant

    report = tmp_path / "gongzuo_baogao_2023.txt"
    report.write_text("2023年政府工作报告\n\n一、过去一年的工作\n\n全年地区生产总值增长5.2%，达到1.2万亿元。"
                      "城镇新增就业12万人。\n", encoding="utf-8")
    assistant = Assistant(fake_settings)
    assert assistant.index([report]).ok
    # a 2023年政府工作报告's "过去一年" is 2022 (issue 16: a report delivered in 2023 reviews 2022)
    answer = assistant.ask("2022年GDP增长了多少？")
    assert not answer.refused and "5.2%" in answer.text
    assert any("地区生产总值" in c.quote for c in answer.citations)
    assert assistant.ask("2022年CPI上涨了多少？").refused


def test_a_year_bound_question_is_not_answered_from_another_years_report(fake_settings, tmp_path):
    """Reports repeat their phrasing every year: a question about a year that no indexed report covers is refused
    rather than answered with another year's figure; the year's own report, or the next one, may answer."""
    from assistant.assistant import Assistant

    report = tmp_path / "2022年政府工作报告.txt"
    report.write_text("2022年政府工作报告\n\n一、2021年工作回顾\n\n全年国内生产总值增长8.1%。\n\n"
                      "二、2022年主要预期目标\n\n国内生产总值增长5.5%左右。\n", encoding="utf-8")
    assistant = Assistant(fake_settings)
    assert assistant.index([report]).ok
    assert assistant.ask("2015年国内生产总值增长了多少？").refused
    assert assistant.ask("2024年国内生产总值增长了多少？").refused  # two years on: not this report's year
    answer = assistant.ask("2021年国内生产总值增长了多少？")
    assert not answer.refused and "8.1%" in answer.text
    assert "5.5%" in assistant.ask("2022年国内生产总值预期增长目标是多少？").text


def test_what_a_question_asks_is_not_a_name_it_must_find():
    # jieba tags 多长时间 as a noun; no document says it, yet it is the question, not its subject
    from assistant.answering.question import analyze

    for text, name in (("可申请缓缴社会保险费多长时间？", "社会保险费"), ("哪些方面的企业可以申请补贴？", None),
                       ("几种情形下可以延期缴纳税款？", None)):
        names = analyze(text).names
        assert not any(n.startswith(("多长", "哪些", "几种")) for n in names), names
        assert name is None or name in names
