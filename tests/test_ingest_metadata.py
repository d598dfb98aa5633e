"""Boilerplate spans and metadata (title, date, issuer, kind) on the sample, synthetic pages and the shared corpora."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ingest import load_document, title_year
from assistant.ingest.boilerplate import find_boilerplate
from assistant.ingest.metadata import detect_date, detect_issuer, detect_kind, detect_title, parse_date

SHARED = Path(__file__).resolve().parents[2] / "shared"
LAWS = SHARED / "data" / "laws" / "lawrefbook"
GOV_REPORTS = SHARED / "data" / "gov_reports" / "national_gov_work_reports" / "government_work_reports.jsonl"
CHROME_LINE = "【信息来源:【信息时间:2024-03-01 10:15\xa0 阅读次数: 】【字号 】【我要打印】【关闭"


def skipped(text: str) -> list[str]:
    return [text[s:e] for s, e in find_boilerplate(text)]


def is_covered(spans, start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def assert_spans_well_formed(doc) -> None:
    spans = list(doc.skip_spans)
    assert spans == sorted(spans)
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert e1 < s2
    for s, e in spans:
        assert 0 <= s < e <= len(doc.text)
        assert doc.text[s] not in " \r\n\t" and doc.text[e - 1] not in " \r\n\t"


# ---------------------------------------------------------------- the sample report


def test_sample_metadata(sample_doc):
    assert sample_doc.title == "许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告"
    assert sample_doc.date == "2024-03-01"
    assert sample_doc.year == 2024
    assert sample_doc.kind == "report"
    assert sample_doc.issuer == "许昌市城乡一体化示范区管委会"
    assert sample_doc.format == "txt" and sample_doc.encoding == "utf-8"
    assert sample_doc.source == "xuchang_2023_fazhi_report.txt"
    assert title_year(sample_doc.title) == 2023


def test_sample_text_is_the_file_exactly(sample_doc, sample_path):
    assert sample_doc.text == sample_path.read_bytes().decode("utf-8")


def test_sample_boilerplate_covers_the_chrome_line_and_nothing_else(sample_doc):
    text = sample_doc.text
    assert_spans_well_formed(sample_doc)
    assert [text[s:e] for s, e in sample_doc.skip_spans] == [CHROME_LINE]
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if body and body != CHROME_LINE:
            start = pos + line.index(body)
            assert not is_covered(sample_doc.skip_spans, start, start + len(body)), body[:30]
        pos += len(line)
    i = text.index("行政机关负责人出庭应诉率100%")
    assert not is_covered(sample_doc.skip_spans, i, i + len("行政机关负责人出庭应诉率100%"))


# ---------------------------------------------------------------- boilerplate patterns


def test_bracketed_controls_and_page_information():
    text = (
        "标题\n"
        "【字体：大 中 小】【打印】【关闭】\n"
        "[ 打印本页 ] [ 关闭窗口 ]\n"
        "正文第一段。【打印本页】【关闭窗口】\n"
        "来源：某某市司法局  发布时间：2024-03-01  浏览次数：1234\n"
        "打印本页\n关闭窗口\n分享到：微信 微博\n扫一扫在手机打开当前页\n"
        "上一篇：某某市2022年度报告\n下一篇：没有了\n"
        "当前位置：首页 > 政务公开\n首页 > 新闻中心 > 通知公告\n"
        "— 3 —\n第 2 页 共 10 页\n"
        "版权所有：某某市人民政府办公室\n豫ICP备05012345号-1\n网站标识码：4110000001\n"
    )
    assert skipped(text) == [  # consecutive chrome lines are one span
        "【字体：大 中 小】【打印】【关闭】\n[ 打印本页 ] [ 关闭窗口 ]",
        "【打印本页】【关闭窗口】\n来源：某某市司法局  发布时间：2024-03-01  浏览次数：1234\n"
        "打印本页\n关闭窗口\n分享到：微信 微博\n扫一扫在手机打开当前页\n上一篇：某某市2022年度报告\n下一篇：没有了\n"
        "当前位置：首页 > 政务公开\n首页 > 新闻中心 > 通知公告\n— 3 —\n第 2 页 共 10 页\n"
        "版权所有：某某市人民政府办公室\n豫ICP备05012345号-1\n网站标识码：4110000001",
    ]
    assert "正文第一段。" not in "".join(skipped(text))


def test_crlf_chrome_line_excludes_the_line_break():
    text = "标题\r\n【打印】【关闭】\r\n正文。\r\n"
    (span,) = find_boilerplate(text)
    assert text[span[0]:span[1]] == "【打印】【关闭】"


@pytest.mark.parametrize(
    "line",
    [
        "时间：2023年5月6日上午9时 地点：区政府三楼会议室",
        "来源于统计局的数据显示，全区生产总值增长6.1%，比上年提高0.5个百分点。",
        "【典型案例】某镇通过“一站式”矛盾纠纷调处化解中心化解纠纷120起。",
        "采购打印机、关闭窗口的老旧设备更新工作已完成。",
        "作者认为，法治政府建设仍需加强。",
        "三是推进“互联网+监管”，实现关闭类事项网上办理。",
        "第3页所列的数据来自2023年统计年鉴。",
        "一、加强组织领导，完善法治政府建设推进机制",
        "【作者简介】",
        "【时间管理】",
        "打印机",
        "返回原籍的人员共计35人",
    ],
)
def test_content_lines_are_never_boilerplate(line):
    text = "\n".join(["标题", "第一段。", line, "最后一段。"] * 3)  # also away from the first and last lines
    assert skipped(text) == []


def test_lone_source_line_counts_only_near_the_top_or_bottom():
    body = "\n".join(f"第{i}段内容。" for i in range(40))
    assert skipped("标题\n来源：某某市司法局\n" + body) == ["来源：某某市司法局"]
    assert skipped(body + "\n来源：某某市司法局\n" + body) == []


def test_wikisource_licence_tail_is_boilerplate():
    text = "正文。\n\n本作品是中华人民共和国的\n法律\n、\n法规\n，…属于\n公有领域\n。\n\nPublic domain\nfalse\n"
    assert skipped(text) == [text[text.index("本作品"):].rstrip()]


# ---------------------------------------------------------------- metadata functions


@pytest.mark.parametrize(
    "text, iso",
    [
        ("发布日期：2023年5月6日", "2023-05-06"),
        ("信息时间:2024-03-01 10:15", "2024-03-01"),
        ("2024.3.1", "2024-03-01"),
        ("２０２４年３月１日", "2024-03-01"),
        ("二〇二四年二月二十八日", "2024-02-28"),
        ("二○二三年十二月三十一日", "2023-12-31"),
        ("2023年12月", "2023-12"),
        ("2023年13月1日", None),
        ("2023年度", None),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_date_sources_in_order():
    body = "\n".join(["某某报告", "", "2023年，我们开展了很多工作，召开会议12次。", "特此报告。"])
    assert detect_date(body) is None
    assert detect_date(body + "\n\n某某市司法局\n2024年2月28日\n") == "2024-02-28"
    assert detect_date(body + "\n\n某某市司法局\n二〇二四年二月二十八日\n") == "2024-02-28"
    # the page's publication date wins over the signature
    assert detect_date("某某报告\n发布时间：2024-03-01\n" + body + "\n2024年2月28日\n") == "2024-03-01"
    # a label inside a longer word is not the page date
    assert detect_date("某某判决书\n原告张某，出生日期：1990年1月1日。\n" + body) is None
    # a file name with a lawrefbook date
    assert detect_date(body, "某某条例(2021-12-01).md") == "2021-12-01"


def test_date_from_a_law_header_leaves_out_the_commencement_date():
    law = "某某条例\n（2019年3月1日某某市人民代表大会常务委员会通过　2022年6月1日修正　自2022年9月1日起施行）\n第一条 为了……\n"
    assert detect_date(law) == "2022-06-01"
    md = "# 某某办法\n\n2006年11月17日 北京市人民政府第56次常务会议审议通过\n\n2007年1月1日 施行\n\n<!-- INFO END -->\n"
    assert detect_date(md) == "2006-11-17"
    assert detect_issuer("某某办法", md) == "北京市人民政府"


def test_signature_date_with_lost_characters_only_when_unambiguous():
    body = "某某报告\n正文。\n"
    assert detect_date(body + "\n   2024228\n") == "2024-02-28"  # 2024-2-28 (2024-22-8 is impossible)
    assert detect_date(body + "\n20240301\n") == "2024-03-01"
    assert detect_date(body + "\n2024111\n") is None  # 2024-1-11 or 2024-11-1


@pytest.mark.parametrize(
    "title, kind",
    [
        ("许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告", "report"),
        ("2023年法治政府建设年度报告", "report"),
        ("某某区2023年工作总结", "report"),
        ("政府工作报告", "report"),
        ("中华人民共和国行政复议法", "law"),
        ("中华人民共和国刑法修正案（十一）", "law"),
        ("人民检察院刑事诉讼规则（试行）", "law"),
        ("最高人民法院关于审理行政协议案件若干问题的规定", "law"),
        ("全国人民代表大会常务委员会关于修改《中华人民共和国行政诉讼法》的决定", "law"),
        ("河南省人民政府关于印发某某办法的通知", "other"),
        ("指导案例15号：徐工集团诉成都川交工贸公司等买卖合同纠纷案", "case"),
        ("某某市中级人民法院行政判决书", "case"),
        ("张莉诉北京合力华通汽车服务有限公司买卖合同纠纷案", "case"),
        ("第十四届全国人民代表大会第一次会议关于政府工作报告的决议", "other"),
        ("法治建设的经验做法", "other"),
    ],
)
def test_detect_kind_from_titles(title, kind):
    assert detect_kind(title, "") == kind


def test_detect_kind_from_structure():
    articles = "\n".join(f"第{n}条 内容。" for n in "一二三四")
    assert detect_kind("某某市养犬管理", articles) == "law"
    case = "## 基本案情\n张某于2016年入职。\n## 裁判结果\n驳回。\n"
    assert detect_kind("加班费的仲裁时效应当如何认定", case) == "case"


@pytest.mark.parametrize(
    "title, text, issuer",
    [
        ("许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告", "", "许昌市城乡一体化示范区管委会"),
        ("国务院关于加强法治政府建设的意见", "", "国务院"),
        ("司法部关于印发某某办法的通知", "", "司法部"),
        ("2024年中华人民共和国国务院政府工作报告", "", "国务院"),
        ("关于2023年度法治政府建设情况的报告", "正文。\n\n某某县人民政府\n2024年1月30日\n", "某某县人民政府"),
        ("关于2023年度法治政府建设情况的报告", "正文。\n\n三、下一步工作计划\n继续努力。\n", None),
        ("2023年度关于某事的报告", "", None),
    ],
)
def test_detect_issuer(title, text, issuer):
    assert detect_issuer(title, text) == issuer


def test_detect_title_passes_over_red_header_and_document_number():
    text = "某某市人民政府文件\n\n某政〔2024〕5号\n\n某某市人民政府\n关于2023年度法治政府建设情况的报告\n\n正文。"
    assert detect_title(text) == "某某市人民政府关于2023年度法治政府建设情况的报告"


def test_detect_title_falls_back_when_the_first_line_is_prose():
    assert detect_title("各位代表：\n现在，我代表国务院……", fallback="report") == "report"
    assert detect_title("\u200b\n\n政府工作报告\n\n——2024年3月5日", fallback="x") == "政府工作报告"


@pytest.mark.parametrize("text, title", [
    # web text whose line breaks were lost: the title, a space, the body, all on one line
    ("甘肃积极做好错峰返程疫情防控和交通运输保障工作 2月8日，甘肃省疫情联防联控领导小组交通检疫组印发《方案》，"
     "采取多项措施做好我省春节后错峰返程期间疫情防控工作。" * 3, "甘肃积极做好错峰返程疫情防控和交通运输保障工作"),
    ("抗击疫情同聚力 落实优惠促发展 2月18日，国家税务总局举行在线访谈活动，进一步就疫情防控税收优惠政策答疑。" * 3,
     "抗击疫情同聚力 落实优惠促发展"),  # a title set in two parts
    ("内蒙古出台15条政策措施助中小企业渡难关 新华社呼和浩特2月7日电（记者 张三）内蒙古自治区出台措施，支持中小企业。" * 3,
     "内蒙古出台15条政策措施助中小企业渡难关"),  # the dateline is not part of it
    ("关于阶段性降低企业用电成本的通知 发改价格〔2020〕258号 各省、自治区、直辖市发展改革委：为支持企业复工复产，现就有关事项通知如下。" * 3,
     "关于阶段性降低企业用电成本的通知"),  # nor the document number
])
def test_detect_title_of_a_one_line_text(text, title):
    assert detect_title(text, fallback="5e996fbd63c8") == title


def test_a_one_line_text_that_opens_with_prose_keeps_the_file_name():
    text = "为进一步做好疫情防控工作，现就有关事项通知如下：一、各地要加强组织领导，落实属地责任。" * 4
    assert detect_title(text, fallback="5e996fbd63c8") == "5e996fbd63c8"


def test_title_year():
    assert title_year("关于2023年度法治建设工作的报告") == 2023
    assert title_year("二〇二三年法治政府建设年度报告") == 2023
    assert title_year("中华人民共和国行政复议法") is None


# ---------------------------------------------------------------- shared corpora (../shared)


@pytest.mark.shared
@pytest.mark.parametrize(
    "rel, title, date, issuer",
    [
        ("行政法/国防教育法(2024-09-13).md", "中华人民共和国国防教育法", "2024-09-13", "全国人民代表大会常务委员会"),
        ("宪法/宪法.md", "中华人民共和国宪法", "2018-03-11", "全国人民代表大会"),  # no date in the name: header
        ("宪法相关法/反有组织犯罪法(2021-12-24).md", "中华人民共和国反有组织犯罪法", "2021-12-24", "全国人民代表大会常务委员会"),
        ("行政法规/专职守护押运人员枪支使用管理条例(2002-07-27).md", "专职守护押运人员枪支使用管理条例", "2002-07-27", "国务院"),
        ("DLC/广东地方法规/地方性法规/广东/潮州市畲族文化保护条例(2021-04-29).md", "潮州市畲族文化保护条例", "2021-04-29",
         "潮州市人民代表大会常务委员会"),
    ],
)
def test_lawrefbook_laws(rel, title, date, issuer):
    path = LAWS / rel
    if not path.exists():
        pytest.skip(f"{rel} is not in this snapshot")
    doc = load_document(path, source=rel)
    assert doc.kind == "law"
    assert doc.title == title
    assert doc.date == date
    assert doc.issuer == issuer
    assert doc.text == path.read_text(encoding="utf-8")
    # only markup (<!-- INFO END -->, <!-- FORCE BREAK -->), no web chrome in laws
    spans = [doc.text[s:e] for s, e in doc.skip_spans]
    assert "<!-- INFO END -->" in spans
    assert all(s.startswith("<!--") and s.endswith("-->") for s in spans)


@pytest.mark.shared
def test_lawrefbook_guiding_case():
    path = LAWS / "案例" / "劳动人事" / "加班费的仲裁时效应当如何认定.md"
    if not path.exists():
        pytest.skip("case file is not in this snapshot")
    doc = load_document(path)
    assert doc.kind == "case"
    assert doc.title == "加班费的仲裁时效应当如何认定"
    assert doc.date is None


@pytest.mark.shared
def test_lawrefbook_folder_kinds():
    """Every law folder reads as law (a few 通知/意见/安排 excepted), every guiding case as a case."""
    if not LAWS.is_dir():
        pytest.skip("lawrefbook is absent")
    from assistant.ingest import iter_files

    kinds: dict[str, dict[str, int]] = {}
    for path, source in iter_files([LAWS / "行政法", LAWS / "案例", LAWS / "刑法", LAWS / "宪法"]):
        if path.name == "_index.md":
            continue
        doc = load_document(path)
        folder = path.relative_to(LAWS).parts[0]
        kinds.setdefault(folder, {}).setdefault(doc.kind, 0)
        kinds[folder][doc.kind] += 1
    assert set(kinds["行政法"]) == {"law"} and set(kinds["刑法"]) == {"law"} and set(kinds["宪法"]) == {"law"}
    assert set(kinds["案例"]) == {"case"}


def _gov_report(title: str) -> str:
    for line in GOV_REPORTS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["title"] == title:
            return record["content"]
    pytest.skip(f"{title} is not in this snapshot")


@pytest.mark.shared
def test_national_government_work_report(tmp_path):
    if not GOV_REPORTS.exists():
        pytest.skip("gov_reports is absent")
    content = _gov_report("2024年中华人民共和国国务院政府工作报告")
    path = tmp_path / "2024政府工作报告.txt"
    path.write_text(content, encoding="utf-8")
    doc = load_document(path)
    assert doc.text == content
    assert doc.title == "政府工作报告"
    assert doc.date == "2024-03-05"  # "——2024年3月5日在第十四届全国人民代表大会第二次会议上"
    assert doc.issuer == "国务院"  # "国务院总理　李　强"
    assert doc.kind == "report"
    # the Wikisource licence notice at the end is boilerplate; the report itself is not
    (span,) = doc.skip_spans
    assert doc.text[span[0]:].startswith("本作品是中华人民共和国的")
    i = doc.text.index("国内生产总值超过126万亿元")
    assert not is_covered(doc.skip_spans, i, i + 10)


@pytest.mark.shared
def test_national_resolution_on_the_report(tmp_path):
    if not GOV_REPORTS.exists():
        pytest.skip("gov_reports is absent")
    title = "第十四届全国人民代表大会第一次会议关于政府工作报告的决议"
    path = tmp_path / "决议.txt"
    path.write_text(_gov_report(title), encoding="utf-8")
    doc = load_document(path)
    assert doc.title == title
    assert doc.date == "2023-03-13"
    assert doc.kind == "other"
    assert doc.issuer == "第十四届全国人民代表大会第一次会议"
