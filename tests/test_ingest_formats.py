"""Loading HTML, PDF and DOCX files made for real (reportlab, pypdf, python-docx), and refusing broken ones."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.ingest import IngestError, load_document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
TITLE = "许昌市司法局关于2023年度法治政府建设工作情况的报告"


def covered(doc, needle: str) -> bool:
    start = doc.text.index(needle)
    return any(s < start + len(needle) and start < e for s, e in doc.skip_spans)


# ---------------------------------------------------------------- HTML


@pytest.fixture
def html_doc(tmp_path):
    """The fixture page saved as GB2312, as it declares (<meta … charset=gb2312>)."""
    data = (FIXTURES / "gov_page.html").read_text(encoding="utf-8").encode("gbk")
    path = tmp_path / "page.htm"
    path.write_bytes(data)
    return load_document(path)


def test_html_visible_text_keeps_blocks_as_lines(html_doc):
    lines = html_doc.text.split("\n")
    assert html_doc.format == "html"
    assert html_doc.encoding == "gb18030"
    # inline elements (<strong>, <a>, <span>) stay within their line; the source line break between
    # two Chinese characters is not turned into a space
    assert "2023年，我局在市委、市政府的坚强领导下，深入推进法治政府建设，各项工作取得明显成效。" in lines
    assert "全年办理行政复议案件86件，行政机关负责人出庭应诉率100%。" in lines
    # <br> ends a line; table rows are lines with tab-separated cells
    assert "二、存在的问题" in lines and "部分单位执法不够规范。" in lines
    assert "指标\t2022年\t2023年" in lines
    assert "行政复议案件\t71\t86" in lines
    assert all(line == line.strip() and line for line in lines)


def test_html_drops_script_style_nav_hidden_and_site_chrome(html_doc):
    text = html_doc.text
    for gone in ("统计代码", "console.log", "font-size", "互动交流", "English", "隐藏的统计文字", "微博", "ICP备", "版权所有"):
        assert gone not in text


def test_html_title_date_and_boilerplate(html_doc):
    assert html_doc.title == TITLE  # the <h1>, not "…_许昌市人民政府" from <title>
    assert html_doc.date == "2024-03-01"
    assert html_doc.issuer == "许昌市司法局"
    assert html_doc.kind == "report"
    skipped = [html_doc.text[s:e] for s, e in html_doc.skip_spans]
    assert skipped == [
        "当前位置：首页 > 政务公开 > 法治政府建设",
        "发布时间：2024-03-01 来源：许昌市司法局 浏览次数：1024\n【字号：大 中 小】【打印】【关闭】",
        "上一篇：许昌市2022年度法治政府建设报告\n下一篇：许昌市2024年普法工作要点",
    ]
    assert not covered(html_doc, "行政机关负责人出庭应诉率100%")
    assert not covered(html_doc, TITLE)


def test_html_title_falls_back_to_the_title_element(tmp_path):
    path = tmp_path / "t.html"
    path.write_text(
        "<html><head><meta charset='utf-8'><title>关于印发某某办法的通知 - 某某市人民政府</title></head>"
        "<body><div><p>各区县人民政府：</p><p>现将办法印发给你们。</p></div></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert doc.title == "关于印发某某办法的通知"
    assert doc.text == "各区县人民政府：\n现将办法印发给你们。"


def test_html_pre_keeps_its_lines(tmp_path):
    path = tmp_path / "pre.html"
    path.write_text("<body><p>前言</p><pre>  第一行\n    第二行\n</pre></body>", encoding="utf-8")
    assert load_document(path).text == "前言\n  第一行\n    第二行"


def test_html_nested_deeper_than_the_recursion_limit(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<div>" * 5000 + "深层文字" + "</div>" * 5000, encoding="utf-8")
    assert load_document(path).text == "深层文字"


# ---------------------------------------------------------------- PDF


def make_pdf(pages: list[list[str]]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # a built-in CID font: no font file needed
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for lines in pages:
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(lines):
            c.drawString(72, 760 - 20 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()


PDF_PAGES = [
    [TITLE, "2023年，我局深入推进法治政府建设。", "行政机关负责人出庭应诉率100%。"],
    ["二、存在的问题", "部分单位执法不够规范。"],
]


def test_pdf_text_layer_pages_joined_by_a_blank_line(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf(PDF_PAGES))
    doc = load_document(path)
    assert doc.format == "pdf" and doc.encoding is None
    assert doc.text == "\n".join(PDF_PAGES[0]) + "\n\n" + "\n".join(PDF_PAGES[1])
    assert doc.title == TITLE
    assert doc.kind == "report"


def test_pdf_without_text_layer_says_ocr_is_not_supported(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[], []]))
    with pytest.raises(IngestError, match="OCR"):
        load_document(path)


def encrypted_pdf(user_password: str, owner_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf(PDF_PAGES))).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_encrypted_pdf_is_rejected(tmp_path):
    path = tmp_path / "secret.pdf"
    path.write_bytes(encrypted_pdf("secret", "owner"))
    with pytest.raises(IngestError, match="加密.*encrypted"):
        load_document(path)


def test_pdf_with_only_an_owner_password_opens(tmp_path):
    path = tmp_path / "restricted.pdf"
    path.write_bytes(encrypted_pdf("", "owner"))
    assert "出庭应诉率100%" in load_document(path).text


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n" + b"\x00garbage\xff" * 200,  # a header and nothing readable
        b"this is not a pdf at all " * 20,
        "truncated",  # a real PDF cut in half
    ],
)
def test_corrupt_pdf_is_rejected_cleanly(tmp_path, data):
    if data == "truncated":
        full = make_pdf(PDF_PAGES)
        data = full[: len(full) // 3]
    path = tmp_path / "broken.pdf"
    path.write_bytes(data)
    with pytest.raises(IngestError, match="broken.pdf"):
        load_document(path)


# ---------------------------------------------------------------- DOCX


def make_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading(TITLE, level=1)
    d.add_paragraph("2023年，我局深入推进法治政府建设。")
    p = d.add_paragraph("行政机关负责人出庭应诉率")
    p.add_run("100%").bold = True
    p.add_run("。")
    table = d.add_table(rows=2, cols=3)
    for r, row in enumerate([["指标", "2022年", "2023年"], ["行政复议案件", "71", "86"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("")
    d.add_paragraph("特此报告。")
    d.save(str(path))


def test_docx_paragraphs_and_table_cells(tmp_path):
    path = tmp_path / "report.docx"
    make_docx(path)
    doc = load_document(path)
    assert doc.format == "docx" and doc.encoding is None
    assert doc.text == "\n".join([
        TITLE,
        "2023年，我局深入推进法治政府建设。",
        "行政机关负责人出庭应诉率100%。",
        "指标\t2022年\t2023年",
        "指标：行政复议案件，2022年：71，2023年：86",  # a row with its header (issue 17)
        "",
        "特此报告。",
    ])
    assert doc.title == TITLE
    assert doc.issuer == "许昌市司法局"
    assert doc.kind == "report"


def test_docx_merged_cells_are_not_repeated(tmp_path):
    import docx

    d = docx.Document()
    table = d.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "合并的表头"
    for c, value in enumerate(["甲", "乙", "丙"]):
        table.cell(1, c).text = value
    path = tmp_path / "merged.docx"
    d.save(str(path))
    assert load_document(path).text == "合并的表头\n甲\t乙\t丙"


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip" * 10, b"plain text, not a docx" * 10, "zip"])
def test_corrupt_docx_is_rejected_cleanly(tmp_path, data):
    if data == "zip":  # a valid zip archive that is not a Word document
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "你好")
        data = buf.getvalue()
    path = tmp_path / "broken.docx"
    path.write_bytes(data)
    with pytest.raises(IngestError, match="broken.docx.*DOCX"):
        load_document(path)
