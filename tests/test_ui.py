"""The browser workspace's handlers, without a browser: chat, viewer, search, verification, uploads, settings."""
from __future__ import annotations

import csv
import hashlib
import html
import io
import re
from pathlib import Path

import pytest

from assistant.interfaces import ui
from assistant.interfaces.ui import render as R
from assistant.interfaces.ui import build_ui, respond
from assistant.interfaces.ui.render import render_answer
from assistant.indexing.uploads import safe_filename

QUESTION = "2023年行政机关负责人出庭应诉率是多少？"
LAW_TEXT = (
    "某市物业管理条例\n\n"
    "第一条 为了规范物业管理活动，维护业主和物业服务企业的合法权益，根据有关法律、行政法规，结合本市实际，制定本条例。\n"
    "第二条 本条例适用于本市行政区域内的物业管理活动及其监督管理。业主大会和业主委员会应当依法履行职责。\n"
    "第三条 物业服务企业应当按照物业服务合同的约定提供服务。市住房城乡建设行政主管部门负责全市物业管理活动的监督管理工作。\n"
    "第四条 违反本条例规定的，由行政主管部门责令限期改正；逾期不改正的，依法予以处罚。\n"
)

_CITE_VALUE = re.compile(r'class="cite-ref[^"]*" value="([^"]*)"')
_DATA_CITE = re.compile(r'data-cite="([^"]*)"')
_MARK = re.compile(r'<mark class="cited" id="cited-span">(.*?)</mark>', re.S)


def payloads(fragment: str) -> list[dict]:
    """The citation payloads carried by the clickable elements of an HTML fragment."""
    raw = _CITE_VALUE.findall(fragment) + _DATA_CITE.findall(fragment)
    return [R.parse_payload(html.unescape(v)) for v in raw]


def law_file(folder: Path, name: str = "物业条例.txt", encoding: str = "gbk") -> Path:
    path = folder / name
    path.write_bytes(LAW_TEXT.encode(encoding))
    return path


# -- 问答 -------------------------------------------------------------------------------------
def test_chat_answer_has_clickable_citations_and_a_citation_list(fake_assistant, sample_doc):
    history, box, answer = respond(fake_assistant, QUESTION, [])
    assert box == ""
    assert history[0] == {"role": "user", "content": QUESTION}
    assert history[1]["role"] == "assistant"
    reply = history[1]["content"]
    assert "100%" in reply and not answer.refused
    assert "\n" not in reply  # one HTML line: the chat's Markdown renderer passes it through untouched
    # the [1] marker in the answer text is a button carrying the citation
    text_part = reply.split('<div class="cite-list">')[0]
    assert '>[1]</button>' in text_part
    found = payloads(reply)
    assert found and all(p is not None for p in found)
    c = answer.citations[0]
    assert {"source": c.source, "start": c.start, "end": c.end} == {k: found[0][k] for k in ("source", "start", "end")}
    assert sample_doc.text[c.start : c.end] == c.quote
    # the citation list names the document, the section and the date
    assert "引用" in reply and html.escape(c.title) in reply and html.escape(c.section_path[-1]) in reply
    assert c.date in reply


def test_multi_turn_history_is_kept(fake_assistant):
    history, _, _ = respond(fake_assistant, QUESTION, [])
    history, _, _ = respond(fake_assistant, "示范区2023年有多少件行政应诉案件？", history)
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    assert "17件" in history[3]["content"]


def test_refusal_shows_nearest_passages_with_viewer_links(fake_assistant):
    history, _, answer = respond(fake_assistant, "联合国秘书长访问了示范区几次？", [])
    reply = history[-1]["content"]
    assert answer.refused
    assert "没有找到" in reply and "最接近的段落" in reply
    assert 1 <= len(payloads(reply)) <= 3
    assert reply == render_answer(answer)


def test_empty_question_gets_a_message_not_an_exception(fake_assistant):
    history, _, answer = respond(fake_assistant, "   ", [{"role": "user", "content": "x"}])
    assert answer is None
    assert len(history) == 2 and "问题为空" in history[-1]["content"]


