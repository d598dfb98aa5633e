"""Table rows as one searchable line each, with the header: "年份：2023年，行政应诉案件：17件，出庭应诉率：100%".

A table whose first row has at least two distinct non-empty cells and at least one more row keeps the header
row as a line (cells tab-separated) and writes each following row as ``header：value`` pairs joined by "，"
(empty cells left out; a bare year under 年份 reads "2023年"). "，" rather than "；": a row stays one sentence
for the answerer, which cuts sentences at "；", so one passage holds the year and the figure together. A table
without such a header (one row, or a merged header cell) keeps its rows as tab-separated lines.

>>> table_lines([["年份", "行政应诉案件", "出庭应诉率"], ["2023", "17件", "100%"]])
['年份\\t行政应诉案件\\t出庭应诉率', '年份：2023年，行政应诉案件：17件，出庭应诉率：100%']
>>> rows_from_lines(["说明文字", "年份  案件数", "2022  12", "2023  17", "结尾。"])
[(1, 4, [['年份', '案件数'], ['2022', '12'], ['2023', '17']])]
"""
from __future__ import annotations

import re

CELL_SEPARATOR = "\t"
PAIR = "："
PAIRS = "，"
_CELL_GAP = re.compile(r"\t| {2,}|\u3000+")
_YEAR_HEADERS = {"年份", "年度", "年"}
_BARE_YEAR = re.compile(r"(?:19|20)\d{2}")
_CJK_GAP = re.compile(r"[\t \u3000]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE = re.compile(r"[。！？；，、]")


def has_header(rows: list[list[str]]) -> bool:
    if len(rows) < 2:
        return False
    head = [c.strip() for c in rows[0]]
    filled = [c for c in head if c]
    return len(filled) >= 2 and len(set(filled)) == len(filled)


def row_line(header: list[str], row: list[str]) -> str:
    """One row as ``header：value`` pairs; cells past the header keep their bare value."""
    parts = []
    for i, value in enumerate(c.strip() for c in row):
        if not value:
            continue
        name = header[i].strip() if i < len(header) else ""
        if name in _YEAR_HEADERS and _BARE_YEAR.fullmatch(value):
            value += "年"  # "年份：2023年": read as a year, as a question asks for it
        parts.append(f"{name}{PAIR}{value}" if name and name != value else value)
    return PAIRS.join(parts)


def table_lines(rows: list[list[str]]) -> list[str]:
    """The lines of a table: the header row, then one ``header：value`` line per row (see the module doc)."""
    rows = [[c.strip() for c in r] for r in rows]
    if not has_header(rows):
        return [CELL_SEPARATOR.join(r) for r in rows]
    header = rows[0]
    return [CELL_SEPARATOR.join(header)] + [row_line(header, r) for r in rows[1:] if any(r)]


def split_cells(line: str) -> list[str]:
    """Cells at tabs and runs of spaces; in a line with Chinese, at single spaces too (Chinese prose has none)."""
    gap = _CJK_GAP if _CJK.search(line) else _CELL_GAP
    return [c for c in (p.strip() for p in gap.split(line.strip())) if c]


def rows_from_lines(lines: list[str], min_rows: int = 3) -> list[tuple[int, int, list[list[str]]]]:
    """Runs of at least ``min_rows`` consecutive lines that split into the same number (≥ 2) of cells at tabs or
    runs of spaces, none a sentence: (first line index, end index, rows)."""
    out = []
    i = 0
    while i < len(lines):
        cells = split_cells(lines[i])
        if len(cells) >= 2 and not any(_SENTENCE.search(c) for c in cells):
            j = i + 1
            while j < len(lines):
                nxt = split_cells(lines[j])
                if len(nxt) != len(cells) or any(_SENTENCE.search(c) for c in nxt):
                    break
                j += 1
            if j - i >= min_rows:
                out.append((i, j, [split_cells(x) for x in lines[i:j]]))
                i = j
                continue
        i += 1
    return out


def rewrite_tables(text: str, min_rows: int = 3) -> str:
    """Plain text with table runs (see rows_from_lines) rewritten as header rows; other lines unchanged."""
    lines = text.split("\n")
    runs = rows_from_lines(lines, min_rows)
    if not runs:
        return text
    out: list[str] = []
    pos = 0
    for start, end, rows in runs:
        out.extend(lines[pos:start])
        out.extend(table_lines(rows))
        pos = end
    out.extend(lines[pos:])
    return "\n".join(out)
