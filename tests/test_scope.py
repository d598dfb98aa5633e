"""Scope of sentences, questions and claims (answering/scope.py), and the answerer refusing out-of-scope evidence.

Sentences come from the seed report, from policy notices (ncp_policy_dev), from law articles and from national
government work reports; the tiny reports written here follow the genre, not any dev question.
"""
from __future__ import annotations

import pytest

from assistant.answering import scope
from assistant.types import Chunk, Evidence, Hit

SEED_TITLE = "许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告"


def _chunk(text: str, title: str = "", date: str | None = None, section=(), kind="report", source="d.txt", **kw):
    return Chunk(source, 0, len(text), text, section_path=tuple(section), title=title, date=date, kind=kind, **kw)


def _evidence(chunk: Chunk, sentence: str) -> Evidence:
    start = chunk.text.index(sentence)
    return Evidence(Hit(chunk, 1.0), start, start + len(sentence), 0, (start, start + len(sentence)))


# (title, date, section, paragraph text, sentence) -> (years, modality)
SENTENCES = [
    # the seed report: a 2023年度 report published in 2024 reviews 2023 and plans 2024
    (SEED_TITLE, "2024-03-01", ("三、坚持依法行政,开创防范化解矛盾新局面", "二是落实府院联动机制"),
     "行政应诉案件17件,行政机关负责人出庭应诉率100%。", "行政应诉案件17件,行政机关负责人出庭应诉率100%", {2023}, "outcome"),
    (SEED_TITLE, "2024-03-01", ("四、存在问题及下步工作打算",),
     "2024年我区将以服务理念为本,坚持依法行政;完善专职人民调解员队伍建设,力争将各类矛盾纠纷化解在基层。",
     "完善专职人民调解员队伍建设,力争将各类矛盾纠纷化解在基层", {2024}, "target"),
    (SEED_TITLE, "2024-03-01", (), "2012年至今共计接受社区矫正对象315人。", "2012年至今共计接受社区矫正对象315人", {2012}, "outcome"),
    # national reports: delivered in their year, review the year before, plan their own
    ("政府工作报告", "2024-03-05", ("一、2023年工作回顾",), "国内生产总值超过126万亿元，增长5.2%。",
     "国内生产总值超过126万亿元，增长5.2%", {2023}, "outcome"),
    ("政府工作报告", "2024-03-05", ("二、2024年经济社会发展总体要求和政策取向",), "今年发展主要预期目标是：国内生产总值增长5%左右。",
     "今年发展主要预期目标是：国内生产总值增长5%左右", {2024}, "target"),
    ("政府工作报告", "2023-03-05", ("一、过去一年和五年工作回顾",), "城镇新增就业1206万人，年末城镇调查失业率降到5.5%。",
     "城镇新增就业1206万人，年末城镇调查失业率降到5.5%", {2022}, "outcome"),
    ("政府工作报告", "2023-03-05", ("二、对今年政府工作的建议",), "赤字率拟按3%安排。", "赤字率拟按3%安排", {2023}, "target"),
    ("政府工作报告", "2023-03-05", (), "过去五年，国内生产总值年均增长5.2%。", "过去五年，国内生产总值年均增长5.2%",
     set(range(2018, 2023)), None),
    ("2011年政府工作报告", None, ("二、“十二五”时期的主要目标和任务",), "国内生产总值年均增长7%。", "国内生产总值年均增长7%",
     set(range(2011, 2016)), "target"),
    ("政府工作报告", "2024-03-05", ("二、2024年经济社会发展总体要求和政策取向",), "去年居民消费价格涨幅为0.2%。",
     "去年居民消费价格涨幅为0.2%", {2023}, "outcome"),
    ("2008年政府工作报告", None, ("一、 过去五年工作回顾",), "2007年国内生产总值达到24.66万亿元，比2002年增长65.5%。",
     "2007年国内生产总值达到24.66万亿元，比2002年增长65.5%", {2002, 2007}, "outcome"),
    # policy notices (ncp_policy_dev): periods from their own words, modality only from their own words
    ("关于阶段性减免企业社会保险费的通知", "2020-02-20", (), "自2020年2月起，湖北省可免征各类参保单位三项社会保险单位缴费部分。",
     "自2020年2月起，湖北省可免征各类参保单位三项社会保险单位缴费部分", {2020}, None),
    ("关于支持中小企业共渡难关的若干措施", "2020-02-10", (), "确保实现全省普惠小微企业贷款综合融资成本较2019年下降50个基点。",
     "确保实现全省普惠小微企业贷款综合融资成本较2019年下降50个基点", {2019, 2020}, None),
    ("关于支持中小企业共渡难关的若干措施", "2020-02-10", (), "力争今年新增贷款不低于上年。", "力争今年新增贷款不低于上年",
     {2020}, "target"),
]


