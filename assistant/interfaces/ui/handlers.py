"""The browser workspace's event handlers: plain functions ``f(assistant, ...)`` over the facade, returning plain
values (HTML from :mod:`render`, table rows, file paths), so they are tested without a browser; :mod:`layout` binds
them to components. The pipeline knows nothing of the UI.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

from assistant.errors import EmbeddingEndpointError, IndexMismatchError, QuestionError
from assistant.interfaces.ui import render as R
from assistant.interfaces.ui.exports import export_answer, verdict_reports  # noqa: F401  (export_answer re-exported)
from assistant.interfaces.ui.render import render_answer  # noqa: F401  (re-exported: the chat reply renderer)
from assistant.types import FileOutcome, SearchFilters

TITLE = "法律与政府报告问答助手"
SUBTITLE = "依据已收录的法律法规与政府报告作答 · 每个回答附原文出处 · 完全离线运行"
ALL_SOURCES = ""

ProgressFn = Callable[[int, int, str], None]


def _known_errors() -> tuple[type[Exception], ...]:
    return (QuestionError, IndexMismatchError, EmbeddingEndpointError)


# -- 问答 -------------------------------------------------------------------------------------
GENERATING = "正在生成，只显示已与原文核对的句子…"
MAX_TURNS = 4


def respond_stream(assistant, message: str, history: list | None, turns: list | None = None):
    """Streaming chat handler: yields (history, cleared input box, the Answer or None, turns) as the answer grows.

    ``turns`` is this browser session's conversation ({question, standalone, answer} dicts, kept in a
    ``gr.State``), used to rewrite follow-ups ("那2022年呢？"); only sentences already checked against the
    documents are ever shown while the LLM writes.
    """
    from dataclasses import replace

    history, turns = list(history or []), list(turns or [])
    if (message or "").strip():
        history.append({"role": "user", "content": message})
    history.append({"role": "assistant", "content": R.render_message("正在检索…", "info")})
    yield list(history), "", None, turns
    answer, shown = None, None
    try:
        for update in assistant.ask_stream(message, history=turns):
            answer = update.answer
            if update.done:
                history[-1] = {"role": "assistant", "content": R.render_answer(answer)}
                turns = (turns + [{"question": message, "standalone": update.question or message,
                                   "answer": answer.text}])[-MAX_TURNS:]
            elif answer.text and answer.text != shown:
                shown = answer.text
                partial = replace(answer, notes=(GENERATING,), seconds=0.0)
                history[-1] = {"role": "assistant", "content": R.render_answer(partial)}
            else:
                continue
            yield list(history), "", (answer if update.done else None), turns
    except _known_errors() as exc:
        history[-1] = {"role": "assistant", "content": R.render_message(f"⚠️ {exc}", "warn")}
        yield history, "", None, turns


def respond(assistant, message: str, history: list | None) -> tuple[list, str, object]:
    """Chat handler without streaming or turns: the last step of :func:`respond_stream`
    (history with the question and the rendered answer, cleared input box, the Answer or None)."""
    *_, (history, box, answer, _turns) = respond_stream(assistant, message, history)
    return history, box, answer


# -- document viewer ----------------------------------------------------------------------------
def open_citation(assistant, ref) -> str:
    """Viewer HTML for a citation payload: the whole document, ``text[start:end]`` highlighted."""
    p = R.parse_payload(ref)
    if p is None:
        return R.render_message("无法识别的引用。", "error")
    opened = assistant.open_document(p["source"])
    if opened is None:
        return R.render_message(f"文档 {p['source']} 不在索引中（可能已被删除），请重新检索。", "error")
    text, rec = opened
    if not 0 <= p["start"] <= p["end"] <= len(text):
        return R.render_message("引用位置超出了文档范围：文档可能已更新，请重新提问或检索。", "error")
    return R.render_document_view(
        text, p["start"], p["end"], title=(rec.title if rec else "") or p["title"], section_path=p["section"],
        source=p["source"], date=rec.date if rec else None, kind=rec.kind if rec else None,
        page=rec.page_at(p["start"]) if rec and p["end"] > p["start"] else 0,
    )


def open_document(assistant, source: str) -> str:
    """Viewer HTML for a whole document without a highlight (from the documents table)."""
    return open_citation(assistant, R.cite_payload(source, 0, 0)) if source else R.VIEWER_PLACEHOLDER


# -- 检索 -------------------------------------------------------------------------------------
def build_filters(kinds: Iterable[str] | None = None, year_from=None, year_to=None, source: str | None = None,
                  law_kinds: Iterable[str] | None = None, levels: Iterable[str] | None = None,
                  region: str | Iterable[str] | None = None):
    """SearchFilters from the form's values (years may come as floats or empty); ValueError on a bad range.

    ``region`` is a list of regions (the 检索 tab's choices) or a text naming several, separated by spaces or commas
    (北京 上海).
    """
    region_text = region if isinstance(region, str) else " ".join(region or ())

    def year(v) -> int | None:
        if v is None or str(v).strip() in ("", "0"):
            return None
        try:
            y = int(float(str(v).strip().rstrip("年")))
        except ValueError:
            raise ValueError(f"年份“{v}”应为四位数字，例如 2023。") from None
        if not 1900 <= y <= 2100:
            raise ValueError(f"年份 {y} 不在 1900–2100 之间。")
        return y

    y1, y2 = year(year_from), year(year_to)
    if y1 is not None and y2 is not None and y1 > y2:
        raise ValueError(f"起始年份 {y1} 晚于截止年份 {y2}。")
    return SearchFilters(
        kinds=tuple(k for k in (kinds or ()) if k), year_from=y1, year_to=y2,
        sources=(source,) if source else (),
        law_kinds=tuple(k for k in (law_kinds or ()) if k), levels=tuple(v for v in (levels or ()) if v),
        regions=tuple(r.rstrip("市省") for r in re.split(r"[\s,，、]+", region_text) if r),
    )


def highlight_terms_for(assistant, query: str) -> list[str]:
    """The query's search terms worth highlighting (words of two or more characters, numbers, Latin words)."""
    return assistant.highlight_terms(query)


def run_search(assistant, query: str, kinds=None, year_from=None, year_to=None, source: str | None = None,
               k: int | None = None, law_kinds=None, levels=None, region: str | None = None) -> str:
    """Ranked passages as HTML, query terms highlighted, each opening the viewer (laws shown by their label)."""
    try:
        filters = build_filters(kinds, year_from, year_to, source, law_kinds, levels, region)
    except ValueError as exc:
        return R.render_message(str(exc), "warn")
    try:
        hits = assistant.search(query, k or max(10, assistant.settings.top_k), filters)
    except _known_errors() as exc:
        return R.render_message(str(exc), "warn")
    return R.render_search_results(hits, highlight_terms_for(assistant, query), query)


# -- 核查 -------------------------------------------------------------------------------------
def run_verify(assistant, text: str) -> tuple[str, str | None, str | None]:
    """(verdict cards HTML, Markdown report path, CSV report path); no files when nothing was verified."""
    try:
        verdicts = assistant.verify(text)
    except _known_errors() as exc:
        return R.render_message(str(exc), "warn"), None, None
    html = R.render_verdicts(verdicts)
    if not verdicts:
        return html, None, None
    return (html, *verdict_reports(verdicts, text))


# -- 文档 -------------------------------------------------------------------------------------
def upload_dir(assistant) -> Path:
    """Where uploaded files are kept: ``<store_dir>/uploads``."""
    return assistant.upload_dir()


def _file_path(f) -> str | None:
    if f is None:
        return None
    if isinstance(f, dict):
        return f.get("path") or f.get("name")
    return str(getattr(f, "path", None) or getattr(f, "name", None) or f)


def upload_files(assistant, files: Sequence | None, progress: ProgressFn | None = None,
                 refused: Sequence[str] = ()) -> tuple[str, list[list]]:
    """Copy uploads into the upload folder under safe names, index them, report file by file.

    Returns (report HTML, rows of the documents table); see :meth:`assistant.assistant.Assistant.index_uploads`.
    ``refused`` are paths the upload event named that Gradio never received
    (:func:`assistant.interfaces.upload_guard.accept_uploads`); each is reported as an error.
    """
    paths = [p for p in (_file_path(f) for f in (files or [])) if p]
    denied = [FileOutcome(Path(p).name or "?", "error", "不是通过本页面上传的文件，已拒绝。") for p in refused]
    if not paths:
        return R.render_upload_report(denied), document_table(assistant)
    result = assistant.index_uploads([(p, p) for p in paths], progress)
    if result.error:
        return R.render_message(result.error, "error"), document_table(assistant)
    return R.render_upload_report(denied + result.outcomes, result.chunks), document_table(assistant)


def document_table(assistant) -> list[list]:
    return R.document_rows(assistant.documents())


def indexing_html(assistant) -> str:
    """The indexing run's two stages (已可检索 · 向量化 n/N) while one runs; nothing when idle."""
    state = assistant.indexing_state()
    return R.render_indexing(state.label, state.source) if state.running else ""


def document_choices(assistant) -> list[tuple[str, str]]:
    """(label, source) pairs of the indexed documents, for dropdowns."""
    recs = sorted(assistant.documents(), key=lambda r: (r.title or r.source, r.source))
    return [(f"{r.title or r.source}（{r.source}）" if r.title and r.title != r.source else r.source, r.source)
            for r in recs]


def region_choices(assistant) -> list[str]:
    """The regions of the local regulations in the index (for the 检索 tab's region filter)."""
    return assistant.regions()


def delete_document(assistant, source: str | None) -> tuple[str, list[list]]:
    """Remove one document from the index (and its uploaded copy); (message HTML, documents table rows)."""
    if not source:
        return R.render_message("请先选择要删除的文档。", "info"), document_table(assistant)
    rec = assistant.delete(source)
    if rec is None:
        return R.render_message(f"文档 {source} 不在索引中。", "warn"), document_table(assistant)
    return R.render_message(f"已删除《{rec.title or source}》（{source}）。", "ok"), document_table(assistant)


# -- 设置 -------------------------------------------------------------------------------------
def settings_info(assistant) -> dict[str, object]:
    d = assistant.describe()
    llm = d["llm_backend"] or "无（抽取式回答）"
    if d["llm_backend"]:
        llm += " · " + " · ".join(x for x in (d["llm_model"], d["llm_base_url"]) if x)
    return {
        "嵌入模型": d["embedding_model"],
        "大模型后端": llm,
        "索引位置": d["store"],
        "文档数": d["documents"],
        "片段数": d["chunks"],
        "上传目录": d["upload_dir"],
        "检索方式": "向量 + BM25 混合检索（倒数排名融合）" + (f"，重排模型 {d['reranker']}" if d["reranker"] else ""),
        "每次检索条数": d["top_k"],
        "拒答阈值": d["answer_min_support"],
    }


def render_settings(assistant) -> str:
    return R.render_settings(settings_info(assistant))


def header_html(assistant) -> str:
    try:
        stats = assistant.stats()
        stats = {"份文档": stats["documents"], "个片段": stats["chunks"]}
    except Exception:  # the header must render even when the store is unreachable
        stats = {}
    return R.render_header(TITLE, SUBTITLE, stats)
