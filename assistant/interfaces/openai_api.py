"""The assistant as an OpenAI-compatible chat model: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Chat front-ends (Open WebUI, Dify, LobeChat, Chatbox) and the ``openai`` / LangChain clients use it as the model
``legal-assistant``. The reply is the assistant's answer with its ``[n]`` marks, then a numbered Markdown list of the
sources (title, section, quote, position); a refusal is an ordinary reply that lists the nearest passages. The
structured ``citations``, ``hits``, ``refused`` and ``standalone_question`` come as extra fields of the response (of
the last chunk when streaming). Earlier turns of ``messages`` resolve follow-ups ("那2022年呢？"); system prompts are
not used (answers come from the documents only). ``stream: true`` sends server-sent events in OpenAI's chunk format,
ending with ``data: [DONE]``. ``usage`` counts tokens as CJK characters, words, numbers and signs (the extractive
answerer has no tokenizer of its own).

    from openai import OpenAI
    client = OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="KEY")
    reply = client.chat.completions.create(model="legal-assistant",
                                           messages=[{"role": "user", "content": "2023年行政机关负责人出庭应诉率是多少？"}])
"""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any, Iterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import ERROR_TABLE, EmbeddingEndpointError, status_and_exit
from assistant.interfaces.schemas import Filters
from assistant.types import SearchFilters, Turn

V1 = "/v1"
MODEL_NAME = "legal-assistant"
HISTORY_PAIRS = 8  # earlier exchanges read from ``messages``
SNIPPET_CHARS = 160
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]+|\d+(?:\.\d+)?|[^\sA-Za-z\d\u3400-\u9fff\uf900-\ufaff]")
_MD_SPECIAL = re.compile(r"([\\`*_<>#|~\[\]])")
_MARK = re.compile(r"\\\[(\d{1,3})\\\]")
SOURCES_ZH, SOURCES_EN = "**来源**", "**Sources**"
NEAREST_ZH, NEAREST_EN = "**最接近的段落**（文档中没有找到依据）", "**Nearest passages** (the documents do not answer this)"
REVISED = "（以上为生成中的草稿，未通过引用核对；以下为核对后的回答）"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's request body; fields this model does not use (temperature, max_tokens, tools...) are accepted."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_NAME
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: dict | None = None
    filters: Filters | None = Field(None, description="可选：检索范围（kind、year_from、year_to、source）")


class ConversationError(ValueError):
    """``messages`` does not end with a question."""


# -- reading the conversation -------------------------------------------------------------------
def message_text(content: Any) -> str:
    """The text of a message: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """(the last user question, earlier (question, reply) pairs); system, tool and other messages are left out."""
    turns = [(m.role, message_text(m.content).strip()) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1]:
        raise ConversationError("messages 的最后一条应是用户的问题 / the last message must be the user's question")
    pairs: list[tuple[str, str]] = []
    for role, text in turns[:-1]:
        if role == "user":
            pairs.append((text, ""))
        elif pairs and not pairs[-1][1]:
            pairs[-1] = (pairs[-1][0], text)
    return turns[-1][1], [(q, _without_sources(a)) for q, a in pairs if q][-HISTORY_PAIRS:]


def _without_sources(reply: str) -> str:
    """A reply this API wrote, without its source list (what a front-end sends back as the assistant's turn)."""
    for head in (SOURCES_ZH, SOURCES_EN, NEAREST_ZH, NEAREST_EN):
        reply = reply.split("\n\n" + head, 1)[0]
    return reply.strip()


class StandaloneCache:
    """Standalone forms of earlier questions, so a long conversation is not rewritten again at every turn."""

    def __init__(self, limit: int = 1024):
        self.limit = limit
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def history(self, assistant, pairs: list[tuple[str, str]]) -> list:
        turns: list[Turn] = []
        for question, reply in pairs:
            key = (tuple(t.standalone for t in turns), question)
            with self._lock:
                standalone = self._items.get(key)
            if standalone is None:
                standalone = assistant.standalone_question(question, turns)
                with self._lock:
                    self._items[key] = standalone
                    while len(self._items) > self.limit:
                        self._items.popitem(last=False)
            turns.append(Turn(question, standalone, reply))
        return turns


# -- writing the reply --------------------------------------------------------------------------
def md(text: str) -> str:
    """Text with Markdown's special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def answer_markdown(answer) -> str:
    """The answer's text as Markdown, its ``[n]`` marks kept."""
    return _MARK.sub(r"[\1]", md(answer.text))


def sources_markdown(answer) -> str:
    """The numbered source list (title, section, quote, position), or the nearest passages of a refusal."""
    en = answer.language == "en"
    lines = []
    if answer.citations:
        lines.append(SOURCES_EN if en else SOURCES_ZH)
        for i, c in enumerate(answer.citations, 1):
            lines.append(f"{i}. {_place(c.label, c.title, c.source, c.section_path)}：“{md(c.quote)}”"
                         f"（{_position(c.source, c.start, c.end, en)}）")
    elif answer.hits:
        lines.append(NEAREST_EN if en else NEAREST_ZH)
        for i, h in enumerate(answer.hits[:3], 1):
            c = h.chunk
            text = " ".join(c.text.split())
            snippet = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "…"
            lines.append(f"{i}. {_place(c.label, c.title, c.source, c.section_path)}：{md(snippet)}"
                         f"（{_position(c.source, c.start, c.end, en)}）")
    return "\n".join(lines)


def _place(label: str, title: str, source: str, section_path) -> str:
    if label:
        return f"**{md(label)}**"
    section = " › ".join(section_path)
    return f"**《{md(title or source)}》**" + (f" {md(section)}" if section else "")


def _position(source: str, start: int, end: int, en: bool) -> str:
    return f"`{source}`, characters {start}–{end}" if en else f"`{source}`，第 {start}–{end} 字"


def reply_content(answer) -> str:
    parts = [answer_markdown(answer)]
    if notes := [n for n in answer.notes if n]:
        parts.append("*" + md(" ".join(notes)) + "*")
    if sources := sources_markdown(answer):
        parts.append(sources)
    return "\n\n".join(parts)


def extra_fields(answer, standalone: str) -> dict:
    """The structured answer, beside OpenAI's fields."""
    return {
        "refused": answer.refused,
        "standalone_question": standalone,
        "citations": [{**c.to_json(), "title": c.title, "section_path": list(c.section_path), "date": c.date}
                      for c in answer.citations],
        "hits": [{"source": h.chunk.source, "start": h.chunk.start, "end": h.chunk.end, "score": round(h.score, 6),
                  "title": h.chunk.title, "section_path": list(h.chunk.section_path)} for h in answer.hits],
    }


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def usage(prompt: str, completion: str) -> dict:
    p, c = count_tokens(prompt), count_tokens(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def openai_error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None},
                         "detail": message}, status_code=status)