@pytest.mark.parametrize("title,date,section,paragraph,sentence,years,modality", SENTENCES)
def test_sentence_scope(title, date, section, paragraph, sentence, years, modality):
    chunk = _chunk(paragraph, title, date, section)
    s = scope.evidence_scope(_evidence(chunk, sentence))
    assert set(s.years) == years
    assert s.modality == modality


def test_law_articles_speak_of_no_period():
    article = _chunk("第三条 行政复议工作坚持中国共产党的领导。", "中华人民共和国行政复议法", "2023-09-01", ("第一章 总则",),
                     kind="law", label="《中华人民共和国行政复议法》第三条", article=3)
    s = scope.evidence_scope(_evidence(article, "第三条 行政复议工作坚持中国共产党的领导"))
    assert not s.years and s.modality is None
    assert scope.check(scope.question_scope("2022年行政复议工作坚持什么领导？"), _evidence(article, "第三条 行政复议工作坚持中国共产党的领导")) is None
    dated = _chunk("第十条 自2021年1月1日起施行。", "某条例", "2020-06-01", kind="law", article=10)
    s = scope.evidence_scope(_evidence(dated, "第十条 自2021年1月1日起施行"))
    assert set(s.years) == {2021}


QUESTIONS = [
    # text -> years, modality, regions, named document
    ("2022年行政机关负责人出庭应诉率是多少？", {2022}, None, (), None),
    ("丙县2023年行政机关负责人出庭应诉率是多少？", {2023}, None, ("丙县",), None),
    ("广东省2023年地区生产总值是多少？", {2023}, None, ("广东省",), None),
    ("示范区2023年有多少件行政应诉案件？", {2023}, None, ("示范区",), None),
    ("2023年全国粮食产量是多少？", {2023}, None, (), None),
    ("2019年政府工作报告提出的GDP增长目标是多少？", set(), "target", (), (2019, "政府工作报告", False)),
    ("2023年度法治建设工作报告中行政应诉案件有多少件？", set(), None, (), (2023, "法治建设工作报告", True)),
    ("2021年国内生产总值实际增长了多少？", {2021}, "outcome", (), None),
    ("What GDP growth target did the 2025 government work report set?", set(), "target", (), (2025, "政府工作报告", False)),
    ("How much grain did China produce in 2021?", {2021}, "outcome", (), None),
]


@pytest.mark.parametrize("text,years,modality,regions,document", QUESTIONS)
def test_question_scope(text, years, modality, regions, document):
    q = scope.question_scope(text)
    assert set(q.years) == years and q.modality == modality and q.regions == regions
    named = (q.document.year, q.document.genre, q.document.annual) if q.document else None
    assert named == document


