"""Issue 17 without OCR models: OCR layout on real boxes, table rows with headers, .xlsx, .doc, PDF text (pypdfium2),
hostile images and the limits. The OCR itself is in test_ocr.py."""
from __future__ import annotations

import io
import shutil
import zlib
import struct

import pytest

from assistant.chunking import chunk_document
from assistant.ingest import IngestError, load_document
from assistant.ingest.ocr import OcrLimits, OcrLine, ocr_context
from assistant.ingest.ocr_layout import layout_pages
from assistant.ingest.pages import with_pages
from assistant.ingest.formats.pdf_pages import needs_ocr

W, H = 1240, 1754


def line(x0, y0, x1, text, score=0.99, h=40):
    return OcrLine((x0, y0, x1, y0 + h), text, score)


# ---------------------------------------------------------------- OCR layout


def test_layout_joins_wrapped_lines_keeps_headings_and_skips_page_furniture():
    pages = []
    for n in (1, 2):
        pages.append(([
            line(450, 50, 790, "某某市人民政府文件", h=30),  # running header: repeated on both pages
            line(130, 200, 700, f"{'一' if n == 1 else '二'}、总体情况"),
            line(180, 260, 1110, "2023年，全市共办理行政复议案件86件，"),  # indented: a new paragraph
            line(130, 310, 1108, "行政机关负责人出庭应诉率"),  # ends at the right edge: the sentence goes on
            line(130, 360, 600, "100%。"),
            line(180, 420, 1000, "（一）加强领导。"),
            line(590, 1660, 650, f"- {n} -", h=30),  # page number
        ], W, H))
    doc = layout_pages(pages)
    lines = doc.text.split("\n")
    assert "2023年，全市共办理行政复议案件86件，行政机关负责人出庭应诉率100%。" in lines  # no space, no line break
    assert "一、总体情况" in lines and "（一）加强领导。" in lines
    assert [doc.text[s:e] for s, e in doc.skip_spans] == ["某某市人民政府文件", "- 1 -", "某某市人民政府文件", "- 2 -"]
    assert doc.page_starts[0] == 0 and doc.text[doc.page_starts[1]:].startswith("某某市人民政府文件\n二、总体情况")
    assert doc.confidence == pytest.approx(0.99)
    from assistant.types import Document

    d = Document(source="s.png", text=doc.text, skip_spans=doc.skip_spans, page_starts=doc.page_starts,
                 page_numbers=(1, 2), regions=doc.regions)
    chunks = with_pages(d, chunk_document(d, min_chars=10, max_chars=200))
    assert [c.page for c in chunks] == sorted(c.page for c in chunks) and {c.page for c in chunks} == {1, 2}
    assert all(d.text[c.start:c.end] == c.text and "人民政府文件" not in c.text for c in chunks)
    assert chunks[0].section_path[0] == "一、总体情况"
    assert all(0 <= v <= 1 for c in chunks for v in c.box) and all(len(c.box) == 4 for c in chunks)


def test_layout_joins_a_centred_title_wrapped_onto_two_lines():
    boxes = [line(140, 150, 1100, "许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报", h=46),
             line(596, 215, 640, "告", h=46), line(130, 300, 700, "中共许昌市城乡一体化示范区工作委员会："),
             line(130, 350, 1108, "2023年，管委会在党的二十大精神的指引下，深入学习贯彻落实习近平法治思想，"),
             line(130, 400, 700, "各项工作取得明显成效。")]
    lines = layout_pages([(boxes, W, H)]).text.split("\n")
    assert lines[0] == "许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告"
    assert lines[1] == "中共许昌市城乡一体化示范区工作委员会："


def test_layout_reads_the_left_column_before_the_right_one():
    left = [line(100, 300 + 50 * i, 580, f"左栏第{i}行文字内容") for i in range(5)]
    right = [line(660, 300 + 50 * i, 1140, f"右栏第{i}行文字内容") for i in range(5)]
    title = line(200, 150, 1040, "两栏排版的通知标题在最上面横跨两栏")
    doc = layout_pages([([*right, *left, title], W, H)])  # boxes in no particular order
    text = doc.text
    assert text.startswith("两栏排版的通知标题在最上面横跨两栏\n")
    assert text.index("左栏第4行") < text.index("右栏第0行")
    assert "左栏第0行文字内容左栏第1行文字内容" in text  # a column's lines joined without spaces


