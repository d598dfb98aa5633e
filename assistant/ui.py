"""The browser workspace (Gradio Blocks): event handlers and wiring only.

Tabs: 问答 (chat with clickable citations), 检索 (filtered passage search), 核查 (claim verification with
exports), 文档 (upload, index, list, delete) and 设置 (what the assistant runs on). A document viewer beside the
tabs shows any cited span inside its whole document.

Handlers are plain functions ``f(assistant, ...)`` returning plain values, so they are tested without a
browser; :func:`build_ui` binds them to components. HTML comes from :mod:`assistant.ui_render`; the pipeline
knows nothing of the UI. Per-session state (chat history, the last answer) lives in the components and in
``gr.State``, never in module globals.
"""
from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import tempfile
import time
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import gradio as gr

from . import ui_render as R
from . import uploads
from .ingest.law_loader import LAW_KINDS, LEVELS
from .ui_render import render_answer  # noqa: F401  (re-exported: the chat reply renderer)

log = logging.getLogger(__name__)

TITLE = "法律与政府报告问答助手"
SUBTITLE = "依据已收录的法律法规与政府报告作答 · 每个回答附原文出处 · 完全离线运行"
EXAMPLES = [
    "2023年行政机关负责人出庭应诉率是多少？",
    "法治文化主题公园设置了哪些区域？",
    "How many administrative reconsideration cases did the committee respond to?",
]
VERIFY_EXAMPLE = "2023年，示范区行政机关负责人出庭应诉率为95%，行政应诉案件17件。"
KIND_CHOICES = [("法律法规", "law"), ("报告", "report"), ("案例", "case"), ("其他", "other")]
ALL_SOURCES = ""
UPLOAD_DIRNAME = uploads.UPLOAD_DIRNAME
STATIC = Path(__file__).with_name("static")

ProgressFn = Callable[[int, int, str], None]


def _known_errors() -> tuple[type[Exception], ...]:
    from .pipeline import QuestionError
    from .store import IndexMismatchError

    return (QuestionError, IndexMismatchError)


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

    from .chat import Turn

    history, turns = list(history or []), list(turns or [])
    if (message or "").strip():
        history.append({"role": "user", "content": message})
    history.append({"role": "assistant", "content": R.render_message("正在检索…", "info")})
    yield list(history), "", None, turns
    answer, shown = None, None
    try:
        for update in assistant.ask_stream(message, history=[Turn(**t) for t in turns]):
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


def export_answer(answer) -> str | None:
    """Write the last answer with its citations as a Markdown file; its path (None when there is no answer)."""
    if answer is None:
        return None
    path = _export_path("问答导出", "md")
    path.write_text(R.answer_markdown(answer), encoding="utf-8")
    return str(path)


_EXPORT_KEEP_SECONDS = 3600
_export_folder: Path | None = None


def _export_path(stem: str, ext: str) -> Path:
    """A fresh file name in this process's export folder (removed at exit; exports older than an hour are pruned,
    since Gradio has served its own copy by then), so a long-running server does not fill the temp folder."""
    global _export_folder
    if _export_folder is None or not _export_folder.is_dir():
        _export_folder = Path(tempfile.mkdtemp(prefix="assistant-export-"))
        atexit.register(shutil.rmtree, _export_folder, True)
    now = time.time()
    for old in _export_folder.iterdir():
        try:
            if now - old.stat().st_mtime > _EXPORT_KEEP_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    sub = Path(tempfile.mkdtemp(dir=_export_folder))  # the file keeps its readable name; two exports never collide
    return sub / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}.{ext}"


# -- document viewer ----------------------------------------------------------------------------
def open_citation(assistant, ref) -> str:
    """Viewer HTML for a citation payload: the whole document, ``text[start:end]`` highlighted."""
    p = R.parse_payload(ref)
    if p is None:
        return R.render_message("无法识别的引用。", "error")
    text = assistant.store.document_text(p["source"])
    if text is None:
        return R.render_message(f"文档 {p['source']} 不在索引中（可能已被删除），请重新检索。", "error")
    if not 0 <= p["start"] <= p["end"] <= len(text):
        return R.render_message("引用位置超出了文档范围：文档可能已更新，请重新提问或检索。", "error")
    rec = assistant.store.documents().get(p["source"])
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
    from .retrieval import SearchFilters

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


