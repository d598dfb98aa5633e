"""Gradio Blocks for the assistant: rendering and event wiring only; the pipeline lives elsewhere."""
from __future__ import annotations

import html

from .types import Answer

TITLE = "法律与政府报告问答助手"
EXAMPLES = ["2023年行政机关负责人出庭应诉率是多少？", "法治文化主题公园设置了哪些区域？", "How many administrative reconsideration cases did the committee respond to?"]


def render_answer(answer: Answer) -> str:
    """An answer as Markdown: the text, then each citation with its document, section and quote."""
    lines = [html.escape(answer.text, quote=False)]
    if answer.citations:
        lines.append("\n**引用**")
        for i, c in enumerate(answer.citations, 1):
            where = " › ".join(p for p in (c.title or c.source, *c.section_path) if p)
            date = f"（{c.date}）" if c.date else ""
            lines.append(f"\n[{i}] {html.escape(where)}{date} · `{c.source}:{c.start}-{c.end}`\n> {html.escape(c.quote)}")
    elif answer.hits:
        lines.append("\n**最接近的段落**")
        for i, h in enumerate(answer.hits[:3], 1):
            c = h.chunk
            where = " › ".join(p for p in (c.title or c.source, *c.section_path) if p)
            snippet = c.text if len(c.text) <= 160 else c.text[:160] + "…"
            lines.append(f"\n{i}. {html.escape(where)} · `{c.source}:{c.start}-{c.end}`\n> {html.escape(snippet)}")
    return "\n".join(lines)


def respond(assistant, message: str, history: list | None) -> tuple[list, str]:
    """Chat handler: append the question and the rendered answer (or a clear error) to the history."""
    from .pipeline import QuestionError
    from .store import IndexMismatchError

    history = list(history or [])
    try:
        reply = render_answer(assistant.ask(message))
    except (QuestionError, IndexMismatchError) as exc:
        reply = f"⚠️ {exc}"
    history.append({"role": "user", "content": message})
    history.append({"role": "assistant", "content": reply})
    return history, ""


def build_ui(assistant):
    import gradio as gr

    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"## {TITLE}\n针对已索引的文档提问；每个回答都附有可核对的原文引用，文档中没有答案时会明确说明。")
        chat = gr.Chatbot(label="问答", height=520)
        with gr.Row():
            box = gr.Textbox(placeholder="请输入问题，例如：2023年行政机关负责人出庭应诉率是多少？", show_label=False, scale=8)
            send = gr.Button("提问", variant="primary", scale=1)
        gr.Examples(EXAMPLES, inputs=box, label="示例问题")

        def handler(message, history):
            return respond(assistant, message, history)

        send.click(handler, [box, chat], [chat, box])
        box.submit(handler, [box, chat], [chat, box])
    return demo
