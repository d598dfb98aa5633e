"""Scope-aware verdicts (verify/scoped.py) on two small national-style reports, a real Chroma and the fake embedder."""
from __future__ import annotations

import pytest

from assistant.verify.scoped import reversal

REPORT_2023 = ("2023年政府工作报告\n\n一、过去一年和五年工作回顾\n\n过去一年，国内生产总值增长3%，城镇新增就业1206万人。\n\n"
               "二、对今年政府工作的建议\n\n今年发展主要预期目标是：国内生产总值增长5%左右。\n")
REPORT_2024 = ("2024年政府工作报告\n\n一、2023年工作回顾\n\n国内生产总值增长5.2%。城镇新增就业1244万人，高于上年。"
               "今年首次把城镇调查失业率作为预期目标。\n\n"
               "二、2024年经济社会发展总体要求和政策取向\n\n今年发展主要预期目标是：国内生产总值增长5%左右。\n")


@pytest.fixture
def assistant(fake_settings, tmp_path):
    from assistant.assistant import Assistant

    paths = []
    for name, text in (("2023年政府工作报告.txt", REPORT_2023), ("2024年政府工作报告.txt", REPORT_2024)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    a = Assistant(fake_settings)
    assert a.index(paths).ok
    return a


CLAIMS = [
    ("2023年国内生产总值增长5.2%。", "supported"),
    ("2022年国内生产总值增长3%。", "supported"),
    ("2023年城镇新增就业1244万人。", "supported"),
    ("2024年政府工作报告提出，国内生产总值增长预期目标为5%左右。", "supported"),
    ("2023年国内生产总值增长5.5%。", "contradicted"),  # a changed figure
    ("2022年国内生产总值增长5.2%。", "contradicted"),  # another year's figure
    ("2022年城镇新增就业1244万人。", "contradicted"),
    ("2023年国内生产总值下降5.2%。", "contradicted"),  # reversed direction
    ("2023年城镇新增就业1244万人，低于上年。", "contradicted"),  # reversed comparison
    ("2024年国内生产总值增长5%。", "not_found"),  # only the target is known: never supported
    ("2025年政府工作报告提出，国内生产总值增长预期目标为5%左右。", "not_found"),  # a report not in the corpus
]


@pytest.mark.parametrize("claim,label", CLAIMS)
def test_scoped_verdicts(assistant, claim, label):
    verdict = assistant.verifier.verify(claim)
    assert verdict.label == label, verdict.explanation


def test_another_years_figure_shows_both_scopes(assistant):
    verdict = assistant.verifier.verify("2022年国内生产总值增长5.2%。")
    assert verdict.label == "contradicted"
    assert ("5.2%", "3%") in verdict.compared
    assert "2022年" in verdict.explanation and "比对范围" in verdict.explanation
    assert any("5.2%" in e.quote for e in verdict.evidence) and any("3%" in e.quote for e in verdict.evidence)


@pytest.mark.parametrize("claim,evidence,expected", [
    ("居民消费价格下降0.2%", "居民消费价格上涨0.2%", ("下降", "上涨")),
    ("城镇新增就业1322万人，低于上年", "城镇新增就业1322万人，高于上年", ("低于", "高于")),
    ("继续把这一指标作为预期目标", "今年首次把这一指标作为预期目标", ("继续", "首次")),
    ("城镇新增就业1322万人，高于上年", "城镇新增就业1322万人，高于上年", None),
])
def test_reversal(claim, evidence, expected):
    assert reversal(claim, evidence) == expected


def test_two_approximate_targets_that_differ_contradict(assistant):
    verdict = assistant.verifier.verify("2024年政府工作报告提出，国内生产总值增长预期目标为5.5%左右。")
    assert verdict.label == "contradicted" and ("5.5%左右", "5%左右") in verdict.compared
