"""The genre rules file, row by row: each rule against texts it must and must not match."""
from __future__ import annotations

import re

import pytest

from assistant.ingest.laws import cn_number
from assistant.zh import rules
from assistant.zh.numbers import find_figures, parse_chinese_number

YEARS = [
    ("2023年行政机关负责人出庭应诉率100%", {2023}),
    ("2022年至2024年", {2022, 2024}),
    ("比上年增长5%", set()),
    ("编号12023456", set()),  # part of a longer number
    ("1998年和2101年", {1998}),  # 2101 is outside 1900–2099
]


@pytest.mark.parametrize("text,years", YEARS)
def test_the_one_year_pattern(text, years):
    assert rules.years_in(text) == years


UNITS = [
    ("办理行政复议案件17件", "件"),
    ("开展普法活动62场次", "场次"),
    ("增长2.5个百分点", "个百分点"),
    ("投资35亿元", "元"),
    ("出庭应诉率100%", "%"),
]


@pytest.mark.parametrize("text,unit", UNITS)
def test_units_come_from_the_rules_file(text, unit):
    assert unit in rules.words("units", "measure")
    assert [f.unit for f in find_figures(text) if not f.is_year][-1] == unit


@pytest.mark.parametrize("unit", rules.words("units", "counted"))
def test_counted_units_are_measure_units(unit):
    assert unit in rules.words("units", "measure")


BODIES = [
    ("北京市第十五届人民代表大会常务委员会第三次会议通过", "北京市", "常务委员会"),
    ("广西壮族自治区第十三届人民代表大会第五次会议", "广西壮族自治区", None),
    ("延边朝鲜族自治州第十四届人民代表大会常务委员会", "延边朝鲜族自治州", "常务委员会"),
    ("全国人民代表大会常务委员会", None, None),
]


@pytest.mark.parametrize("text,place,committee", BODIES)
def test_local_congress(text, place, committee):
    m = rules.LOCAL_CONGRESS.search(text)
    assert (m.group(1) if m else None) == place
    if m:
        assert m.group(2) == committee


@pytest.mark.parametrize("text,national", [("国务院关于印发", True), ("最高人民检察院", True), ("省人民政府", False)])
def test_national_bodies(text, national):
    assert bool(rules.NATIONAL_BODY.search(text)) is national


QUALIFIERS = [("prefix", "about", "约"), ("prefix", "over", "超过"), ("prefix", "under", "不到"),
              ("suffix", "about", "左右"), ("suffix", "over", "以上"), ("suffix", "under", "以内")]


@pytest.mark.parametrize("position,kind,word", QUALIFIERS)
def test_qualifiers(position, kind, word):
    assert word in rules.qualifiers(position)[kind].split("|")


NUMERALS = [("三", 3), ("十", 10), ("二十一", 21), ("一百零五", 105), ("一〇五", 105), ("一千一百六十五", 1165),
            ("二〇二三", 2023), ("两千", 2000)]


@pytest.mark.parametrize("text,value", NUMERALS)
def test_one_chinese_numeral_parser(text, value):
    assert parse_chinese_number(text) == value
    assert cn_number(text) == value  # the law loader's article numbers go through the same parser


def test_cn_number_takes_arabic_and_full_width_digits_and_refuses_the_rest():
    assert cn_number("264") == 264 and cn_number("２６４") == 264
    assert cn_number("三点五") is None and cn_number("条") is None and cn_number("") is None


def test_alternations_put_longer_words_first():
    for section, name in (("units", "measure"), ("bodies", "national"), ("bodies", "place_suffixes")):
        items = rules.words(section, name)
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                assert not (b.startswith(a) and len(b) > len(a)), f"{section}.{name}: {b!r} after {a!r}"
        assert re.compile(rules.alternation(items))
