"""Quantities, dates and ranks in Chinese text, parsed into comparable values for claim verification."""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from assistant.zh.rules import UNITS, YEAR_DIGITS, qualifiers

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 1e4, "亿": 1e8}
_MAG = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}
_UNITS = UNITS
_PREFIX = qualifiers("prefix")
_SUFFIX = qualifiers("suffix")
_QUAL = {w: q for table in (_PREFIX, _SUFFIX) for q, ws in table.items() for w in ws.split("|")}
_QUAL.update({"多": "over", "余": "over"})
_CN_NUM = r"[零〇一二两三四五六七八九十百千][零〇一二两三四五六七八九十百千万亿]*(?:点[零〇一二三四五六七八九]+)?"
_FIGURE = re.compile(
    rf"(?P<ord>第)?(?P<pre>{'|'.join(_PREFIX.values())})?"
    rf"(?:(?P<ar>\d+(?:,\d{{3}})*(?:\.\d+)?)|(?P<frac>百分之|千分之)?(?P<cn>{_CN_NUM}))"
    r"(?P<more1>多|余)?\s*(?P<mag>万亿|亿|万|千(?![瓦克米])|百(?!分))?(?P<more2>多|余)?"
    rf"(?P<unit>{_UNITS})?(?P<post>{'|'.join(_SUFFIX.values())})?"
)
_NO_PREFIX_BEFORE = {"约": "节制契签预公条合", "近": "最附临亲贴"}
_BOUNDARY = "，。；、,.;:：！!？?）)]】\"”’ \t\r\n\u3000"
_KIND = {"‰": ("%", 0.1), "日": ("天", 1.0), "场次": ("场", 1.0), "批次": ("批", 1.0), "公斤": ("千克", 1.0)}


@dataclass(frozen=True)
class Figure:
    """A number as written (``raw`` at ``start``–``end``) with its value in base units and its qualifier.

    ``qualifier`` is "about", "over" (at least), "under" (at most) or ""; ``bounds`` is the range of values
    the wording allows (``None`` means derive it from ``value`` and ``qualifier``).
    """

    start: int
    end: int
    raw: str
    value: float
    unit: str
    approximate: bool = False
    qualifier: str = ""
    bounds: tuple[float, float] | None = None

    @property
    def is_year(self) -> bool:
        return self.unit == "年" and 1900 <= self.value <= 2100 and "." not in self.raw and "点" not in self.raw


@dataclass(frozen=True)
class DateMention:
    """A calendar date or month as written; missing parts are ``None``."""

    start: int
    end: int
    raw: str
    year: int | None
    month: int | None
    day: int | None = None


@dataclass(frozen=True)
class Rank:
    """An ordinal position ("位列第三", "第1名") with its value."""

    start: int
    end: int
    raw: str
    value: int


def normalize_digits(text: str) -> str:
    """Full-width digits and signs to ASCII (length-preserving, so offsets stay valid)."""
    return "".join(unicodedata.normalize("NFKC", ch) if ch in "０１２３４５６７８９％．，" else ch for ch in text)


def parse_chinese_number(s: str) -> float | None:
    """Value of a Chinese numeral: "一百三十五" → 135, "一万二千" → 12000, "三点五" → 3.5, "二〇二三" → 2023."""
    whole, _, frac = s.partition("点")
    if not whole or any(c not in _CN_DIGIT for c in frac) or any(c not in "".join(_CN_DIGIT) + "十百千万亿" for c in whole):
        return None
    if len(whole) > 1 and all(c in _CN_DIGIT for c in whole):
        value = float("".join(str(_CN_DIGIT[c]) for c in whole))
    else:
        total, section, digit = 0.0, 0.0, 0
        for c in whole:
            if c in _CN_DIGIT:
                digit = _CN_DIGIT[c]
            elif c in _CN_SMALL:
                section, digit = section + (digit or 1) * _CN_SMALL[c], 0
            else:
                section, digit = section + digit, 0
                total = (total + section) * 1e8 if c == "亿" else total + section * 1e4
                section = 0.0
        value = total + section + digit
    return value + (float("0." + "".join(str(_CN_DIGIT[c]) for c in frac)) if frac else 0.0)


def _qualifier(words: list[str]) -> str:
    kinds = {_QUAL[w] for w in words if w}
    return kinds.pop() if len(kinds) == 1 else "about" if kinds else ""


def _step(num: str) -> float:
    """Place value of the last significant digit: "3000" → 1000, "7500" → 100, "3.5" → 0.1."""
    num = num.replace(",", "")
    if "." in num:
        return 10.0 ** -len(num.split(".")[1])
    return 10.0 ** (len(num) - len(num.rstrip("0"))) if num.strip("0") else 1.0


