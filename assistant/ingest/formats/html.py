"""HTML pages: the visible text with one line per block element; scripts, styles, navigation and hidden parts dropped.

The text is built, not copied, so it is "the text as loaded" for an HTML source: inline
elements (<a>, <span>, <strong>, …) run on within a line, block elements (<p>, <div>, <li>,
<h1>…, <tr>) and <br> end a line, table cells of a row are separated by a tab, runs of
whitespace (including &nbsp;) collapse to one space as a browser shows them (except in <pre>),
and a source line break between two Chinese characters disappears (CSS segment-break rule);
lines are trimmed and empty lines dropped. Dropped: script, style, nav, forms' controls, hidden
elements (hidden, aria-hidden, display:none), page-level <header> (unless it holds the <h1>)
and <footer>, and elements whose class or id is a chrome token (nav, menu, footer, breadcrumb,
share, …). Page chrome that survives (【打印】【关闭】…) is left for the boilerplate spans.
"""
from __future__ import annotations

import re

from assistant.ingest.encoding import decode_declared
from assistant.errors import cannot_read
from assistant.ingest.formats.base import Loaded

_DROP = {
    "script", "style", "noscript", "template", "nav", "iframe", "frame", "frameset", "svg", "math", "canvas",
    "object", "embed", "applet", "map", "select", "option", "button", "input", "textarea", "head", "title",
    "meta", "link", "dialog",
}
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dir", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "html", "legend", "li", "main", "menu", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
}
_CELLS = {"td", "th"}
# class or id tokens that mark site chrome (exact tokens, so "content-header" is not one of them)
_CHROME_TOKENS = {
    "nav", "navbar", "navigation", "menu", "footer", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "share",
    "bdsharebuttonbox", "sidebar", "topbar", "copyright", "skip-link",
}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACE = re.compile(r"[ \t\n\r\f\v\xa0]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
# a source line break between two Chinese characters is not a space (CSS Text 3 segment-break rule)
_CJK_BREAK = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t]*[\r\n][ \t\r\n]*(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜]|\s[-–—]\s|--)\s*")


def load_html(data: bytes, name: str) -> Loaded:
    """(text, encoding, title) of an HTML page; the title is the first <h1> if <title> contains it, else <title>."""
    from bs4 import BeautifulSoup

    declared = _META_CHARSET.search(data[:8192])
    raw, encoding = decode_declared(data, declared.group(1).decode("ascii") if declared else None, name)
    try:
        soup = BeautifulSoup(raw, "lxml")
    except Exception as exc:  # pragma: no cover - lxml parses nearly anything
        raise cannot_read(name, "HTML 无法解析", f"the HTML cannot be parsed ({type(exc).__name__})") from None
    page_title = _clean(soup.title.get_text(" ")) if soup.title else ""
    h1 = soup.find("h1")
    h1_text = _clean(h1.get_text(" ")) if h1 else ""
    builder = _TextBuilder()
    builder.walk(soup)
    return Loaded(builder.text(), encoding, _pick_title(page_title, h1_text))


def _pick_title(page_title: str, h1: str) -> str | None:
    """The <h1>, unless it is only the site name inside "报告标题_某某市人民政府"; then the longest part of <title>."""
    if not page_title:
        return h1 or None
    longest = max((p for p in _TITLE_SPLIT.split(page_title) if p), key=len, default=page_title)
    if not h1 or (h1 in page_title and h1 != page_title and len(h1) < len(longest)):
        return longest
    return h1


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip(" \u3000")


class _TextBuilder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.cell_in_row = 0
        self.preformatted = False  # the current line comes from <pre>: keep its indentation

    def text(self) -> str:
        self.end_line()
        return "\n".join(self.lines)

    def end_line(self) -> None:
        line = "".join(self.current)
        if self.preformatted:
            line = line.rstrip()
        else:
            line = re.sub(r" ?\t ?", "\t", line.strip(" \t\u3000"))
        if line.strip():
            self.lines.append(line)
        self.current = []
        self.preformatted = False

    def walk(self, root) -> None:
        """Depth-first over the tree with an explicit stack (pages can nest deeper than Python's recursion limit)."""
        from bs4 import NavigableString, Tag
        from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

        skip_strings = (Comment, Declaration, Doctype, ProcessingInstruction, CData)
        stack: list[tuple] = [("children", root, False)]
        while stack:
            action, node, pre = stack.pop()
            if action == "end_block":
                self.end_line()
                continue
            if action == "end_row":
                self.end_line()
                self.cell_in_row = node  # the enclosing row's cell count (nested tables)
                continue
            if action == "children":
                stack.extend(("node", child, pre) for child in reversed(list(node.children)))
                continue
            if isinstance(node, NavigableString):
                if not isinstance(node, skip_strings):
                    self.add_text(str(node), pre)
                continue
            if not isinstance(node, Tag):
                continue
            name = (node.name or "").lower()
            if name in _DROP or name == "img" or _hidden(node) or _chrome(node, name):
                continue
            if name == "br":
                self.end_line()
            elif name == "tr":
                self.end_line()
                stack.append(("end_row", self.cell_in_row, pre))
                self.cell_in_row = 0
                stack.append(("children", node, pre))
            elif name in _CELLS:
                if self.cell_in_row and self.current:
                    self.current.append("\t")
                self.cell_in_row += 1
                stack.append(("children", node, pre))
            elif name in _BLOCK:
                self.end_line()
                stack.append(("end_block", None, pre))
                stack.append(("children", node, pre or name == "pre"))
            else:
                stack.append(("children", node, pre))

    def add_text(self, text: str, pre: bool) -> None:
        if pre:
            first, *rest = text.replace("\r\n", "\n").split("\n")
            self.preformatted = self.preformatted or not "".join(self.current).strip()
            self.current.append(first)
            for line in rest:
                self.end_line()
                self.current.append(line)
                self.preformatted = True
            return
        text = _SPACE.sub(" ", _CJK_BREAK.sub("", text))
        if text == " " and (not self.current or self.current[-1].endswith((" ", "\t"))):
            return
        self.current.append(text)


def _hidden(tag) -> bool:
    attrs = tag.attrs or {}
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(str(style)))


def _chrome(tag, name: str) -> bool:
    """Site header/footer/navigation outside the article, and elements whose class or id says they are chrome."""
    if name in ("header", "footer") and tag.find_parent(["article", "main"]) is None:
        return name == "footer" or tag.find(["h1", "h2"]) is None
    tokens = set()
    for value in (tag.get("class"), tag.get("id")):
        if isinstance(value, str):
            value = value.split()
        for token in value or ():
            tokens.add(token.lower())
    return bool(tokens & _CHROME_TOKENS)
