"""Citation checking of generated sentences: markers, numbers, support, exact re-pointed spans."""
from __future__ import annotations

import pytest

from assistant.answering.grounding import (CitationChecker, GroundedText, complete_sentences, missing_numbers, parse_markers,
                                 split_sentences, support_score)
from assistant.answering.passages import build_passages
from assistant.types import Chunk, Hit

REPORT = (
    "许昌市城乡一体化示范区2023年法治建设工作报告\n"
    "一、依法行政\n"
    "2023年,示范区管委会答复行政复议案件1件。行政应诉案件17件,行政机关负责人出庭应诉率100%,"
    "行政诉讼发案量和败诉率处于较低水平。\n"
    "全年办理政府信息公开申请53件(包括2022年结转32件),发布各类政府信息2141条。\n"
    "二、法治宣传\n"
    "依托芙蓉湖公园倾力打造了法治文化主题公园,设置宪法区、互动区和漫画区。示范区在2021年度考核中位列县(市、区)第三。\n"
    "全区累计培训执法人员4.5万人次,覆盖率较上年提高3个百分点。\n"
)


def _hits(text: str = REPORT) -> list[Hit]:
    """One hit per paragraph of ``text``, offsets true to the text."""
    hits, pos = [], 0
    for n, para in enumerate(text.split("\n")):
        if len(para) > 20:
            chunk = Chunk(source="report.txt", start=pos, end=pos + len(para), text=para, ordinal=n,
                          title="示范区2023年度法治建设工作报告", date="2024-03-01")
            hits.append(Hit(chunk=chunk, score=1.0 / (n + 1)))
        pos += len(para) + 1
    return hits


@pytest.fixture
def passages():
    return build_passages("出庭应诉率", _hits(), count=10, max_chars=400)


@pytest.mark.parametrize("sentence, numbers", [
    ("出庭应诉率为100%[1]。", (1,)),
    ("出庭应诉率为100%。[2]", (2,)),
    ("案件17件【3】", (3,)),
    ("两项数据[1,2]。", (1, 2)),
    ("见[1][3]与[1]。", (1, 3)),
    ("见[2-4]。", (2, 3, 4)),
    ("没有引用。", ()),
])
def test_markers_are_parsed_and_removed(sentence, numbers):
    clean, cited = parse_markers(sentence)
    assert cited == numbers
    assert "[" not in clean and "【" not in clean


def test_sentences_keep_their_trailing_markers():
    assert split_sentences("应诉率100%。[1]案件17件[2]；另有1件[3]") == ["应诉率100%。[1]", "案件17件[2]；", "另有1件[3]"]
    assert split_sentences("The rate was 3.5% [1]. Cases: 17 [2].") == ["The rate was 3.5% [1].", "Cases: 17 [2]."]


def test_streaming_waits_for_markers_after_the_full_stop():
    assert complete_sentences("应诉率100%") == ([], "应诉率100%")
    assert complete_sentences("应诉率100%。") == ([], "应诉率100%。")
    assert complete_sentences("应诉率100%。[") == ([], "应诉率100%。[")
    assert complete_sentences("应诉率100%。[1]") == ([], "应诉率100%。[1]")
    assert complete_sentences("应诉率100%。[1]案件") == (["应诉率100%。[1]"], "案件")
    assert complete_sentences("比例3.") == ([], "比例3.")


@pytest.mark.parametrize("sentence, evidence, missing", [
    ("出庭应诉率为100%", "行政机关负责人出庭应诉率100%", None),
    ("出庭应诉率为95%", "行政机关负责人出庭应诉率100%", "95%"),
    ("行政应诉案件十七件", "行政应诉案件17件", None),
    ("行政应诉案件１７件", "行政应诉案件17件", None),
    ("培训执法人员45000人次", "累计培训执法人员4.5万人次", None),
    ("培训执法人员4.5万人次", "累计培训执法人员45000人次", None),
    ("覆盖率提高3%", "覆盖率较上年提高3个百分点", "3%"),
    ("覆盖率提高3个百分点", "覆盖率较上年提高3个百分点", None),
    ("办理申请约53件", "办理政府信息公开申请53件", None),
    ("位列第二", "在2021年度考核中位列县(市、区)第三", "位列第二"),
    ("位列县(市、区)第三", "在2021年度考核中位列县(市、区)第三", None),
    ("编号为3721的文件", "编号为3720的文件", "3721"),
])
def test_every_number_must_stand_in_the_evidence(sentence, evidence, missing):
    found = missing_numbers(sentence, evidence)
    assert (found is None) if missing is None else (found is not None and missing in found)


