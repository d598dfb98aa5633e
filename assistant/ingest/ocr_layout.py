"""OCR lines → document text: reading order (one or two columns), paragraphs, headings, headers/footers, tables.

The text made here IS the document text: offsets and citations are slices of it. Per page:

- boxes in the top and bottom margins that repeat on other pages (digits aside) or look like page numbers
  (``- 3 -``, ``第3页``, ``3/12``) are page headers/footers: kept as their own lines and returned as skip spans;
- a vertical gutter free of text between two columns of wide lines makes a two-column page: the left column
  is read before the right one, band by band between the lines that span both (titles, full-width blocks);
- boxes on one visual row are one line; a wide gap inside a row separates table cells (a tab);
- rows are joined into one paragraph line with nothing between Chinese characters (a space between two Latin
  letters or digits) unless the next row is indented, the previous row ended short of the column's right
  edge, there is extra vertical space, or the row starts like a heading (一、 （一） 第X条 第X章) — so headings
  stay on their own lines, where chunking finds them;
- pages are joined with a blank line; ``page_starts`` gives the offset each page starts at.

>>> from assistant.ingest.ocr import OcrLine
>>> page = [OcrLine((100, 100, 900, 130), "一、总体情况", 0.99),
...         OcrLine((160, 150, 1000, 180), "2023年，管委会深入推进法治", 0.98),
...         OcrLine((100, 190, 600, 220), "建设。", 0.97)]
>>> layout_pages([(page, 1100, 1500)]).text
'一、总体情况\\n2023年，管委会深入推进法治建设。'
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from assistant.ingest.ocr import OcrLine
from assistant.ingest.tables import table_lines

PAGE_SEPARATOR = "\n\n"
MARGIN = 0.06  # share of the page height at the top and bottom where headers and footers live
_CN_NUM = "一二三四五六七八九十百千零〇两"
_HEADING = re.compile(rf"(?:第[{_CN_NUM}\d]+[编章节条]|[{_CN_NUM}]+、|[（(][{_CN_NUM}]+[）)]|\d{{1,2}}[、．.](?!\d))")
_PAGE_NUMBER = re.compile(r"[-—–－―\s]*(?:第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}(?:\s*/\s*\d{1,4})?|"
                          r"page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)[-—–－―\s]*", re.I)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


@dataclass
class OcrDocument:
    """The text of OCR'd pages with where each page starts, header/footer spans and per-paragraph boxes."""

    text: str
    page_starts: tuple[int, ...]
    skip_spans: tuple[tuple[int, int], ...]
    # (start, end, page number from 1, x0, y0, x1, y1) with the box as fractions of the page's width and height
    regions: tuple[tuple[int, int, int, float, float, float, float], ...]
    confidence: float | None  # mean line confidence, weighted by characters
    page_confidence: tuple[float | None, ...] = field(default_factory=tuple)


@dataclass
class _Row:
    boxes: list[OcrLine]

    @property
    def x0(self): return min(b.box[0] for b in self.boxes)
    @property
    def x1(self): return max(b.box[2] for b in self.boxes)
    @property
    def y0(self): return min(b.box[1] for b in self.boxes)
    @property
    def y1(self): return max(b.box[3] for b in self.boxes)


def layout_pages(pages: list[tuple[list[OcrLine], int, int]]) -> OcrDocument:
    """Lay out the OCR lines of each page ``(lines, width, height)`` as one document text."""
    margins = [_split_margins(lines, h) for lines, _, h in pages]
    repeated = _repeated_margin_texts([top + bottom for _, top, bottom in margins])
    parts: list[str] = []
    page_starts: list[int] = []
    skip: list[tuple[int, int]] = []
    regions: list[tuple] = []
    pos = 0
    for number, ((lines, width, height), (body, top, bottom)) in enumerate(zip(pages, margins), 1):
        if parts:
            parts.append(PAGE_SEPARATOR)
            pos += len(PAGE_SEPARATOR)
        page_starts.append(pos)
        blocks: list[tuple[str, _Row | None, bool]] = []  # (line text, row for its box, is a skip line)
        for box in top:
            blocks.append((box.text, _Row([box]), _is_furniture(box.text, repeated)))
        for text, row in _paragraphs(body, width):
            blocks.append((text, row, False))
        for box in bottom:
            blocks.append((box.text, _Row([box]), _is_furniture(box.text, repeated)))
        first = True
        for text, row, furniture in blocks:
            if not first:
                parts.append("\n")
                pos += 1
            first = False
            parts.append(text)
            if furniture:
                skip.append((pos, pos + len(text)))
            if row is not None and width and height:
                regions.append((pos, pos + len(text), number, round(row.x0 / width, 4), round(row.y0 / height, 4),
                                round(row.x1 / width, 4), round(row.y1 / height, 4)))
            pos += len(text)
    scores = [(b.score, len(b.text)) for lines, _, _ in pages for b in lines]
    page_conf = tuple(_mean([(b.score, len(b.text)) for b in lines]) for lines, _, _ in pages)
    return OcrDocument("".join(parts), tuple(page_starts), tuple(skip), tuple(regions), _mean(scores), page_conf)