def test_answer_text_is_escaped():
    from assistant.types import Answer, Citation

    a = Answer(question="q", text="<script>alert(1)</script> 见[1]、[7]",
               citations=(Citation("a.txt", 0, 3, "<b>", "T&C"),))
    out = render_answer(a)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert out.count('class="cite-ref"') == 2  # [1] in the text and in the list; [7] has no citation
    assert "[7]" in out


def test_export_answer_writes_markdown_with_citations(fake_assistant):
    _, _, answer = respond(fake_assistant, QUESTION, [])
    path = Path(ui.export_answer(answer))
    text = path.read_text(encoding="utf-8")
    assert path.suffix == ".md"
    assert QUESTION in text and answer.text in text
    c = answer.citations[0]
    assert f"> {c.quote}" in text and f"{c.start}–{c.end}" in text and c.title in text
    assert ui.export_answer(None) is None


def test_exports_share_one_folder_and_old_ones_are_pruned(fake_assistant):
    """A long-running server must not leave a temporary folder behind for every export."""
    import os
    import time

    _, _, answer = respond(fake_assistant, QUESTION, [])
    first, second = Path(ui.export_answer(answer)), Path(ui.export_answer(answer))
    assert first != second and first.parent.parent == second.parent.parent
    old = time.time() - 2 * 3600
    os.utime(first.parent, (old, old))
    third = Path(ui.export_answer(answer))
    assert third.is_file() and second.is_file() and not first.exists()


# -- document viewer ---------------------------------------------------------------------------
def test_citation_click_marks_exactly_the_cited_span(fake_assistant, sample_doc):
    history, _, answer = respond(fake_assistant, QUESTION, [])
    ref = html.unescape(_CITE_VALUE.findall(history[-1]["content"])[0])
    view = ui.open_citation(fake_assistant, ref)
    c = answer.citations[0]
    text = fake_assistant.store.document_text(c.source)
    marks = _MARK.findall(view)
    assert marks == [html.escape(text[c.start : c.end])]
    assert "出庭应诉率100%" in marks[0]
    body = view.split('<div class="viewer-body">', 1)[1]
    assert body.startswith(html.escape(text[: c.start]) + "<mark")  # offsets, not a search for the quote
    for part in c.section_path:
        assert html.escape(part) in view
    assert html.escape(sample_doc.title) in view and "viewer-path" in view


def test_viewer_escapes_document_text_around_the_mark(fake_assistant, tmp_path):
    doc = tmp_path / "escape_test.txt"
    body = "关于合同履行情况的报告\n\n一、基本情况\n甲方应当支付<10万元>&违约金，" + "并按约定履行其他义务。" * 12 + "\n"
    doc.write_text(body, encoding="utf-8")
    assert fake_assistant.index([doc]).ok
    text = fake_assistant.store.document_text("escape_test.txt")
    start = text.index("<10万元>&")
    view = ui.open_citation(fake_assistant, R.cite_payload("escape_test.txt", start, start + len("<10万元>&"), ("一、基本情况",)))
    assert _MARK.findall(view) == ["&lt;10万元&gt;&amp;"]
    assert "<10万元>" not in view


@pytest.mark.parametrize("ref, expected", [
    ("not json", "无法识别"),
    ('{"source": "nope.txt", "start": 0, "end": 1}', "不在索引中"),
    ('{"source": "xuchang_2023_fazhi_report.txt", "start": 5, "end": 999999}', "超出"),
    ('{"source": "xuchang_2023_fazhi_report.txt", "start": "0", "end": 1}', "无法识别"),
])
def test_bad_citation_payloads_give_a_message(fake_assistant, ref, expected):
    out = ui.open_citation(fake_assistant, ref)
    assert expected in out and "<mark" not in out


def test_open_document_shows_whole_text_without_mark(fake_assistant, sample_doc):
    view = ui.open_document(fake_assistant, sample_doc.source)
    assert "<mark" not in view and html.escape(sample_doc.text[-30:]) in view


