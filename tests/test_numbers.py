"""Quantity, date and rank parsing on real expressions copied from /work/shared/data (the tests never read it)."""
from __future__ import annotations

import doctest
import math

import pytest

import assistant.zh.numbers as numbers
from assistant.zh.numbers import (
    DateMention, Figure, Rank, compare, find_dates, find_figures, find_ranks, normalize_digits, number_strings,
    parse_chinese_number,
)

SEED = "seed/xuchang_2023_fazhi_report.txt"  # 许昌示范区 2023年度法治建设工作报告
GOV = "gov_reports/national_gov_work_reports/government_work_reports.jsonl"  # + "#year" of the report
LAW = "laws/lawrefbook/"

# (source, text copied literally, expected figures as (raw, value, unit, qualifier)); years included.
FIGURES = [
    (SEED, "累计办理各类政务服务事项约4072件", [("约4072件", 4072, "件", "about")]),
    (SEED, "行政机关负责人出庭应诉率100%", [("100%", 100, "%", "")]),
    (SEED, "宣传册等10万余本、宣传袋等物料20万份", [("10万余本", 1e5, "本", "over"), ("20万份", 2e5, "份", "")]),
    (SEED, "开展示范市创建宣传20余场次", [("20余场次", 20, "场次", "over")]),
    (SEED, "法治助力乡村振兴等各类普法主题宣传活动共计26场次", [("26场次", 26, "场次", "")]),
    (SEED, "筹备管委会主任办公会议27次,研究议题135个", [("27次", 27, "次", ""), ("135个", 135, "个", "")]),
    (SEED, "广播播出时长约8460分钟,受众达5万人", [("约8460分钟", 8460, "分钟", "about"), ("5万人", 5e4, "人", "")]),
    (SEED, "公开信息4批次、文件42份", [("4批次", 4, "批次", ""), ("42份", 42, "份", "")]),
    (SEED, "办理政府信息公开申请53件(包括2022年结转32件)",
     [("53件", 53, "件", ""), ("2022年", 2022, "年", ""), ("32件", 32, "件", "")]),
    (SEED, "为我区的群众共提供法律咨询3000人次", [("3000人次", 3000, "人次", "")]),
    (SEED, "行政诉讼发案量和败诉率在全市九个县市区中处于较低水平", [("九个", 9, "个", "")]),
    (SEED, "在202312月、20241月市政府2次月讲评工作会议上",
     [("2023", 2023, "年", ""), ("2024", 2024, "年", ""), ("2次", 2, "次", "")]),
    (SEED, "2012年至今共计接受社区矫正对象315人(2023年累计接受社区矫正对象42人)",
     [("2012年", 2012, "年", ""), ("315人", 315, "人", ""), ("2023年", 2023, "年", ""), ("42人", 42, "人", "")]),
    (GOV + "#2025", "国内生产总值达到134.9万亿元", [("134.9万亿元", 1.349e14, "元", "")]),
    (GOV + "#2025", "赤字规模5.66万亿元", [("5.66万亿元", 5.66e12, "元", "")]),
    (GOV + "#2025", "比上年提高1个百分点", [("1个百分点", 1, "个百分点", "")]),
    (GOV + "#2025", "生产总值增长5%左右", [("5%左右", 5, "%", "about")]),
    (GOV + "#2025", "利息年支出减少约1500亿元", [("约1500亿元", 1.5e11, "元", "about")]),
    (GOV + "#2025", "外汇储备超过3.2万亿美元", [("超过3.2万亿美元", 3.2e12, "美元", "over")]),
    (GOV + "#2025", "惠及学生3400多万人次", [("3400多万人次", 3.4e7, "人次", "over")]),
    (GOV + "#2024", "国内生产总值超过126万亿元", [("超过126万亿元", 1.26e14, "元", "over")]),
    (GOV + "#2024", "城镇新增就业1200万人以上", [("1200万人以上", 1.2e7, "人", "over")]),
    (GOV + "#2023", "缓税缓费7500多亿元", [("7500多亿元", 7.5e11, "元", "over")]),
    (GOV + "#2023", "十年增加近70万亿元", [("十年", 10, "年", ""), ("近70万亿元", 7e13, "元", "under")]),
    (GOV + "#2023", "是十年前的3倍", [("十年", 10, "年", ""), ("3倍", 3, "倍", "")]),
    (GOV + "#2023", "重污染天数下降超过五成", [("超过五成", 50, "%", "over")]),
    (GOV + "#2023", "利率较五年前下降1.5个百分点", [("五年", 5, "年", ""), ("1.5个百分点", 1.5, "个百分点", "")]),
    (GOV + "#2023", "粮食产量连年稳定在1.3万亿斤以上", [("1.3万亿斤以上", 1.3e12, "斤", "over")]),
    (GOV + "#2022", "规模近9.8万亿元", [("近9.8万亿元", 9.8e12, "元", "under")]),
    (GOV + "#2022", "预计全年退税减税约2.5万亿元", [("约2.5万亿元", 2.5e12, "元", "about")]),
    (GOV + "#2021", "国内生产总值从不到70万亿元增加", [("不到70万亿元", 7e13, "元", "under")]),
    (GOV + "#2019", "日均新设企业超过1.8万户", [("超过1.8万户", 1.8e4, "户", "over")]),
    (GOV + "#2019", "近1400万农业转移人口在城镇落户", [("近1400万", 1.4e7, "", "under")]),
    (GOV + "#2018", "退出钢铁产能1.7亿吨以上", [("1.7亿吨以上", 1.7e8, "吨", "over")]),
    (GOV + "#2018", "煤炭消费比重下降8.1个百分点", [("8.1个百分点", 8.1, "个百分点", "")]),
    (GOV + "#2003", "所占比例每年提高一个百分点", [("一个百分点", 1, "个百分点", "")]),
    (GOV + "#2003", "自然增长率降到6.45‰", [("6.45‰", 6.45, "‰", "")]),
    (GOV + "#2002", "２００１年国内生产总值达到９５９３３亿元，比上年增长７．３％",
     [("２００１年", 2001, "年", ""), ("９５９３３亿元", 9.5933e12, "元", ""), ("７．３％", 7.3, "%", "")]),
    (GOV + "#1995", "农业增加值增长百分之三点五", [("百分之三点五", 3.5, "%", "")]),
    (GOV + "#1995", "其中食品价格上涨的因素大约有十三个百分点左右", [("十三个百分点左右", 13, "个百分点", "about")]),
    (GOV + "#1983", "三百一十四万三千人", [("三百一十四万三千人", 3143000, "人", "")]),
    (GOV + "#1980", "两年共增产粮食4，900多万吨", [("两年", 2, "年", ""), ("4，900多万吨", 4.9e7, "吨", "over")]),
    (GOV + "#1980", "在能源增长不到3％的情况下", [("不到3％", 3, "%", "under")]),
    (GOV + "#1960", "年每人收入八十五元左右", [("八十五元左右", 85, "元", "about")]),
    (GOV + "#1960", "再增加一千八百亿斤以上", [("一千八百亿斤以上", 1.8e11, "斤", "over")]),
    (GOV + "#1959", "一般应当不少于百分之八十", [("不少于百分之八十", 80, "%", "over")]),
    (GOV + "#1958", "一百零三亿七千万元", [("一百零三亿七千万元", 1.037e10, "元", "")]),
    (GOV + "#1957", "我们派出留学生6,435人，其中革命干部的子女还不到3.5%",
     [("6,435人", 6435, "人", ""), ("不到3.5%", 3.5, "%", "under")]),
    (GOV + "#1956", "１９５５年本年收入合计２７，２０３，３１９，０００元",
     [("１９５５年", 1955, "年", ""), ("２７，２０３，３１９，０００元", 27203319000, "元", "")]),
    (LAW + "刑法/刑法.md", "管制的期限，为三个月以上二年以下", [("三个月以上", 3, "个月", "over"), ("二年以下", 2, "年", "under")]),
    (LAW + "刑法/刑法.md", "已满十二周岁不满十四周岁的人",
     [("已满十二周岁", 12, "周岁", "over"), ("不满十四周岁", 14, "周岁", "under")]),
    (LAW + "刑法/刑法.md", "单处销售金额百分之五十以上二倍以下罚金",
     [("百分之五十以上", 50, "%", "over"), ("二倍以下", 2, "倍", "under")]),
    (LAW + "刑法/刑法修正案（六）.md", "并处或者单处二万元以上二十万元以下罚金",
     [("二万元以上", 2e4, "元", "over"), ("二十万元以下", 2e5, "元", "under")]),
    (LAW + "诉讼与非诉讼程序法/行政诉讼法(2017-06-27).md", "对该行政机关负责人按日处五十元至一百元的罚款",
     [("五十元", 50, "元", ""), ("一百元", 100, "元", "")]),
    (LAW + "诉讼与非诉讼程序法/行政诉讼法(2017-06-27).md", "收到复议决定书之日起十五日内向人民法院", [("十五日", 15, "日", "")]),
    (LAW + "诉讼与非诉讼程序法/农村土地承包经营纠纷调解仲裁法(2009-06-27).md", "自收到仲裁申请之日起五个工作日内",
     [("五个工作日", 5, "个工作日", "")]),
    (LAW + "DLC/重庆地方法规/地方性法规/重庆/重庆市绿化条例(2018-07-26).md", "逾期缴纳的，每日加收千分之二的滞纳金",
     [("千分之二", 2, "‰", "")]),
    (LAW + "DLC/北京地方法规/地方性法规/北京/北京市招标投标条例(2021-09-24).md", "可以处项目合同金额千分之五以上千分之十以下罚款",
     [("千分之五以上", 5, "‰", "over"), ("千分之十以下", 10, "‰", "under")]),
    (LAW + "DLC/重庆地方法规/地方性法规/重庆/重庆市实施《长江三峡工程建设移民条例》办法(2011-11-29).md",
     "人均耕地不足零点零三三公顷（零点五亩）的", [("不足零点零三三公顷", 0.033, "公顷", "under"), ("零点五亩", 0.5, "亩", "")]),
    (LAW + "DLC/重庆地方法规/地方性法规/重庆/重庆市林地保护管理条例(2018-07-26).md", "每公顷补偿十五万元至二十二点五万元",
     [("十五万元", 1.5e5, "元", ""), ("二十二点五万元", 2.25e5, "元", "")]),
    (LAW + "DLC/广东地方法规/地方性法规/广东/广东省建设工程监理条例(2021-09-29).md", "单体建筑面积在三千平方米以上的",
     [("三千平方米以上", 3000, "平方米", "over")]),
    (LAW + "DLC/浙江地方法规/地方性法规/浙江/宁波市城市绿化条例(2017-12-18).md", "绿地率可以降低五个百分点",
     [("五个百分点", 5, "个百分点", "")]),
]


