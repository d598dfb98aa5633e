"""The browser workspace's layout (Gradio Blocks): tabs, components and the wiring of their events to the handlers.

Tabs: 问答 (chat with clickable citations), 检索 (filtered passage search), 核查 (claim verification with
exports), 文档 (upload, index, list, delete) and 设置 (what the assistant runs on). A document viewer beside the
tabs shows any cited span inside its whole document. Per-session state (chat history, the last answer) lives in the
components and in ``gr.State``, never in module globals.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import gradio as gr

from assistant.assistant import LAW_KINDS, LEVELS
from assistant.interfaces.ui import render as R
from assistant.interfaces.ui.exports import export_answer
from assistant.interfaces.ui.handlers import (  # noqa: I001
    ALL_SOURCES, SUBTITLE, TITLE, _file_path,
    delete_document, document_choices, document_table, header_html, indexing_html, open_citation, open_document, region_choices,
    render_settings, respond_stream, run_search, run_verify, upload_files,
)

log = logging.getLogger(__name__)

EXAMPLES = [
    "2023年行政机关负责人出庭应诉率是多少？",
    "法治文化主题公园设置了哪些区域？",
    "How many administrative reconsideration cases did the committee respond to?",
]
VERIFY_EXAMPLE = "2023年，示范区行政机关负责人出庭应诉率为95%，行政应诉案件17件。"
KIND_CHOICES = [("法律法规", "law"), ("报告", "report"), ("案例", "case"), ("其他", "other")]
STATIC = Path(__file__).with_name("static")

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
                        index_state = gr.HTML(indexing_html(assistant), js_on_load=None, elem_id="index-state")
                        gr.Timer(2.0).tick(_guard(lambda: indexing_html(assistant)), None, index_state,
                                           show_progress="hidden")
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
        def on_upload(files, request: gr.Request, progress=gr.Progress()):
            from assistant.interfaces.upload_guard import discard_gradio_uploads, received_gradio_uploads

            def step(done: int, total: int, source: str) -> None:
                if total:
                    stage = assistant.indexing_state().label  # 已可检索 · 向量化 n/N once every file is chunked
                    progress((done, total), desc=f"{stage} · {source}" if source else "索引完成", unit="个文件")

            progress(0, desc="正在保存上传的文件")
            accepted, refused = received_gradio_uploads(demo, [_file_path(f) for f in files or ()], request)
            try:
                report, _rows = upload_files(assistant, accepted, step, refused)
            finally:
                discard_gradio_uploads(demo, accepted, request)  # kept under uploads/ now; no second copy in temp
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
