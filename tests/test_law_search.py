"""Laws in `assistant search` and the 检索 tab: filters by legal kind, level and region; citation labels shown."""
import json
from pathlib import Path

import pytest

from assistant.interfaces import ui
from assistant.interfaces.cli import main
from assistant.types import Citation

FIXTURES = Path(__file__).parent / "fixtures" / "laws"


@pytest.fixture(scope="module")
def law_store(tmp_path_factory):
    store = ["--store", str(tmp_path_factory.mktemp("law-cli") / "idx"), "--model", "fake"]
    assert main(["index", str(FIXTURES), "--quiet", *store]) == 0
    return store


def _search(args, capsys):
    assert main(["search", *args]) == 0
    return capsys.readouterr().out


def test_cli_search_shows_the_label_and_filters(law_store, capsys):
    rows = json.loads(_search(["行政复议法第九条", "--json", "-k", "5", *law_store], capsys))
    assert rows[0]["label"] == "《中华人民共和国行政复议法》第九条" and rows[0]["article"] == 9
    assert rows[0]["law_kind"] == "法律" and rows[0]["level"] == "国家"
    out = _search(["行政复议法第九条", "-k", "3", *law_store], capsys)
    assert "《中华人民共和国行政复议法》第九条" in out.splitlines()[0]

    local = json.loads(_search(["罚款 限额", "--json", "--level", "地方", *law_store], capsys))
    assert local and all(r["level"] == "地方" and r["region"] == "北京" for r in local)
    beijing = json.loads(_search(["罚款", "--json", "--region", "北京", *law_store], capsys))
    assert beijing and all(r["region"] == "北京" for r in beijing)
    regs = json.loads(_search(["国库券 发行", "--json", "--law-kind", "行政法规", *law_store], capsys))
    assert regs and all(r["law_kind"] == "行政法规" for r in regs)
    cases = json.loads(_search(["消费者 选择权", "--json", "--law-kind", "案例", *law_store], capsys))
    assert cases and all(r["law_kind"] == "案例" and r["label"].startswith("《吴小秦") for r in cases)
    newer = json.loads(_search(["行政复议", "--json", "--year-from", "2020", "--law-kind", "法律", *law_store], capsys))
    assert newer and all(r["date"] >= "2020" for r in newer)


def test_search_tab_filters_and_labels(law_store):
    from assistant.config import Settings
    from assistant.assistant import Assistant

    assistant = Assistant(Settings(store_dir=law_store[1], embedding_model="fake"))
    html = ui.run_search(assistant, "罚款 限额", law_kinds=["地方性法规"], region="北京市")
    assert "《北京市规章设定罚款限额规定》第" in html and "国库券" not in html
    assert "《北京市规章设定罚款限额规定》第" in ui.run_search(assistant, "罚款 限额", region=["北京"])
    html = ui.run_search(assistant, "罚款", levels=["国家"], law_kinds=["地方性法规"])
    assert "没有找到" in html
    html = ui.run_search(assistant, "行政复议法第九条")
    assert "《中华人民共和国行政复议法》第九条" in html


def test_citations_name_laws_by_label_and_reports_by_title_and_section():
    law = Citation("a.md", 0, 5, "第三条 …", title="中华人民共和国行政诉讼法", section_path=("第一章 总则", "第三条"),
                   label="《中华人民共和国行政诉讼法》第三条")
    report = Citation("r.txt", 0, 5, "……", title="2023年度法治政府建设情况报告", section_path=("一、主要成效",))
    assert law.reference == "《中华人民共和国行政诉讼法》第三条"
    assert report.reference == "《2023年度法治政府建设情况报告》 一、主要成效"
    assert law.to_json()["label"] == law.label and "label" not in report.to_json()
    from assistant.interfaces.ui import render as R
    from assistant.interfaces.ui.exports import answer_markdown
    from assistant.types import Answer

    html = R.render_answer(Answer(question="q", text="依据[1]", citations=(law,)))
    assert "《中华人民共和国行政诉讼法》第三条" in html
    md = answer_markdown(Answer(question="q", text="依据[1]", citations=(law, report)))
    assert "[1] 《中华人民共和国行政诉讼法》第三条" in md and "[2] 《2023年度法治政府建设情况报告》 一、主要成效" in md


def test_document_records_carry_kind_level_region_and_the_tab_offers_the_regions(law_store):
    from assistant.config import Settings
    from assistant.assistant import Assistant

    assistant = Assistant(Settings(store_dir=law_store[1], embedding_model="fake"))
    records = assistant.store.documents()
    local = [r for r in records.values() if r.level == "地方"]
    assert local and all(r.law_kind == "地方性法规" and r.region for r in local)
    assert {r.law_kind for r in records.values()} >= {"法律", "案例"}
    assert ui.region_choices(assistant) == sorted({r.region for r in local})
