"""Web-page chrome in scraped government pages (【字号】【我要打印】【关闭】…) found as spans; the text is never changed.

Only whole lines of chrome, or runs of bracketed page controls at the start or end of a
line, are marked, so a sentence of the document is never covered. Spans are trimmed (no
surrounding whitespace or line breaks), sorted and non-overlapping.

>>> text = "标题\\n【信息来源:【信息时间:2024-03-01 10:15 】【字号 】【我要打印】【关闭\\n正文。【打印】【关闭】\\n"
>>> [text[s:e] for s, e in find_boilerplate(text)]
['【信息来源:【信息时间:2024-03-01 10:15 】【字号 】【我要打印】【关闭', '【打印】【关闭】']
"""
from __future__ import annotations

import re

Span = tuple[int, int]

_WS = " \t\u3000\xa0\u200b\ufeff"
_S = r"[ \t\u3000\xa0]"  # horizontal space inside a line
_MAX_LINE = 300  # chrome lines are short; longer lines are only checked for controls at their ends
# Page controls: what the buttons and links around an article say.
_CONTROL = (
    r"我要打印|打印本页|打印此页|打印正文|打印文章|打印|关闭窗口|关闭本页|关闭此页|关闭|加入收藏|收藏本页|收藏|"
    r"分享到?|返回顶部|回到顶部|返回列表|返回|我要纠错|纠错|保存本页|保存|放大|缩小|默认|"
    rf"(?:字号|字体)[:：]?(?:{_S}*[大中小])*|[大中小]"
)
# Page information labels ("信息来源: …", "阅读次数: …").
_LABEL = (
    r"信息来源|文章来源|稿件来源|来源|信息时间|发布时间|发布日期|更新时间|时间|作者|编辑|责任编辑|"
    r"阅读次数|浏览次数|点击次数|点击数|点击量|访问量|浏览量|阅读量|访问次数"
)
_STRONG_LABEL = re.compile(r"阅读次数|浏览次数|点击次数|点击数|点击量|访问量|浏览量|阅读量|访问次数|责任编辑|字号")
_PAGE_LABEL = re.compile(r"信息来源|文章来源|稿件来源|来源|信息时间|发布时间|发布日期|更新时间")
_OPEN, _CLOSE, _NOT_BRACKET = r"[【\[〖]", r"[】\]〗]", r"[^【】\[\]〖〗\n]"
_SEP = r"[ \t\u3000\xa0|｜丨/]*"
# 【…】 with a control or a label inside; "【信息来源:【信息时间:…" leaves brackets open, so an item may also end
# where the next one opens or at the end of the line. (The patterns below run on one trimmed line, so no
# two adjacent quantifiers can trade the same spaces back and forth.)
_ITEM = rf"{_OPEN}{_S}*(?:(?:{_LABEL}){_S}*(?:[:：]{_NOT_BRACKET}*)?|(?:{_CONTROL}){_S}*)(?:{_CLOSE}|(?={_OPEN})|$)"
_CONTROL_ITEM = rf"{_OPEN}{_S}*(?:{_CONTROL}){_S}*{_CLOSE}"
_BRACKET_LINE = re.compile(rf"(?:{_ITEM}{_SEP})*{_ITEM}")
_CONTROL_RUN_END = re.compile(rf"(?:{_CONTROL_ITEM}{_SEP})*{_CONTROL_ITEM}$")
_CONTROL_RUN_START = re.compile(rf"(?:{_CONTROL_ITEM}{_SEP})*{_CONTROL_ITEM}")
_LABEL_AT = re.compile(rf"(?:^|(?<=[\s|｜丨]))({_LABEL}){_S}*[:：]")
_LABEL_START = re.compile(rf"(?:{_LABEL}){_S}*[:：]")
_WORD = r"[【\[]?(?:打印|关闭|收藏)[】\]]?"
_PHRASE_LINE = re.compile(
    r"打印本页|打印此页|关闭窗口|关闭本页|返回顶部|回到顶部|加入收藏|网站地图|联系我们|"
    rf"{_WORD}(?:{_SEP}{_WORD})*|"
    rf"(?:字号|字体)[:：]?(?:{_S}*[【\[]?[大中小][】\]]?)*|"
    r"分享到.*|上一篇[:：\s].*|下一篇[:：\s].*|上一篇|下一篇|上一条[:：].*|下一条[:：].*|"
    r"扫一扫(?:在手机上?(?:打开|查看|阅读))?(?:当前页|本页|此页)?|"
    rf"(?:当前位置|您的位置|您当前的位置|您现在的位置|您所在的位置|所在位置)[:：].*|首页{_S}*[>＞»›/].*|"
    r"版权所有[:：\s©].*|(?:Copyright\s*(?:©|\(c\)|\d{4})|©).*|主办单位[:：].*|承办单位[:：].*|技术支持[:：].*|"
    r"网站标识码[:：\s].*|.*ICP备\s*\d+号.*|.*公网安备\s*\d+号.*|"
    rf"[-—–－―]{{1,2}}{_S}*\d{{1,4}}{_S}*[-—–－―]{{1,2}}|"
    rf"第{_S}*\d{{1,4}}{_S}*页(?:[ \t\u3000\xa0/，,]*共{_S}*\d{{1,4}}{_S}*页)?|Page \d{{1,4}}(?: of \d{{1,4}})?",
    re.I,
)
# The licence notice Wikisource appends to scraped official texts ("本作品是中华人民共和国的法律、法规…属于公有领域").
_LICENCE_TAIL = re.compile(r"^本作品(?:是|在|来自|属于|根据|采用)", re.M)
_EDGE_LINES = 15


