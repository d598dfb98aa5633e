"""Laws, regulations, judicial interpretations and cases in Markdown: detection, legal metadata and structure.

A law file (the LawRefBook layout: ``# 标题``, history lines, ``<!-- INFO END -->``, ``## 第一章 …`` headings and
paragraphs opening with ``第X条``) is recognised from its path and its heading structure. :func:`law_info` gives
the kind (法律, 行政法规, 司法解释, 部门规章, 地方性法规, 宪法, 案例), the issuing level (国家 / 地方), the region of a
local regulation and the version date; :func:`parse_articles` gives the articles with their offsets, their 编/章/节
path and their 款 (paragraphs); :func:`parse_case_parts` gives a guiding case's parts (裁判要点, 基本案情 …).

>>> text = "# 中华人民共和国示例法\\n\\n2020年1月1日 全国人民代表大会常务委员会通过\\n\\n<!-- INFO END -->\\n\\n## 第一章 总则\\n\\n第一条 为了示例，制定本法。\\n\\n第二条 本法适用于示例。\\n\\n前款规定以外的，从其规定。\\n"
>>> info = law_info(text, "宪法相关法/示例法(2020-01-01).md")
>>> info.kind, info.level, info.date
('法律', '国家', '2020-01-01')
>>> [(a.number, a.label, a.path, len(a.paragraphs)) for a in parse_articles(text)]
[(1, '第一条', ('第一章 总则',), 1), (2, '第二条', ('第一章 总则',), 2)]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.zh.numbers import parse_chinese_number
from assistant.zh.rules import LOCAL_CONGRESS, NATIONAL_BODIES, YEAR_DIGITS
from assistant.zh.spans import BLANK as _SPACE
from assistant.zh.spans import lines

INFO_END = "<!-- INFO END -->"
LAW_KINDS = ("宪法", "法律", "行政法规", "司法解释", "部门规章", "地方性法规", "案例")
LEVELS = ("国家", "地方")

_CN_NUM = "零〇一二三四五六七八九十百千两"
ARTICLE_AT_LINE = re.compile(rf"第([{_CN_NUM}\d]+)条(?:之([{_CN_NUM}\d]+))?(?=[ \t\u3000\xa0]|$)")
STRUCTURE = re.compile(rf"^(?:#+[ \t]*)?(第[{_CN_NUM}\d]+(编|分编|章|节))(?:[ \t\u3000]*(.*))?$")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*$")
_FILE_DATE = re.compile(r"\((" + YEAR_DIGITS + r"-\d{2}-\d{2})\)\.md$")
_HISTORY_DATE = re.compile(r"(" + YEAR_DIGITS + r")年(\d{1,2})月(\d{1,2})日")
_CASE_PARTS = (
    "关键词", "裁判要点", "裁判要旨", "基本案情", "简要案情", "案情简介", "案情回顾", "裁判结果", "裁判理由", "法院裁判",
    "处理结果", "典型意义", "案例分析", "适用解析", "法官解读", "相关法条", "司法解释相关法条", "申请人请求", "原告诉讼请求",
    "争议焦点",
)
_CASE_NAME = re.compile(r"(?:诉|与).+(?:案|纠纷)$|案$")

# top-level LawRefBook folders → kind
_FOLDER_KINDS = {
    "宪法": "宪法", "宪法相关法": "法律", "民法典": "法律", "民法商法": "法律", "行政法": "法律", "经济法": "法律",
    "社会法": "法律", "刑法": "法律", "诉讼与非诉讼程序法": "法律", "其他": "法律", "行政法规": "行政法规",
    "司法解释": "司法解释", "部门规章": "部门规章", "案例": "案例", "地方性法规": "地方性法规",
}
_PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 "
    "陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
_LOCAL_CONGRESS = LOCAL_CONGRESS


@dataclass(frozen=True)
class LawInfo:
    """What a legal file says about itself."""

    title: str
    kind: str  # one of LAW_KINDS
    level: str  # 国家 or 地方
    region: str = ""
    date: str | None = None  # version date, ISO
    issuer: str | None = None

    @property
    def doc_kind(self) -> str:
        """The coarse Document.kind: "case" for cases, "law" for everything else."""
        return "case" if self.kind == "案例" else "law"


@dataclass(frozen=True)
class Article:
    """One article: ``text[start:end]`` runs from ``第X条`` to the end of its last 款."""

    number: int
    label: str  # 第三条, 第十条之一
    start: int
    end: int
    path: tuple[str, ...]  # the 编/章/节 headings in force
    paragraphs: tuple[tuple[int, int], ...]  # the 款 (and 项 lines), each a (start, end) span


@dataclass(frozen=True)
class Part:
    """A block of text under one heading (a case's 裁判要点, a law's preamble …)."""

    name: str
    start: int
    end: int
    path: tuple[str, ...]
    paragraphs: tuple[tuple[int, int], ...]


def cn_number(s: str) -> int | None:
    """Chinese or Arabic numerals as an int: 三 → 3, 二十一 → 21, 一千一百六十五 → 1165, 一〇五 → 105, 264 → 264."""
    s = s.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not s:
        return None
    if s.isdigit():
        return int(s)
    value = parse_chinese_number(s)
    return int(value) if value is not None and value == int(value) else None


def is_law_markdown(text: str, source: str = "") -> bool:
    """A legal Markdown file: a known folder in its path, or a ``#`` title with articles / case parts after it."""
    if not source.lower().endswith((".md", ".markdown")):
        return False
    if _folder_kind(source):
        return True
    head = text[:400].lstrip(_SPACE)
    if not head.startswith("# "):
        return False
    body = text[text.find(INFO_END) + len(INFO_END):] if INFO_END in text else text
    articles = sum(1 for _ in re.finditer(r"(?m)^[ \t\u3000]*第[零〇一二三四五六七八九十百千\d]+条[ \t\u3000]", body[:20000]))
    return articles >= 3 or (INFO_END in text and _has_case_parts(text))