def test_layout_one_column_with_a_table_keeps_rows_as_cells():
    rows = [["年份", "行政应诉案件", "出庭应诉率"], ["2022", "12件", "95%"], ["2023", "17件", "100%"]]
    boxes = [line(130 + 350 * c, 300 + 60 * r, 130 + 350 * c + 40 * len(v), v) for r, row in enumerate(rows)
             for c, v in enumerate(row)]
    text = layout_pages([(boxes, W, H)]).text
    assert text.split("\n") == ["年份\t行政应诉案件\t出庭应诉率", "年份：2022年，行政应诉案件：12件，出庭应诉率：95%",
                                "年份：2023年，行政应诉案件：17件，出庭应诉率：100%"]


# ---------------------------------------------------------------- tables, docx, xlsx


def test_docx_table_rows_keep_their_header(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("2023年主要数据如下：")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["年份", "行政应诉案件", "出庭应诉率"], ["2022", "12件", "95%"], ["2023", "17件", "100%"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    path = tmp_path / "t.docx"
    d.save(str(path))
    lines = load_document(path).text.split("\n")
    assert "年份：2023年，行政应诉案件：17件，出庭应诉率：100%" in lines
    assert "年份\t行政应诉案件\t出庭应诉率" in lines


def make_xlsx(path):
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "应诉情况"
    sheet.append(["年份", "行政应诉案件", "出庭应诉率"])
    sheet.append([2022, "12件", 0.95])
    sheet.append([2023, "17件", 1.0])
    for row in (2, 3):
        sheet.cell(row, 3).number_format = "0%"
    other = book.create_sheet("复议")
    other.append(["日期", "复议案件数"])
    other.append([dt.date(2023, 12, 31), 86])
    other.append([None, None])
    book.save(path)
    return path


def test_xlsx_each_sheet_a_section_each_row_with_its_header(tmp_path):
    doc = load_document(make_xlsx(tmp_path / "数据.xlsx"))
    assert doc.format == "xlsx"
    assert doc.text.split("\n") == [
        "# 应诉情况", "年份\t行政应诉案件\t出庭应诉率", "年份：2022年，行政应诉案件：12件，出庭应诉率：95%",
        "年份：2023年，行政应诉案件：17件，出庭应诉率：100%", "", "# 复议", "日期\t复议案件数",
        "日期：2023-12-31，复议案件数：86",
    ]
    chunks = chunk_document(doc, min_chars=5, max_chars=100)
    assert {c.section_path[0] for c in chunks} == {"应诉情况", "复议"}


def test_corrupt_xlsx_is_refused_cleanly(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(IngestError, match="broken.xlsx.*XLSX"):
        load_document(path)


needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) absent")


def make_doc(folder, name="旧报告.doc"):
    """A real .doc with a paragraph and a table, written by LibreOffice itself (from HTML: its Word export keeps tables)."""
    import subprocess

    src = folder / "src" / "report.html"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text("<html><head><meta charset='utf-8'></head><body><p>关于2023年行政复议工作的报告</p>"
                   "<p>全年共办理行政复议案件86件。</p><table border='1'><tr><td>指标</td><td>数量</td></tr>"
                   "<tr><td>纠错案件</td><td>9件</td></tr></table></body></html>", encoding="utf-8")
    out = folder / "conv"
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--infilter=HTML (StarWriter)", "--convert-to", "doc:MS Word 97", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    target = folder / name
    (out / "report.doc").rename(target)
    return target


@needs_soffice
@pytest.mark.slow
def test_old_word_doc_is_read_through_libreoffice(tmp_path):
    path = make_doc(tmp_path)
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    doc = load_document(path)
    assert doc.format == "doc"
    lines = doc.text.split("\n")
    assert "全年共办理行政复议案件86件。" in lines and "指标：纠错案件，数量：9件" in lines


def test_doc_without_libreoffice_or_antiword_names_the_package(tmp_path, monkeypatch):
    import assistant.ingest.formats.doc as doc_loader

    monkeypatch.setattr(doc_loader.shutil, "which", lambda name: None)
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(IngestError, match="libreoffice-writer-nogui"):
        load_document(path)


# ---------------------------------------------------------------- PDF text


def test_pdf_table_rows_come_out_with_their_header(tmp_path):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "table.pdf"
    story = [Paragraph("二、主要数据如下。", ParagraphStyle("z", fontName="STSong-Light", fontSize=11, leading=16))]
    table = Table([["年份", "行政应诉案件", "出庭应诉率"], ["2022", "12件", "95%"], ["2023", "17件", "100%"]])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    SimpleDocTemplate(str(path), pagesize=A4).build([*story, table])
    doc = load_document(path)
    assert "年份：2023年，行政应诉案件：17件，出庭应诉率：100%" in doc.text.split("\n")
    assert doc.page_starts == (0,) and doc.page_numbers == (1,)


@pytest.mark.parametrize("text,bad", [
    ("", True), ("   \n ", True), ("\ue000\ue001\ue002\ue003 \ue004", True), ("(cid:12)(cid:345)(cid:9)", True),
    ("å¹´åº¦æ³\x95æ²»å»ºè®¾", True), ("2023年行政机关负责人出庭应诉率100%。", False), ("Annual report 2023", False),
])
def test_garbage_text_layers_are_sent_to_ocr(text, bad):
    assert needs_ocr(text) is bad


def test_pdf_page_limit_holds(tmp_path):
    from tests.test_ingest_formats import make_pdf

    path = tmp_path / "long.pdf"
    path.write_bytes(make_pdf([["第一页。"], ["第二页。"], ["第三页。"]]))
    with ocr_context(OcrLimits(max_pages=2)), pytest.raises(IngestError, match="页数过多.*max_pages"):
        load_document(path)


# ---------------------------------------------------------------- hostile images


def _png(width, height, rows: bytes) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    side = 20_000  # 400 M pixels in a file of a few hundred KB
    path = tmp_path / "bomb.png"
    path.write_bytes(_png(side, side, (b"\x00" + b"\xff" * (side // 8)) * side))
    assert path.stat().st_size < 2_000_000
    with pytest.raises(IngestError, match="bomb.png.*max_image_pixels"):
        load_document(path)


def test_truncated_png_is_refused_cleanly(tmp_path):
    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((400, 300), 60).save(buf, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(IngestError, match="cut.png.*(不完整|损坏)"):
        load_document(path)


def test_settings_limits_reach_the_loaders_and_one_bad_image_stops_nothing(tmp_path, fake_settings):
    from PIL import Image

    from assistant.assistant import Assistant

    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("L", (900, 900), 255).save(folder / "big.png")
    (folder / "ok.txt").write_text("一、总体情况\n\n2023年办理行政复议案件86件。", encoding="utf-8")
    assistant = Assistant(fake_settings.replace(max_image_pixels=500_000))
    report = assistant.index([folder])
    assert report.added == ["ok.txt"] and "max_image_pixels" in report.errors["big.png"]


def test_pages_of_low_confidence_get_a_warning():
    from assistant.ingest.formats.image import ocr_loaded

    doc = layout_pages([([line(130, 300, 900, "清楚的一页文字。", 0.98)], W, H),
                        ([line(130, 300, 900, "模糊不清的一页", 0.41)], W, H), ([], W, H)])
    loaded = ocr_loaded(doc)
    assert len(loaded.warnings) == 2
    assert loaded.warnings[0].startswith("第2页识别置信度较低（0.41）") and loaded.warnings[1].startswith("第3页没有识别出文字")
    assert loaded.confidence == pytest.approx((0.98 * 8 + 0.41 * 7) / 15, abs=1e-3)


def test_chunks_keep_their_page_and_the_viewer_names_it(tmp_path, fake_settings):
    from assistant.interfaces.ui import render as R
    from assistant.assistant import Assistant
    from assistant.interfaces.ui.handlers import open_citation
    from tests.test_ingest_formats import make_pdf

    path = tmp_path / "two.pdf"
    path.write_bytes(make_pdf([["一、总体情况", "2023年办理行政复议案件86件。"], ["二、存在的问题", "部分单位执法不够规范。"]]))
    assistant = Assistant(fake_settings)
    assert assistant.index([path]).ok
    chunks = assistant.store.all_chunks()
    by_page = {c.page: c for c in chunks}
    assert set(by_page) == {1, 2} and "执法不够规范" in by_page[2].text
    record = assistant.store.documents()["two.pdf"]
    assert record.pages == 2 and record.page_at(by_page[2].start) == 2
    c = by_page[2]
    html = open_citation(assistant, R.cite_payload(c.source, c.start, c.end, c.section_path, c.title))
    assert "第2页" in html and "第1页" not in html


def test_cli_index_shows_page_progress_and_ocr_warnings(tmp_path, fake_settings, monkeypatch, capsys):
    """The CLI's progress names the page being read, and low-confidence pages are printed as warnings."""
    from assistant.interfaces import cli
    from assistant.ingest.formats import image as image_loader

    from PIL import Image

    path = tmp_path / "scan.png"
    Image.new("L", (800, 600), 255).save(path)
    # the real engine is exercised in test_ocr.py; here a recogniser with a known result and low confidence
    monkeypatch.setattr(image_loader, "recognize", lambda image: [line(100, 100, 700, "模糊的一行文字内容。", 0.5)])
    seen = []
    from assistant.indexing.indexer import Indexer

    real = Indexer.index_paths
    monkeypatch.setattr(Indexer, "index_paths", lambda self, paths, progress=None, prune=True: real(
        self, paths, lambda d, t, s: (seen.append(s), progress and progress(d, t, s)), prune))
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("ASSISTANT_STORE_DIR", fake_settings.store_dir)
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", fake_settings.model_cache_dir)
    assert cli.main(["index", str(path)]) == 0
    err = capsys.readouterr().err
    assert "scan.png（第1/1页）" in seen
    assert "warning: scan.png: 第1页识别置信度较低（0.50）" in err


def test_an_unchanged_scan_is_not_ocrd_again(tmp_path, fake_settings, monkeypatch):
    from PIL import Image

    from assistant.ingest.formats import image as image_loader
    from assistant.assistant import Assistant

    calls = []
    monkeypatch.setattr(image_loader, "recognize", lambda image: calls.append(1) or [line(100, 100, 700, "一行文字。")])
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("L", (800, 600), 255).save(folder / "scan.png")
    assistant = Assistant(fake_settings)
    assert assistant.index([folder]).added == ["scan.png"] and calls == [1]
    assert assistant.index([folder]).unchanged == ["scan.png"] and calls == [1]  # same bytes: not loaded again
    Image.new("L", (800, 601), 255).save(folder / "scan.png")
    assert assistant.index([folder]).updated == ["scan.png"] and calls == [1, 1]


def test_two_column_pdf_written_across_the_columns_reads_column_by_column(tmp_path):
    """Some programs write a two-column page row by row across the columns: the stream order interleaves them."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    left = [f"左栏第{i}行，这一栏讲行政复议工作的情况和数字" for i in range(12)]
    right = [f"右栏第{i}行，这一栏讲法治宣传教育的开展情况" for i in range(12)]
    path = tmp_path / "cols.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 10.5)
    for i, (a, b) in enumerate(zip(left, right)):  # row by row: left line, then right line
        c.drawString(60, 760 - 16 * i, a)
        c.drawString(310, 760 - 16 * i, b)
    c.showPage()
    c.save()
    text = load_document(path).text
    assert text.index("左栏第11行") < text.index("右栏第0行")
    assert "".join(left) in text.replace("\n", "") and "".join(right) in text.replace("\n", "")
