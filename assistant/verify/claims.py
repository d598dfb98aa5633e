"""Claim verification: split a draft into claims, find the evidence, compare figures, direction, rank and negation.

Each claim gets a :class:`~assistant.types.Verdict`: ``supported``, ``contradicted`` or ``not_found``,
with the evidence span cited exactly and the values compared.
"""
from __future__ import annotations

import re
import numpy as np

from assistant.zh.numbers import compare, find_dates, find_figures, find_ranks
from assistant.answering.question import language_of
from assistant.zh.spans import CLAUSE_ENDS, SENTENCE_ENDS, split_spans
from assistant.answering.scope import check as scope_check, claim_scope, coverage_groups, document_in_scope
from assistant.types import Evidence, Hit, Verdict
from assistant.verify.scoped import reversal_words, weigh

_SENTENCE_END = re.compile(r"[。！？!?\n]+")
_CLAUSE_SPLIT = "，,；;"
_SPACE = " \t\r\n\u3000\xa0"
_UP = ("增加", "增长", "上升", "提高", "提升", "扩大", "多于", "高于", "超过", "增多")
_DOWN = ("减少", "下降", "降低", "缩小", "减少了", "少于", "低于", "回落", "下滑")
_RANK_WORDS = frozenset("排名 排在 名列 位列 位居 位于 列居 名次 排第".split())  # ranks are compared, not matched
_NEGATION = re.compile(r"(?:从未|从没有|没有|未曾|未|无|不存在|杜绝|零发生|均未)")


def split_claims(text: str) -> list[str]:
    """Sentences of a draft, and clauses joined by ，；that carry figures of their own."""
    claims: list[str] = []
    for sentence in _SENTENCE_END.split(text or ""):
        sentence = sentence.strip(_SPACE + "，,；;")
        if not sentence:
            continue
        parts = [p.strip(_SPACE) for p in re.split(f"[{_CLAUSE_SPLIT}]", sentence) if p.strip(_SPACE)]
        if sum(1 for p in parts if _figures(p)) < 2:
            claims.append(sentence)
            continue
        prefix, own = "", []
        for part in parts:
            if _figures(part):
                own.append(part if _has_subject(part) or not prefix else prefix + part)
            elif own:
                own[-1] += "，" + part  # a clause without figures stays with the claim before it
            else:
                prefix += part  # leading time and place ("2023年，示范区…") apply to every claim
        claims.extend(own)
    return claims


def _figures(text: str):
    return [f for f in find_figures(text) if not f.is_year]


def _has_subject(part: str) -> bool:
    return bool(re.match(r"^(?:19|20)\d{2}年", part))


class ClaimVerifier:
    """Checks claims against the indexed documents through the hybrid retriever."""

    def __init__(self, retriever, embedder=None, idf=None, min_coverage: float = 0.55, passages: int = 5):
        self.retriever = retriever
        self.embedder = embedder
        self.idf = idf or (lambda _t: 1.0)
        self.min_coverage = min_coverage
        self.passages = passages

    def verify_text(self, text: str) -> list[Verdict]:
        return [self.verify(claim) for claim in split_claims(text)]

    def verify(self, claim: str) -> Verdict:
        from assistant.indexing.lexical import tokenize

        lang = language_of(claim)
        retrieval = self.retriever.retrieve(claim, 20)
        hits = list(retrieval.hits)
        idf = retrieval.terms.idf if retrieval.terms is not None else self.idf
        terms = [t for t in dict.fromkeys(tokenize(claim)) if len(t) >= 2 and not t.isdigit() and t not in _RANK_WORDS]
        terms = [g[0] for g in coverage_groups(claim, [(t,) for t in terms])  # the scope checks years, document
                 if g[0] not in reversal_words()  # direction and comparison words are compared, not matched
                 and not any(ch.isdigit() for ch in g[0])]  # so are figures: a changed one must still find its evidence
        q_scope = claim_scope(claim)
        # the first passages, and further ones of documents in the claim's scope (another year's report may lead)
        further = [h for h in hits[self.passages:] if document_in_scope(q_scope, h.chunk)]
        pool = hits[: self.passages] + further[: self.passages]
        candidates = self._candidates(claim, terms, pool, idf, lambda e: scope_check(q_scope, e) is None)
        if not candidates:
            return _verdict(claim, "not_found", [], (), lang)
        label, evidence, compared, note = weigh(claim, q_scope, candidates, self.min_coverage, _judge)  # scope-aware
        return _verdict(claim, label, evidence, compared, lang, note)

    def _candidates(self, claim: str, terms: list[str], hits: list[Hit], idf, in_scope=None) -> list[Evidence]:
        """Clause windows with their term coverage; with an embedder, the best in scope (and a few others, to tell
        where else a figure stands) get a dense score."""
        weights = {t: idf(t) for t in terms}
        total = sum(weights.values()) or 1.0
        claim_figs = _figures(claim)
        out = []
        for hit in hits:
            c = hit.chunk
            for s, e in split_spans(c.text, SENTENCE_ENDS, keep=""):
                clauses = list(split_spans(c.text, CLAUSE_ENDS, s, e, keep=""))
                for i in range(len(clauses)):
                    for j in range(i, min(i + 3, len(clauses))):
                        ws, we = c.start + clauses[i][0], c.start + clauses[j][1]
                        text = c.text[clauses[i][0] : clauses[j][1]]
                        context = c.section + " " + text
                        cov = sum(w for t, w in weights.items() if t in context) / total
                        if claim_figs and not _figures(text):
                            cov *= 0.8
                        cov -= 0.002 * max(0, len(text) - 40)
                        out.append(Evidence(hit, ws, we, coverage=cov, sentence=(c.start + s, c.start + e)))
        if self.embedder is not None and out:
            ranked = sorted(out, key=lambda e: -e.coverage)
            if in_scope is None:
                top = ranked[:8]
            else:
                inside = [e for e in ranked[:60] if in_scope(e)][:8]
                top = inside + [e for e in ranked[:12] if e not in inside][: 12 - len(inside)]
            qv = np.asarray(self.embedder.embed_query(claim))
            sims = np.asarray(self.embedder.embed_documents([e.text for e in top])) @ qv
            for e, sim in zip(top, sims):
                e.dense = float(sim)
            return top
        return out


