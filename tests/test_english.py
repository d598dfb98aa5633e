"""English answers (answering/english.py): the figure first, the indicator's English name, the Chinese quote cited."""
from __future__ import annotations

import pytest

from assistant.answering import english
from assistant.zh.numbers import find_figures

FIGURES = [
    ("城镇新增就业1200万人以上", "more than 12 million people"),
    ("国内生产总值增长5%左右", "about 5%"),
    ("粮食产量1.37万亿斤", "1.37 trillion jin"),
    ("赤字规模4.06万亿元", "4.06 trillion yuan"),
    ("城镇登记失业率控制在4.6％以内", "up to 4.6%"),
    ("国家外汇储备超过1000亿美元", "more than 100 billion US dollars"),
    ("答复行政复议案件1件", "1 case"),
]


@pytest.mark.parametrize("text,expected", FIGURES)
def test_figures_in_english(text, expected):
    assert english.english_figure_text(text) == expected


def test_compose_puts_the_figure_and_the_indicator_first():
    quote = "今年发展主要预期目标是：国内生产总值增长5%左右"
    text = english.compose("What GDP growth target did the 2025 government work report set?",
                           [f for f in find_figures(quote) if not f.is_year], [quote])
    assert text.startswith("About 5% (5%左右) — GDP growth target [1].")
    assert f"“{quote}” [1]" in text


def test_english_list_only_when_the_glossary_knows_every_item():
    assert english.english_list("包括行政复议、行政诉讼") == "administrative reconsideration and administrative litigation"
    assert english.english_list("共设置宪法区、漫画区和法治人物典故区") is None


def test_english_question_gets_an_english_answer(fake_settings, tmp_path):
    from assistant.assistant import Assistant

    report = tmp_path / "2024年政府工作报告.txt"
    report.write_text("2024年政府工作报告\n\n一、2023年工作回顾\n\n城镇新增就业1244万人。\n\n"
                      "二、2024年经济社会发展总体要求和政策取向\n\n今年发展主要预期目标是：城镇新增就业1200万人以上。\n",
                      encoding="utf-8")
    assistant = Assistant(fake_settings)
    assert assistant.index([report]).ok
    answer = assistant.ask("How many new urban jobs were created in 2023?")
    assert not answer.refused and answer.language == "en"
    assert answer.text.startswith("12.44 million people (1244万人)")
    assert "1200" not in answer.text