# -- 检索 -------------------------------------------------------------------------------------
def test_search_filters_by_kind_and_highlights_terms(fake_assistant, tmp_path):
    assert fake_assistant.index([law_file(tmp_path)]).ok
    kinds = {r.source: r.kind for r in fake_assistant.store.documents().values()}
    assert kinds["物业条例.txt"] == "law" and kinds["xuchang_2023_fazhi_report.txt"] == "report"

    both = ui.run_search(fake_assistant, "行政主管部门 监督管理")
    assert "kind-law" in both and "kind-report" in both
    laws = ui.run_search(fake_assistant, "行政主管部门 监督管理", kinds=["law"])
    assert "kind-law" in laws and "kind-report" not in laws
    assert {p["source"] for p in payloads(laws)} == {"物业条例.txt"}
    assert '<mark class="term">' in laws and "监督管理" in laws
    reports = ui.run_search(fake_assistant, "行政主管部门 监督管理", kinds=["report"])
    assert "kind-law" not in reports and {p["source"] for p in payloads(reports)} == {"xuchang_2023_fazhi_report.txt"}


def test_search_result_opens_in_viewer(fake_assistant):
    out = ui.run_search(fake_assistant, "行政复议", source="xuchang_2023_fazhi_report.txt")
    first = payloads(out)[0]
    view = ui.open_citation(fake_assistant, first)
    text = fake_assistant.store.document_text(first["source"])
    assert _MARK.findall(view) == [html.escape(text[first["start"] : first["end"]])]


def test_search_year_range_and_bad_input(fake_assistant):
    assert "kind-report" in ui.run_search(fake_assistant, "行政复议", year_from=2024.0, year_to=2024)
    assert "没有找到" in ui.run_search(fake_assistant, "行政复议", year_from=2030)
    assert "晚于" in ui.run_search(fake_assistant, "行政复议", year_from=2024, year_to=2020)
    assert "问题为空" in ui.run_search(fake_assistant, "  ")


def test_highlight_terms_escapes_and_merges():
    assert R.highlight_terms("a<b>行政复议", ["行政", "行政复议", "复议"]) == 'a&lt;b&gt;<mark class="term">行政复议</mark>'
    assert R.highlight_terms("Court COURT", ["court"]).count("<mark") == 2


# -- 核查 -------------------------------------------------------------------------------------
def test_verify_renders_badges_and_exports(fake_assistant):
    text = "2023年行政机关负责人出庭应诉率为95%。联合国秘书长访问示范区3次。"
    page, md_path, csv_path = ui.run_verify(fake_assistant, text)
    verdicts = fake_assistant.verify(text)
    labels = [v.label for v in verdicts]
    assert labels[0] == "contradicted" and "not_found" in labels
    assert page.count('class="verdict verdict-') == len(verdicts)
    assert "badge-contradicted" in page and "badge-not_found" in page and "不一致" in page
    assert "95%" in page and "100%" in page  # the compared figures
    ev = verdicts[0].evidence[0]
    assert any(p and (p["source"], p["start"], p["end"]) == (ev.source, ev.start, ev.end) for p in payloads(page))

    md = Path(md_path).read_text(encoding="utf-8")
    for v in verdicts:
        assert v.claim in md and R.VERDICT_LABELS[v.label] in md
    assert ev.quote in md

    raw = Path(csv_path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["label"] for r in rows] == labels
    assert rows[0]["说法"] == verdicts[0].claim and rows[0]["证据原文"] == ev.quote
    assert rows[0]["起"] == str(ev.start) and rows[0]["结论"] == "不一致"


def test_verify_empty_text(fake_assistant):
    page, md, csv_path = ui.run_verify(fake_assistant, "")
    assert "为空" in page and md is None and csv_path is None