def _judge(claim: str, evidence: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Compare the claim with its evidence: figures first, then rank, direction and negation."""
    compared: list[tuple[str, str]] = []
    claim_figs, ev_figs = _figures(claim), _figures(evidence)
    verdicts = []
    for cf in claim_figs:
        match = _aligned(claim, cf, evidence, ev_figs)
        if match is None:
            continue
        outcome = compare(cf, match)
        if outcome == "incomparable":
            continue
        compared.append((cf.raw, match.raw))
        verdicts.append(outcome)
    if "different" in verdicts:
        return "contradicted", tuple(compared)
    date_clash = _date_clash(claim, evidence)
    if date_clash:
        return "contradicted", (*compared, date_clash)
    claim_ranks, ev_ranks = find_ranks(claim), find_ranks(evidence)
    if claim_ranks and ev_ranks and claim_ranks[0].value != ev_ranks[0].value:
        return "contradicted", ((claim_ranks[0].raw, ev_ranks[0].raw),)
    if _direction(claim) and _direction(evidence) and _direction(claim) != _direction(evidence):
        return "contradicted", tuple(compared)
    if bool(_NEGATION.search(claim)) != bool(_NEGATION.search(evidence)):
        return "contradicted", tuple(compared)
    if claim_figs and not verdicts:
        return "not_found", tuple(compared)
    return "supported", tuple(compared)


def _aligned(claim: str, fig, evidence: str, ev_figs):
    """The evidence figure about the same thing: same kind of unit, most shared words just before it."""
    before = claim[max(0, fig.start - 12) : fig.start]
    best, best_score = None, -1.0
    for ef in ev_figs:
        if compare(fig, ef) == "incomparable":
            continue
        ctx = evidence[max(0, ef.start - 12) : ef.start]
        score = sum(1 for ch in set(before) if ch in ctx and not ch.isdigit())
        if score > best_score:
            best, best_score = ef, score
    return best


def _date_clash(claim: str, evidence: str) -> tuple[str, str] | None:
    """A month or day in the claim that the evidence gives differently (same year, other month or day)."""
    ev_dates = [d for d in find_dates(evidence) if d.month]
    for cd in (d for d in find_dates(claim) if d.month):
        same_year = [d for d in ev_dates if d.year == cd.year]
        if same_year and not any(_date_fits(cd, d) for d in same_year):
            return cd.raw, same_year[0].raw
    return None


def _date_fits(a, b) -> bool:
    return a.month == b.month and (a.day is None or b.day is None or a.day == b.day)


def _direction(text: str) -> str | None:
    up = any(w in text for w in _UP)
    down = any(w in text for w in _DOWN)
    return "up" if up and not down else "down" if down and not up else None


def _verdict(claim: str, label: str, evidence: list[Evidence], compared, lang: str, note: str = "") -> Verdict:
    cits = tuple(e.citation() for e in evidence)
    explanation = _explain(label, compared, lang, cits)
    if note and lang != "en":
        explanation = f"{explanation}{note}。"
    return Verdict(claim=claim, label=label, evidence=cits, explanation=explanation, compared=tuple(compared))


def _explain(label: str, compared, lang: str, cits) -> str:
    pairs = "；".join(f"声明 {a} ↔ 文档 {b}" for a, b in compared)
    pairs_en = "; ".join(f"claim {a} vs document {b}" for a, b in compared)
    if lang == "en":
        return {
            "supported": "The documents support this claim" + (f" ({pairs_en})." if compared else "."),
            "contradicted": "The documents contradict this claim" + (f" ({pairs_en})." if compared else "."),
            "not_found": "The documents do not mention this.",
        }[label]
    return {
        "supported": "文档支持该说法" + (f"（{pairs}）。" if compared else "。"),
        "contradicted": "文档与该说法不一致" + (f"（{pairs}）。" if compared else "。"),
        "not_found": "文档中没有找到相关内容。",
    }[label]
