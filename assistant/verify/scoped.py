"""Scope-aware verdicts: a claim is judged only on evidence of its own document, period, modality and subject.

- Several in-scope candidates are weighed: the claim is *supported* when one of the best carries its figures and
  words; *contradicted* when the best gives another figure for the same scope, or reverses the statement
  (direction, comparison, continuation, negation: see :func:`reversal`).
- A figure found only in another period, document or subject never makes a claim *supported*: it is
  *contradicted* when the claim's own scope has a different figure, *not found* when that scope says nothing.
- The explanation names the scopes compared.
"""
from __future__ import annotations

from assistant.answering import scope as scopes
from assistant.types import Evidence

_TOP = 3  # in-scope candidates weighed
_MARGIN = 0.15  # how far below the best a candidate may rank and still be weighed


def rank_key(e: Evidence) -> tuple[float, int]:
    return (e.coverage + 0.3 * e.dense, -len(e.text))


def weigh(claim: str, q: scopes.Scope, candidates: list[Evidence], min_coverage: float,
          judge) -> tuple[str, list[Evidence], tuple, str]:
    """(label, evidence shown, figures compared, scope note) for ``claim`` of scope ``q``
    (:func:`~assistant.answering.scope.claim_scope`); ``judge(claim, text)`` compares one evidence text with the
    claim (figures, dates, ranks, direction, negation)."""
    inside, outside = [], []
    for e in sorted(candidates, key=rank_key, reverse=True):
        miss = scopes.check(q, e)
        (inside if miss is None else outside).append((e, miss))
    strong_in = [e for e, _m in inside if e.coverage >= min_coverage]
    strong_out = [(e, m) for e, m in outside if e.coverage >= min_coverage]
    if strong_in:
        best = strong_in[0]
        weighed = [e for e in strong_in[:_TOP] if rank_key(e)[0] >= rank_key(best)[0] - _MARGIN]
        judged = [(e, *_judge(claim, e, judge)) for e in weighed]
        for e, label, compared in judged:
            if label == "supported" and (compared or not _has_figures(claim)):
                return "supported", [e], compared, _scope_note(q, e)
        e, label, compared = judged[0]
        if label == "supported":  # no figure of the claim to compare: the best evidence decides
            return label, [e], compared, _scope_note(q, e)
        elsewhere = _found_elsewhere(claim, strong_out, judge)
        note = _scope_note(q, e)
        if label == "contradicted" and elsewhere is not None:
            note += f"；声明中的数字见于{_where(elsewhere[0], elsewhere[1])}"
            return label, [e, elsewhere[0]], compared, note
        return label, [e], compared, note
    elsewhere = _found_elsewhere(claim, strong_out, judge)
    if elsewhere is not None:  # the claimed figure belongs to another scope and its own scope says nothing
        e, miss = elsewhere
        return "not_found", [e], (), f"{miss.message('zh')}；声明中的数字见于{_where(e, miss)}"
    shown = [inside[0][0]] if inside else [outside[0][0]] if outside else []
    return "not_found", shown, (), ""


def _judge(claim: str, e: Evidence, judge) -> tuple[str, tuple]:
    label, compared = judge(claim, e.text)
    if label == "supported" and any(_stated_differently(a, b) for a, b in compared):
        return "contradicted", compared
    if label == "supported":
        reversed_ = reversal(claim, e.text)
        if reversed_:
            return "contradicted", (*compared, reversed_)
    return label, compared


def _stated_differently(claim_raw: str, evidence_raw: str) -> bool:
    """Two figures with the same qualifier and another value (6%左右 vs 5.5%左右): approximate ranges may overlap,
    but a stated target or outcome is one figure."""
    from assistant.zh.numbers import find_figures

    a, b = find_figures(claim_raw), find_figures(evidence_raw)
    if len(a) != 1 or len(b) != 1 or a[0].unit != b[0].unit or a[0].qualifier != b[0].qualifier:
        return False
    return abs(a[0].value - b[0].value) > 1e-9 * max(1.0, abs(b[0].value))


def _found_elsewhere(claim: str, outside: list, judge):
    """The best out-of-scope evidence whose figures agree with the claim, with why it is out of scope."""
    if not _has_figures(claim):
        return None
    for e, miss in outside[:_TOP * 2]:
        label, compared = judge(claim, e.text)
        if label == "supported" and compared:
            return e, miss
    return None


def _has_figures(text: str) -> bool:
    from assistant.zh.numbers import find_figures

    return any(not f.is_year for f in find_figures(text))


def reversal_words() -> frozenset[str]:
    """Every word of the reversal pairs (上涨, 下降, 高于, 首次 …)."""
    pairs = scopes.terms()["reversals"]
    return frozenset(w for kind in ("direction", "comparative", "continuation") for p in pairs[kind] for w in p)


def reversal(claim: str, evidence: str) -> tuple[str, str] | None:
    """A direction, comparative or continuation word of the claim whose counterpart the evidence says instead
    (上涨 ↔ 下降, 高于 ↔ 低于, 首次 ↔ 继续), as (claim word, evidence word)."""
    pairs = scopes.terms()["reversals"]
    for a, b in (p for kind in ("direction", "comparative", "continuation") for p in pairs[kind]):
        for x, y in ((a, b), (b, a)):
            if x in claim and y in evidence and x not in evidence and y not in claim:
                return x, y
    return None


def _describe(s: scopes.Scope, chunk=None) -> str:
    parts = []
    if chunk is not None:
        parts.append(f"《{(chunk.title or chunk.source).strip()}》")
    if s.years:
        parts.append(scopes._years(s.years))
    if s.modality:
        parts.append(scopes._MODALITY_ZH[s.modality])
    return " ".join(parts) or "未限定"


def _scope_note(q: scopes.Scope, e: Evidence) -> str:
    claim_side = _describe(q) if not q.document else f"《{q.document.year}年{q.document.genre}》 " + _describe(q)
    return f"比对范围：声明 {claim_side} ↔ 文档 {_describe(scopes.evidence_scope(e), e.hit.chunk)}"


def _where(e: Evidence, miss: scopes.Miss) -> str:
    s = scopes.evidence_scope(e)
    return _describe(s, e.hit.chunk) + (f"（{miss.message('zh')}）" if miss.kind != "period" else "")
