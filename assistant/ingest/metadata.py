"""Document metadata from its text and file name: title, publication date, issuing body, kind.

>>> detect_kind("许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告", "")
'report'
>>> detect_kind("中华人民共和国行政诉讼法", "第一条 为保证人民法院公正、及时审理行政案件，…")
'law'
"""
from __future__ import annotations

import re

_MD_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)
_DATE_PATTERNS = [
    re.compile(r"(?:信息时间|发布时间|发布日期|成文日期|日期)[:：]\s*(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})"),
    re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日"),
]
_FILENAME_DATE = re.compile(r"[（(](\d{4})-(\d{2})-(\d{2})[)）]")
_TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年|年度)")
_ISSUER_IN_TITLE = re.compile(r"^(.{2,40}?)关于")
_ISSUER_LINE = re.compile(r"^[ \t\u3000\xa0]*(\S{2,40}(?:人民政府|委员会|管委会|办公室|办公厅|人民法院|人民检察院|司法局|局|厅|部|委))[ \t\u3000\xa0]*$", re.M)
_LAW_TITLE = re.compile(r"(?:法|条例|规定|办法|细则|解释|规则|决定|准则|章程|通则|纲要)(?:[（(][^）)]*[）)])?$")
_ARTICLE_LINE = re.compile(r"^[ \t\u3000]*第[一二三四五六七八九十百千零〇\d]+条", re.M)
_CASE = re.compile(r"指导案例|指导性案例|判决书|裁定书|裁判要点|基本案情|裁判理由")
_REPORT = re.compile(r"报告|工作总结|总结|公报|白皮书")


def detect_title(text: str, skip: list[tuple[int, int]], fmt: str, fallback: str) -> str:
    """The first Markdown heading, else the first non-boilerplate line (trimmed to 100 characters)."""
    if fmt == "md":
        m = _MD_TITLE.search(text[:5000])
        if m:
            return m.group(1).strip()
    pos = 0
    for line in text.splitlines(keepends=True):
        start, stripped = pos, line.strip(" \t\r\n\u3000\xa0\ufeff#")
        pos += len(line)
        if stripped and not any(s <= start + line.find(stripped[0]) < e for s, e in skip):
            return stripped[:100]
    return fallback


def detect_date(text: str, filename: str = "") -> str | None:
    """ISO date: from the file name (laws: 名称(YYYY-MM-DD).md), else the page header, else the signature."""
    m = _FILENAME_DATE.search(filename)
    if m:
        return _iso(*m.groups())
    for region in (text[:600], text[-400:]):
        for pattern in _DATE_PATTERNS:
            m = pattern.search(region)
            if m and (iso := _iso(*m.groups())):
                return iso
    return None


def _iso(y: str, mo: str, d: str) -> str | None:
    year, month, day = int(y), int(mo), int(d)
    if 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def title_year(title: str) -> int | None:
    """The year a title is about ("2023年度法治建设工作的报告" → 2023), or None."""
    m = _TITLE_YEAR.search(title)
    return int(m.group(1)) if m else None


def detect_issuer(title: str, text: str) -> str | None:
    """The issuing body from "XX关于…" titles or a signature line at the end."""
    m = _ISSUER_IN_TITLE.match(title)
    if m:
        return m.group(1).strip()
    tail = text[-300:]
    lines = _ISSUER_LINE.findall(tail)
    return lines[-1] if lines else None


def detect_kind(title: str, text: str) -> str:
    """report / law / case / other."""
    head = text[:3000]
    if _CASE.search(title) or len(set(_CASE.findall(head))) >= 2:
        return "case"
    if _REPORT.search(title):
        return "report"
    if _LAW_TITLE.search(title.strip()) or len(_ARTICLE_LINE.findall(head)) >= 3:
        return "law"
    return "other"