def find_boilerplate(text: str) -> list[Span]:
    """Sorted, non-overlapping (start, end) spans of page chrome; spans never start or end with whitespace.

    Consecutive chrome lines (only whitespace between them) are one span."""
    spans: list[Span] = []
    for start, body in _trimmed_lines(text):
        if len(body) <= _MAX_LINE and (_BRACKET_LINE.fullmatch(body) or _PHRASE_LINE.fullmatch(body)):
            spans.append((start, start + len(body)))
            continue
        m = _CONTROL_RUN_START.match(body, 0, _MAX_LINE)
        if m:
            spans.append((start + m.start(), start + m.end()))
        tail = max(0, len(body) - _MAX_LINE)
        m = _CONTROL_RUN_END.search(body, tail)
        if m:
            spans.append((start + m.start(), start + m.end()))
    spans.extend(_label_lines(text))
    spans.extend(_licence_tail(text))
    return merge_spans((_trim(text, s, e) for s, e in spans), text)


def _trimmed_lines(text: str):
    """(offset, line) for every non-blank line, the line without surrounding whitespace and line break."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n").strip(_WS)
        if body:
            yield pos + raw.index(body), body
        pos += len(raw)


def markup_spans(text: str, fmt: str) -> list[Span]:
    """Markup that is not content: a Markdown file's YAML front matter and its HTML comments (<!-- INFO END -->)."""
    if fmt != "md":
        return []
    spans = []
    m = _FRONT_MATTER.match(text)
    if m:
        spans.append((0, m.end()))
    spans.extend((m.start(), m.end()) for m in _HTML_COMMENT.finditer(text))
    return merge_spans(_trim(text, s, e) for s, e in spans)


def merge_spans(spans, text: str | None = None) -> list[Span]:
    """Sort, drop empty spans and merge overlapping or touching ones; with ``text``, also spans that only
    whitespace separates (consecutive chrome lines become one span)."""
    merged: list[Span] = []
    for s, e in sorted(span for span in spans if span[0] < span[1]):
        if merged and (s <= merged[-1][1] or (text is not None and not text[merged[-1][1]:s].strip(_WS + "\r\n"))):
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _trim(text: str, s: int, e: int) -> Span:
    while s < e and (text[s] in _WS or text[s] in "\r\n"):
        s += 1
    while e > s and (text[e - 1] in _WS or text[e - 1] in "\r\n"):
        e -= 1
    return s, e


def _label_lines(text: str) -> list[Span]:
    """Lines of page information ("来源：… 发布时间：… 浏览次数：…") without brackets.

    A line qualifies when it starts with a label and has two labels or a counter label (浏览次数…);
    a lone "来源：…"/"发布时间：…" line only within the first or last lines of the text.
    """
    nonblank = list(_trimmed_lines(text))
    spans = []
    for i, (pos, body) in enumerate(nonblank):
        if len(body) > 150 or not _LABEL_START.match(body):
            continue
        edge = i < _EDGE_LINES or i >= len(nonblank) - _EDGE_LINES
        labels = list(_LABEL_AT.finditer(body))
        names = [m.group(1) for m in labels]
        if len(names) >= 2 or _STRONG_LABEL.fullmatch(names[0]) or (edge and _PAGE_LABEL.fullmatch(names[0])):
            if not _sentence_like(body):
                spans.append((pos, pos + len(body)))
    return spans


def _sentence_like(line: str) -> bool:
    """A line that reads as prose (several clauses, ends with a full stop) is content, whatever label it starts with."""
    return line.endswith("。") or line.count("，") >= 2


def _licence_tail(text: str) -> list[Span]:
    tail_start = max(0, len(text) - 4000)
    m = _LICENCE_TAIL.search(text, tail_start)
    if m and re.search(r"公有领域|Public domain|许可协议|知识共享", text[m.start():], re.I):
        return [(m.start(), len(text))]
    return []