@pytest.mark.parametrize("source,text,expected", FIGURES, ids=[f"{s.split('/')[-1]}:{t[:12]}" for s, t, _ in FIGURES])
def test_real_figures(source, text, expected):
    figs = find_figures(text)
    for f in figs:
        assert text[f.start : f.end] == f.raw
        assert f.approximate == bool(f.qualifier)
    got = [(f.raw, f.value, f.unit, f.qualifier) for f in figs]
    assert [g[0] for g in got] == [e[0] for e in expected]
    for (_, value, unit, qual), (_, ev, eu, eq) in zip(got, expected):
        assert math.isclose(value, ev, rel_tol=1e-9) and (unit, qual) == (eu, eq)


# (source, text, expected (raw, year, month, day))
DATES = [
    (SEED, "在202312月、20241月市政府2次月讲评工作会议上", [("202312月", 2023, 12, None), ("20241月", 2024, 1, None)]),
    (SEED, "\xa0\xa0\xa0 2024228", [("2024228", 2024, 2, 28)]),  # the signature date, after NBSP padding
    (SEED, "【信息时间:2024-03-01 10:15\xa0 阅读次数: 】", [("2024-03-01 10:15", 2024, 3, 1)]),
    (GOV + "#2002", "２００２年１月１日", [("２００２年１月１日", 2002, 1, 1)]),
    (GOV + "#2005", "2004年7月1日", [("2004年7月1日", 2004, 7, 1)]),
    (GOV + "#1964", "一九六二年九月", [("一九六二年九月", 1962, 9, None)]),
    (LAW + "诉讼与非诉讼程序法/行政诉讼法(2017-06-27).md", "2017年6月27日 第十二届全国人民代表大会常务委员会第二十八次会议",
     [("2017年6月27日", 2017, 6, 27)]),
    (LAW + "宪法相关法/香港特别行政区基本法(1990-04-04).md", "确认中华人民共和国政府于一九九七年七月一日恢复对香港行使主权",
     [("一九九七年七月一日", 1997, 7, 1)]),
]


