"""Web-page chrome in scraped government pages (【字号】【我要打印】【关闭】…), found as spans, never removed.

>>> text = "标题\\n【信息来源:【信息时间:2024-03-01 10:15 】【字号 】【我要打印】【关闭\\n正文。"
>>> [text[s:e] for s, e in find_boilerplate(text)]
['【信息来源:【信息时间:2024-03-01 10:15 】【字号 】【我要打印】【关闭']
"""
from __future__ import annotations

import re

# A line made only of bracketed page controls, or of well-known page-chrome phrases.
_TOKENS = (
    r"信息来源[:：]?[^【】\n]*", r"信息时间[:：]?[^【】\n]*", r"发布时间[:：]?[^【】\n]*", r"来源[:：][^【】\n]*",
    r"阅读次数[:：]?[^【】\n]*", r"浏览次数[:：]?[^【】\n]*", r"点击数?[:：]?[^【】\n]*", r"字号[^【】\n]*", r"[大中小]\s*",
    r"我要打印", r"打印本页", r"打印", r"关闭窗口", r"关闭", r"收藏", r"分享到?[^【】\n]*", r"返回顶部", r"纠错",
)
_TOKEN = "(?:" + "|".join(_TOKENS) + ")"
_BRACKET_LINE = re.compile(rf"^[ \t\u3000]*(?:【\s*{_TOKEN}\s*】?[ \t\u3000]*)+$", re.M)
_PHRASE_LINE = re.compile(
    r"^[ \t\u3000]*(?:打印本页|关闭窗口|【?打印】?\s*【?关闭】?|分享到[:：].*|上一篇[:：].*|下一篇[:：].*|"
    r"扫一扫在手机打开当前页|返回顶部|当前位置[:：].*)[ \t\u3000]*$",
    re.M,
)


def find_boilerplate(text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans of page chrome; line breaks are not included."""
    spans = []
    for pattern in (_BRACKET_LINE, _PHRASE_LINE):
        for m in pattern.finditer(text):
            s, e = m.start(), m.end()
            while s < e and text[s] in " \t\u3000":
                s += 1
            while e > s and text[e - 1] in " \t\u3000\r\n":
                e -= 1
            if s < e:
                spans.append((s, e))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def front_matter(text: str) -> list[tuple[int, int]]:
    """A Markdown file's YAML front matter (--- … ---), which is metadata rather than content."""
    m = _FRONT_MATTER.match(text)
    return [(0, m.end())] if m else []
