"""Law loader and law chunking on real LawRefBook files (tests/fixtures/laws, folder layout kept)."""
from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.ingest import iter_files, load_document
from assistant.ingest.laws import cn_number, is_law_markdown, law_info

FIXTURES = Path(__file__).parent / "fixtures" / "laws"


def _load(rel: str):
    return load_document(FIXTURES / rel, source=rel)


def _all_docs():
    return [load_document(p, source=s) for p, s in iter_files([FIXTURES]) if p.name != "SOURCE.md"]


@pytest.mark.parametrize("text, number", [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("一百零五", 105),
                                          ("一千一百六十五", 1165), ("264", 264), ("２６４", 264), ("一〇五", 105)])
def test_cn_number(text, number):
    assert cn_number(text) == number


@pytest.mark.parametrize("rel, law_kind, level, region, date", [
    ("诉讼与非诉讼程序法/行政复议法(2023-09-01).md", "法律", "国家", "", "2023-09-01"),
    ("行政法规/国库券条例(2011-01-08).md", "行政法规", "国家", "", "2011-01-08"),
    ("司法解释/最高人民法院关于海关行政处罚案件诉讼管辖问题的解释(2002-01-30).md", "司法解释", "国家", "", "2002-01-30"),
    ("DLC/北京地方法规/地方性法规/北京/北京市规章设定罚款限额规定.md", "地方性法规", "地方", "北京", None),
    ("案例/消费购物/吴小秦诉陕西广电网络传媒（集团）股份有限公司捆绑交易纠纷案.md", "案例", "国家", "", None),
])
def test_kind_level_region_date(rel, law_kind, level, region, date):
    doc = _load(rel)
    assert (doc.law_kind, doc.level, doc.region) == (law_kind, level, region)
    assert doc.kind == ("case" if law_kind == "案例" else "law")
    if date:
        assert doc.date == date
    else:  # no date in the file name: the latest date of the history lines, if any
        assert doc.date is None or doc.date[:2] in ("19", "20")


def test_kind_from_text_when_the_path_says_nothing():
    text = (FIXTURES / "DLC/北京地方法规/地方性法规/北京/北京市规章设定罚款限额规定.md").read_text("utf-8")
    assert is_law_markdown(text, "规定.md")
    info = law_info(text, "规定.md")
    assert (info.kind, info.level, info.region) == ("地方性法规", "地方", "北京")
    interp = (FIXTURES / "司法解释/最高人民法院关于海关行政处罚案件诉讼管辖问题的解释(2002-01-30).md").read_text("utf-8")
    assert law_info(interp, "x.md").kind == "司法解释"
    assert not is_law_markdown("# 2023年工作报告\n\n一、总体情况\n\n今年完成了任务。", "report.md")


@pytest.mark.parametrize("rel", [
    "诉讼与非诉讼程序法/行政复议法(2017-09-01).md", "诉讼与非诉讼程序法/行政复议法(2023-09-01).md",
    "行政法规/国库券条例(2011-01-08).md", "行政法/学位条例(2004-08-28).md",
    "DLC/北京地方法规/地方性法规/北京/北京市规章设定罚款限额规定.md",
])
def test_one_article_per_chunk_numbered_from_one(rel):
    doc = _load(rel)
    chunks = chunk_document(doc)
    numbers = sorted({c.article for c in chunks if c.article})
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5
    # every line that opens an article in the file is an article chunk start
    opening = sum(1 for line in doc.text.splitlines() if line.startswith("第") and "条 " in line[:12])
    assert len([c for c in chunks if c.article and c.text.startswith("第")]) == opening
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        if c.article:
            assert c.label.startswith(f"《{doc.title}》第") and c.label.endswith("条")
            assert c.section_path[-1] == c.label[len(doc.title) + 2:]
            assert c.law_kind == doc.law_kind and c.level == doc.level


def test_label_and_chapter_of_a_known_article():
    doc = _load("诉讼与非诉讼程序法/行政复议法(2023-09-01).md")
    assert doc.title == "中华人民共和国行政复议法"
    chunks = [c for c in chunk_document(doc) if c.article == 2]
    assert chunks[0].label == "《中华人民共和国行政复议法》第二条"
    assert chunks[0].section_path[0].startswith("第一章")
    assert chunks[0].text.startswith("第二条")


def test_long_article_split_at_paragraphs_keeps_its_number():
    doc = _load("诉讼与非诉讼程序法/行政复议法(2023-09-01).md")
    chunks = chunk_document(doc, max_chars=120)
    by_article: dict[int, list] = {}
    for c in chunks:
        if c.article:
            by_article.setdefault(c.article, []).append(c)
    split = [parts for parts in by_article.values() if len(parts) > 1]
    assert split, "some articles of this law are longer than 120 characters"
    for parts in split:
        assert len({p.label for p in parts}) == 1
        assert parts[0].text.startswith("第")
        for a, b in zip(parts, parts[1:]):
            assert a.end <= b.start and doc.text[a.end:b.start].strip() == ""  # cut between 款 (or sentences), nothing lost


def test_guiding_case_chunked_by_parts():
    doc = _load("案例/消费购物/吴小秦诉陕西广电网络传媒（集团）股份有限公司捆绑交易纠纷案.md")
    assert doc.title == "吴小秦诉陕西广电网络传媒（集团）股份有限公司捆绑交易纠纷案"
    chunks = chunk_document(doc)
    parts = [c.section_path[-1] for c in chunks]
    for name in ("裁判要点", "基本案情", "裁判结果", "裁判理由"):
        assert name in parts
    first = {p: i for i, p in reversed(list(enumerate(parts)))}
    assert first["裁判要点"] < first["基本案情"] < first["裁判结果"] < first["裁判理由"]
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert c.kind == "case" and c.label.startswith(f"《{doc.title}》")
    assert any(c.label == f"《{doc.title}》裁判要点" for c in chunks)


def test_interpretation_without_articles_still_chunked_and_labelled():
    doc = _load("司法解释/最高人民法院关于海关行政处罚案件诉讼管辖问题的解释(2002-01-30).md")
    chunks = chunk_document(doc)
    assert chunks and all(doc.text[c.start:c.end] == c.text for c in chunks)
    assert all(c.label == f"《{doc.title}》" for c in chunks)
    assert any("海事法院不予受理" in c.text for c in chunks)


def test_reports_are_not_laws(sample_doc):
    assert sample_doc.law_kind == ""
    assert all(c.label == "" and c.article == 0 for c in chunk_document(sample_doc))


def test_every_fixture_loads_as_legal():
    docs = _all_docs()
    assert len(docs) == 7 and all(d.law_kind for d in docs)
