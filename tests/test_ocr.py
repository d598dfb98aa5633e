"""Issue 17 acceptance: a scanned copy of the sample report, a photographed page and a mixed folder, through real OCR.

The scans are made here (tests/scans.py: Pillow, a Noto CJK font, slight rotation, blur, speckle; no text layer)
and OCR'd by rapidocr with its packaged models; each is made and indexed once per session (OCR is ~5–10 s a page).
"""
from __future__ import annotations

import re
import socket
import unicodedata
from difflib import SequenceMatcher

import pytest

from assistant.ingest import load_document
from assistant.ingest.ocr import MODEL_FILES, model_paths, ocr_context

from .conftest import SAMPLE, SHARED, model_cache_dir, read_jsonl
from .scans import HEADER, layout, paragraphs_of, pdf_of_images, photographed_page, scanned_pages

pytestmark = pytest.mark.slow
REPORT = SAMPLE.read_text(encoding="utf-8")


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def char_accuracy(source: str, ocr: str) -> float:
    """1 − (edit operations ≈ unmatched characters) / source length, after NFKC and without whitespace."""
    a, b = _norm(source), _norm(ocr)
    matched = sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return 1 - (max(len(a), len(b)) - matched) / len(a)


@pytest.fixture(scope="module")
def no_network():
    """Any attempt to open a network connection during OCR fails the test (nothing is downloaded at run time)."""
    real = socket.socket.connect

    def refuse(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"network access during OCR: {address}")
        return real(self, address)

    socket.socket.connect = refuse
    yield
    socket.socket.connect = real


@pytest.fixture(scope="session")
def assistant_factory(tmp_path_factory):
    from assistant.config import Settings
    from assistant.indexing.embedders import make_embedder
    from assistant.assistant import Assistant

    embedder = []

    def make(name: str, real: bool = True):
        settings = Settings(store_dir=str(tmp_path_factory.mktemp(name)), model_cache_dir=model_cache_dir())
        if not real:
            settings = settings.replace(embedding_model="fake")
        if real and not embedder:
            embedder.append(make_embedder(settings))
        return Assistant(settings, embedder=embedder[0] if real else None)

    return make


@pytest.fixture(scope="module")
def scanned_report(tmp_path_factory, no_network):
    """(folder, page images): the whole sample report as a 4-page image-only PDF."""
    folder = tmp_path_factory.mktemp("scan")
    pages = scanned_pages(REPORT)
    pdf_of_images(pages, folder / "xuchang_2023_scan.pdf")
    return folder, pages


@pytest.fixture(scope="module")
def scanned_index(scanned_report, assistant_factory):
    """The scanned report indexed through Assistant.index with the real model, and the progress it reported."""
    folder, _ = scanned_report
    assistant = assistant_factory("scan-index")
    events = []
    report = assistant.index([folder], progress=lambda done, total, source: events.append(source))
    assert report.ok, report.errors
    return assistant, events


def test_packaged_models_are_present_and_used():
    paths = model_paths()
    assert {p.name for p in paths.values()} == set(MODEL_FILES.values())
    assert all(p.stat().st_size > 100_000 for p in paths.values())


def test_scan_has_no_text_layer(scanned_report):
    from pypdf import PdfReader

    folder, pages = scanned_report
    reader = PdfReader(str(folder / "xuchang_2023_scan.pdf"))
    assert len(reader.pages) == len(pages) >= 3
    assert all(not (p.extract_text() or "").strip() for p in reader.pages)


@pytest.mark.model
def test_scanned_report_indexes_page_by_page(scanned_index, scanned_report):
    assistant, events = scanned_index
    n = len(scanned_report[1])
    assert [e for e in events if "页）" in e] == [f"xuchang_2023_scan.pdf（第{i}/{n}页）" for i in range(n + 1)]
    record = assistant.store.documents()["xuchang_2023_scan.pdf"]
    assert record.format == "pdf" and record.pages == n and record.ocr_confidence > 0.9 and not record.warnings
    assert record.title.startswith("许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告")


