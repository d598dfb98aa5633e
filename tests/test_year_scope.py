"""Dated questions over many yearly reports: the year-narrowed search (retrieval/retriever.py), the figure lead,
and the English scope words. The reports written here follow the genre (a review of last year, the plan for this
year, the same indicators every year), not any dev question."""
from __future__ import annotations

import pytest

from assistant.answering.extractive import _answer_figures
from assistant.answering.question import analyze, lexical_query
from assistant.retrieval.retriever import _year_documents
from assistant.types import Chunk, SearchFilters

YEARS = range(1990, 2026)


def _report(year: int) -> str:
    done, planned = 900 + 7 * (year - 1990), 800 + 5 * (year - 1990)
    filler = "".join(f"要稳定和扩大就业，做好城镇新增就业和重点群体就业工作，第{i}项措施落实到位。" for i in range(1, 4))
    return (f"{year}年政府工作报告\n\n一、过去一年工作回顾\n\n过去一年，经济运行总体平稳。城镇新增就业{done}万人，"
            f"居民收入继续增加。\n\n二、{year}年工作安排\n\n今年发展主要预期目标是：城镇新增就业{planned}万人以上。\n\n"
            f"三、做好就业工作\n\n{filler}\n\n{filler}\n")


@pytest.fixture
def yearly(tmp_path):
    from assistant.assistant import Assistant
    from assistant.config import Settings

    folder = tmp_path / "reports"
    folder.mkdir()
    for y in YEARS:
        (folder / f"{y}年政府工作报告.txt").write_text(_report(y), encoding="utf-8")
    # few candidates per search, as in a large library where fifty other reports share the words
    settings = Settings(store_dir=str(tmp_path / "index"), embedding_model="fake",
                        model_cache_dir=str(tmp_path / "models"), candidates=10)
    assistant = Assistant(settings)
    assert assistant.index(sorted(folder.glob("*.txt"))).ok
    return assistant


def test_an_outcome_comes_from_the_next_years_report_and_a_target_from_the_years_own(yearly):
    done_2010 = f"{900 + 7 * 21}万人"  # reviewed in the 2011 report
    planned_2010 = f"{800 + 5 * 20}万人以上"  # planned in the 2010 report
    outcome = yearly.ask("2010年城镇新增就业实际完成多少万人？")
    assert not outcome.refused and done_2010 in outcome.text, outcome.text
    assert outcome.citations[0].source == "2011年政府工作报告.txt"
    target = yearly.ask("2010年城镇新增就业的预期目标是多少？")
    assert not target.refused and planned_2010 in target.text, target.text
    assert target.citations[0].source == "2010年政府工作报告.txt"
    # a dated figure question with no word of a target asks what happened, as a dated claim states it
    plain = yearly.ask("2010年城镇新增就业多少万人？")
    assert done_2010 in plain.text, plain.text


def _sources(years) -> dict[str, Chunk]:
    return {f"{y}年政府工作报告.txt": Chunk(f"{y}年政府工作报告.txt", 0, 1, "x", title=f"{y}年政府工作报告")
            for y in years}


@pytest.mark.parametrize("question,expected", [
    ("2010年城镇新增就业的预期目标是多少？", [("2010年政府工作报告.txt",)]),
    ("2010年城镇新增就业实际完成多少？", [("2011年政府工作报告.txt",)]),
    ("2010年的主要工作有哪些？", [("2011年政府工作报告.txt",), ("2010年政府工作报告.txt",)]),  # review, then plan
    ("2010年政府工作报告提出了哪些任务？", [("2010年政府工作报告.txt",)]),  # the named document
    ("城镇新增就业多少万人？", []),  # no year: nothing to narrow
])
def test_the_year_narrowed_documents(question, expected):
    got = [f.sources for f in _year_documents(question, _sources(range(2008, 2013)), SearchFilters())]
    assert got == expected


def test_an_amount_is_not_a_year():
    assert _year_documents("全年减税2000亿元以上吗？", _sources(range(1999, 2003)), SearchFilters()) == []


def test_english_scope_words_are_not_searched_as_content():
    tokens = lexical_query("What deficit-to-GDP ratio did the 2022 government work report plan?")
    assert "赤字" in tokens
    assert not {"计划", "规划", "方案", "报告", "政府"} & set(tokens)


@pytest.mark.parametrize("question,quote,lead", [
    ("2015年国内生产总值增长了多少？", "国内生产总值达到67.7万亿元，增长6.9%", "6.9%"),  # growth asked: the rate
    ("2015年国内生产总值是多少？", "国内生产总值达到67.7万亿元，增长6.9%", "67.7万亿元"),  # the amount
    ("2019年国内生产总值增长目标是多少？", "国内生产总值增长6%－6.5%", "6%－6.5%"),  # a range stays whole
])
def test_the_figure_that_leads(question, quote, lead):
    assert [f.raw for f in _answer_figures(analyze(question), quote)] == [lead]


def test_question_phrases_are_not_terms():
    terms = analyze("企业可申请缓缴社会保险费多长时间？").terms
    assert not {"时间", "长时间", "多长", "多长时间"} & set(terms)
    assert "社会保险费" in terms


def _notices(dated: dict[str, int | None]) -> dict[str, Chunk]:
    return {name: Chunk(name, 0, 1, "x", title=name.removesuffix(".txt"), date=f"{year}-03" if year else None,
                        kind="notice")
            for name, year in dated.items()}


def test_a_notice_of_unknown_year_is_not_another_years():
    # notices seldom carry a date line that survives scraping: a year in the question must not leave them out
    sources = _notices({"关于减免租金的通知.txt": None, "关于延长缴费期的通知.txt": None, "复工指南.txt": 2020,
                        "工作要点.txt": 2017})
    got = [f.sources for f in _year_documents("2020年2月，中小企业可以减免哪些租金？", sources, SearchFilters())]
    assert [set(g) for g in got] == [{"关于减免租金的通知.txt", "关于延长缴费期的通知.txt", "复工指南.txt"}]
    # when no known year conflicts, nothing is narrowed at all
    no_year = dict(sources)
    del sources["工作要点.txt"]
    assert _year_documents("2020年2月，中小企业可以减免哪些租金？", sources, SearchFilters()) == []
    # no document of the year at all: the unknown ones are not taken for it
    assert _year_documents("2026年中小企业可以减免哪些租金？", no_year, SearchFilters()) == []