def _bounds(value: float, qualifier: str, words: list[str], step: float) -> tuple[float, float]:
    if qualifier == "about":
        return value * 0.95, value * 1.05
    if qualifier == "over":
        return (value, value + step) if ("多" in words or "余" in words) and "以上" not in words else (value, math.inf)
    if qualifier == "under":
        return (value * 0.9, value) if any(w in ("近", "将近", "接近") for w in words) else (-math.inf, value)
    return value, value


def _figure(m: re.Match, text: str) -> Figure | None:
    """The figure for one regex match, or None when it is an ordinal, an idiom or a bare Chinese numeral."""
    cn, frac, unit = m.group("cn"), m.group("frac"), m.group("unit") or ""
    if m.group("ord"):
        return None
    if cn:
        if not frac and (cn[0] in "百千" or (cn == "一" and unit not in ("个百分点", "百分点", "倍"))):
            return None
        if not (frac or unit or m.group("mag") or re.search("[点万亿]", cn)):
            return None
        num = parse_chinese_number(cn)
        if num is None:
            return None
        step = _step("0." + cn.split("点")[1] if "点" in cn else str(int(num)))
    else:
        num, step = float(m.group("ar").replace(",", "")), _step(m.group("ar"))
    start, pre = m.start(), m.group("pre") or ""
    if pre and m.start() > 0 and text[m.start() - 1] in _NO_PREFIX_BEFORE.get(pre, ""):
        start, pre = m.start("pre") + len(pre), ""
    if pre == "近" and unit == "年":  # 近5年 = "the last five years", not "almost five"
        start, pre = m.start("pre") + 1, ""
    mag = _MAG.get(m.group("mag") or "", 1.0) * (10 if unit == "成" else 1)  # 五成 = 50%
    value = num * mag
    if frac or unit in ("成", "百分点"):
        unit = {"百分之": "%", "千分之": "‰", "成": "%", "百分点": "个百分点"}[frac or unit]
    words = [pre, m.group("more1"), m.group("more2"), m.group("post")]
    qual = _qualifier(words)
    return Figure(start, m.end(), text[start : m.end()], value, unit, bool(qual), qual,
                  _bounds(value, qual, words, step * mag))


def find_figures(text: str) -> list[Figure]:
    """All figures in ``text``, in order; month/day parts of dates are left out, their years kept.

    >>> [(f.raw, f.value, f.unit, f.qualifier) for f in find_figures("赤字规模5.66万亿元，宣传册10万余本")]
    [('5.66万亿元', 5660000000000.0, '元', ''), ('10万余本', 100000.0, '本', 'over')]
    """
    norm = normalize_digits(text)
    dates = find_dates(text)
    out = [_date_year(d, text) for d in dates if d.year is not None]
    for m in _FIGURE.finditer(norm):
        fig = _figure(m, text)
        if fig and not any(d.start < fig.end and fig.start < d.end for d in dates):
            out.append(fig)
    return sorted(out, key=lambda f: f.start)


def _date_year(d: DateMention, text: str) -> Figure:
    head = re.match(r"(?:\d{4}|[〇零一二三四五六七八九]{4})年?", normalize_digits(d.raw))
    end = d.start + (head.end() if head else 4)
    return Figure(d.start, end, text[d.start : end], float(d.year), "年")


_CN_MD = r"[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_DATE_PATTERNS = (
    ("iso", re.compile(r"(?<!\d)(?P<y>" + YEAR_DIGITS + r")[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})(?!\d)(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")),
    ("cn", re.compile(r"(?<![\d.])(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号])?")),
    ("cn", re.compile(rf"(?P<y>[〇零一二三四五六七八九]{{4}})年(?P<m>{_CN_MD})月(?:(?P<d>{_CN_MD})日)?")),
    ("cn", re.compile(r"(?<![\d.])(?P<y>" + YEAR_DIGITS + r")(?P<m>1[0-2]|0?[1-9])月(?:(?P<d>\d{1,2})日)?")),
    ("packed", re.compile(r"(?<![\d.,])(?P<y>" + YEAR_DIGITS + r")(?P<md>\d{3,4})(?![\w.,%‰])")),
)


def _num(s: str | None) -> int | None:
    if not s:
        return None
    return int(s) if s.isdigit() else int(parse_chinese_number(s) or 0)


def _valid(y: int | None, m: int | None, d: int | None) -> bool:
    if m is None or not 1 <= m <= 12:
        return False
    try:
        return d is None or date(y or 2000, m, d) is not None
    except ValueError:
        return False