# -- the routes ---------------------------------------------------------------------------------
def mount_openai(app: FastAPI, assistant, guard: list) -> None:
    """Add the /v1 routes to ``app``, each behind ``guard`` (the API's authentication dependency)."""
    router = APIRouter(prefix=V1, dependencies=guard, tags=["OpenAI 兼容"])
    created = int(time.time())
    cache = StandaloneCache()
    refusals = {error: status for error, status, _code in ERROR_TABLE}  # every user-facing error, as errors.py says

    @app.exception_handler(EmbeddingEndpointError)
    async def _endpoint_down(request: Request, exc: EmbeddingEndpointError):
        return JSONResponse({"detail": str(exc)}, status_code=503)

    def refused(exc: Exception) -> JSONResponse:
        status = status_and_exit(exc)[0]
        return openai_error(status, str(exc), "invalid_request_error" if status == 400 else "server_error")

    def model_card(name: str = MODEL_NAME) -> dict:
        return {"id": name, "object": "model", "created": created, "owned_by": "legal-report-assistant"}

    @router.get("/models", summary="可用的模型（OpenAI 格式）")
    def models() -> dict:
        return {"object": "list", "data": [model_card()]}

    @router.get("/models/{model}", summary="一个模型（OpenAI 格式）")
    def model(model: str):
        if model != MODEL_NAME:
            return openai_error(404, f"没有模型 {model!r}；可用：{MODEL_NAME} / model not found")
        return model_card()

    @router.post("/chat/completions", summary="OpenAI 兼容的对话：带引用的回答（stream=true 时为 SSE）")
    def chat_completions(body: ChatCompletionRequest):
        try:
            question, pairs = conversation(body.messages)
            question = assistant.check_question(question)
            assistant.check_index()
            history = cache.history(assistant, pairs)
        except ConversationError as exc:
            return openai_error(400, str(exc))
        except tuple(refusals) as exc:
            return refused(exc)
        f = body.filters
        filters = SearchFilters(kinds=tuple(f.kind), year_from=f.year_from, year_to=f.year_to,
                                sources=tuple(f.source), law_kinds=tuple(f.law_kind), levels=tuple(f.level),
                                regions=tuple(f.region)) if f else None
        prompt = "\n".join(message_text(m.content) for m in body.messages)
        updates = assistant.ask_stream(question, filters, history=history)
        meta = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
        if body.stream:
            with_usage = bool((body.stream_options or {}).get("include_usage"))
            events = _events(updates, meta, prompt, with_usage, tuple(refusals))
            return StreamingResponse(events, media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        final = None
        try:
            for update in updates:
                final = update
        except tuple(refusals) as exc:
            return refused(exc)
        content = reply_content(final.answer)
        return {**meta, "object": "chat.completion", "system_fingerprint": None,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": usage(prompt, content), **extra_fields(final.answer, final.question)}

    app.include_router(router)


def _events(updates: Iterator, meta: dict, prompt: str, with_usage: bool, errors: tuple) -> Iterator[str]:
    """Server-sent events: the role, the checked answer as it grows, the sources, the finish, usage, [DONE]."""

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        payload = {**meta, "object": "chat.completion.chunk", "system_fingerprint": None,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    sent, final = "", None
    try:
        for update in updates:
            if update.done:
                final = update
                break
            text = answer_markdown(update.answer)
            if text.startswith(sent) and len(text) > len(sent):
                yield chunk({"content": text[len(sent):]})
                sent = text
    except errors as exc:  # the stream has begun: the error goes in an event, as OpenAI's streams do
        final, problem = None, str(exc)
    else:
        problem = "" if final is not None else "回答没有完成 / the answer did not finish"
    if final is None:
        yield f"data: {json.dumps({'error': {'message': problem, 'type': 'server_error'}}, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"
        return
    content = reply_content(final.answer)
    rest = content[len(sent):] if content.startswith(sent) else f"\n\n{REVISED}\n\n{content}"
    yield chunk({"content": rest})
    yield chunk({}, "stop", **extra_fields(final.answer, final.question))
    if with_usage:
        payload = {**meta, "object": "chat.completion.chunk", "choices": [], "usage": usage(prompt, sent + rest)}
        yield f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"