# question, (title, date, section, sentence), expected miss kind (None: in scope)
CHECKS = [
    ("2022年行政机关负责人出庭应诉率是多少？", (SEED_TITLE, "2024-03-01", (), "行政机关负责人出庭应诉率100%"), "period"),
    ("2023年行政机关负责人出庭应诉率是多少？", (SEED_TITLE, "2024-03-01", (), "行政机关负责人出庭应诉率100%"), None),
    ("丙县2023年行政机关负责人出庭应诉率是多少？", ("甲县2023年法治政府建设情况报告", None, (), "甲县行政机关负责人出庭应诉率85%"), "region"),
    ("2023年国内生产总值增长的预期目标是多少？", ("政府工作报告", "2024-03-05", ("一、2023年工作回顾",), "国内生产总值增长5.2%"), "modality"),
    ("2023年国内生产总值实际增长了多少？", ("政府工作报告", "2023-03-05", ("二、对今年政府工作的建议",), "国内生产总值增长5%左右"), "modality"),
    ("2023年国内生产总值实际增长了多少？", ("政府工作报告", "2024-03-05", ("一、2023年工作回顾",), "国内生产总值增长5.2%"), None),
    ("2022年政府工作报告提出的赤字率是多少？", ("政府工作报告", "2023-03-05", ("二、对今年政府工作的建议",), "赤字率拟按3%安排"), "document"),
    ("2016年政府性基金预算支出是多少？", ("2017年政府工作报告", None, ("一、2016年工作回顾",), "一般公共预算支出18.8万亿元"), "modifier"),
    ("农村居民人均可支配收入增长多少？", ("2017年政府工作报告", None, ("一、2016年工作回顾",), "城镇居民人均可支配收入增长5.6%"), "modifier"),
    ("出口增长了多少？", ("2017年政府工作报告", None, ("一、2016年工作回顾",), "进出口总额增长3.4%"), "modifier"),
    ("规模以上工业增加值增长多少？", ("2017年政府工作报告", None, ("一、2016年工作回顾",), "工业增加值增长6%"), "modifier"),
    ("规模以上工业增加值增长多少？", ("2017年政府工作报告", None, ("一、2016年工作回顾",), "规模以上工业增加值增长6%"), None),
]


@pytest.mark.parametrize("question,where,kind", CHECKS)
def test_check(question, where, kind):
    title, date, section, sentence = where
    chunk = _chunk(sentence + "。", title, date, section)
    miss = scope.check(scope.question_scope(question), _evidence(chunk, sentence))
    assert (miss.kind if miss else None) == kind
    if miss:
        assert miss.message("zh") and miss.message("en")


def test_missing_note_names_what_is_there():
    q = scope.question_scope("2022年行政机关负责人出庭应诉率是多少？")
    chunk = _chunk("行政机关负责人出庭应诉率100%。", SEED_TITLE, "2024-03-01")
    note = scope.missing_note([scope.check(q, _evidence(chunk, "行政机关负责人出庭应诉率100%"))])
    assert note == "文档中没有2022年的数据（已收录：2023年）"
    q = scope.question_scope("2016年政府性基金预算支出是多少？")
    chunk = _chunk("一般公共预算支出18.8万亿元。", "2017年政府工作报告", None, ("一、2016年工作回顾",))
    note = scope.missing_note([scope.check(q, _evidence(chunk, "一般公共预算支出18.8万亿元"))])
    assert note == "文档中有“一般公共预算”的数据，没有“政府性基金预算”的数据"


# -- the answerer, end to end on small files ------------------------------------------------------
def _assistant(fake_settings, files: dict, tmp_path):
    from assistant.assistant import Assistant

    paths = []
    for name, text in files.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    assistant = Assistant(fake_settings)
    assert assistant.index(paths).ok
    return assistant


def test_a_county_no_document_covers_is_refused(fake_settings, tmp_path):
    assistant = _assistant(fake_settings, {
        "jia.txt": "甲县2023年法治政府建设情况报告\n\n2023年，甲县行政应诉案件20件，行政机关负责人出庭应诉率85%。\n",
        "yi.txt": "乙县2023年法治政府建设情况报告\n\n2023年，乙县行政应诉案件12件，行政机关负责人出庭应诉率60%。\n",
    }, tmp_path)
    answer = assistant.ask("丙县2023年行政机关负责人出庭应诉率是多少？")
    assert answer.refused and "85%" not in answer.text and "60%" not in answer.text
    assert "丙县" in answer.text
    jia = assistant.ask("甲县2023年行政机关负责人出庭应诉率是多少？")
    assert not jia.refused and "85%" in jia.text and "60%" not in jia.text
    assert "60%" in assistant.ask("乙县2023年行政机关负责人出庭应诉率是多少？").text