def law_info(text: str, source: str = "", kind_hint: str = "") -> LawInfo:
    """Title, kind, level, region and version date of a legal Markdown file.

    The folder decides the kind when it is a LawRefBook folder; otherwise the text does (``kind_hint="case"``,
    the general metadata's verdict, makes it a case).
    """
    title = _title(text)
    header = text[: text.find(INFO_END)] if INFO_END in text else text[:600]
    kind = _folder_kind(source) or ("案例" if kind_hint == "case" else _kind_from_text(title, header, text))
    region = _region(source, header) if kind == "地方性法规" else ""
    level = "地方" if kind == "地方性法规" or region else "国家"
    return LawInfo(title=title, kind=kind, level=level, region=region, date=_version_date(source, header),
                   issuer=_issuer(kind, header))


def short_name(title: str) -> str:
    """The name people use: 中华人民共和国行政诉讼法 → 行政诉讼法."""
    for prefix in ("中华人民共和国", "全国人民代表大会常务委员会关于", "最高人民法院关于", "国务院关于"):
        if title.startswith(prefix) and len(title) > len(prefix) + 1:
            return title[len(prefix):]
    return title


def parse_articles(text: str, start: int = 0) -> list[Article]:
    """The articles after ``start`` (by default after ``<!-- INFO END -->``), with their 编/章/节 paths."""
    if start == 0 and INFO_END in text:
        start = text.find(INFO_END) + len(INFO_END)
    articles: list[Article] = []
    stack: list[tuple[int, str]] = []
    current: dict | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            paras = tuple(current["paras"])
            articles.append(Article(current["number"], current["label"], paras[0][0], paras[-1][1], current["path"], paras))
            current = None

    for s, e in lines(text, start, len(text)):
        line = text[s:e]
        if line.startswith("<!--"):
            continue
        structure = STRUCTURE.match(line)
        if structure and len(line) <= 60:
            close()
            rank = {"编": 1, "分编": 2, "章": 3, "节": 4}[structure.group(2)]
            while stack and stack[-1][0] >= rank:
                stack.pop()
            label = structure.group(1) + (" " + structure.group(3).strip(_SPACE) if structure.group(3) else "")
            stack.append((rank, re.sub(r"\s+", " ", label).strip()))
            continue
        if HEADING.match(line):
            close()
            continue
        article = ARTICLE_AT_LINE.match(line)
        if article:
            number = cn_number(article.group(1))
            if number is not None:
                close()
                current = {"number": number, "label": article.group(0), "path": tuple(l for _, l in stack),
                           "paras": [(s, e)]}
                continue
        if current is not None:
            current["paras"].append((s, e))
    close()
    return articles


