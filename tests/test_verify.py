"""Claim verification: splitting, each contradiction kind, and not_found for unmentioned facts."""
import pytest

from assistant.verify.claims import _judge, split_claims


def test_split_keeps_sentences_and_separates_figure_clauses():
    claims = split_claims("2023年，示范区行政应诉案件17件，出庭应诉率100%。群众满意度进一步提高！")
    assert claims[0].startswith("2023年") and "17件" in claims[0]
    assert any("100%" in c and c.startswith("2023年") for c in claims[1:])
    assert claims[-1] == "群众满意度进一步提高"


def test_split_does_not_break_clauses_without_figures():
    assert split_claims("示范区坚持依法行政，建立健全考核机制。") == ["示范区坚持依法行政，建立健全考核机制"]


@pytest.mark.parametrize(
    "claim, evidence, label",
    [
        # figures (seed report wording)
        ("出庭应诉率为95%", "行政应诉案件17件,行政机关负责人出庭应诉率100%", "contradicted"),
        ("出庭应诉率为100%", "行政应诉案件17件,行政机关负责人出庭应诉率100%", "supported"),
        ("发放普法资料10万本", "发放各类普法宣传资料10万余本", "supported"),
        ("发放宣传资料30万份", "发放宣传资料20万份", "contradicted"),
        ("累计办理政务服务事项约4072件", "累计办理各类政务服务事项约4072件", "supported"),
        # direction
        ("财政赤字率比上年下降", "财政赤字率比上年提高0.2个百分点", "contradicted"),
        # rank
        ("示范区在2021年度考核中排名第一", "示范区在2021年度法治许昌(法治政府)建设考核中,位列县(市、区)第三", "contradicted"),
        ("示范区在2021年度考核中位列第三", "示范区在2021年度法治许昌(法治政府)建设考核中,位列县(市、区)第三", "supported"),
        # dates (scraped "202312月" is 2023年12月)
        ("2023年12月召开讲评工作会议", "在202312月、20241月市政府2次月讲评工作会议上", "supported"),
        ("2023年11月召开讲评工作会议", "在202312月、20241月市政府2次月讲评工作会议上", "contradicted"),
        # negation
        ("发生了因脱管造成的再犯罪问题", "从没有发生因脱管、漏管造成严重再犯罪问题", "contradicted"),
        ("从没有发生因脱管造成的再犯罪问题", "从没有发生因脱管、漏管造成严重再犯罪问题", "supported"),
    ],
)
def test_judge_each_kind(claim, evidence, label):
    assert _judge(claim, evidence)[0] == label


def test_contradiction_reports_the_compared_values():
    label, compared = _judge("出庭应诉率为95%", "行政机关负责人出庭应诉率100%")
    assert label == "contradicted" and compared == (("95%", "100%"),)


def test_unmentioned_fact_is_not_found(fake_assistant):
    verdicts = fake_assistant.verify("示范区2023年新增高新技术企业8家。")
    assert [v.label for v in verdicts] == ["not_found"]


def test_verdicts_cite_exact_spans(fake_assistant, sample_doc):
    verdicts = fake_assistant.verify("2023年累计办理各类政务服务事项约5000件。")
    assert verdicts[0].label == "contradicted"
    for c in verdicts[0].evidence:
        assert sample_doc.text[c.start : c.end] == c.quote
    assert "4072" in verdicts[0].explanation


def test_english_claim_gets_an_english_explanation(fake_assistant):
    verdicts = fake_assistant.verify("The zone opened a new airport with 8 runways.")
    assert verdicts[0].label == "not_found"
    assert verdicts[0].explanation.startswith("The documents")