def test_another_year_of_the_sample_report_is_refused_also_as_a_follow_up(fake_assistant):
    from assistant.answering.chat import Turn

    answer = fake_assistant.ask("2022年行政机关负责人出庭应诉率是多少？")
    assert answer.refused and "100%" not in answer.text
    assert "2022年" in answer.text and "已收录：2023年" in answer.text
    first = fake_assistant.ask("2023年行政机关负责人出庭应诉率是多少？")
    assert not first.refused and "100%" in first.text
    history = [Turn("2023年行政机关负责人出庭应诉率是多少？", "2023年行政机关负责人出庭应诉率是多少？", first.text)]
    follow = fake_assistant.ask("那2022年呢？", history=history)
    assert follow.refused and "100%" not in follow.text


REPORT_2023 = ("2023年政府工作报告\n\n一、过去一年和五年工作回顾\n\n过去一年，国内生产总值增长3%，粮食产量1.37万亿斤。\n\n"
               "二、对今年政府工作的建议\n\n今年发展主要预期目标是：国内生产总值增长5%左右；粮食产量保持在1.3万亿斤以上。"
               "一般公共预算支出安排27万亿元。\n")
REPORT_2024 = ("2024年政府工作报告\n\n一、2023年工作回顾\n\n国内生产总值增长5.2%，粮食产量1.39万亿斤。\n\n"
               "二、2024年经济社会发展总体要求和政策取向\n\n今年发展主要预期目标是：国内生产总值增长5%左右。\n")


def test_target_and_outcome_of_one_year_come_from_the_right_reports(fake_settings, tmp_path):
    assistant = _assistant(fake_settings, {"2023年政府工作报告.txt": REPORT_2023, "2024年政府工作报告.txt": REPORT_2024},
                           tmp_path)
    target = assistant.ask("2023年国内生产总值增长的预期目标是多少？")
    assert not target.refused and "5%" in target.text and "5.2%" not in target.text
    outcome = assistant.ask("2023年国内生产总值实际增长了多少？")
    assert not outcome.refused and "5.2%" in outcome.text and "5%左右" not in outcome.text
    assert "3%" in assistant.ask("2022年国内生产总值增长了多少？").text
    missing = assistant.ask("2025年政府工作报告提出的国内生产总值增长目标是多少？")
    assert missing.refused and "2025年政府工作报告" in missing.text
    fund = assistant.ask("2023年政府性基金预算支出安排多少？")
    assert fund.refused and "一般公共预算" in fund.text


def test_a_several_year_sentence_does_not_answer_for_one_year():
    q = scope.question_scope("2022年国内生产总值增长了多少？")
    chunk = _chunk("国内生产总值增加到121万亿元，五年年均增长5.2%。", "政府工作报告", "2023-03-05", ("一、过去一年和五年工作回顾",))
    miss = scope.check(q, _evidence(chunk, "国内生产总值增加到121万亿元，五年年均增长5.2%"))
    assert miss is not None and miss.kind == "period"
    assert scope.check(scope.question_scope("过去五年国内生产总值年均增长多少？"),
                       _evidence(chunk, "国内生产总值增加到121万亿元，五年年均增长5.2%")) is None


def test_common_words_jieba_tags_as_places_are_no_region():
    from types import SimpleNamespace as NS

    from assistant.answering.scope_words import region_conflict, regions_in

    assert regions_in("如何确保安全上岗？") == () and regions_in("东西怎么寄送？") == ()
    assert regions_in("支援武汉的医护人员有哪些待遇？") == ("武汉",)
    assert regions_in("广西壮族自治区出台了哪些措施？") and regions_in("从意大利入境的人员如何隔离？") == ("意大利",)
    # a notice passage naming a toll station's entrance (入口) names no other region than the one asked about
    assert not region_conflict(NS(kind="notice"), "在入口收费站车道领取纸质通行券，在出口收费站正常交费通行")
    assert region_conflict(NS(kind="notice"), "湖北省可免征中小微企业养老保险单位缴费")