@pytest.mark.model
def test_ocr_text_is_the_document_text_accurate_and_paged(scanned_index, scanned_report):
    assistant, _ = scanned_index
    text = assistant.store.document_text("xuchang_2023_scan.pdf")
    body = "\n".join(line for line in text.split("\n") if line != HEADER and not re.fullmatch(r"-\s*\d+\s*-", line))
    assert char_accuracy(REPORT, body) >= 0.97
    lines = text.split("\n")
    for heading in ("一、加强组织领导,完善法治政府建设推进机制", "二、聚焦中心大局,高质量推进法治政府示范市创建"):
        assert _norm(heading) in {_norm(x) for x in lines}  # headings are lines of their own
    chunks = assistant.store.all_chunks()
    assert all(text[c.start:c.end] == c.text for c in chunks)
    assert not any(HEADER in c.text or re.search(r"-\s*\d\s*-", c.text) for c in chunks)  # header/footer skipped
    # each chunk knows its page: the one the generator drew its first characters on
    drawn = ["".join(t for _, _, t, _ in page) for page in layout(paragraphs_of(REPORT)[1:], paragraphs_of(REPORT)[0])]
    for c in chunks:
        probe = _norm(c.text)[:12]
        pages = [i for i, page in enumerate(drawn, 1) if probe in _norm(page)]
        if pages:
            assert c.page in pages, (c.page, pages, c.text[:20])
        assert len(c.box) == 4 and 0 <= c.box[0] < c.box[2] <= 1 and 0 <= c.box[1] < c.box[3] <= 1


@pytest.mark.model
@pytest.mark.shared
def test_scanned_report_answers_the_dev_set(scanned_index):
    from assistant.evaluation.metrics import evaluate_qa

    assistant, _ = scanned_index
    report = evaluate_qa(assistant, read_jsonl(SHARED / "seed" / "dev_qa.jsonl"))
    s = report["summary"]
    assert s["answer_accuracy"] >= 0.9, s
    assert s["unanswerable_refused"] == 1.0
    assert s["citations_not_verbatim"] == 0  # every quote is an exact slice of the OCR text
    answer = assistant.ask("2023年行政机关负责人出庭应诉率是多少？")
    assert not answer.refused and "100%" in answer.text
    assert all(c.source == "xuchang_2023_scan.pdf" for c in answer.citations)


@pytest.mark.model
def test_photographed_page_answers_a_question_about_it(tmp_path, assistant_factory, no_network):
    paras = paragraphs_of(REPORT)
    start = next(i for i, p in enumerate(paras) if p.startswith("三、坚持依法行政"))
    photo = photographed_page("\n".join(paras[start:start + 2]))
    path = tmp_path / "photo.png"
    photo.save(path)
    assistant = assistant_factory("photo")
    assert assistant.index([path]).ok
    record = assistant.store.documents()["photo.png"]
    assert record.format == "image" and record.pages == 1
    answer = assistant.ask("管委会主任办公会议筹备了多少次？")
    assert not answer.refused and "27" in answer.text
    text = assistant.store.document_text("photo.png")
    assert all(text[c.start:c.end] == c.quote for c in answer.citations) and answer.citations


def _mixed_folder(root):
    from .test_documents import make_doc, make_xlsx
    from .test_ingest_formats import make_docx, make_pdf

    root.mkdir()
    (root / "text.pdf").write_bytes(make_pdf([["许昌市人民政府关于印发2024年政务公开工作要点的通知",
                                               "全市政府网站年度访问量达到120万人次。"]]))
    notice = "关于开展法治宣传月活动的通知\n各镇（办）：\n为深入学习宣传宪法，定于2024年4月举办法治宣传月活动，共安排普法讲座12场。\n特此通知。"
    pdf_of_images(scanned_pages(notice, seed=11), root / "scanned.pdf")
    make_docx(root / "report.docx")  # its table: 指标 / 2022年 / 2023年, 行政复议案件 71 / 86
    make_xlsx(root / "data.xlsx")  # 年份 / 行政应诉案件 / 出庭应诉率
    make_doc(root / "doctmp", name="old.doc").rename(root / "old.doc")
    return root


