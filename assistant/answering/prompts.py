"""The prompt templates in ``assistant/data/prompts/`` (system, answer-with-citations, follow-up rewriting), rendered in one place.

Templates are Markdown files with ``{name}`` fields; values are inserted as they are (a brace inside a
document passage is never read as a field). Passages are numbered ``[1]``..``[n]`` inside a ``<资料>`` block,
so the model can tell data from instructions.

>>> book = PromptBook()
>>> msgs = book.answer_messages("出庭应诉率是多少？", ["出庭应诉率100%"])
>>> [m["role"] for m in msgs]
['system', 'user']
>>> "[1] 出庭应诉率100%" in msgs[1]["content"]
True
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.llm.backends import Message

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "data" / "prompts"

REFUSAL_ZH = "文档中没有找到能回答该问题的内容。"
REFUSAL_EN = "The documents do not contain the answer."
_LANGUAGE = {"zh": "请用中文回答。", "en": "The question is in English: answer in English (请用英文回答)."}
_BLOCK_TAGS = ("<资料>", "</资料>", "<对话>", "</对话>")


@dataclass(frozen=True)
class PromptBook:
    """Loads the templates from ``folder`` (``assistant/data/prompts/`` by default) and renders them."""

    folder: Path = PROMPTS_DIR

    def template(self, name: str) -> str:
        path = Path(self.folder) / f"{name}.md"
        if not path.is_file():
            raise FileNotFoundError(f"缺少提示词模板 {path}（应在 assistant/data/prompts/ 目录中） / prompt template missing")
        return path.read_text(encoding="utf-8").strip()

    def render(self, name: str, **values: str) -> str:
        """``{field}`` replaced by its value; other braces stay as written."""
        text = self.template(name)
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text

    def answer_messages(self, question: str, passages: list[str], language: str = "zh") -> list[Message]:
        numbered = "\n".join(f"[{i}] {_data(p)}" for i, p in enumerate(passages, 1))
        user = self.render("answer", passages=numbered, question=_data(question),
                           refusal=REFUSAL_EN if language == "en" else REFUSAL_ZH,
                           language_instruction=_LANGUAGE.get(language, _LANGUAGE["zh"]))
        return [{"role": "system", "content": self.template("system")}, {"role": "user", "content": user}]

    def rewrite_messages(self, question: str, history: list[tuple[str, str]]) -> list[Message]:
        """``history`` is (question, answer) pairs, oldest first."""
        lines = []
        for q, a in history:
            lines.append(f"用户：{_data(q)}")
            lines.append(f"助手：{_data(_short(a))}")
        user = self.render("rewrite", history="\n".join(lines), question=_data(question))
        return [{"role": "system", "content": self.template("system")}, {"role": "user", "content": user}]


def as_text(messages: list[Message]) -> str:
    """The rendered prompt as one string (kept on the Answer for debugging)."""
    return "\n\n".join(f"<{m['role']}>\n{m['content']}" for m in messages)


def _data(text: str) -> str:
    """Document or user text as data: the block tags cannot be closed or opened from inside it."""
    for tag in _BLOCK_TAGS:
        text = text.replace(tag, tag.replace("<", "〈").replace(">", "〉"))
    return " ".join(text.split())


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
