"""The numbered passages an LLM answers from: the top hits trimmed to their sentences that bear on the question.

Each :class:`Passage` keeps the exact (start, end) offsets of the sentences it shows, so a citation can later
be pointed at a verbatim slice of the source. Sentences that address the model with instructions
(:mod:`assistant.zh.safety`) are left out: documents are data.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from assistant.zh.numbers import find_figures
from assistant.answering.question import analyze
from assistant.zh.safety import looks_like_instruction
from assistant.zh.spans import CLAUSE_ENDS, SENTENCE_ENDS, split_spans
from assistant.types import Citation, Evidence, Hit

MAX_WINDOW = 3  # clauses in one citation window


@dataclass(frozen=True)
class Passage:
    """Passage ``[number]`` of a prompt: sentences of ``hit.chunk`` at absolute offsets ``spans`` (in order)."""

    number: int
    hit: Hit
    spans: tuple[tuple[int, int], ...]
    dropped: int = 0  # instruction-like sentences left out

    def slice(self, start: int, end: int) -> str:
        return self.evidence(start, end).text

    def evidence(self, start: int, end: int) -> Evidence:
        """The span ``[start, end)`` of this passage as an evidence record."""
        return Evidence(self.hit, start, end, self.number - 1)

    @property
    def text(self) -> str:
        """The shown text: sentences in order, "…" where sentences were skipped."""
        parts, last = [], None
        for s, e in self.spans:
            if last is not None and s > last and self.hit.chunk.text[last - self.hit.chunk.start : s - self.hit.chunk.start].strip():
                parts.append("…")
            parts.append(self.slice(s, e))
            last = e
        return "".join(parts)

    @property
    def context(self) -> str:
        """Title, section and the whole chunk: where a year or a name given for the whole passage may stand."""
        c = self.hit.chunk
        return " ".join((c.title, c.section, c.text))

    def windows(self) -> Iterator[tuple[int, int]]:
        """Every run of one to three clauses inside each shown sentence, and each whole sentence."""
        c = self.hit.chunk
        for s, e in self.spans:
            clauses = [(c.start + a, c.start + b) for a, b in split_spans(c.text, CLAUSE_ENDS, s - c.start, e - c.start)]
            for i in range(len(clauses)):
                for j in range(i, min(i + MAX_WINDOW, len(clauses))):
                    yield clauses[i][0], clauses[j][1]
            if len(clauses) > MAX_WINDOW:
                yield s, e

    def citation(self, start: int, end: int) -> Citation:
        return self.evidence(start, end).citation()


def build_passages(question: str, hits: list[Hit], count: int = 4, max_chars: int = 160,
                   idf: Callable[[str], float] | None = None) -> list[Passage]:
    """Up to ``count`` passages from the first hits, each cut to its best sentences within ``max_chars``."""
    q = analyze(question)
    idf = idf or (lambda _t: 1.0)
    groups = [g for g in q.groups if any(len(t) >= 2 or t.isdigit() for t in g)]
    weights = [max(idf(t) for t in g) for g in groups]

    def score(text: str) -> float:
        s = sum(w for g, w in zip(groups, weights) if any(t in text for t in g))
        if q.wants_number and any(not f.is_year for f in find_figures(text)):
            s += 0.5 * (max(weights) if weights else 1.0)
        return s

    passages: list[Passage] = []
    for hit in hits:
        if len(passages) >= count:
            break
        c = hit.chunk
        sentences, dropped = [], 0
        for s, e in split_spans(c.text, SENTENCE_ENDS):
            if looks_like_instruction(c.text[s:e]):
                dropped += 1
            else:
                sentences.append((c.start + s, c.start + e))
        if not sentences:
            continue
        chosen = _choose(sentences, [score(c.text[s - c.start : e - c.start]) for s, e in sentences], max_chars)
        passages.append(Passage(len(passages) + 1, hit, tuple(chosen), dropped))
    return passages


def _choose(sentences: list[tuple[int, int]], scores: list[float], max_chars: int) -> list[tuple[int, int]]:
    """The best sentence, then the next best and its neighbours while they fit; in document order."""
    if sum(e - s for s, e in sentences) <= max_chars:
        return sentences
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    picked = {order[0]}
    used = sentences[order[0]][1] - sentences[order[0]][0]
    candidates = [i for i in order[1:] if scores[i] > 0] + [order[0] + 1, order[0] - 1]
    for i in candidates:
        if 0 <= i < len(sentences) and i not in picked:
            size = sentences[i][1] - sentences[i][0]
            if used + size <= max_chars:
                picked.add(i)
                used += size
    return [sentences[i] for i in sorted(picked)]