def test_a_year_may_come_from_the_question_or_the_title():
    assert missing_numbers("2023年应诉案件17件", "行政应诉案件17件", context="示范区2023年度报告") is None
    assert missing_numbers("2019年应诉案件17件", "行政应诉案件17件", context="示范区2023年度报告") is not None


def test_support_counts_only_what_the_question_does_not_already_say():
    q = "法治文化主题公园依托哪个公园打造？"
    evidence = "依托芙蓉湖公园倾力打造了法治文化主题公园"
    good, n_good = support_score("法治文化主题公园依托芙蓉湖公园打造。", evidence, q)
    invented, _ = support_score("法治文化主题公园依托人民公园打造。", evidence, q)
    echo, n_echo = support_score("法治文化主题公园依托哪个公园打造。", evidence, q)
    assert good == 1.0 and n_good > 0
    assert invented < 0.6
    assert n_echo == 0


def test_checker_keeps_a_supported_sentence_and_points_at_the_exact_clause(passages):
    doc = REPORT
    check = CitationChecker().check_sentence("2023年示范区行政机关负责人出庭应诉率为100%[1]。", passages, "出庭应诉率是多少？")
    assert check.supported, check.reason
    assert len(check.evidence) == 1
    c = check.evidence[0]
    assert doc[c.start : c.end] == c.quote
    assert "100%" in c.quote and len(c.quote) < 30  # the clause, not the paragraph


def test_checker_removes_a_wrong_number_and_an_unsupported_claim(passages):
    checker = CitationChecker()
    wrong = checker.check_sentence("行政机关负责人出庭应诉率为95%[1]。", passages, "出庭应诉率是多少？")
    assert not wrong.supported and "95%" in wrong.reason
    invented = checker.check_sentence("示范区还新建了三座法治广场并获评全国示范[2]。", passages, "法治宣传做了什么？")
    assert not invented.supported


def test_checker_repoints_a_wrong_marker_to_the_passage_that_holds_the_fact(passages):
    check = CitationChecker().check_sentence("政府信息公开申请53件[1]。", passages, "办理了多少件申请？")
    assert check.supported
    assert all("53件" in c.quote for c in check.evidence)


def test_a_sentence_drawing_on_two_clauses_cites_both(passages):
    check = CitationChecker().check_sentence("行政应诉案件17件，出庭应诉率100%，并发布政府信息2141条[1][2]。",
                                             passages, "应诉情况如何？")
    assert check.supported, check.reason
    quotes = " ".join(c.quote for c in check.evidence)
    assert "17件" in quotes and "100%" in quotes and "2141条" in quotes
    for c in check.evidence:
        assert REPORT[c.start : c.end] == c.quote


def test_grounded_text_renumbers_markers_over_one_citation_list(passages):
    checker = CitationChecker()
    g = GroundedText()
    q = "应诉与公开情况如何？"
    g.add(checker.check_sentence("政府信息2141条[4]。", passages, q))
    g.add(checker.check_sentence("全国排名第一[2]。", passages, q))
    g.add(checker.check_sentence("出庭应诉率100%[3]。", passages, q))
    g.add(checker.check_sentence("发布政府信息2141条[4]。", passages, q))
    assert g.text == "政府信息2141条[1]。出庭应诉率100%[2]。发布政府信息2141条[1]。"
    assert len(g.citations) == 2 and len(g.removed) == 1


def test_english_sentences_are_checked_through_the_glossary_and_numbers():
    hits = _hits()
    passages = build_passages("出庭应诉率", hits, count=10, max_chars=400)
    checker = CitationChecker()
    q = "What was the rate at which heads of administrative organs appeared in court?"
    ok = checker.check_sentence("The appearance rate of heads of administrative organs in court was 100% [1].", passages, q)
    bad = checker.check_sentence("The appearance rate was 90% [1].", passages, q)
    assert ok.supported, ok.reason
    assert not bad.supported


def test_between_two_clauses_with_the_same_figure_the_one_about_the_question_is_cited():
    text = "重点人群管理\n目前在矫42人,全年累计接受社区矫正对象42人,未发生脱管漏管。\n"
    passages = build_passages("接受社区矫正对象多少人？", _hits(text), count=4, max_chars=400)
    check = CitationChecker().check_sentence("42人[1]。", passages, "全年接受社区矫正对象多少人？")
    assert check.supported
    assert "接受社区矫正对象42人" in check.evidence[0].quote and "在矫" not in check.evidence[0].quote