def parse_case_parts(text: str) -> list[Part]:
    """A case's parts under ``##`` headings (关键词, 裁判要点, 基本案情, 裁判结果, 裁判理由 …), in order.

    Each part runs from its heading line to the line before the next heading; headings that name the case
    (…诉…纠纷案) give the path of the parts below them.
    """
    start = text.find(INFO_END) + len(INFO_END) if INFO_END in text else 0
    parts: list[Part] = []
    case_name = ""
    current: dict | None = None

    def close() -> None:
        nonlocal current
        if current is not None and current["paras"]:
            paras = tuple(current["paras"])
            parts.append(Part(current["name"], current["start"], paras[-1][1], current["path"], paras))
        current = None

    for s, e in lines(text, start, len(text)):
        line = text[s:e]
        if line.startswith("<!--"):
            continue
        heading = HEADING.match(line)
        name = heading.group(2).strip(_SPACE + "【】") if heading else ""
        bracket = re.match(r"^【([^】]{2,8})】", line)
        if not heading and bracket and bracket.group(1) in _CASE_PARTS:
            name = bracket.group(1)
        if heading or (bracket and name in _CASE_PARTS):
            close()
            if heading and name not in _CASE_PARTS and _CASE_NAME.search(name):
                case_name = name
                continue
            if heading and heading.group(1) == "#" and not parts:
                continue
            current = {"name": name, "start": s, "path": tuple(p for p in (case_name, name) if p), "paras": []}
            if not heading:  # 【裁判要点】 text on the same line
                current["paras"].append((s, e))
            continue
        if current is None:
            current = {"name": "", "start": s, "path": (case_name,) if case_name else (), "paras": []}
        current["paras"].append((s, e))
    close()
    return parts


def case_name(text: str) -> str:
    """The case's name (…诉…纠纷案) from its headings, or ""."""
    start = text.find(INFO_END) if INFO_END in text else 0
    for m in re.finditer(r"(?m)^#{1,6}[ \t]+(.+?)[ \t]*$", text[start:]):
        name = m.group(1).strip(_SPACE)
        if name not in _CASE_PARTS and _CASE_NAME.search(name):
            return name
    return ""


# ------------------------------------------------------------------ helpers




def _has_case_parts(text: str) -> bool:
    return any(p.name in _CASE_PARTS for p in parse_case_parts(text))


def _title(text: str) -> str:
    m = re.search(r"(?m)^#[ \t]+(.+?)[ \t]*$", text[:2000])
    return m.group(1).strip(_SPACE) if m else ""


def _folder_kind(source: str) -> str:
    parts = source.replace("\\", "/").split("/")[:-1]
    for part in parts:  # the top folder decides: 案例/民法典/… is a case
        if part in _FOLDER_KINDS:
            return _FOLDER_KINDS[part]
    if parts and parts[0] == "DLC":
        return "地方性法规"
    return ""


def _kind_from_text(title: str, header: str, text: str) -> str:
    if _has_case_parts(text) and not ARTICLE_AT_LINE.search(text[:5000]):
        return "案例"
    if title == "中华人民共和国宪法" or title.startswith("中华人民共和国宪法修正案"):
        return "宪法"
    if "最高人民法院" in title or "最高人民检察院" in title or re.search(r"最高人民(?:法院|检察院)审判委员会|检察委员会", header):
        return "司法解释"
    if _LOCAL_CONGRESS.search(header) or re.search(r"(?:省|自治区)[\u4e00-\u9fff]{0,8}(?:条例|规定|办法)$", title):
        return "地方性法规"
    if "国务院" in header and not re.search(r"全国人民代表大会", header):
        return "行政法规"
    if re.search(r"(?:部|委员会|总局|局|署)令|部务会议|委务会议|局务会议", header):
        return "部门规章"
    return "法律"


def _region(source: str, header: str) -> str:
    for part in source.replace("\\", "/").split("/")[:-1]:
        for province in _PROVINCES:
            if part.startswith(province):
                return province
    m = _LOCAL_CONGRESS.search(header)
    if m:
        place = m.group(1)
        for province in _PROVINCES:
            if place.startswith(province):
                return province
        return place
    return ""


def _version_date(source: str, header: str) -> str | None:
    m = _FILE_DATE.search(source)
    if m:
        return m.group(1)
    dates = [f"{y}-{int(mo):02d}-{int(d):02d}" for y, mo, d in _HISTORY_DATE.findall(header)]
    return max(dates) if dates else None


def _issuer(kind: str, header: str) -> str | None:
    for body in NATIONAL_BODIES:
        if body in header:
            return body
    m = _LOCAL_CONGRESS.search(header)
    if m:
        return m.group(0)
    return {"案例": "最高人民法院", "行政法规": "国务院"}.get(kind)