def highlight_terms_for(query: str) -> list[str]:
    """The query's search terms worth highlighting: words of two or more characters, numbers, Latin words."""
    from .lexical import tokenize

    terms = list(dict.fromkeys(tokenize(query or "")))
    long = [t for t in terms if len(t) >= 2 or t.isdigit() or t.isascii()]
    return long or terms


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
    return R.render_search_results(hits, highlight_terms_for(query), query)


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
    md = _export_path("核查报告", "md")
    md.write_text(R.verdicts_markdown(verdicts, text), encoding="utf-8")
    csv = md.with_suffix(".csv")
    csv.write_text(R.verdicts_csv(verdicts), encoding="utf-8", newline="")
    return html, str(md), str(csv)


# -- 文档 -------------------------------------------------------------------------------------
def upload_dir(assistant) -> Path:
    """Where uploaded files are kept: ``<store_dir>/uploads``."""
    return uploads.upload_dir(assistant.settings)


def _file_path(f) -> str | None:
    if f is None:
        return None
    if isinstance(f, dict):
        return f.get("path") or f.get("name")
    return str(getattr(f, "path", None) or getattr(f, "name", None) or f)


def upload_files(assistant, files: Sequence | None, progress: ProgressFn | None = None) -> tuple[str, list[list]]:
    """Copy uploads into the upload folder under safe names, index them, report file by file.

    Returns (report HTML, rows of the documents table); see :func:`assistant.uploads.save_and_index`.
    """
    paths = [p for p in (_file_path(f) for f in (files or [])) if p]
    if not paths:
        return R.render_upload_report([]), document_table(assistant)
    result = uploads.save_and_index(assistant, [(p, p) for p in paths], progress, known_errors=_known_errors())
    if result.error:
        return R.render_message(result.error, "error"), document_table(assistant)
    return R.render_upload_report(result.outcomes, result.chunks), document_table(assistant)


