"""Document metadata from its text and file name: title, publication date, issuing body, kind.

>>> detect_kind("许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告", "")
'report'
>>> detect_kind("中华人民共和国行政诉讼法", "")
'law'
>>> detect_issuer("许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告", "")
'许昌市城乡一体化示范区管委会'
>>> parse_date("二〇二四年二月二十八日"), parse_date("发布日期：2023年5月6日"), title_year("关于2023年度法治建设工作的报告")
('2024-02-28', '2023-05-06', 2023)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from assistant.zh.numbers import parse_chinese_number
from assistant.zh.rules import LOCAL_CONGRESS, LOCAL_GOVERNMENT, NATIONAL_BODY, YEAR_DIGITS

Span = tuple[int, int]

_WS = " \t\r\n\u3000\xa0\u200b\u200c\u200d\ufeff"
_FULLWIDTH = str.maketrans("０１２３４５６７８９－／．：", "0123456789-/.:")
_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇零○ＯOo一二三四五六七八九"
_DATE = re.compile(
    r"(?<!\d)(?P<y>" + YEAR_DIGITS + r")\s*(?:[-./]|年)\s*(?P<m>\d{1,2})\s*(?:(?:[-./]|月)\s*(?P<d>\d{1,2})(?!\d)\s*日?|月)"
    rf"|(?P<cy>[{_CN}]{{4}})年(?P<cm>[一二三四五六七八九十]{{1,2}})月(?:(?P<cd>[一二三四五六七八九十]{{1,3}})日)?"
)
_LABELED_DATE = re.compile(r"(?<![\u4e00-\u9fff])(?:信息时间|发布时间|发布日期|成文日期|印发日期|公布日期|发文日期|更新时间|日期)\s*[:：]\s*")
_FILENAME_DATE = re.compile(r"[（(](" + YEAR_DIGITS + r")-(\d{2})-(\d{2})[)）]|(?<!\d)(" + YEAR_DIGITS + r")-(\d{2})-(\d{2})(?!\d)")
_INFO_END = "<!-- INFO END -->"
_IN_FORCE = re.compile(r"施行|实施|生效")
_ENACTED = re.compile(r"通过|公布|发布|印发|修正|修订|批准|废止|修改")
_TITLE_YEAR = re.compile(rf"(?<!\d)({YEAR_DIGITS})\s*年|([{_CN}]{{4}})年")
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*\r?$", re.M)
_FRONT_TITLE = re.compile(r"\A---[ \t]*\r?\n(?:.*\r?\n)*?title[ \t]*:[ \t]*[\"']?(.+?)[\"']?[ \t]*\r?\n(?:.*\r?\n)*?---", re.M)
_DOC_NUMBER = re.compile(r"^\S{1,12}[〔\[［(（]\s*" + YEAR_DIGITS + r"\s*[〕\]］)）]\s*\d+\s*号$")
_RED_HEADER = re.compile(r"^\S{2,30}文件$")
_ORG = (r"人民代表大会常务委员会|人民代表大会|常务委员会|人民政府|管理委员会|管委会|委员会|办公厅|办公室|人民法院|"
        r"人民检察院|国务院|政府|党组|党委|工委|中心|会议")
_ORG_END = re.compile(rf"(?:{_ORG})$")
_ORG_END_SHORT = re.compile(r"[局厅部委署院处所]$")
_PLACE = re.compile(r"省|市|县|区|镇|乡|街道|国家|中国|中华人民共和国|中共|自治")
_REPORT_ISSUER = re.compile(r"^(?:" + YEAR_DIGITS + r"年(?:度)?)?(?:中华人民共和国)?(国务院|\S{2,30}?人民政府)政府?工作报告")
_SPEAKER = re.compile(r"^(国务院|\S{2,30}?人民政府)(?:代?总理|副总理|代?省长|副省长|代?市长|副市长|代?县长|代?区长|主席)")
_NATIONAL_BODY = NATIONAL_BODY
_LOCAL_CONGRESS = LOCAL_CONGRESS
_LOCAL_GOVERNMENT = LOCAL_GOVERNMENT
_DECREE = re.compile(r"(?:中华人民共和国)?([\u4e00-\u9fff]{2,20}?(?:部|委员会|总局|局|署|银行|办公厅))令")
_CASE_TITLE = re.compile(r"指导案例|指导性案例|典型案例|参考案例|判决书|裁定书|调解书|诉.+案$|纠纷一?案$")
_CASE_HEADING = re.compile(
    r"^[#\s]*【?(基本案情|简要案情|案情简介|案情回顾|裁判要点|裁判要旨|裁判结果|裁判理由|判决结果|判决理由|处理结果|法院裁判|"
    r"争议焦点|典型意义|案例分析|法官解读|相关法条|本院认为|判决如下|原告诉讼请求|申请人请求)】?",
    re.M,
)
_CASE_NAME_LINE = re.compile(r"^[#\s]*\S{1,40}(?:诉|与)\S{1,60}(?:纠纷|合同|侵权|责任|罪)\S{0,12}?一?案[ \t]*\r?$", re.M)
_REPORT_TITLE = re.compile(r"(?:报告|总结|公报|白皮书|年报|汇报)$")
_LAW_TITLE = re.compile(r"(?<![做方看想说用写手技])法$|(?:条例|规定|办法|细则|解释|解答|规则|决定|决议|准则|章程|通则|法典|修正案|批复|答复)$")
_ARTICLE_LINE = re.compile(r"^[ \t\u3000]*第[一二三四五六七八九十百千零〇\d]+条", re.M)
_TRAILING_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


@dataclass(frozen=True)
class Metadata:
    title: str
    date: str | None
    issuer: str | None
    kind: str


def detect_metadata(text: str, fmt: str, filename: str = "", skip: Sequence[Span] = (),
                    title_hint: str | None = None) -> Metadata:
    """Title, date, issuer and kind of a loaded text."""
    title = detect_title(text, skip, fmt, hint=title_hint, fallback=_stem(filename))
    return Metadata(title, detect_date(text, filename), detect_issuer(title, text), detect_kind(title, text))


# ---------------------------------------------------------------- title


def detect_title(text: str, skip: Sequence[Span] = (), fmt: str = "txt", hint: str | None = None,
                 fallback: str = "") -> str:
    """The title: a Markdown file's front-matter title or first heading; a loader's hint (HTML); else the first
    non-empty line outside the boilerplate spans (red-header "XX文件" and document-number lines passed over) when it
    looks like a title (at most 100 characters, not ending like a sentence); else ``fallback`` (the file name).

    An issuer line followed by a "关于…" line (a title set on two lines) is joined into one title.
    """
    if fmt == "md":
        m = _FRONT_TITLE.match(text)
        if m:
            return m.group(1).strip()
        headings = [(len(h.group(1)), h) for h in _MD_HEADING.finditer(text, 0, min(len(text), 20000))]
        headings = [(level, h) for level, h in headings if not _covered(skip, h.start())]
        if headings:
            top = min(level for level, _ in headings)
            return next(h for level, h in headings if level == top).group(2).strip(_WS)
    if hint and hint.strip(_WS):
        return hint.strip(_WS)
    lines = _content_lines(text, skip, limit=12)
    for i, line in enumerate(lines):
        if _DOC_NUMBER.match(line) or _RED_HEADER.match(line):
            continue
        candidate = line.lstrip("#").strip(_WS)
        if not _title_like(candidate):
            if i == 0 and (lead := _leading_title(candidate)):
                return lead  # a text whose line breaks were lost: the title, a space, the body on one line
            break
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if len(candidate) <= 30 and _ORG_END.search(candidate) and following.startswith("关于") and _title_like(following):
            return candidate + following
        return candidate
    return fallback


_GAP = re.compile(rf"[{_WS}]+")
_CLAUSE_MARK = re.compile(r"[，,。；;：:]")
# where a one-line text's title ends: a dateline (新华社北京2月13日电, 2月16日16时21分讯), a byline, a document number
_TITLE_STOP = re.compile(r"新华社|记者|[（(]|\d+\s*月\s*\d+\s*日|〔\s*\d{4}\s*〕")


def _leading_title(line: str) -> str | None:
    """The title at the head of a line that runs on into the body ("甘肃积极做好…保障工作 2月8日，甘肃省…"): its
    first space-separated part when that looks like a title, with the next parts while they hold no clause mark (a
    title set in two parts, "抗击疫情同聚力 落实优惠促发展"), at most 100 characters.

    >>> _leading_title("重庆推行“非接触式”办税缴费 网上申报率超99.6%   记者今日从重庆市获悉，网上申报率超99.6%。")
    '重庆推行“非接触式”办税缴费 网上申报率超99.6%'
    >>> _leading_title("为进一步做好疫情防控工作，现通知如下：一、……") is None
    True
    """
    parts = _GAP.split(line[:200])
    if len(parts) < 2 or not (4 <= len(parts[0]) <= 60) or parts[0].endswith(("。", "；", ";", "，", ",", "：", ":")):
        return None
    if "。" in parts[0] or len(_CLAUSE_MARK.findall(parts[0])) > 1:
        return None
    title = parts[0]
    for part in parts[1:-1]:
        if not part or _CLAUSE_MARK.search(part) or _TITLE_STOP.search(part) or part in title \
                or len(title) + 1 + len(part) > 100:
            break
        title = f"{title} {part}"
    return title


def _title_like(line: str) -> bool:
    return 0 < len(line) <= 100 and not line.endswith(("。", "；", ";", "，", ",", "：", ":", "！", "？", "的"))


def _content_lines(text: str, skip: Sequence[Span], limit: int) -> list[str]:
    """The first ``limit`` non-empty lines (stripped) that do not start inside a boilerplate span."""
    out: list[str] = []
    pos = 0
    for raw in text[:20000].splitlines(keepends=True):
        start, pos = pos, pos + len(raw)
        line = raw.strip(_WS)
        if not line:
            continue
        if _covered(skip, start + raw.index(line[0])):
            continue
        out.append(line)
        if len(out) >= limit:
            break
    return out


def _covered(spans: Sequence[Span], offset: int) -> bool:
    return any(s <= offset < e for s, e in spans)


def _stem(filename: str) -> str:
    stem = filename.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return _FILENAME_DATE.sub("", stem).strip(_WS)


# ---------------------------------------------------------------- date


def parse_date(s: str) -> str | None:
    """The first date in ``s`` as ISO ("2024-03-01", or "2024-03" without a day); Arabic, full-width and Chinese numerals."""
    m = _DATE.search(s.translate(_FULLWIDTH))
    return _iso(m) if m else None


def _iso(m: re.Match) -> str | None:
    if m.group("y"):
        year, month, day = int(m.group("y")), int(m.group("m")), m.group("d")
        day = int(day) if day else None
    else:
        year = int("".join(str(_CN_DIGIT[c]) for c in m.group("cy")))
        month, day = _cn_number(m.group("cm")), m.group("cd")
        day = _cn_number(day) if day else None
    if not (1900 <= year <= 2100 and month and 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if day else f"{year:04d}-{month:02d}"


def _cn_number(s: str) -> int | None:
    """一 … 三十一 (a month or a day)."""
    value = parse_chinese_number(s) if s else None
    return int(value) if value is not None else None


def detect_date(text: str, filename: str = "") -> str | None:
    """The publication date, ISO. In order: a labelled page date near the top or bottom ("信息时间:2024-03-01",
    "发布日期：2023年5月6日"); a date in the file name ("名称(2024-09-13).md", lawrefbook's publication date);
    the latest enactment/amendment date of a law header (the lines before ``<!-- INFO END -->``, or the
    "（…通过 …修正）" lines under the title), leaving out commencement dates (施行); a date line under the title
    ("——2024年3月5日在…会议上"); the signature date in the last lines ("2024年2月28日", "二〇二四年二月二十八日").
    """
    head, tail = text[:3000], text[-1500:]
    for region in (head, tail):
        for m in _LABELED_DATE.finditer(region):
            d = _DATE.match(region[m.end():m.end() + 30].translate(_FULLWIDTH))
            if d and _iso(d):
                return _iso(d)
    m = _FILENAME_DATE.search(filename.rsplit("/", 1)[-1])
    if m:
        y, mo, d = [g for g in m.groups() if g]
        if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31:
            return f"{y}-{mo}-{d}"
    header = _header_lines(text)
    dates = [iso for line in header for iso in _enactment_dates(line)]
    if dates:
        return max(dates)
    return _signature_date(text)


def _header_lines(text: str) -> list[str]:
    """The lines that carry a law's or speech's history: before ``<!-- INFO END -->`` (lawrefbook), else the top
    lines that open with a date (after "（" or "——") and read as a header, not as a paragraph."""
    if _INFO_END in text[:20000]:
        return [line.strip(_WS) for line in text[:text.index(_INFO_END)].splitlines()]
    out = []
    for line in _content_lines(text, (), limit=10)[1:]:
        body = line.lstrip("（(——－-—– ").translate(_FULLWIDTH)
        m = _DATE.match(body)
        if not m:
            continue
        opened = line[0] in "（(—－-–"
        if opened or len(line) <= 40 or (_ENACTED.search(line) and not body[m.end():].startswith(("，", ","))):
            out.append(line)
    return out


def _enactment_dates(line: str) -> list[str]:
    line = line.translate(_FULLWIDTH)
    matches = list(_DATE.finditer(line))
    out = []
    for i, m in enumerate(matches):
        after = line[m.end():matches[i + 1].start() if i + 1 < len(matches) else len(line)]
        before = line[max(0, m.start() - 1):m.start()]
        if before == "自" or (_IN_FORCE.search(after) and not _ENACTED.search(after)):
            continue
        iso = _iso(m)
        if iso:
            out.append(iso)
    return out


_COMPACT_DATE = re.compile(r"(" + YEAR_DIGITS + r")(\d{1,2})(\d{1,2})")


def _signature_date(text: str) -> str | None:
    lines = [line.strip(_WS) for line in text[-2000:].splitlines() if line.strip(_WS)][-8:]
    for line in reversed(lines):
        norm = line.translate(_FULLWIDTH)
        m = _DATE.fullmatch(norm)
        if m and _iso(m):
            return _iso(m)
        if re.fullmatch(YEAR_DIGITS + r"\d{3,4}", norm):  # "2024228": 年月日 lost in scraping; only when unambiguous
            readings = {_compact(norm, k) for k in (1, 2)} - {None}
            if len(readings) == 1:
                return readings.pop()
    return None


def _compact(digits: str, month_len: int) -> str | None:
    year, rest = int(digits[:4]), digits[4:]
    month, day = rest[:month_len], rest[month_len:]
    if not day or len(day) > 2 or month.startswith("0") and month_len == 1 or day.startswith("0") and len(day) == 1:
        return None
    m, d = int(month), int(day)
    return f"{year:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else None


def title_year(title: str) -> int | None:
    """The year a title is about ("关于2023年度法治建设工作的报告" → 2023, "二〇二三年…" → 2023), or None.

    This is what the document covers, not when it was published (a 2023 report is issued in 2024);
    it is not stored in ``Document.date``.
    """
    m = _TITLE_YEAR.search(title.translate(_FULLWIDTH))
    if not m:
        return None
    if m.group(1):
        return int(m.group(1))
    year = int("".join(str(_CN_DIGIT[c]) for c in m.group(2)))
    return year if 1900 <= year <= 2100 else None


# ---------------------------------------------------------------- issuer


def detect_issuer(title: str, text: str) -> str | None:
    """The issuing body, or None when unsure: "XX关于…" titles; "XX政府工作报告"; the enacting body of a law
    header; a speaker line ("国务院总理"); an organisation signing at the end."""
    title = title.strip(_WS)
    idx = title.find("关于")
    if idx >= 2:
        prefix = title[:idx].strip(_WS)
        if _org_name(prefix, min_short=3):
            return prefix
    m = _REPORT_ISSUER.match(title)
    if m:
        return m.group(1)
    for line in [h for h in _header_lines(text) if _DATE.search(h.translate(_FULLWIDTH))][:3]:
        issuer = _enacting_body(line) if _ENACTED.search(line) else None  # not "在…会议上" (where it was given)
        if issuer:
            return issuer
    for line in _content_lines(text, (), limit=12):
        m = _SPEAKER.match(line)
        if m:
            return m.group(1)
    tail = [line.strip(_WS) for line in text[-1500:].splitlines() if line.strip(_WS)][-3:]
    for i, line in enumerate(tail):  # a signature: the organisation on the last line or just above the date
        last = i == len(tail) - 1
        if (last or parse_date(tail[i + 1]) or _COMPACT_DATE.fullmatch(tail[i + 1])) and len(line) <= 40 \
                and re.fullmatch(r"[\u4e00-\u9fff（）()]+", line) and _org_name(line) \
                and (_PLACE.search(line) or _NATIONAL_BODY.fullmatch(line)):
            return line
    return None


def _org_name(s: str, min_short: int = 4) -> bool:
    """Whether ``s`` reads as the name of a body: ends like one, no digits or clause punctuation."""
    if not 2 <= len(s) <= 60 or re.search(r"\d|[，。；：、]", s):
        return False
    return bool(_ORG_END.search(s) or (_ORG_END_SHORT.search(s) and len(s) >= min_short))


def _enacting_body(line: str) -> str | None:
    m = _LOCAL_CONGRESS.search(line)
    national = _NATIONAL_BODY.search(line)
    if national and (not m or national.start() <= m.start()):
        return national.group(0)
    if m:
        place = re.sub(r"^(?:经|由|根据|依据|在)", "", m.group(1))
        return f"{place}人民代表大会{m.group(2) or ''}"
    for pattern in (_LOCAL_GOVERNMENT, _DECREE):
        found = pattern.search(line)
        if found:
            return found.group(1)
    return None


# ---------------------------------------------------------------- kind


def detect_kind(title: str, text: str) -> str:
    """"case" (指导案例, 判决书, 裁定书, or a case's sections such as 基本案情 and 裁判要点), "report" (报告, 总结, 公报),
    "law" (法, 条例, 规定, 办法, 解释, 决定, 决议 … or articles 第X条), else "other".

    A resolution approving a report ("…关于政府工作报告的决议") is "other": neither the report nor a law.
    """
    core = _TRAILING_NOTE.sub("", title.strip(_WS)).rstrip("。")
    head = text[:8000]
    case_marks = len(set(_CASE_HEADING.findall(head))) + bool(_CASE_NAME_LINE.search(head))
    if _CASE_TITLE.search(core) or case_marks >= 2:
        return "case"
    if _REPORT_TITLE.search(core):
        return "report"
    if core.endswith("决议") and "报告" in core:
        return "other"
    if _LAW_TITLE.search(core) or len(_ARTICLE_LINE.findall(head)) >= 3:
        return "law"
    if "报告" in core and not re.search(r"(?:决议|决定|批复|通知)$", core):
        return "report"
    return "other"
