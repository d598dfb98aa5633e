"""The LLM answerer: a generated answer over numbered passages, every sentence checked before it is shown.

Flow: the extractive answerer decides first whether the documents carry the question at all (a refusal
stays a refusal: the model is not asked). Otherwise the model answers from the top passages; each sentence
is checked as soon as it is complete (:mod:`assistant.answering.grounding`) and only checked sentences are streamed.
A dead endpoint, a timeout, or an answer with no supported sentence falls back to the extractive answer,
with a note that says so.

>>> from assistant.llm.backends import ScriptedLLM
>>> answerer = LLMAnswerer(ScriptedLLM(), extractive=None)
>>> answerer.name
'scripted'
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Iterator

from assistant.answering.grounding import CitationChecker, GroundedText, complete_sentences, split_sentences
from assistant.llm.backends import LLM, LLMError, LLMTimeout
from assistant.answering.passages import build_passages
from assistant.answering.prompts import PromptBook, as_text
from assistant.answering.question import language_of
from assistant.types import Answer, Hit

NOTE_TIMEOUT = "大模型未能在限定时间内答完（{error}），以下为原文摘录的回答。"
NOTE_DOWN = "大模型暂不可用（{error}），以下为原文摘录的回答。"
NOTE_UNCHECKED = "大模型的回答未能通过引用核查，以下为原文摘录的回答。"
NOTE_REMOVED = "已删除 {n} 句无法在所引段落中核实的内容。"
NOTE_INJECTION = "已忽略文档中 {n} 处疑似对模型下达指令的文字。"
NOTE_GENERATED = "由大模型（{name}）依据所引段落生成，每句均已核对原文。"


@dataclass(frozen=True)
class AnswerUpdate:
    """One step of a streamed answer: the checked answer so far (the final one when ``done``).

    ``raw`` is the model's unchecked text so far, for timing and debugging only: it is never shown.
    """

    answer: Answer
    done: bool
    raw: str = ""
    question: str = ""  # the standalone question that was searched (a follow-up rewritten), set by the pipeline


class LLMAnswerer:
    """Answers with ``llm`` over the top passages; the extractive answerer gates and backs it up."""

    def __init__(self, llm: LLM, extractive, prompts: PromptBook | None = None,
                 checker: CitationChecker | None = None, passages: int = 4, max_tokens: int = 200,
                 temperature: float = 0.0, timeout: float = 60.0, idf: Callable[[str], float] | None = None):
        self.llm = llm
        self.extractive = extractive
        self.prompts = prompts or PromptBook()
        self.checker = checker or CitationChecker()
        self.passages = passages
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.timeout = timeout
        self.idf = idf

    @property
    def name(self) -> str:
        return self.llm.name

    def answer(self, question: str, hits: list[Hit], terms=None) -> Answer:
        final = None
        for update in self.stream(question, hits, terms):
            final = update.answer
        return final

    def stream(self, question: str, hits: list[Hit], terms=None) -> Iterator[AnswerUpdate]:
        started = time.perf_counter()
        fallback = self.extractive.answer(question, hits, terms)
        if fallback.refused:
            yield AnswerUpdate(fallback, True)
            return
        language = language_of(question)
        passages = build_passages(question, hits, self.passages, idf=terms.idf if terms is not None else self.idf)
        messages = self.prompts.answer_messages(question, [p.text for p in passages], language)
        prompt = as_text(messages)
        notes = []
        dropped = sum(p.dropped for p in passages)
        if dropped:
            notes.append(NOTE_INJECTION.format(n=dropped))
        grounded = GroundedText(language=language)
        raw, buffer = "", ""

        def partial() -> Answer:
            return Answer(question=question, text=grounded.text, citations=tuple(grounded.citations),
                          hits=tuple(hits), language=language, prompt=prompt, support=fallback.support,
                          seconds=time.perf_counter() - started, notes=tuple(notes))

        try:
            for piece in self.llm.stream(messages, self.max_tokens, self.temperature, self.timeout):
                raw += piece
                buffer += piece
                finished, buffer = complete_sentences(buffer)
                for sentence in finished:
                    grounded.add(self.checker.check_sentence(sentence, passages, question))
                yield AnswerUpdate(partial(), False, raw)
            for sentence in split_sentences(buffer):
                grounded.add(self.checker.check_sentence(sentence, passages, question))
        except LLMError as exc:
            note = (NOTE_TIMEOUT if isinstance(exc, LLMTimeout) else NOTE_DOWN).format(error=_short(exc))
            yield AnswerUpdate(self._fallback(fallback, prompt, notes + [note], started), True, raw)
            return
        if not grounded.citations:
            yield AnswerUpdate(self._fallback(fallback, prompt, notes + [NOTE_UNCHECKED], started), True, raw)
            return
        if grounded.removed:
            notes.append(NOTE_REMOVED.format(n=len(grounded.removed)))
        notes.insert(0, NOTE_GENERATED.format(name=self.llm.name))
        yield AnswerUpdate(partial(), True, raw)

    def _fallback(self, extractive: Answer, prompt: str, notes: list[str], started: float) -> Answer:
        return replace(extractive, prompt=prompt, notes=tuple(extractive.notes) + tuple(notes),
                       seconds=time.perf_counter() - started)


def _short(exc: Exception, limit: int = 80) -> str:
    text = str(exc).split(" / ")[0]
    return text if len(text) <= limit else text[:limit] + "…"
