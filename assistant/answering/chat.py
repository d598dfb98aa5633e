"""Multi-turn chat: follow-up questions ("那2022年呢？") rewritten into standalone questions before retrieval.

History is per session (a :class:`ChatSession` per browser tab or CLI run; never global). With an LLM the
rewrite uses ``prompts/rewrite.md`` and is accepted only when it keeps the follow-up's figures and stays a
single short question; otherwise (or without an LLM) a rule carries the previous question's topic over.

>>> s = ChatSession()
>>> s.record("示范区2023年有多少件行政应诉案件？", "示范区2023年有多少件行政应诉案件？", "17件")
>>> s.standalone("那2022年呢？")
'示范区2022年有多少件行政应诉案件？'
>>> s.standalone("村居法律顾问覆盖了多少个村？")
'村居法律顾问覆盖了多少个村？'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.indexing.lexical import tokenize
from assistant.answering.question import language_of
from assistant.zh.rules import YEAR_DIGITS
from assistant.types import Turn

_LEAD_ZH = re.compile(r"^(?:那么|那|还有|另外|此外|再问一下|再问|同样|以及|和|与|那请问|请问)\s*")
_TAIL_ZH = re.compile(r"(?:的情况|情况|怎么样|如何|呢|吗|啊)?\s*[？?。！!]*\s*$")
_LEAD_EN = re.compile(r"^(?:and|what about|how about|and what about|then|also)\b\s*", re.I)
_TAIL_EN = re.compile(r"[?.!\s]*$")
_PRONOUN = re.compile(r"^(?:它|其|该|这个|这些|那个|那些|上述|同期|同年|当年)|^(?:it|its|they|their|that|this|those)\b", re.I)
_YEAR = re.compile(YEAR_DIGITS)
_YEAR_WORD = re.compile(r"(" + YEAR_DIGITS + r")\s*年?(?:度)?")


@dataclass
class ChatSession:
    """The turns of one conversation, newest last; only the last ``max_turns`` are used."""

    turns: list[Turn] = field(default_factory=list)
    max_turns: int = 4

    def record(self, question: str, standalone: str, answer: str) -> None:
        self.turns.append(Turn(question, standalone, answer))
        del self.turns[: -self.max_turns]

    def standalone(self, question: str, llm=None, prompts=None, timeout: float = 20.0) -> str:
        return rewrite_question(question, self.turns[-self.max_turns:], llm, prompts, timeout)


def is_follow_up(question: str, history: list[Turn]) -> bool:
    """Whether ``question`` leans on the previous turn (a short question with 那…呢, a pronoun, "what about")."""
    if not history:
        return False
    q = question.strip()
    if language_of(q) == "en":
        return bool(_LEAD_EN.match(q) or _PRONOUN.match(q)) or len(q.split()) <= 3
    core = _core(q)
    return bool(_LEAD_ZH.match(q) or _PRONOUN.match(q) or q.rstrip("？?").endswith("呢")) or len(core) <= 6


def rewrite_question(question: str, history: list[Turn], llm=None, prompts=None, timeout: float = 20.0) -> str:
    """The standalone form of ``question`` given the earlier turns (unchanged when it stands alone)."""
    question = question.strip()
    if not is_follow_up(question, history):
        return question
    if llm is not None:
        rewritten = _llm_rewrite(question, history, llm, prompts, timeout)
        if rewritten:
            return rewritten
    return carry_over(question, history[-1].standalone)


def _llm_rewrite(question: str, history: list[Turn], llm, prompts, timeout: float) -> str | None:
    from assistant.llm.backends import LLMError
    from assistant.answering.prompts import PromptBook

    prompts = prompts or PromptBook()
    messages = prompts.rewrite_messages(question, [(t.standalone, t.answer) for t in history])
    try:
        text = llm.complete(messages, max_tokens=80, temperature=0.0, timeout=timeout)
    except LLMError:
        return None
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return None
    out = re.sub(r"^(?:改写后的问题|问题|standalone question)\s*[:：]\s*", "", lines[0], flags=re.I).strip(" \"“”'")
    wanted = set(re.findall(r"\d+", question))
    if not out or len(out) > 3 * (len(question) + len(history[-1].standalone)) or not wanted <= set(re.findall(r"\d+", out)):
        return None
    return out


def carry_over(question: str, previous: str) -> str:
    """Rule-based rewrite: the previous question with the follow-up's year or term put in.

    >>> carry_over("那行政复议呢？", "示范区2023年有多少件行政应诉案件？")
    '示范区2023年有多少件行政复议案件？'
    >>> carry_over("What about 2022?", "How many cases were there in 2023?")
    'How many cases were there in 2022?'
    """
    core = _core(question)
    if not core:
        return previous
    years = _YEAR.findall(core)
    rest = _YEAR_WORD.sub("", core).strip(" 的,，")
    out = previous
    if years:
        if _YEAR.search(out):
            out = _YEAR.sub(years[0], out, count=1)
        else:
            out = f"{years[0]}年{out}" if language_of(previous) == "zh" else f"{out.rstrip('?')} in {years[0]}?"
    if rest:
        out = _replace_term(out, rest)
    return out


def _core(question: str) -> str:
    if language_of(question) == "en":
        return _TAIL_EN.sub("", _LEAD_EN.sub("", question.strip())).strip()
    return _TAIL_ZH.sub("", _LEAD_ZH.sub("", question.strip())).strip()


def _replace_term(previous: str, term: str) -> str:
    """Put ``term`` in place of the previous question's word most like it; else in front of the question."""
    if language_of(previous) == "en":
        return f"{previous.rstrip('?')} ({term})?"
    words = [w for w in tokenize(previous) if len(w) >= 2 and not w.isdigit()]
    best, overlap = None, 0
    for w in words:
        shared = len(set(w) & set(term))
        if shared > overlap and shared < len(set(term)):
            best, overlap = w, shared
    if best and best in previous:
        # extend the word to its longest neighbour that shares the prefix (行政应诉 within 行政应诉案件)
        return previous.replace(_widen(previous, best, term), term, 1)
    return f"{term}：{previous}"


def _widen(previous: str, word: str, term: str) -> str:
    """``word`` grown to the run of the previous question that ``term`` should replace (same length at most)."""
    start = previous.find(word)
    end = start + len(word)
    while end - start < len(term) and end < len(previous) and "\u4e00" <= previous[end] <= "\u9fff" \
            and previous[end] not in "案件人次数量":
        end += 1
    return previous[start:end]