@pytest.mark.model
def test_mixed_folder_indexes_every_format_and_answers_from_a_table_row(tmp_path, assistant_factory, no_network):
    folder = _mixed_folder(tmp_path / "mixed")
    import shutil

    shutil.rmtree(folder / "doctmp")
    assistant = assistant_factory("mixed")
    events = []
    report = assistant.index([folder], progress=lambda d, t, s: events.append(s))
    assert report.ok, report.errors
    assert sorted(report.added) == ["data.xlsx", "old.doc", "report.docx", "scanned.pdf", "text.pdf"]
    formats = {s: r.format for s, r in assistant.store.documents().items()}
    assert formats == {"data.xlsx": "xlsx", "old.doc": "doc", "report.docx": "docx", "scanned.pdf": "pdf",
                       "text.pdf": "pdf"}
    assert "scanned.pdf（第1/1页）" in events
    texts = {s: assistant.store.document_text(s) for s in formats}
    assert "共安排普法讲座12场" in _norm(texts["scanned.pdf"])
    assert "全市政府网站年度访问量达到120万人次。" in texts["text.pdf"]
    assert "指标：纠错案件，数量：9件" in texts["old.doc"]
    answer = assistant.ask("2022年行政应诉案件有多少件？")
    assert not answer.refused and "12" in answer.text, answer.text
    row = "年份：2022年，行政应诉案件：12件，出庭应诉率：95%"
    cited = [c for c in answer.citations if c.source == "data.xlsx"]
    at = texts["data.xlsx"].index(row)
    assert cited and all(at <= c.start < c.end <= at + len(row) for c in cited)  # the row is cited
    assert any("12件" in c.quote for c in cited)
    answer = assistant.ask("2022年行政复议案件有多少件？")  # the docx table: 指标 / 2022年 / 2023年
    assert not answer.refused and "71" in answer.text, answer.text
    assert any(c.source == "report.docx" and "71" in c.quote for c in answer.citations)


def test_blank_image_is_refused_as_having_no_text(tmp_path, no_network):
    from PIL import Image

    from assistant.ingest import IngestError

    path = tmp_path / "blank.png"
    Image.new("L", (600, 400), 255).save(path)
    with pytest.raises(IngestError, match="blank.png.*没有识别出文字"):
        load_document(path)


def test_ocr_time_limit_stops_a_slow_file(tmp_path, no_network):
    from assistant.ingest import IngestError
    from assistant.ingest.ocr import OcrLimits

    pdf_of_images(scanned_pages(REPORT)[:2], tmp_path / "two.pdf")
    with ocr_context(OcrLimits(seconds_per_file=0.01)), pytest.raises(IngestError, match="ocr_seconds_per_file"):
        load_document(tmp_path / "two.pdf")


def test_pdf_page_with_a_garbage_text_layer_is_ocrd(tmp_path, no_network):
    """A scan with an invisible mojibake text layer (a bad OCR layer or unmapped fonts): the page is OCR'd instead."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    notice = "关于开展法治宣传月活动的通知\n为深入学习宣传宪法，定于2024年4月举办法治宣传月活动，共安排普法讲座12场。"
    image = scanned_pages(notice, seed=5)[0]
    path = tmp_path / "bad-layer.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(image), 0, 0, *A4)
    text = c.beginText(72, 700)
    text.setTextRenderMode(3)  # invisible, as OCR layers are
    text.setFont("Helvetica", 12)
    text.textLine("å¹´åº¦æ³æ²»å»ºè®¾å·¥ä½œæŠ¥å‘Š Ã¤Â¸Â­Ã¦â€“â€¡")
    c.drawText(text)
    c.showPage()
    c.save()
    from assistant.ingest.formats.pdf_pages import pdfium_texts

    assert "å¹´" in pdfium_texts(path.read_bytes(), path.name)[0]  # the layer is there, and it is garbage
    doc = load_document(path)
    assert "共安排普法讲座12场" in _norm(doc.text) and "å" not in doc.text
    assert doc.ocr_confidence and doc.ocr_confidence > 0.9