# -- 文档 -------------------------------------------------------------------------------------
def test_upload_indexes_gbk_file_and_reports_bad_one(fake_assistant, tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    good = law_file(incoming)
    bad = incoming / "broken.pdf"
    bad.write_bytes(b"this is not a pdf at all")
    calls = []
    page, rows = ui.upload_files(fake_assistant, [str(good), str(bad)], lambda *a: calls.append(a))

    assert "物业条例.txt" in page and "broken.pdf" in page
    assert "失败 1 个" in page and "st-error" in page and "st-added" in page
    records = fake_assistant.store.documents()
    assert "物业条例.txt" in records and "broken.pdf" not in records
    assert records["物业条例.txt"].title == "某市物业管理条例"
    assert any(r[-1] == "物业条例.txt" and r[1] == "法律法规" for r in rows)
    folder = ui.upload_dir(fake_assistant)
    assert sorted(p.name for p in folder.iterdir()) == ["物业条例.txt"]  # bad file and staging folder gone
    assert (folder / "物业条例.txt").read_bytes() == good.read_bytes()
    assert calls and calls[-1][0] == calls[-1][1]  # progress reached the end
    # the new document answers questions at once
    assert "行政主管部门" in ui.run_search(fake_assistant, "物业服务企业", kinds=["law"])


def test_upload_same_file_again_is_unchanged(fake_assistant, tmp_path):
    good = law_file(tmp_path)
    ui.upload_files(fake_assistant, [str(good)])
    page, _ = ui.upload_files(fake_assistant, [str(good)])
    assert "st-unchanged" in page and "失败" not in page


def test_upload_nothing(fake_assistant):
    page, rows = ui.upload_files(fake_assistant, [])
    assert "请先选择" in page and len(rows) == 1


@pytest.mark.parametrize("raw, safe", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\a\\报告.docx", "报告.docx"),
    ("..", "upload"),
    (".hidden.txt", "hidden.txt"),
    ("a\x00b\x1f\u202ec.txt", "abc.txt"),
    ('x<y>:"z|?*.md', "x_y___z___.md"),
    # shortened by bytes (≤ 255 with the extension), tagged with a hash of the whole name (issue 14)
    ("长" * 300 + ".pdf", "长" * 80 + "-" + hashlib.sha1(("长" * 300 + ".pdf").encode()).hexdigest()[:8] + ".pdf"),
])
def test_safe_filename(raw, safe):
    assert safe_filename(raw) == safe


def test_delete_document(fake_assistant, tmp_path):
    ui.upload_files(fake_assistant, [str(law_file(tmp_path))])
    assert (ui.upload_dir(fake_assistant) / "物业条例.txt").exists()
    page, rows = ui.delete_document(fake_assistant, "物业条例.txt")
    assert "已删除" in page and "某市物业管理条例" in page
    assert [r[-1] for r in rows] == ["xuchang_2023_fazhi_report.txt"]
    assert not (ui.upload_dir(fake_assistant) / "物业条例.txt").exists()
    assert "物业条例.txt" not in ui.run_search(fake_assistant, "物业服务企业")  # the retriever forgot it
    assert "不在索引中" in ui.delete_document(fake_assistant, "物业条例.txt")[0]
    assert "请先选择" in ui.delete_document(fake_assistant, None)[0]


def test_document_rows_and_choices(fake_assistant):
    rows = ui.document_table(fake_assistant)
    rec = fake_assistant.store.documents()["xuchang_2023_fazhi_report.txt"]
    assert rows == [[rec.title, "报告", rec.date, rec.chunks, rec.source]]
    (label, source), = ui.document_choices(fake_assistant)
    assert source == "xuchang_2023_fazhi_report.txt" and source in label


# -- 设置 -------------------------------------------------------------------------------------
def test_settings_show_model_backend_location_and_counts(fake_assistant):
    info = ui.settings_info(fake_assistant)
    assert info["嵌入模型"] == fake_assistant.embedder.model_id
    assert info["大模型后端"] == "无（抽取式回答）"
    assert info["索引位置"] == str(Path(fake_assistant.settings.store_dir).resolve())
    assert info["文档数"] == 1 and info["片段数"] == fake_assistant.store.count() > 0
    page = ui.render_settings(fake_assistant)
    assert "无（抽取式回答）" in page and "<table" in page


def test_settings_with_chroma_server_and_llm(fake_assistant):
    fake_assistant.settings = fake_assistant.settings.replace(
        chroma_url="http://127.0.0.1:8000", llm_backend="openai", llm_model="qwen2.5")
    info = ui.settings_info(fake_assistant)
    assert "http://127.0.0.1:8000" in info["索引位置"] and info["大模型后端"].startswith("openai")


# -- the Blocks ---------------------------------------------------------------------------------
def test_ui_builds_with_styles(fake_assistant):
    import gradio as gr

    demo = build_ui(fake_assistant)
    assert isinstance(demo, gr.Blocks)
    opts = ui.launch_options()
    assert ".viewer-body" in opts["css"] and "mark.cited" in opts["css"]
    viewer = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "viewer")
    assert "trigger('cite'" in viewer.js_on_load