def _discard(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def document_table(assistant) -> list[list]:
    return R.document_rows(assistant.store.documents())


def document_choices(assistant) -> list[tuple[str, str]]:
    """(label, source) pairs of the indexed documents, for dropdowns."""
    recs = sorted(assistant.store.documents().values(), key=lambda r: (r.title or r.source, r.source))
    return [(f"{r.title or r.source}（{r.source}）" if r.title and r.title != r.source else r.source, r.source)
            for r in recs]


def region_choices(assistant) -> list[str]:
    """The regions of the local regulations in the index (for the 检索 tab's region filter)."""
    return sorted({r.region for r in assistant.store.documents().values() if r.region})


def delete_document(assistant, source: str | None) -> tuple[str, list[list]]:
    """Remove one document from the index (and its uploaded copy); (message HTML, documents table rows)."""
    if not source:
        return R.render_message("请先选择要删除的文档。", "info"), document_table(assistant)
    rec = assistant.store.documents().get(source)
    if rec is None:
        return R.render_message(f"文档 {source} 不在索引中。", "warn"), document_table(assistant)
    assistant.store.delete_document(source)
    assistant.retriever.invalidate()
    copy = upload_dir(assistant) / R.safe_filename(source)
    if copy.name == source and copy.is_file():
        _discard(copy)
    return R.render_message(f"已删除《{rec.title or source}》（{source}）。", "ok"), document_table(assistant)


# -- 设置 -------------------------------------------------------------------------------------
def settings_info(assistant) -> dict[str, object]:
    s = assistant.settings
    try:
        model = assistant.embedder.model_id
    except Exception as exc:  # shown, not raised: the page must still open
        model = f"{s.embedding_model}（未能加载：{exc}）"
    llm = s.llm_backend or "无（抽取式回答）"
    if s.llm_backend:
        llm += " · " + " · ".join(x for x in (s.llm_model, s.llm_base_url) if x)
    info = {
        "嵌入模型": model,
        "大模型后端": llm,
        "索引位置": f"Chroma 服务器 {s.chroma_url}" if s.chroma_url else os.path.abspath(s.store_dir),
        "文档数": len(assistant.store.documents()),
        "片段数": assistant.store.count(),
        "上传目录": os.path.abspath(upload_dir(assistant)),
        "检索方式": "向量 + BM25 混合检索（倒数排名融合）" + (f"，重排模型 {s.reranker}" if s.reranker else ""),
        "每次检索条数": s.top_k,
        "拒答阈值": s.answer_min_support,
    }
    return info


def render_settings(assistant) -> str:
    return R.render_settings(settings_info(assistant))


def header_html(assistant) -> str:
    try:
        stats = {"份文档": len(assistant.store.documents()), "个片段": assistant.store.count()}
    except Exception:  # the header must render even when the store is unreachable
        stats = {}
    return R.render_header(TITLE, SUBTITLE, stats)


# -- Gradio ---------------------------------------------------------------------------------
def _read_static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def launch_options() -> dict:
    """Look and feel for ``launch()`` (Gradio 6 takes theme/css there); the workspace applies them itself."""
    fonts = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
    theme = gr.themes.Default(
        primary_hue=gr.themes.colors.blue, secondary_hue=gr.themes.colors.slate, neutral_hue=gr.themes.colors.slate,
        radius_size=gr.themes.sizes.radius_md, font=fonts,
        font_mono=["DejaVu Sans Mono", "Noto Sans Mono CJK SC", "ui-monospace", "monospace"],
    ).set(
        button_primary_background_fill="#1d5aa8", button_primary_background_fill_hover="#123c73",
        button_primary_text_color="#ffffff", block_title_text_weight="600", body_background_fill="#f3f5f9",
        body_background_fill_dark="#0f172a",
    )
    return {"theme": theme, "css": _read_static("workspace.css"), "footer_links": []}


@lru_cache(maxsize=1)
def _workspace_class():
    class Workspace(gr.Blocks):
        """Blocks whose ``launch()`` applies the workspace's theme and CSS unless told otherwise."""

        def launch(self, *args, **kwargs):
            for key, value in launch_options().items():
                kwargs.setdefault(key, value)
            return super().launch(*args, **kwargs)

    return Workspace


def _guard(fn):
    """Unexpected errors become a readable message in the browser instead of a silent failure."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            log.exception("UI handler %s failed", fn.__name__)
            raise gr.Error(f"出错了：{type(exc).__name__}: {exc}") from exc

    return wrapper


def build_ui(assistant):
    """The whole workspace for one Assistant; ``build_ui(a).launch(...)`` serves it."""
    Workspace = _workspace_class()
    with Workspace(title=TITLE, analytics_enabled=False) as demo:
        header = gr.HTML(R.render_header(TITLE, SUBTITLE), js_on_load=None, elem_id="app-header")
        last_answer = gr.State(None)
        turns = gr.State([])  # this browser session's conversation, for follow-up questions
        with gr.Row(equal_height=False, elem_id="workspace"):
            with gr.Column(scale=3, min_width=520):
                with gr.Tabs(elem_id="main-tabs"):
                    with gr.Tab("问答", id="tab-chat", elem_id="tab-chat"):
                        chat = gr.Chatbot(
                            label="问答", show_label=False, height=560, elem_id="chat", latex_delimiters=[],
                            feedback_options=None, buttons=[], layout="bubble",
                            placeholder=(
                                "<div class='chat-placeholder'><b>请在下方输入问题</b><br>"
                                "回答中的 <span class='fake-cite'>[1]</span> 是原文出处，点击即可在右侧查看原文；"
                                "文档中没有依据时，助手会明确说明并列出最接近的段落。</div>"
                            ),
                        )
                        with gr.Row(equal_height=True):
                            box = gr.Textbox(
                                placeholder="请输入问题，例如：2023年行政机关负责人出庭应诉率是多少？", show_label=False,
                                scale=8, lines=1, max_lines=4, elem_id="question", autofocus=True,
                            )
                            send = gr.Button("提问", variant="primary", scale=1, min_width=90, elem_id="ask")
                        gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                        with gr.Row():
                            export_btn = gr.Button("导出上一条回答（Markdown）", size="sm", elem_id="export-answer")
                            clear_btn = gr.Button("清空对话", size="sm", elem_id="clear-chat")
                        export_file = gr.File(label="导出文件", visible=False, interactive=False, elem_id="answer-file")

                    with gr.Tab("检索", id="tab-search", elem_id="tab-search"):
                        gr.Markdown("按关键词或问题查找相关段落，可按文档类型、年份和来源筛选。", elem_classes="tab-intro")
                        with gr.Row(equal_height=True):
                            query = gr.Textbox(placeholder="输入检索词，例如：行政复议", show_label=False, scale=8,
                                               elem_id="search-query")
                            search_btn = gr.Button("检索", variant="primary", scale=1, min_width=90, elem_id="search-btn")
                        with gr.Group(elem_id="search-filters"):
                            kinds = gr.CheckboxGroup(KIND_CHOICES, label="文档类型（不选为全部）", elem_id="search-kinds")
                            with gr.Row(equal_height=True):
                                year_from = gr.Textbox(label="起始年份", placeholder="不限", max_length=4, scale=1,
                                                       min_width=100, elem_id="year-from")
                                year_to = gr.Textbox(label="截止年份", placeholder="不限", max_length=4, scale=1,
                                                     min_width=100, elem_id="year-to")
                                source_dd = gr.Dropdown([("全部文档", ALL_SOURCES)], value=ALL_SOURCES, label="来源文档",
                                                        scale=3, elem_id="search-source")
                            with gr.Accordion("法律法规筛选（类型、层级、地区）", open=False, elem_id="law-filters"):
                                law_kinds = gr.CheckboxGroup(list(LAW_KINDS), label="法律文件类型（不选为全部）",
                                                             elem_id="search-law-kinds")
                                with gr.Row(equal_height=True):
                                    levels = gr.CheckboxGroup(list(LEVELS), label="制定层级", scale=1,
                                                              elem_id="search-levels")
                                    region = gr.Dropdown([], value=[], multiselect=True, allow_custom_value=True,
                                                         label="地区（地方性法规；可多选，也可输入）", scale=2,
                                                         elem_id="search-region")
                        results = gr.HTML(R.render_message("输入检索词后按回车或点击“检索”。", "info"), js_on_load=None,
                                          elem_id="search-results")

                    with gr.Tab("核查", id="tab-verify", elem_id="tab-verify"):
                        gr.Markdown("粘贴一句话或一段文字，逐条核对其中的说法与已收录文档是否一致，数字会逐一比对。",
                                    elem_classes="tab-intro")
                        claim_box = gr.Textbox(lines=5, max_lines=16, show_label=False, elem_id="verify-text",
                                               placeholder=f"例如：{VERIFY_EXAMPLE}")
                        with gr.Row():
                            verify_btn = gr.Button("开始核查", variant="primary", scale=4, elem_id="verify-btn")
                            verify_example = gr.Button("填入示例", scale=1, min_width=110)
                        verdict_html = gr.HTML("", js_on_load=None, elem_id="verdicts")
                        with gr.Row():
                            verify_md = gr.File(label="核查报告（Markdown）", visible=False, interactive=False,
                                                elem_id="verify-md")
                            verify_csv = gr.File(label="核查报告（CSV）", visible=False, interactive=False,
                                                 elem_id="verify-csv")

                    with gr.Tab("文档", id="tab-docs", elem_id="tab-docs"):
                        gr.Markdown("支持 .txt .md .html .pdf .docx .doc .xlsx 和图片（.png .jpg .tif 等，扫描件自动文字识别），可一次拖入多个文件；"
                                    "中文编码（UTF-8、GBK 等）自动识别。"
                                    "同名文件再次上传会替换旧版本。", elem_classes="tab-intro")
                        uploads = gr.File(file_count="multiple", label="上传文件（拖放到此处或点击选择）", height=150,
                                          elem_id="upload-files")
                        upload_btn = gr.Button("上传并建立索引", variant="primary", elem_id="upload-btn")
                        upload_status = gr.HTML("", js_on_load=None, elem_id="upload-status")
                        gr.HTML("<div class='section-title'>已收录的文档</div>", js_on_load=None)
                        docs_table = gr.Dataframe(
                            headers=R.DOC_HEADERS, datatype=["str", "str", "str", "number", "str"], type="array",
                            interactive=False, wrap=True, column_widths=["36%", "12%", "14%", "9%", "29%"],
                            elem_id="docs-table", show_label=False, max_height=360,
                        )
                        gr.Markdown("点击表格中的一行，可在右侧阅读全文。", elem_classes="tab-intro")
                        with gr.Accordion("删除文档", open=False, elem_id="danger-zone"):
                            with gr.Row(equal_height=False):
                                delete_dd = gr.Dropdown([], label="选择要删除的文档", scale=4, elem_id="delete-source")
                                delete_btn = gr.Button("删除", variant="stop", scale=1, min_width=90, elem_id="delete-btn")
                            delete_status = gr.HTML("", js_on_load=None, elem_id="delete-status")

                    with gr.Tab("设置", id="tab-settings", elem_id="tab-settings"):
                        gr.Markdown("当前运行配置（通过配置文件或 ASSISTANT_* 环境变量修改，重启后生效）。",
                                    elem_classes="tab-intro")
                        settings_html = gr.HTML("", js_on_load=None, elem_id="settings")
                        refresh_btn = gr.Button("刷新", size="sm")

            with gr.Column(scale=2, min_width=400, elem_id="viewer-col"):
                viewer = gr.HTML(R.VIEWER_PLACEHOLDER, js_on_load=_read_static("viewer.js"), elem_id="viewer")

        # -- events ----------------------------------------------------------------------------
        def on_ask(message, history, past):
            try:
                for history, cleared, answer, past in respond_stream(assistant, message, history, past):
                    yield history, cleared, answer, past, gr.update(value=None, visible=False)
            except gr.Error:
                raise
            except Exception as exc:
                log.exception("UI handler on_ask failed")
                raise gr.Error(f"出错了：{type(exc).__name__}: {exc}") from exc

        ask_outputs = [chat, box, last_answer, turns, export_file]
        send.click(on_ask, [box, chat, turns], ask_outputs)
        box.submit(on_ask, [box, chat, turns], ask_outputs)

        @_guard
        def on_export(answer):
            path = export_answer(answer)
            if path is None:
                gr.Info("还没有可以导出的回答。")
            return gr.update(value=path, visible=path is not None)

        export_btn.click(on_export, [last_answer], [export_file])
        clear_btn.click(lambda: ([], None, [], gr.update(value=None, visible=False)), None,
                        [chat, last_answer, turns, export_file])
        chat.clear(lambda: (None, [], gr.update(value=None, visible=False)), None, [last_answer, turns, export_file])

        @_guard
        def on_cite(evt: gr.EventData):
            data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
            return open_citation(assistant, data.get("ref"))

        viewer.cite(on_cite, None, viewer)

        @_guard
        def on_search(q, ks, y1, y2, src, lks, lvs, reg):
            return run_search(assistant, q, ks, y1, y2, src, law_kinds=lks, levels=lvs, region=reg)

        search_inputs = [query, kinds, year_from, year_to, source_dd, law_kinds, levels, region]
        search_btn.click(on_search, search_inputs, results)
        query.submit(on_search, search_inputs, results)

        @_guard
        def on_verify(text):
            html, md, csv = run_verify(assistant, text)
            return html, gr.update(value=md, visible=md is not None), gr.update(value=csv, visible=csv is not None)

        verify_btn.click(on_verify, [claim_box], [verdict_html, verify_md, verify_csv])
        verify_example.click(lambda: VERIFY_EXAMPLE, None, claim_box)

        def refreshed():
            choices = document_choices(assistant)
            return (
                document_table(assistant),
                gr.update(choices=[("全部文档", ALL_SOURCES), *choices]),
                gr.update(choices=choices, value=None),
                header_html(assistant),
                render_settings(assistant),
                gr.update(choices=region_choices(assistant)),
            )

        refresh_outputs = [docs_table, source_dd, delete_dd, header, settings_html, region]

        @_guard
        def on_upload(files, progress=gr.Progress()):
            def step(done: int, total: int, source: str) -> None:
                if total:
                    progress((done, total), desc=f"正在索引 {source}" if source else "索引完成", unit="个文件")

            progress(0, desc="正在保存上传的文件")
            report, _rows = upload_files(assistant, files, step)
            return (report, None, *refreshed())

        upload_btn.click(on_upload, [uploads], [upload_status, uploads, *refresh_outputs])

        @_guard
        def on_delete(source):
            message, _rows = delete_document(assistant, source)
            return (message, *refreshed())

        delete_btn.click(on_delete, [delete_dd], [delete_status, *refresh_outputs])

        @_guard
        def on_row(rows, evt: gr.SelectData):
            try:
                row = evt.index[0] if isinstance(evt.index, (list, tuple)) else int(evt.index)
                return open_document(assistant, rows[row][-1])
            except (IndexError, TypeError, ValueError, KeyError):
                return gr.update()

        docs_table.select(on_row, [docs_table], viewer)
        refresh_btn.click(_guard(refreshed), None, refresh_outputs)
        demo.load(_guard(refreshed), None, refresh_outputs)
    return demo