def _mean(weighted: list[tuple[float, int]]) -> float | None:
    total = sum(w for _, w in weighted)
    return round(sum(s * w for s, w in weighted) / total, 4) if total else None


def _split_margins(lines: list[OcrLine], height: int):
    """(body, top margin lines, bottom margin lines) of one page."""
    body, top, bottom = [], [], []
    for b in lines:
        if height and b.box[3] <= height * MARGIN:
            top.append(b)
        elif height and b.box[1] >= height * (1 - MARGIN):
            bottom.append(b)
        else:
            body.append(b)
    return body, sorted(top, key=lambda b: (b.box[1], b.box[0])), sorted(bottom, key=lambda b: (b.box[1], b.box[0]))


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _repeated_margin_texts(per_page: list[list[OcrLine]]) -> set[str]:
    """Margin texts (digits aside) found on at least two pages."""
    counts: dict[str, int] = {}
    for lines in per_page:
        for key in {_margin_key(b.text) for b in lines}:
            counts[key] = counts.get(key, 0) + 1
    return {k for k, n in counts.items() if n >= 2}


def _is_furniture(text: str, repeated: set[str]) -> bool:
    return bool(_PAGE_NUMBER.fullmatch(text.strip())) or _margin_key(text) in repeated


def _paragraphs(lines: list[OcrLine], width: int) -> list[tuple[str, _Row]]:
    """The body of a page as paragraph lines in reading order, each with the union of its rows."""
    if not lines:
        return []
    height = statistics.median(b.box[3] - b.box[1] for b in lines)
    out: list[tuple[str, _Row]] = []
    for block in _blocks(lines, width):
        out.extend(_join_rows(_rows(block, height), height))
    return _tables(out)


def _tables(paragraphs: list[tuple[str, _Row]]) -> list[tuple[str, _Row]]:
    """Runs of rows with cells (tabs) written as a header row and ``header：value`` rows (tables.py)."""
    out: list[tuple[str, _Row]] = []
    i = 0
    while i < len(paragraphs):
        j = i
        while j < len(paragraphs) and "\t" in paragraphs[j][0]:
            j += 1
        if j - i >= 2:
            lines = table_lines([text.split("\t") for text, _ in paragraphs[i:j]])
            out.extend(zip(lines, [row for _, row in paragraphs[i:j]]))
            i = j
        else:
            out.append(paragraphs[i])
            i += 1
    return out


def _blocks(lines: list[OcrLine], width: int) -> list[list[OcrLine]]:
    """Lines grouped in reading order: one block for a one-column page; for two columns, bands of left then right."""
    gutter = _gutter(lines, width)
    if gutter is None:
        return [lines]
    g0, g1 = gutter
    spanning = sorted((b for b in lines if b.box[0] < g0 and b.box[2] > g1), key=lambda b: b.box[1])
    rest = [b for b in lines if not (b.box[0] < g0 and b.box[2] > g1)]
    blocks: list[list[OcrLine]] = []
    top = float("-inf")
    for bound in [*spanning, None]:
        limit = bound.box[1] if bound is not None else float("inf")
        band = [b for b in rest if top <= (b.box[1] + b.box[3]) / 2 < limit]
        left = [b for b in band if b.box[2] <= g1]
        right = [b for b in band if b.box[2] > g1]
        blocks.extend(x for x in (left, right) if x)
        if bound is not None:
            blocks.append([bound])
            top = (bound.box[1] + bound.box[3]) / 2
    return blocks


