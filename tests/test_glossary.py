"""The English-Chinese glossary: its data file, phrase matching, inflections and realistic questions."""
import re
from importlib import resources

import pytest

from assistant.zh.glossary import STOPWORDS, english_terms, glossary, translate

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_TERM = re.compile(r"[A-Z0-9.%+]+")  # GDP, CPI, PM2.5, M2, 5G, 12345, %


def _lines():
    text = resources.files("assistant").joinpath("data/glossary_en_zh.tsv").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _terms(question):
    """All Chinese alternatives the question maps to, flattened."""
    return {term for alts in translate(question) for term in alts}


def test_tsv_is_well_formed():
    seen = set()
    lines = _lines()
    assert len(lines) >= 900
    for line in lines:
        assert line.count("\t") == 1, line
        english, chinese = line.split("\t")
        assert english == english.lower().strip() and english, line
        assert english not in seen, f"duplicate key {english!r}"
        seen.add(english)
        alternatives = chinese.split("|")
        assert all(a and a == a.strip() for a in alternatives), line
        assert len(alternatives) == len(set(alternatives)), line
        for a in alternatives:
            assert _CJK.search(a) or _LATIN_TERM.fullmatch(a), line
    assert len(glossary()[0]) == len(lines)  # no two keys collapse to the same words


def test_no_single_stopword_keys():
    assert not [k for k in glossary()[0] if len(k) == 1 and k[0] in STOPWORDS]


def test_longest_phrase_wins():
    assert translate("administrative reconsideration case") == [("行政复议",), ("案件", "件", "案")]
    assert translate("people's court") == [("人民法院",)]
    assert translate("legal aid") == [("法律援助",)]
    assert translate("Administrative Litigation Law") == [("行政诉讼法",)]
    assert ("人民调解员",) in translate("people's mediators")
    assert ("行政机关负责人",) in translate("heads of administrative organs")


@pytest.mark.parametrize(
    "question, term",
    [
        ("cases", "案件"),
        ("policies", "政策"),
        ("taxes", "税收"),
        ("the fees", "收费"),
        ("increased", "增长"),
        ("handled", "办理"),
        ("planned", "计划"),
        ("mediating", "调解"),
        ("people's courts", "人民法院"),
        ("courts'", "法院"),
        ("organised", "组织"),
        ("Labour Contract Law", "劳动合同法"),
        ("heard", "审理"),
        ("state-owned enterprises", "国有企业"),
        ("year-on-year", "同比"),
        ("children", "儿童"),
    ],
)
def test_inflections(question, term):
    assert term in _terms(question)


def test_surface_form_before_lemma():
    assert ("赔偿", "损害赔偿", "赔偿金") in translate("damages")  # not damage (损害)
    assert ("商品", "货物") in translate("goods")  # not good (优良)


def test_article_numbers_become_chinese_numerals():
    assert translate("Article 3 of the Administrative Litigation Law") == [("第三条",), ("行政诉讼法",)]
    assert ("第十条",) in translate("article 10")
    assert ("第一百一十条",) in translate("Article 110")
    assert ("第一千二百六十条",) in translate("Article 1260 of the Civil Code")
    assert ("第一千零一十条",) in translate("articles 1010")
    assert ("第二章",) in translate("Chapter 2")


@pytest.mark.parametrize(
    "question, expected",
    [
        ("What was China's grain output in 2023?", {"粮食产量", "中国"}),
        ("How many legal aid cases were handled by the judicial bureau?", {"法律援助", "案件", "办理", "司法局"}),
        ("What does Article 3 of the Administrative Litigation Law say?", {"第三条", "行政诉讼法"}),
        ("What is the surveyed urban unemployment rate target for 2024?", {"城镇调查失业率", "目标"}),
        ("How many new urban jobs were created?", {"城镇新增就业"}),
        ("How large was the fiscal deficit and how many special-purpose bonds were issued?", {"赤字", "专项债券"}),
        ("By how many percentage points did energy consumption per unit of GDP fall?",
         {"个百分点", "单位国内生产总值能耗", "下降"}),
        ("What was the rate at which heads of administrative organs appeared in court?",
         {"率", "行政机关负责人", "出庭应诉"}),
        ("How many normative documents passed legality review?", {"规范性文件", "合法性审查"}),
        ("How many people's mediators resolved disputes?", {"人民调解员", "化解", "纠纷"}),
        ("How many community correction subjects were there?", {"社区矫正对象"}),
        ("How many government information disclosure applications were received?",
         {"政府信息公开", "申请", "收到"}),
        ("How many legal publicity events were held and how many person-times attended?",
         {"普法", "活动", "人次"}),
        ("Which place did the zone rank in the rule-of-law assessment?", {"第", "排名", "法治", "考核"}),
        ("What are the key points of judgment and basic facts of the guiding case?",
         {"裁判要点", "基本案情", "指导性案例"}),
        ("Was the defendant sentenced to fixed-term imprisonment and fined?", {"被告人", "有期徒刑", "罚金"}),
        ("Can an employer pay overtime wages below the minimum wage during the probation period?",
         {"用人单位", "加班工资", "最低工资", "试用期"}),
        ("Who inherits the estate when there is no will?", {"继承", "遗产"}),
        ("How much did per capita disposable income of rural residents grow year on year?",
         {"人均可支配收入", "农村居民", "增长", "同比"}),
        ("How many shantytown housing units were renovated?", {"棚户区", "套", "改造"}),
    ],
)
def test_realistic_questions(question, expected):
    assert expected <= _terms(question), translate(question)


def test_output_in_question_order_without_repeats():
    result = translate("Cases, more cases and legal aid cases")
    assert result == [("案件", "件", "案"), ("法律援助",)]


def test_english_terms_reports_unknown_content_words():
    assert english_terms("How many zorblax widgets were recorded in 2023?") == ["zorblax", "widgets"]
    assert english_terms("How many administrative reconsideration cases were there?") == []
    assert english_terms("") == [] and translate("") == []
