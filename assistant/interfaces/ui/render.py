"""Pure rendering for the browser workspace: records in, HTML / Markdown / CSV strings out.

Nothing here touches Gradio, the store or the models, so every function is testable on its own.
All text that comes from documents or users is escaped exactly once, here.

Citations become clickable elements that carry a small JSON *payload* (source, start, end,
section, title). In the chat they are ``<button class="cite-ref" value=…>`` because the chat's
HTML sanitiser keeps ``value`` but drops ``data-*``; in our own panels they may also be any
element with ``class="cite-ref" data-cite=…``. ``static/viewer.js`` turns a click on either into
a ``cite`` event of the document viewer.

>>> p = cite_payload("a.txt", 3, 7, ("一、总体", "（一）目标"), "报告")
>>> parse_payload(p)["end"]
7
>>> render_document_view("甲乙<丙>丁", 2, 5, title="T", section_path=("一",), source="a.txt")  # doctest: +ELLIPSIS
'...甲乙<mark class="cited" id="cited-span">&lt;丙&gt;</mark>丁...'
"""
from __future__ import annotations

import html
import json
import re
from typing import Iterable, Sequence

from assistant.records import list_items
from assistant.types import Answer, Citation, FileOutcome, Hit, Verdict

KIND_LABELS = {"law": "法律法规", "report": "报告", "case": "案例", "other": "其他"}
VERDICT_LABELS = {"supported": "支持", "contradicted": "不一致", "not_found": "未找到"}
VERDICT_ICONS = {"supported": "✓", "contradicted": "✗", "not_found": "?"}
DOC_HEADERS = ["标题", "类型", "日期", "片段数", "来源"]
_CITE_MARK = re.compile(r"\[(\d{1,3})\]")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def esc(text: object) -> str:
    """HTML-escape any value (quotes too, so the result is safe inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def _lines(text: str) -> str:
    return esc(text).replace("\r\n", "\n").replace("\n", "<br>")


def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "other", kind or "其他")


def section_text(section_path: Sequence[str], sep: str = " › ") -> str:
    return sep.join(p for p in section_path if p)


# -- citation payloads ---------------------------------------------------------------------
def cite_payload(source: str, start: int, end: int, section_path: Sequence[str] = (), title: str = "") -> str:
    """The JSON a clickable citation carries to the viewer."""
    return json.dumps(
        {"source": source, "start": int(start), "end": int(end), "section": list(section_path), "title": title or ""},
        ensure_ascii=False, separators=(",", ":"),
    )


def citation_payload(c: Citation) -> str:
    return cite_payload(c.source, c.start, c.end, c.section_path, c.title)


def hit_payload(h: Hit) -> str:
    c = h.chunk
    return cite_payload(c.source, c.start, c.end, c.section_path, c.title)


def parse_payload(ref: object) -> dict | None:
    """A payload back from the browser, validated; None when it is not one of ours."""
    if isinstance(ref, dict):
        data = ref
    else:
        try:
            data = json.loads(str(ref or ""))
        except (TypeError, ValueError):
            return None
    if not isinstance(data, dict):
        return None
    source, start, end = data.get("source"), data.get("start"), data.get("end")
    if not isinstance(source, str) or not source or type(start) is not int or type(end) is not int:
        return None
    section = data.get("section") or []
    if not isinstance(section, list) or not all(isinstance(s, str) for s in section):
        section = []
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    return {"source": source, "start": start, "end": end, "section": tuple(section), "title": title}


def cite_button(label: str, payload: str, tip: str = "", extra_class: str = "") -> str:
    """A citation marker that opens the viewer (survives the chat's HTML sanitiser)."""
    cls = f"cite-ref {extra_class}".strip()
    tip_attr = f' title="{esc(tip)}"' if tip else ""
    return f'<button type="button" class="{cls}" value="{esc(payload)}"{tip_attr}>{esc(label)}</button>'


def _where(title: str, source: str, section_path: Sequence[str], label: str = "") -> str:
    """Where a passage sits: a law by its citation label (《…》第三条), a report by title and section."""
    return label or section_text((title or source, *section_path))


# -- chat answers --------------------------------------------------------------------------
def render_answer_text(answer: Answer) -> str:
    """The answer's text, escaped, with each valid ``[n]`` turned into a clickable citation."""
    cits = answer.citations

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if 1 <= n <= len(cits):
            c = cits[n - 1]
            return cite_button(f"[{n}]", citation_payload(c), "查看原文：" + _where(c.title, c.source, c.section_path, c.label))
        return m.group(0)

    items = list_items(answer.text)
    if items:  # an enumeration: one list item per quoted span, each with its own [n]
        return '<ul class="answer-list">' + "".join(f"<li>{_CITE_MARK.sub(link, esc(t))}</li>" for t in items) + "</ul>"
    return _CITE_MARK.sub(link, _lines(answer.text))


def render_answer(answer: Answer) -> str:
    """One chat reply as HTML: the answer with clickable ``[n]``, then its citations (or the nearest passages).

    It is a single line of HTML so the chat's Markdown renderer passes it through untouched.
    """
    parts = [f'<div class="answer{" refused" if answer.refused else ""}">']
    if answer.refused:
        parts.append('<div class="answer-flag">未找到依据</div>')
    parts.append(f'<div class="answer-text">{render_answer_text(answer)}</div>')
    if answer.citations:
        parts.append('<div class="cite-list"><div class="cite-list-title">引用</div><ol>')
        for i, c in enumerate(answer.citations, 1):
            parts.append(
                "<li>" + cite_button(f"[{i}]", citation_payload(c), "在右侧阅读器中查看原文")
                + f'<span class="cite-doc">{esc(c.label or c.title or c.source)}</span>'
                + _where_line(c.section_path, c.date)
                + f'<div class="cite-quote">“{esc(c.quote)}”</div></li>'
            )
        parts.append("</ol></div>")
    elif answer.hits:
        parts.append('<div class="cite-list nearest"><div class="cite-list-title">最接近的段落</div><ol>')
        for i, h in enumerate(answer.hits[:3], 1):
            c = h.chunk
            text = _compact(c.text)
            snippet = text if len(text) <= 160 else text[:160] + "…"
            parts.append(
                "<li>" + cite_button(f"{i}", hit_payload(h), "在右侧阅读器中查看原文")
                + f'<span class="cite-doc">{esc(c.label or c.title or c.source)}</span>'
                + _where_line(c.section_path, c.date)
                + f'<div class="cite-quote">{_lines(snippet)}</div></li>'
            )
        parts.append("</ol></div>")
    meta = [f"用时 {answer.seconds:.2f} 秒"] if answer.seconds else []
    meta += [n for n in answer.notes if n]
    if meta:
        parts.append(f'<div class="answer-meta">{esc(" · ".join(meta))}</div>')
    parts.append("</div>")
    return "".join(parts)


def _where_line(section_path: Sequence[str], date: str | None) -> str:
    if not section_path and not date:
        return ""
    section = f'<span class="cite-section">{esc(section_text(section_path))}</span>' if section_path else ""
    when = f'<span class="cite-date">{esc(date)}</span>' if date else ""
    return f'<span class="cite-where">{section}{when}</span>'


def render_message(text: str, level: str = "warn") -> str:
    """A notice in the chat or a panel (errors, empty states)."""
    return f'<div class="notice notice-{esc(level)}">{_lines(text)}</div>'


def render_indexing(label: str, source: str) -> str:
    """The 文档 tab's line while an indexing run goes: its stages and the file being worked on."""
    current = f'<span class="index-state-file">{esc(source)}</span>' if source else ""
    return f'<div class="notice notice-info index-state">正在建立索引：{esc(label)} {current}</div>'


# -- document viewer -------------------------------------------------------------------------
VIEWER_PLACEHOLDER = (
    '<div class="viewer viewer-empty"><div class="viewer-empty-icon"><svg viewBox="0 0 40 48" fill="none" stroke="currentColor" stroke-width="2.2">'
    '<path d="M6 3h20l10 10v32H6z"/><path d="M26 3v10h10"/><path d="M12 22h16M12 29h16M12 36h10"/></svg></div>'
    '<div class="viewer-empty-title">原文阅读器</div>'
    '<div class="viewer-empty-text">点击回答中的引用编号 <span class="fake-cite">[1]</span>、检索结果或核查证据，'
    "在这里查看文档全文，被引用的原文会高亮显示。</div></div>"
)


def render_document_view(
    text: str, start: int, end: int, *, title: str = "", section_path: Sequence[str] = (), source: str = "",
    date: str | None = None, kind: str | None = None, page: int = 0,
) -> str:
    """The whole document with ``text[start:end]`` marked; offsets are character offsets into ``text``.

    ``page``: the page the quote is on (scanned and other paged documents), shown as 第2页.
    """
    n = len(text)
    start = max(0, min(int(start), n))
    end = max(start, min(int(end), n))
    meta = [kind_label(kind) if kind else "", date or "", source, f"第{page}页" if page else "",
            f"第 {start}–{end} 字" if end > start else ""]
    head = [
        '<div class="viewer">',
        '<div class="viewer-head">',
        f'<div class="viewer-title">{esc(title or source)}</div>',
        f'<div class="viewer-meta">{" · ".join(esc(m) for m in meta if m)}</div>',
    ]
    if section_path:
        crumbs = '<span class="crumb-sep">›</span>'.join(f'<span class="crumb">{esc(s)}</span>' for s in section_path if s)
        head.append(f'<div class="viewer-path">{crumbs}</div>')
    head.append("</div>")
    if end > start:
        body = (
            esc(text[:start]) + f'<mark class="cited" id="cited-span">{esc(text[start:end])}</mark>' + esc(text[end:])
        )
    else:
        body = esc(text)
    return "".join(head) + f'<div class="viewer-body">{body}</div></div>'


# -- search results ------------------------------------------------------------------------
def _compact(text: str) -> str:
    """A passage for a result list: blank lines and indentation folded into single line breaks."""
    return _BLANK_LINES.sub("\n", text.strip())


def highlight_terms(text: str, terms: Iterable[str]) -> str:
    """``text`` escaped, with every occurrence of any term (case-insensitive) wrapped in ``<mark class="term">``."""
    terms = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not terms:
        return _lines(text)
    folded = text.lower()
    if len(folded) != len(text):  # a rare character changed length when lower-cased: match as written
        folded = text
    spans: list[tuple[int, int]] = []
    for term in terms:
        t = term.lower() if folded is not text else term
        i = folded.find(t)
        while i >= 0:
            spans.append((i, i + len(t)))
            i = folded.find(t, i + len(t))
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out.append(_lines(text[pos:s]))
        out.append(f'<mark class="term">{_lines(text[s:e])}</mark>')
        pos = e
    out.append(_lines(text[pos:]))
    return "".join(out)


def render_search_results(hits: Sequence[Hit], terms: Sequence[str], query: str = "") -> str:
    if not hits:
        return render_message("没有找到符合条件的段落。可以换个说法，或放宽筛选条件。", "info")
    shown = "、".join(dict.fromkeys(t for t in terms if t))
    parts = [
        '<div class="results">',
        f'<div class="results-summary">共 {len(hits)} 条结果'
        + (f' · 关键词：<span class="terms">{esc(shown)}</span>' if shown else "")
        + " · 点击结果在右侧查看原文</div>",
    ]
    for rank, h in enumerate(hits, 1):
        c = h.chunk
        meta = [m for m in (c.section, c.law_kind, c.region, c.date or "", c.source) if m]
        parts.append(
            f'<div class="result cite-ref" role="button" tabindex="0" data-cite="{esc(hit_payload(h))}">'
            f'<div class="result-head"><span class="rank">{rank}</span>'
            f'<span class="kind-tag kind-{esc(c.kind)}">{esc(kind_label(c.kind))}</span>'
            f'<span class="result-title">{esc(c.label or c.title or c.source)}</span>'
            f'<span class="score" title="融合检索得分（越高越相关）">得分 {h.score:.3f}</span></div>'
            f'<div class="result-meta">{" · ".join(esc(m) for m in meta)}</div>'
            f'<div class="result-text">{highlight_terms(_compact(c.text), terms)}</div></div>'
        )
    parts.append("</div>")
    return "".join(parts)


# -- verification --------------------------------------------------------------------------
def render_verdicts(verdicts: Sequence[Verdict]) -> str:
    if not verdicts:
        return render_message("没有识别出可以核查的说法。", "info")
    counts = {k: sum(1 for v in verdicts if v.label == k) for k in VERDICT_LABELS}
    summary = " ".join(
        f'<span class="badge badge-{k}">{VERDICT_ICONS[k]} {VERDICT_LABELS[k]} {n}</span>' for k, n in counts.items() if n
    )
    parts = ['<div class="verdicts">', f'<div class="verdict-summary">共 {len(verdicts)} 条说法：{summary}</div>']
    for i, v in enumerate(verdicts, 1):
        label = v.label if v.label in VERDICT_LABELS else "not_found"
        parts.append(
            f'<div class="verdict verdict-{label}"><div class="verdict-head"><span class="verdict-no">{i}</span>'
            f'<span class="badge badge-{label}">{VERDICT_ICONS[label]} {VERDICT_LABELS[label]}</span>'
            f'<span class="claim">{esc(v.claim)}</span></div>'
            f'<div class="explanation">{esc(v.explanation)}</div>'
        )
        if v.compared:
            pairs = "".join(
                f'<span class="pair"><span class="pair-claim">声明 {esc(a)}</span><span class="pair-arrow">↔</span>'
                f'<span class="pair-doc">文档 {esc(b)}</span></span>' for a, b in v.compared
            )
            parts.append(f'<div class="compared">数值对比：{pairs}</div>')
        for c in v.evidence:
            label_text = "最接近的段落" if label == "not_found" else "证据"
            parts.append(
                f'<div class="evidence cite-ref" role="button" tabindex="0" data-cite="{esc(citation_payload(c))}">'
                f'<div class="evidence-label">{label_text} · {esc(_where(c.title, c.source, c.section_path, c.label))}'
                + (f" · {esc(c.date)}" if c.date else "")
                + f'<span class="open-hint">查看原文 ›</span></div>'
                f'<blockquote>{_lines(c.quote)}</blockquote></div>'
            )
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


# -- documents and settings ------------------------------------------------------------------
def document_rows(records: Iterable) -> list[list]:
    """Rows for the documents table (newest first, then by title)."""
    recs = sorted(records.values() if isinstance(records, dict) else records, key=lambda r: (r.date or "", r.title or r.source), reverse=True)
    return [[r.title or r.source, kind_label(r.kind), r.date or "—", r.chunks, r.source] for r in recs]


_STATUS_LABELS = {"added": "已索引", "updated": "已更新", "unchanged": "未变化", "error": "失败", "skipped": "已跳过"}


def render_upload_report(outcomes: Sequence[FileOutcome], chunks: int = 0) -> str:
    if not outcomes:
        return render_message("请先选择或拖入要上传的文件。", "info")
    ok = sum(1 for o in outcomes if o.status in ("added", "updated", "unchanged"))
    bad = len(outcomes) - ok
    level = "ok" if not bad else ("error" if not ok else "warn")
    rows = "".join(
        f'<tr class="st-{esc(o.status)}"><td class="fname">{esc(o.name)}'
        + (f'<div class="orig-name">原文件名：{esc(o.original)}</div>' if getattr(o, "original", "") else "")
        + '</td>'
        f'<td><span class="st st-{esc(o.status)}">{esc(_STATUS_LABELS.get(o.status, o.status))}</span></td>'
        f'<td class="msg">{esc(o.message)}</td></tr>'
        for o in outcomes
    )
    head = f"处理 {len(outcomes)} 个文件：成功 {ok} 个" + (f"，失败 {bad} 个" if bad else "") + (
        f"，新增片段 {chunks} 个" if chunks else "")
    return (
        f'<div class="upload-report notice notice-{level}"><div class="upload-summary">{esc(head)}</div>'
        f'<table class="upload-table"><thead><tr><th>文件</th><th>状态</th><th>说明</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def render_settings(info: dict[str, object]) -> str:
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in info.items())
    return f'<table class="settings-table">{rows}</table>'


def render_header(title: str, subtitle: str, stats: dict[str, object] | None = None) -> str:
    chips = "".join(f'<span class="chip"><b>{esc(v)}</b> {esc(k)}</span>' for k, v in (stats or {}).items())
    return (
        f'<div class="app-header"><div class="app-emblem">法</div><div class="app-titles">'
        f'<div class="app-title">{esc(title)}</div><div class="app-subtitle">{esc(subtitle)}</div></div>'
        f'<div class="app-stats">{chips}</div></div>'
    )


# -- uploads -------------------------------------------------------------------------------