def _date_parts(kind: str, m: re.Match) -> tuple[int | None, int | None, int | None] | None:
    y = _num(m.group("y"))
    if kind != "packed":
        mo, d = _num(m.group("m")), _num(m.group("d"))
        return (y, mo, d) if _valid(y, mo, d) else None
    md = m.group("md")
    splits = [(md[:2], md[2:])] if len(md) == 4 else [(md[:1], md[1:]), (md[:2], md[2:])]
    for mo, d in splits:  # "2024228" → 2024-2-28; "2024111" reads as 2024-1-11
        if _valid(y, int(mo), int(d)):
            return y, int(mo), int(d)
    return None


def find_dates(text: str) -> list[DateMention]:
    """Dates and months: "2023年12月31日", "2024-03-01", "一九九七年七月一日", and scraped "202312月", "2024228".

    >>> [(d.year, d.month, d.day) for d in find_dates("在202312月会议上……2024228")]
    [(2023, 12, None), (2024, 2, 28)]
    """
    norm = normalize_digits(text)
    found = []
    for kind, rx in _DATE_PATTERNS:
        for m in rx.finditer(norm):
            parts = _date_parts(kind, m)
            if parts:
                found.append(DateMention(m.start(), m.end(), text[m.start() : m.end()], *parts))
    out: list[DateMention] = []
    for d in sorted(found, key=lambda d: (d.start, -(d.end - d.start))):
        if not out or d.start >= out[-1].end:
            out.append(d)
    return out


_RANK = re.compile(
    r"(?:(?P<verb>位列|位居|排名|排在|名列|跃居|稳居|(?:跃升|上升|提升|下降|降)(?:到|至|为)|升至|居)(?P<gap>[^第，。；;\n]{0,8}?))?"
    r"第(?P<n>\d+|[一二三四五六七八九十百]+)(?P<suf>名|位)?"
)


def find_ranks(text: str) -> list[Rank]:
    """Ranks: "第N名"/"第N位", "位列…第N", "居世界第N", or "…第N" closing a clause (not a list marker or "第N条").

    >>> [(r.raw, r.value) for r in find_ranks("位列县(市、区)第三，第一责任人，第1名")]
    [('位列县(市、区)第三', 3), ('第1名', 1)]
    """
    norm = normalize_digits(text)
    out = []
    for m in _RANK.finditer(norm):
        at = m.start("n") - 1
        after = norm[m.end()] if m.end() < len(norm) else " "
        bare_ok = after in _BOUNDARY and after != "、" and at > 0 and norm[at - 1] not in _BOUNDARY
        if m.group("verb") or m.group("suf") or bare_ok:
            start = m.start() if m.group("verb") else at
            n = m.group("n")
            out.append(Rank(start, m.end(), text[start : m.end()], int(n) if n.isdigit() else int(parse_chinese_number(n) or 0)))
    return out


def _kind(f: Figure) -> tuple[str, float]:
    return _KIND.get(f.unit, (f.unit, 1.0))


def _range(f: Figure, scale: float) -> tuple[float, float]:
    lo, hi = f.bounds if f.bounds is not None else _bounds(f.value, f.qualifier, [], 0.0)
    return lo * scale, hi * scale


def compare(a: Figure, b: Figure) -> str:
    """"equal", "compatible" (the qualifiers allow both), "different", or "incomparable" (other kind of unit).

    >>> f = lambda s: find_figures(s)[0]
    >>> compare(f("10万余本"), f("10万本")), compare(f("20万份"), f("30万份")), compare(f("5%"), f("5个百分点"))
    ('compatible', 'different', 'incomparable')
    """
    (ka, sa), (kb, sb) = _kind(a), _kind(b)
    if ka != kb or a.is_year != b.is_year:
        return "incomparable"
    close = lambda x, y: math.isclose(x, y, rel_tol=1e-9) or x == y  # noqa: E731 (inf == inf)
    if close(a.value * sa, b.value * sb) and a.qualifier == b.qualifier:
        return "equal"
    (la, ha), (lb, hb) = _range(a, sa), _range(b, sb)
    if (la <= hb or close(la, hb)) and (lb <= ha or close(lb, ha)):
        return "compatible"
    return "different"


def number_strings(text: str) -> list[str]:
    """Numbers in ``text`` as canonical strings (full-width digits, separators and spaces normalised)."""
    norm = normalize_digits(text)
    norm = re.sub(r"(?<=\d),(?=\d{3})", "", norm)
    norm = re.sub(r"(?<=\d)\s+(?=\d)", "", norm)
    return [_canon(n) for n in re.findall(r"\d+(?:\.\d+)?", norm)]


def _canon(n: str) -> str:
    if "." in n:
        n = n.rstrip("0").rstrip(".")
    return n.lstrip("0") or "0"
