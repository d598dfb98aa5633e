"""OCR and PDF text benchmarks (issue 17): character accuracy and pages per second.

1. OCR: the sample report as an image-only scanned PDF (tests/scans.py: Pillow + Noto CJK, slight rotation, blur,
   speckle) and one photographed page, through load_document (rapidocr, packaged PP-OCRv6 models). Accuracy is
   against the source text outside the header/footer skip spans.
2. PDF text layers made with reportlab (STSong-Light CJK font): one column, two columns (written column by column,
   and row by row across the columns), a table, a page with a
   red seal stamped over the text; pypdf vs pypdfium2, character accuracy against the drawn text in reading order
   and, for the table, the share of rows that come out on one line.

Accuracy: 1 − (max(len a, len b) − matched characters) / len(source), after NFKC and with whitespace removed.

    python benchmarks/ocr_pdf_text.py            # both parts
    python benchmarks/ocr_pdf_text.py --skip-ocr # PDF text only (seconds)
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.scans import pdf_of_images, photographed_page, paragraphs_of, scanned_pages  # noqa: E402

REPORT = (ROOT / "samples" / "xuchang_2023_fazhi_report.txt").read_text(encoding="utf-8")
FONT = "STSong-Light"


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def accuracy(source: str, got: str) -> float:
    a, b = norm(source), norm(got)
    matched = sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return round(1 - (max(len(a), len(b)) - matched) / len(a), 4)


def body_text(doc) -> str:
    """The document text outside its skip spans (headers, footers, page numbers, web chrome)."""
    out, pos = [], 0
    for s, e in sorted(doc.skip_spans):
        out.append(doc.text[pos:s])
        pos = max(pos, e)
    out.append(doc.text[pos:])
    return "".join(out)


def bench_ocr(folder: Path) -> dict:
    from assistant.ingest import load_document

    pages = scanned_pages(REPORT)
    pdf = pdf_of_images(pages, folder / "scan.pdf")
    started = time.perf_counter()
    doc = load_document(pdf)
    seconds = time.perf_counter() - started
    # the web-page chrome line is in the source and in the scan; boilerplate detection skips both alike
    source = REPORT
    out = {"scan_pages": len(pages), "scan_seconds": round(seconds, 1), "scan_pages_per_s": round(len(pages) / seconds, 3),
           "scan_char_accuracy": accuracy(source, body_text(doc) + "".join(
               doc.text[s:e] for s, e in doc.skip_spans if "信息来源" in doc.text[s:e])),
           "scan_mean_confidence": doc.ocr_confidence}
    paras = paragraphs_of(REPORT)
    start = next(i for i, p in enumerate(paras) if p.startswith("三、坚持依法行政"))
    photo_text = "\n".join(paras[start:start + 2])
    photo = photographed_page(photo_text)
    photo.save(folder / "photo.png")
    started = time.perf_counter()
    pdoc = load_document(folder / "photo.png")
    out["photo_seconds"] = round(time.perf_counter() - started, 1)
    out["photo_char_accuracy"] = accuracy(photo_text, body_text(pdoc))
    return out


def _wrap(text: str, width: float, size: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for ch in text:
        if stringWidth(line + ch, FONT, size) > width and line:
            lines.append(line)
            line = ch
        else:
            line += ch
    return lines + ([line] if line else [])


def make_pdfs(folder: Path) -> dict[str, tuple[Path, str, list[list[str]] | None]]:
    """name -> (path, the text in reading order, table rows or None)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    paras = paragraphs_of(REPORT)[2:]
    width, height = A4
    out = {}

    def columns(name: str, ncols: int, pages: int, stamp: bool = False, interleave: bool = False):
        path = folder / f"{name}.pdf"
        c = canvas.Canvas(str(path), pagesize=A4)
        gap, margin, size, lead = 24, 60, 10.5, 16
        colw = (width - 2 * margin - gap * (ncols - 1)) / ncols
        lines = [ln for p in paras for ln in _wrap(p, colw, size)]
        per_col = int((height - 2 * margin) / lead)
        drawn, i = [], 0
        for _ in range(pages):
            c.setFont(FONT, size)
            page = [(col, row, lines[i + col * per_col + row]) for col in range(ncols) for row in range(per_col)
                    if i + col * per_col + row < len(lines)]
            drawn += [t for _, _, t in page]  # the reading order: column by column
            i += len(page)
            if interleave:  # written row by row across the columns, as some layout programs do
                page.sort(key=lambda item: (item[1], item[0]))
            for col, row, text in page:
                c.drawString(margin + col * (colw + gap), height - margin - row * lead, text)
            if stamp:  # a red seal over the text: a ring, a star and the issuer's name
                c.saveState()
                c.setStrokeColorRGB(0.85, 0.1, 0.1)
                c.setFillColorRGB(0.85, 0.1, 0.1)
                c.setLineWidth(3)
                c.circle(width - 170, 300, 62, stroke=1, fill=0)
                c.setFont(FONT, 13)
                c.drawCentredString(width - 170, 310, "许昌市司法局")
                c.drawCentredString(width - 170, 280, "★")
                c.restoreState()
            c.showPage()
        c.save()
        out[name] = (path, "".join(drawn), None)

    columns("one_column", 1, 2)
    columns("two_columns", 2, 2)
    columns("two_columns_interleaved", 2, 2, interleave=True)
    columns("stamped", 1, 1, stamp=True)
    rows = [["年份", "行政应诉案件", "出庭应诉率", "行政复议案件"]] + [
        [str(2014 + k), f"{10 + k}件", f"{90 + k % 10}%", f"{60 + 3 * k}件"] for k in range(10)]
    path = folder / "table.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont(FONT, 11)
    c.drawString(60, height - 60, "表1 示范区历年行政应诉与复议情况")
    for r, row in enumerate(rows):
        y = height - 100 - r * 22
        for k, cell in enumerate(row):
            c.drawString(60 + k * 120, y, cell)
        c.line(55, y - 6, 540, y - 6)
    c.showPage()
    c.save()
    out["table"] = (path, "表1 示范区历年行政应诉与复议情况" + "".join("".join(r) for r in rows), rows)
    return out


def pypdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(path)).pages]


def pdfium_pages(path: Path) -> list[str]:
    from assistant.ingest.formats.pdf_pages import pdfium_texts

    return pdfium_texts(path.read_bytes(), path.name)


def rows_on_one_line(text: str, rows: list[list[str]]) -> float:
    lines = [norm(x) for x in text.split("\n")]
    return round(sum(1 for r in rows if norm("".join(r)) in lines) / len(rows), 3)


def bench_pdf_text(folder: Path, repeat: int = 5) -> dict:
    out = {}
    for name, (path, truth, rows) in make_pdfs(folder).items():
        for tool, read in (("pypdf", pypdf_pages), ("pypdfium2", pdfium_pages)):
            started = time.perf_counter()
            for _ in range(repeat):
                pages = read(path)
            seconds = (time.perf_counter() - started) / repeat
            text = "\n".join(pages)
            row = {"pages": len(pages), "char_accuracy": accuracy(truth, text), "pages_per_s": round(len(pages) / seconds, 1)}
            if rows:
                row["rows_on_one_line"] = rows_on_one_line(text, rows)
            out[f"{name}/{tool}"] = row
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skip-ocr", action="store_true")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = {"machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.python_version()}",
                  "pdf_text": bench_pdf_text(folder)}
        if not args.skip_ocr:
            result["ocr"] = bench_ocr(folder)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
