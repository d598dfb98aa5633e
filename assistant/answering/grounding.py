"""Checking a generated answer sentence by sentence against the numbered passages it cites.

A sentence is kept only when (1) every number in it (万/亿, %, 个百分点, full-width digits and Chinese
numerals normalised by :mod:`assistant.zh.numbers`) appears in a passage it cites, and (2) its support score —
the share of its new content (characters not already in the question, not stop characters, not stock
phrases such as "根据文档") that the passages contain as character bigrams — reaches ``min_support``.
Kept sentences have their ``[n]`` markers re-pointed to the exact clause span of the source that supports
them (``document.text[start:end] == quote``); the others are removed and reported.

>>> split_sentences("出庭应诉率为100%[1]。应诉案件17件[2]")
['出庭应诉率为100%[1]。', '应诉案件17件[2]']
>>> parse_markers("出庭应诉率为100%[1][3]。")
('出庭应诉率为100%。', (1, 3))
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.zh.glossary import translate
from assistant.zh.numbers import Figure, compare, find_figures, find_ranks, normalize_digits, number_strings
from assistant.answering.passages import Passage
from assistant.answering.question import language_of
from assistant.types import Citation

_MARKER = re.compile(r"\s*[\[【［]\s*(\d{1,2}(?:\s*[,，、\-–~]\s*\d{1,2})*)\s*[\]】］]")
_MARKER_PREFIX = re.compile(r"[\[【［][\d\s,，、\-–~]*")
_END = "。！？!?；;\n"
_SENTENCE = re.compile(rf"[^{_END}]*?(?:[{_END}]+|\.(?=\s|$)|$)")
_LIST_LEAD = re.compile(r"^\s*(?:\d{1,2}[.、)）]\s*|[-*•·]\s+|#+\s*)")
_FILLER = re.compile(
    r"(?:根据|依据|按照|据)(?:上述|以上|所给|提供的|所提供的|相关)?(?:的)?(?:文档|资料|段落|材料|报告|内容|信息)?(?:中)?(?:的)?"
    r"(?:内容|信息|记载|数据)?(?:显示|所述|可知|来看)?"
    r"|(?:文档|资料|段落|材料|报告)(?:中)?(?:显示|提到|指出|表明|记载|所述|中提到)"
    r"|according to (?:the )?(?:documents?|passages?|report)|the (?:documents?|passages?|report) (?:states?|says|shows?)",
    re.I,
)
_STOP = set("的了是为在和与及等共有达约其中并对将把被从由于也还就都而且")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _sentence_spans(text: str):
    """(start, end, finished) of each sentence; markers after the end punctuation belong to the sentence."""
    pos = 0
    while pos < len(text):
        m = _SENTENCE.match(text, pos)
        end = m.end() if m and m.end() > pos else len(text)
        body = text[pos:end]
        finished = bool(body) and (body[-1] in _END or body[-1] == ".")
        while (mk := _MARKER.match(text, end)):
            end = mk.end()
        yield pos, end, finished
        pos = end


def split_sentences(text: str) -> list[str]:
    """Sentences with the markers that follow their end punctuation ("…100%。[1]" stays one sentence)."""
    return [text[s:e].strip() for s, e, _f in _sentence_spans(text) if text[s:e].strip()]


def complete_sentences(buffer: str) -> tuple[list[str], str]:
    """For streaming: the sentences of ``buffer`` that are surely finished, and the rest still being written.

    >>> complete_sentences("应诉率100%。[")
    ([], '应诉率100%。[')
    >>> complete_sentences("应诉率100%。[1]案件")
    (['应诉率100%。[1]'], '案件')
    """
    done: list[str] = []
    for s, e, finished in _sentence_spans(buffer):
        after = buffer[e:].strip()
        if not finished or not after or _MARKER_PREFIX.fullmatch(after):
            return done, buffer[s:]
        if buffer[s:e].strip():
            done.append(buffer[s:e].strip())
    return done, ""


def parse_markers(sentence: str) -> tuple[str, tuple[int, ...]]:
    """The sentence without its ``[n]`` markers, and the passage numbers they name (in order, no repeats)."""
    numbers: list[int] = []
    for m in _MARKER.finditer(sentence):
        for part in re.split(r"[,，、]", m.group(1)):
            bounds = [int(x) for x in re.split(r"[\-–~]", part) if x.strip().isdigit()]
            if len(bounds) == 2 and 0 < bounds[1] - bounds[0] < 10:
                numbers.extend(range(bounds[0], bounds[1] + 1))
            else:
                numbers.extend(bounds)
    clean = _MARKER.sub("", sentence)
    clean = _LIST_LEAD.sub("", clean).replace("**", "")
    return clean.strip(), tuple(dict.fromkeys(numbers))


@dataclass(frozen=True)
class SentenceCheck:
    """The verdict on one generated sentence."""

    text: str  # the sentence without markers
    cited: tuple[int, ...]
    supported: bool
    support: float
    reason: str = ""
    evidence: tuple[Citation, ...] = ()


class CitationChecker:
    """Keeps the sentences whose numbers and content the passages carry; points their citations at exact spans."""

    def __init__(self, min_support: float = 0.6):
        self.min_support = min_support

    def check_sentence(self, sentence: str, passages: list[Passage], question: str = "") -> SentenceCheck:
        clean, cited = parse_markers(sentence)
        by_number = {p.number: p for p in passages}
        valid = tuple(n for n in cited if n in by_number)
        first = self._judge(clean, [by_number[n] for n in valid], question, valid) if valid else None
        if first is not None and first.supported:
            return first
        # no marker, or markers pointing at the wrong passage: the content may still stand in another one
        second = self._judge(clean, passages, question, valid)
        if second.supported:
            return second
        return first or second

    def _judge(self, clean: str, passages: list[Passage], question: str, cited: tuple[int, ...]) -> SentenceCheck:
        if not passages:
            return SentenceCheck(clean, cited, False, 0.0, "没有可依据的段落")
        evidence = "".join(p.text for p in passages)
        missing = missing_numbers(clean, evidence, " ".join([question] + [p.context for p in passages]))
        if missing:
            return SentenceCheck(clean, cited, False, 0.0, f"数字“{missing}”不在所引段落中")
        headings = " ".join(f"{p.hit.chunk.title} {p.hit.chunk.section}" for p in passages)
        score, content = support_score(clean, evidence + " " + headings, question)
        if not content:
            return SentenceCheck(clean, cited, False, 0.0, "只复述了问题，没有新内容")
        if score < self.min_support:
            return SentenceCheck(clean, cited, False, score, f"所引段落不支持该句（支持度 {score:.2f}）")
        spans = _supporting_spans(clean, passages, question, self.min_support)
        return SentenceCheck(clean, cited, True, score, "", tuple(p.citation(s, e) for p, s, e in spans))


# -- numbers ----------------------------------------------------------------------------------
def missing_numbers(sentence: str, evidence: str, context: str = "") -> str | None:
    """The first number of ``sentence`` the evidence does not contain (years may stand in ``context``), or None."""
    s = normalize_digits(sentence)
    ev_figs = find_figures(normalize_digits(evidence))
    ctx_years = {int(f.value) for f in find_figures(normalize_digits(context + evidence)) if f.is_year}
    taken: list[tuple[int, int]] = []
    for f in find_figures(s):
        taken.append((f.start, f.end))
        if f.is_year:
            if int(f.value) not in ctx_years and str(int(f.value)) not in normalize_digits(context + evidence):
                return f.raw
        elif not any(_same_value(f, g) for g in ev_figs):
            return f.raw
    ev_ranks = {r.value for r in find_ranks(normalize_digits(evidence))}
    for r in find_ranks(s):
        if r.value not in ev_ranks:
            return r.raw
    allowed = set(number_strings(evidence + " " + context))
    for m in re.finditer(r"\d+(?:\.\d+)?", s):
        if any(a <= m.start() < b for a, b in taken):
            continue
        if number_strings(m.group())[0] not in allowed:
            return m.group()
    return None


def _same_value(f: Figure, g: Figure) -> bool:
    if compare(f, g) in ("equal", "compatible"):
        return True
    return math.isclose(f.value, g.value, rel_tol=1e-9) and (not f.unit or not g.unit or f.unit == g.unit)


# -- support ----------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return _PUNCT.sub(" ", normalize_digits(_FILLER.sub(" ", text or "")).lower()).strip()


def _bigrams(text: str) -> set[str]:
    out = set()
    for part in text.split():
        out.update(part[i : i + 2] for i in range(len(part) - 1))
        if len(part) == 1:
            out.add(part)
    return out


def support_score(sentence: str, evidence: str, question: str = "") -> tuple[float, int]:
    """(share of the sentence's new content found in ``evidence``, how many content characters there are).

    Content: characters of the sentence that are not stop characters and not part of a bigram of the question.
    English sentences are judged on the Chinese glossary terms of their phrases instead.
    """
    if language_of(sentence) == "en":
        return _support_en(sentence, evidence)
    s = _norm(sentence)
    q2, p2 = _bigrams(_norm(question)), _bigrams(_norm(evidence))
    content = found = 0
    for i, ch in enumerate(s):
        if ch == " " or ch in _STOP:
            continue
        left, right = s[max(0, i - 1) : i + 1], s[i : i + 2]
        pairs = [b for b in (left, right) if len(b) == 2 and " " not in b]
        if any(b in q2 for b in pairs) or (not pairs and ch in q2):
            continue
        content += 1
        if any(b in p2 for b in pairs) or (not pairs and ch in p2):
            found += 1
    return (found / content if content else 0.0), content


def _support_en(sentence: str, evidence: str) -> tuple[float, int]:
    groups = translate(sentence)
    figures = [f for f in find_figures(normalize_digits(sentence)) if not f.is_year]
    if not groups:  # no mapped phrase: only a stated figure (already checked) can carry it
        return (1.0, len(figures)) if figures else (0.0, 0)
    found = sum(1 for g in groups if any(t in evidence for t in g))
    return found / len(groups), len(groups) + len(figures)


def _supporting_spans(clean: str, passages: list[Passage], question: str,
                      min_support: float = 0.6) -> list[tuple[Passage, int, int]]:
    """The fewest clause windows (at most three) that carry the sentence's figures and content.

    A further window is added only for a figure still missing, or when the windows so far fall short of
    ``min_support`` and it adds a good share of the content.
    """
    figures = [f for f in find_figures(normalize_digits(clean)) if not f.is_year]
    candidates = [(p, s, e, p.slice(s, e)) for p in passages for s, e in p.windows()]
    chosen: list[tuple[Passage, int, int]] = []
    covered = ""
    # names given by the document's title and headings (示范区, 2023年度) need no clause of their own
    given = " ".join([question] + [f"{p.hit.chunk.title} {p.hit.chunk.section}" for p in passages])

    def measure(text: str) -> tuple[float, int]:
        figs = find_figures(normalize_digits(text))
        return support_score(clean, text, given)[0], sum(1 for f in figures if any(_same_value(f, g) for g in figs))

    asked = {b for b in _bigrams(_norm(question)) if not set(b) & _STOP}

    def _relevance(text: str) -> float:
        return len(asked & _bigrams(_norm(text))) / len(asked) if asked else 0.0

    support, numbers = 0.0, 0
    while candidates and len(chosen) < 3:
        def gain(c) -> float:
            sc, nums = measure(covered + " " + c[3])
            # between equally good spans ("42人" twice), the one about what was asked
            return sc + (nums / len(figures) if figures else 0.0) + 0.3 * _relevance(c[3]) - 0.002 * len(c[3])

        best = max(candidates, key=gain)
        new_support, new_numbers = measure(covered + " " + best[3])
        if chosen and not (new_numbers > numbers or (support < min_support and new_support >= support + 0.3)):
            break
        chosen.append(best[:3])
        covered += " " + best[3]
        support, numbers = new_support, new_numbers
        candidates = [c for c in candidates if not (c[0] is best[0] and c[1] < best[2] and best[1] < c[2])]
        if support >= min_support and numbers == len(figures):
            break
    return sorted(chosen, key=lambda x: (x[0].number, x[1]))


def _is_item(text: str) -> bool:
    from assistant.answering.shape import is_item

    return is_item(text) or bool(re.match(r"[-*•·]\s*\S", text))


# -- the checked answer -----------------------------------------------------------------------
@dataclass
class GroundedText:
    """The kept sentences with markers renumbered over one citation list (built sentence by sentence)."""

    language: str = "zh"
    parts: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    checks: list[SentenceCheck] = field(default_factory=list)
    items: list[bool] = field(default_factory=list)  # whether each kept part opens with an item mark (一是, 1., -)

    def add(self, check: SentenceCheck) -> str:
        """Record a check; for a kept sentence, the text it adds (with its markers), else ""."""
        self.checks.append(check)
        if not check.supported:
            return ""
        numbers = []
        for c in check.evidence:
            key = (c.source, c.start, c.end)
            found = next((i for i, o in enumerate(self.citations, 1) if (o.source, o.start, o.end) == key), None)
            if found is None:
                self.citations.append(c)
                found = len(self.citations)
            numbers.append(found)
        body = check.text.rstrip()
        tail = ""
        while body and (body[-1] in _END or body[-1] == "."):
            tail = body[-1] + tail
            body = body[:-1].rstrip()
        marks = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
        self.items.append(_is_item(body))
        if self.language == "en":
            piece = f"{body} {marks}{tail or '.'}"
            piece = (" " if self.parts else "") + piece
        else:
            piece = f"{body}{marks}{tail.replace(chr(10), '') or '。'}"
        self.parts.append(piece)
        return piece

    @property
    def text(self) -> str:
        """The kept sentences; a list (two or more items: 一是…, （一）…, 1. …, - …) one item per line, each with
        its own ``[n]``, so that it renders and exports as a list.

        >>> g = GroundedText()
        >>> for body, start in (("一是减免房租", 0), ("二是缓缴社保费", 9)):
        ...     g.add(SentenceCheck(body + "。", (1,), True, 1.0, "", (Citation("a.txt", start, start + 6, body),)))
        '一是减免房租[1]。'
        '二是缓缴社保费[2]。'
        >>> g.text
        '一是减免房租[1]。\\n二是缓缴社保费[2]。'
        """
        if sum(self.items) >= 2:
            return "\n".join(p.strip() for p in self.parts)
        return "".join(self.parts)

    @property
    def removed(self) -> list[SentenceCheck]:
        return [c for c in self.checks if not c.supported]