@pytest.mark.parametrize("source,text,expected", DATES, ids=[f"{s.split('/')[-1]}:{t.strip()[:12]}" for s, t, _ in DATES])
def test_dates(source, text, expected):
    dates = find_dates(text)
    assert all(text[d.start : d.end] == d.raw for d in dates)
    assert [(d.raw, d.year, d.month, d.day) for d in dates] == expected
    figs = find_figures(text)  # months and days are never counts; the year stays a year
    assert all(f.is_year for f in figs if any(d.start <= f.start < d.end for d in dates))
    assert all(text[f.start : f.end] == f.raw for f in figs)


def test_years_are_not_counts():
    (y,) = find_figures("2023年")
    assert y.is_year and (y.value, y.unit) == (2023, "年")
    assert [f.is_year for f in find_figures("2012年至今共计接受社区矫正对象315人")] == [True, False]
    assert not any(f.unit == "月" for f in find_figures("在202312月、20241月市政府2次月讲评工作会议上"))
    assert [f.raw for f in find_figures("近5年来")] == ["5年"]  # "the last five years", not "almost five"
    assert find_dates("办理2141条，投资20240228元") == []


RANKS = [
    (SEED, "示范区在2021年度法治许昌(法治政府)建设考核中,位列县(市、区)第三,在2022年度", [("位列县(市、区)第三", 3)]),
    (GOV + "#2018", "规模跃居世界第二位", [("跃居世界第二位", 2)]),
    (GOV + "#2013", "水电、风电装机位居世界第一；", [("位居世界第一", 1)]),
    (GOV + "#2008", "从世界第六位上升到第四位", [("第六位", 6), ("上升到第四位", 4)]),
    (GOV + "#2003", "从居世界第三十九位跃升到第二位", [("居世界第三十九位", 39), ("跃升到第二位", 2)]),
    (GOV + "#2016", "国民经济和社会发展第十三个五年规划", []),
    (GOV + "#2006", "。第一，各级政府要把安全", []),
    (LAW + "刑法/刑法.md", "第一百三十五条", []),
    ("synthetic", "考核排名第一；获评第1名", [("排名第一", 1), ("第1名", 1)]),
]