def _gutter(lines: list[OcrLine], width: int) -> tuple[float, float] | None:
    """An empty vertical strip in the middle third of the page between two columns of wide lines, or None."""
    if not width or len(lines) < 6:
        return None
    bins = 200
    covered = [0] * bins
    narrow = [b for b in lines if b.box[2] - b.box[0] < 0.55 * width]
    for b in narrow:
        for i in range(max(0, int(b.box[0] / width * bins)), min(bins, int(b.box[2] / width * bins) + 1)):
            covered[i] += 1
    best: tuple[int, int] | None = None
    i = int(bins * 0.3)
    while i < int(bins * 0.7):
        if covered[i] == 0:
            j = i
            while j < int(bins * 0.7) and covered[j] == 0:
                j += 1
            if best is None or j - i > best[1] - best[0]:
                best = (i, j)
            i = j
        i += 1
    if best is None or best[1] - best[0] < 3:
        return None
    g0, g1 = best[0] * width / bins, best[1] * width / bins
    left = [b for b in narrow if b.box[2] <= g1]
    right = [b for b in narrow if b.box[0] >= g0]
    wide = lambda side: statistics.median(b.box[2] - b.box[0] for b in side) >= 0.25 * width  # noqa: E731
    if len(left) < 3 or len(right) < 3 or not wide(left) or not wide(right):
        return None
    return g0, g1


def _rows(lines: list[OcrLine], height: float) -> list[_Row]:
    """Boxes on one visual row together (sorted left to right), rows top to bottom."""
    rows: list[_Row] = []
    for b in sorted(lines, key=lambda b: ((b.box[1] + b.box[3]) / 2, b.box[0])):
        centre = (b.box[1] + b.box[3]) / 2
        if rows:
            last = rows[-1]
            if abs(centre - (last.y0 + last.y1) / 2) < 0.5 * min(height, b.box[3] - b.box[1] or height):
                last.boxes.append(b)
                continue
        rows.append(_Row([b]))
    for row in rows:
        row.boxes.sort(key=lambda b: b.box[0])
    return rows


def _row_text(row: _Row, height: float) -> tuple[str, bool]:
    """The text of a row and whether it has table cells (a wide gap between two boxes)."""
    out = row.boxes[0].text
    cells = False
    for prev, b in zip(row.boxes, row.boxes[1:]):
        if b.box[0] - prev.box[2] > 1.5 * height:
            out += "\t" + b.text
            cells = True
        else:
            out = _glue(out, b.text, same_line=True)
    return out, cells


def _glue(left: str, right: str, same_line: bool = False) -> str:
    """Join two pieces of one sentence: nothing between Chinese characters, a space between Latin words (and,
    on one line, between digits: "2024-03-01 10:15"; a number wrapped at the end of a line stays whole)."""
    if left and right and _ASCII_WORD.match(left[-1]) and _ASCII_WORD.match(right[0]) and (
            same_line or not (left[-1].isdigit() and right[0].isdigit())):
        return left + " " + right
    return left + right


def _join_rows(rows: list[_Row], height: float) -> list[tuple[str, _Row]]:
    if not rows:
        return []
    left = min(r.x0 for r in rows)
    right = max(r.x1 for r in rows)
    out: list[tuple[str, _Row]] = []
    prev: _Row | None = None
    prev_open = False  # the previous row may continue on this one
    prev_open_text = False
    for row in rows:
        text, cells = _row_text(row, height)
        centred = lambda r: abs((r.x0 - left) - (right - r.x1)) < 2 * height  # noqa: E731
        title_goes_on = (  # a centred title wrapped onto a second centred line of the same size
            prev is not None and centred(prev) and centred(row) and row.x0 - left > 2 * height
            and prev.x1 - prev.x0 > 0.6 * (right - left) and not prev_open_text
            and abs((row.y1 - row.y0) - (prev.y1 - prev.y0)) < 0.25 * height and row.y0 - prev.y1 < height)
        starts_new = not title_goes_on and (
            prev is None or not prev_open or cells
            or row.x0 - left > 1.0 * height  # indented: a new paragraph
            or row.y0 - prev.y1 > 1.2 * height  # extra space above
            or _HEADING.match(text) is not None
        )
        if starts_new:
            out.append((text, _Row(list(row.boxes))))
        else:
            joined, box = out[-1]
            out[-1] = (_glue(joined, text), _Row(box.boxes + row.boxes))
        heading = _HEADING.match(text) is not None and len(text) <= 40 and not re.search(r"[。！？；]", text[:-1])
        prev_open = not cells and not heading and row.x1 >= right - 1.5 * height
        prev_open_text = bool(re.search(r"[。！？；：:]$", text))  # a sentence ended: not a title
        prev = row
    return out