@pytest.mark.parametrize("source,text,expected", RANKS, ids=[f"{s.split('/')[-1]}:{t[:10]}" for s, t, _ in RANKS])
def test_ranks(source, text, expected):
    ranks = find_ranks(text)
    assert all(isinstance(r, Rank) and text[r.start : r.end] == r.raw for r in ranks)
    assert [(r.raw, r.value) for r in ranks] == expected
    assert not any(text[f.start - 1 : f.start] == "第" for f in find_figures(text) if f.start)  # ordinals are not counts


def _fig(text: str) -> Figure:
    figs = [f for f in find_figures(text) if not f.is_year]
    assert len(figs) == 1, figs
    return figs[0]


@pytest.mark.parametrize("a,b,outcome", [
    ("出庭应诉率100%", "出庭应诉率100%", "equal"),
    ("出庭应诉率为95%", "出庭应诉率100%", "different"),
    ("10万余本", "10万本", "compatible"),
    ("10万余本", "30万本", "different"),
    ("20万份", "30万份", "different"),
    ("约4072件", "4072件", "compatible"),
    ("约4072件", "约4072件", "equal"),
    ("约4072件", "4100件", "compatible"),
    ("超过5000", "5200", "compatible"),
    ("不到5000", "5200", "different"),
    ("近5000万人", "4800万人", "compatible"),
    ("近5000万人", "3000万人", "different"),
    ("7500多亿元", "7580亿元", "compatible"),
    ("7500多亿元", "8000亿元", "different"),
    ("1.2万亿元", "12000亿元", "equal"),
    ("5.66万亿元", "56600亿元", "equal"),
    ("百分之八十五", "85%", "equal"),
    ("千分之五", "0.5%", "equal"),
    ("五成", "50%", "equal"),
    ("１，２３４件", "1234件", "equal"),
    ("二十六场次", "26场", "equal"),
    ("零点五个百分点", "0.5个百分点", "equal"),
    ("5%", "5个百分点", "incomparable"),
    ("53件", "53%", "incomparable"),
    ("20万份", "20万本", "incomparable"),
    ("3万亿美元", "3万亿元", "incomparable"),
])
def test_compare(a, b, outcome):
    fa, fb = _fig(a), _fig(b)
    assert compare(fa, fb) == outcome
    assert compare(fb, fa) == outcome


def test_compare_year_vs_duration_and_plain_figures():
    year, = find_figures("2023年")
    assert compare(year, _fig("5年")) == "incomparable"
    assert compare(Figure(0, 2, "95", 95.0, "%"), Figure(0, 3, "100", 100.0, "%")) == "different"
    assert compare(Figure(0, 4, "约95%", 95.0, "%", True, "about"), Figure(0, 3, "96%", 96.0, "%")) == "compatible"


@pytest.mark.parametrize("text,value", [
    ("三", 3), ("二十六", 26), ("一百三十五", 135), ("十万", 1e5), ("两千", 2000), ("一万二千", 12000),
    ("三点五", 3.5), ("零点五", 0.5), ("一百零三亿七千万", 1.037e10), ("三万亿", 3e12), ("二〇二三", 2023), ("十", 10),
])
def test_parse_chinese_number(text, value):
    assert math.isclose(parse_chinese_number(text), value)


def test_bare_chinese_numerals_and_idioms():
    assert [(f.raw, f.value) for f in find_figures("十万，一万二千，三点五")] == [("十万", 1e5), ("一万二千", 12000), ("三点五", 3.5)]
    for idiom in ("深化“一件事一次办”改革", "千家万户", "二十大", "“十四五”", "“八五”普法", "节约"):
        assert find_figures(idiom) == [], idiom


def test_figure_api_is_backwards_compatible():
    f = Figure(0, 5, "2023年", 2023.0, "年")
    assert f.is_year and not f.approximate and f.qualifier == "" and f.bounds is None
    with pytest.raises(AttributeError):
        f.value = 1  # frozen
    assert DateMention(0, 1, "x", 2023, 12).day is None


def test_number_strings_and_normalize():
    assert number_strings("53件（包括2022年结转32件）") == ["53", "2022", "32"]
    assert number_strings("１，２３４") == ["1234"]
    assert number_strings("增长7.30%，1 000人") == ["7.3", "1000"]
    text = "增长７．３％，１，２３４"
    assert len(normalize_digits(text)) == len(text) and normalize_digits(text) == "增长7.3%,1,234"


def test_doctests():
    assert doctest.testmod(numbers).failed == 0
