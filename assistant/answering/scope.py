"""The scope of a sentence, a question or a claim: which document, which period, target or outcome, which subject.

Reports repeat their phrasing every year, review one year and plan the next, and give national, regional and
modified figures side by side. The answerer and the verifier share one check (:func:`check`): evidence whose scope
conflicts with the question's is not used, and the conflict says what is missing.

- **Document and its own year** (:func:`document_scope`): a 2023年政府工作报告 is delivered in 2023, reviews 2022 and
  plans 2023; a 2023年度…工作报告 (published 2024) reviews 2023 and plans 2024.
- **Period of a sentence** (:func:`sentence_scope`): its explicit years; else 今年 / 去年 / 过去五年 / 明年 relative
  to the delivery year; else a five-year plan ("十四五"); else its section (回顾 → reviewed year, 任务 → planned year);
  else the document's default.
- **Modality:** target (预期目标, 拟, 力争, a plan section) or outcome (实现了, 达到, a review section).
- **Subject:** regions (丙县, 广东省) and indicator modifiers (城镇 / 农村, 一般公共预算 / 政府性基金预算, 规模以上).

Word lists are in ``assistant/data/scope_terms.json``.

>>> q = question_scope("2022年行政机关负责人出庭应诉率是多少？")
>>> sorted(q.years), q.modality
([2022], None)
>>> question_scope("2019年政府工作报告提出的GDP增长目标是多少？").document
NamedDocument(year=2019, genre='政府工作报告', annual=False)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.answering.scope_words import (  # noqa: F401  (re-exported: the one place callers import from)
    _BASE_RELATIVE, _BASE_YEAR, _FIVE_YEAR, _NAMED_DOC, _NAMED_DOC_EN, coverage_groups, is_scope_phrase,
    is_statement, modifiers_in, region_conflict, regions_in, terms, years_in, _region_stem,
)
from assistant.zh.rules import YEAR_DIGITS


@dataclass(frozen=True)
class NamedDocument:
    """A document a question or claim names: "2019年政府工作报告" → (2019, 政府工作报告)."""

    year: int
    genre: str
    annual: bool = False  # "2023年度…报告": the year is the one reviewed, not the one delivered


@dataclass(frozen=True)
class DocumentScope:
    """A document's own year (delivered or published), the years it reviews and the years it plans."""

    year: int | None
    review: frozenset[int] = frozenset()
    plan: frozenset[int] = frozenset()
    annual: bool = False

    @property
    def years(self) -> frozenset[int]:
        return self.review | self.plan | ({self.year} if self.year else set())


@dataclass(frozen=True)
class Scope:
    """What a sentence (or question, or claim) speaks about; empty fields are unknown."""

    years: frozenset[int] = frozenset()
    modality: str | None = None  # "target" or "outcome"
    regions: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    document: NamedDocument | None = None
    role: str | None = None  # "review" or "plan": the part of the document it stands in
    multi_year: bool = False  # the sentence itself speaks of several years (过去五年, 年均, "十四五"): not one year's figure


@dataclass(frozen=True)
class Miss:
    """Why evidence is out of scope: ``kind`` (document, period, modality, region, modifier), what was asked and
    what the evidence has instead."""

    kind: str
    asked: str
    found: str = ""
    source: str = ""

    def message(self, lang: str = "zh", found: str | None = None) -> str:
        found = self.found if found is None else found
        if lang == "en":
            return {
                "document": f"The documents do not include {self.asked}" + (f" (indexed: {found})." if found else "."),
                "period": f"The documents have no figures for {self.asked}" + (f" (they cover: {found})." if found else "."),
                "modality": f"The documents give the {found} for this, not the {self.asked}.",
                "region": f"The documents say nothing about {self.asked}" + (f" (only: {found})." if found else "."),
                "modifier": f"The documents give “{found}” figures, not “{self.asked}”." if found
                else f"The documents have no “{self.asked}” figure.",
            }[self.kind]
        return {
            "document": f"文档中没有《{self.asked}》" + (f"（已收录：{found}）" if found else ""),
            "period": f"文档中没有{self.asked}的数据" + (f"（已收录：{found}）" if found else ""),
            "modality": f"文档中有{found}，没有{self.asked}",
            "region": f"文档中没有关于“{self.asked}”的内容" + (f"（只有：{found}）" if found else ""),
            "modifier": f"文档中有“{found}”的数据，没有“{self.asked}”的数据" if found else f"文档中没有“{self.asked}”的数据",
        }[self.kind]


_MODALITY_ZH = {"target": "预期目标或计划", "outcome": "实际完成情况"}
_MODALITY_EN = {"target": "target or plan", "outcome": "actual outcome"}


# -- documents --------------------------------------------------------------------------------
def document_scope(chunk) -> DocumentScope:
    """A law's or a case's version date is not a period its articles speak about: no year for them."""
    if getattr(chunk, "kind", "") in ("law", "case") or getattr(chunk, "article", 0):
        return DocumentScope(None)
    return _document_scope(chunk.title or "", chunk.date or "", chunk.source or "")


@lru_cache(maxsize=4096)
def _document_scope(title: str, date: str, source: str) -> DocumentScope:
    published = int(date[:4]) if date[:4].isdigit() else None
    annual = re.search(r"(" + YEAR_DIGITS + r")\s*年度", title) or re.search(r"关于\s*(" + YEAR_DIGITS + r")\s*年", title)
    if annual:  # 2023年度…报告 / 关于2023年…的报告: reviews 2023, plans 2024, delivered in 2024 unless the date says otherwise
        y = int(annual.group(1))
        return DocumentScope(published or y + 1, frozenset({y}), frozenset({y + 1}), annual=True)
    named = sorted(years_in(title)) or sorted(years_in(source.rsplit("/", 1)[-1]))
    year = named[-1] if named else published
    if year is None:
        return DocumentScope(None)
    if _is_work_report(title + source):  # delivered early in its year: reviews the year before, plans its own
        return DocumentScope(year, frozenset({year - 1}), frozenset({year}))
    return DocumentScope(year)


def _is_work_report(text: str) -> bool:
    return "工作报告" in text or "工作的报告" in text


def names_document(named: NamedDocument, chunk) -> bool:
    """Whether the chunk belongs to the named document (its year and its kind)."""
    doc = document_scope(chunk)
    head = (chunk.title or "") + " " + (chunk.source or "")
    if named.annual:
        year_ok = named.year in doc.review if doc.annual else named.year in years_in(head)
    else:
        year_ok = doc.year == named.year or (not doc.annual and named.year in years_in(head))
    return year_ok and _genre_fits(named.genre, head)


def _genre_fits(genre: str, head: str) -> bool:
    g, h = genre.replace("的", ""), head.replace("的", "")
    keys = sorted((k for k in terms()["document_genres"] if k in g), key=len, reverse=True)
    if keys:
        return keys[0] in h or (len(keys) > 1 and keys[1] in h and len(keys[1]) >= 4)
    return sum(1 for ch in set(g) if ch in h) >= 0.7 * len(set(g))


# -- sentences --------------------------------------------------------------------------------
def sentence_scope(chunk, sentence: str, before: str = "") -> Scope:
    """The scope of one sentence of ``chunk``; ``before`` is the text of its paragraph before it, whose last
    period ("2024年，我区将…；完善…") carries over to a sentence that names none."""
    doc = document_scope(chunk)
    section = chunk.section or ""
    heading = _role(section, doc)
    own = _period(sentence, doc) or _last_period(before, doc)
    years = own or _period(section, doc)
    multi = len(own) >= 3 or "年均" in sentence
    if not years:
        years = doc.review if heading == "review" or (doc.annual and not heading) else doc.plan if heading == "plan" \
            else frozenset()
    role = heading
    if role is None and doc.annual:
        role = "plan" if years and years <= doc.plan else "review"
    modality = _sentence_modality(sentence, heading, years, doc) if heading else \
        _cue_modality(sentence) or _sentence_modality(sentence, role, years, doc)
    return Scope(years=years, modality=modality, regions=(), role=role,
                 modifiers=modifiers_in(section + " " + sentence), multi_year=multi)


def evidence_scope(ev) -> Scope:
    c = ev.hit.chunk
    if ev.sentence == (0, 0):
        return sentence_scope(c, ev.text)
    start = ev.sentence[0] - c.start
    para = c.text.rfind("\n", 0, start) + 1
    return sentence_scope(c, ev.sentence_text, c.text[para:start])


def _last_period(text: str, doc: DocumentScope) -> frozenset[int]:
    """The period of the last sentence of ``text`` that names one."""
    from assistant.zh.spans import SENTENCE_ENDS, split_spans

    for s, e in reversed(list(split_spans(text, SENTENCE_ENDS))):
        found = _period(text[s:e], doc)
        if found:
            return found
    return frozenset()


def _period(text: str, doc: DocumentScope) -> frozenset[int]:
    explicit = years_in(text)
    if explicit:
        base = {int(a or b) for a, b in _BASE_YEAR.findall(text)}
        if explicit <= base and doc.year:  # "比2012年增长…": about the sentence's own period, against a base year
            return frozenset(explicit | (_relative(text, doc) or doc.review or {doc.year}))
        return frozenset(explicit)
    rel = _relative(text, doc)
    if rel:
        return rel
    m = _FIVE_YEAR.search(text)
    if m and m.group(1) in terms()["five_year_plans"]:
        first = terms()["five_year_plans"][m.group(1)]
        return frozenset(range(first, first + 5))
    return frozenset()


def _relative(text: str, doc: DocumentScope) -> frozenset[int]:
    if not doc.year:
        return frozenset()
    out: set[int] = set()
    masked = _BASE_RELATIVE.sub("　", text)  # "比上年提高": the year before is the base, not the period
    for word, a, b in sorted(terms()["relative_periods"], key=lambda r: -len(r[0])):
        if word in masked:
            out |= set(range(doc.year + a, doc.year + b + 1))
            masked = masked.replace(word, "　")
    return frozenset(out)


def _role(section: str, doc: DocumentScope | None = None) -> str | None:
    """review or plan, by the top heading's words, else by the year it names ("三、2014年重点工作": the plan)."""
    t = terms()
    top = section.split(" > ")[0]
    if any(w in top for w in t["review_headings"]):
        return "review"
    if any(w in top for w in t["plan_headings"]) or "今年" in top:
        return "plan"
    named = years_in(top)
    if doc is not None and named and not doc.annual:
        if named <= doc.review:
            return "review"
        if named & doc.plan:
            return "plan"
    return None


def _sentence_modality(sentence: str, role: str | None, years: frozenset[int], doc: DocumentScope) -> str | None:
    """Target or outcome by the part of the document: a review states outcomes even where it names the target it
    beat; a plan-part sentence about the reviewed year is an outcome."""
    if role == "plan":
        return "outcome" if years and years <= doc.review else "target"
    if role == "review":
        return "target" if years and years <= doc.plan and not years & doc.review else "outcome"
    return None


def _cue_modality(sentence: str) -> str | None:
    """Target or outcome by the sentence's own words (拟, 力争 / 实现了, 完成了)."""
    t = terms()
    if any(w in sentence for w in t["target_strong"]):
        return "target"
    if any(w in sentence for w in t["outcome_strong"]):
        return "outcome"
    return None


# -- questions and claims ---------------------------------------------------------------------
@lru_cache(maxsize=512)  # a Scope is frozen; the retriever and the answerer both read each question's
def question_scope(text: str) -> Scope:
    """The scope a question or a claim asks about: the document named, its years, modality, regions, modifiers."""
    named, m = None, _NAMED_DOC.search(text)
    rest = text
    if m:
        named = NamedDocument(int(m.group(1)), m.group(3), annual=bool(m.group(2)))
        rest = text[: m.start()] + text[m.end():]
    elif (en := _NAMED_DOC_EN.search(text)):
        named = NamedDocument(int(en.group(1)), "政府工作报告" if "work" in en.group(2).lower() else "报告")
        rest = text[: en.start()] + text[en.end():]
    years = frozenset(years_in(rest))
    return Scope(years=years, modality=_question_modality(text), regions=regions_in(rest),
                 modifiers=modifiers_in(text), document=named)


def claim_scope(text: str) -> Scope:
    """A claim's scope: as a question's, but a dated claim with no word of a target states an outcome
    ("2022年国内生产总值增长3%" is not checked against 2022's target)."""
    q = question_scope(text)
    if q.modality is None and q.years and q.document is None:
        from dataclasses import replace

        return replace(q, modality="outcome")
    return q


def _question_modality(text: str) -> str | None:
    t = terms()
    low = text.lower()
    words = set(re.findall(r"[a-z]+", low))
    hit = lambda w: (w in words) if w.isascii() else (w in text)  # noqa: E731
    if any(hit(w) for w in t["question_target"]):
        return "target"
    if any(hit(w) for w in t["question_outcome"]):
        return "outcome"
    return None


def document_in_scope(q: Scope, chunk) -> bool:
    """Whether any sentence of ``chunk``'s document may be in the question's scope (a cheap pre-filter)."""
    if q.document is not None:
        return names_document(q.document, chunk)
    if q.years:
        have = document_scope(chunk).years
        return not have or bool(have & q.years)
    return True


# -- the shared check -------------------------------------------------------------------------
def check(q: Scope, ev) -> Miss | None:
    """Why evidence ``ev`` (an :class:`~assistant.types.Evidence`) is out of the question's scope, or None."""
    chunk = ev.hit.chunk
    if q.document is not None and not names_document(q.document, chunk):
        asked = f"{q.document.year}年{'度' if q.document.annual else ''}{q.document.genre}"
        return Miss("document", asked, _doc_name(chunk), chunk.source)
    sentence = ev.sentence_text if ev.sentence != (0, 0) else ev.text
    s = evidence_scope(ev)
    if q.years:
        doc = document_scope(chunk)
        have = s.years or doc.years
        if have and not (have & q.years):
            return Miss("period", _years(q.years), _years(have), chunk.source)
        if len(q.years) == 1 and s.multi_year:  # a five-year average is not the year's figure
            return Miss("period", _years(q.years), _years(have) + ("（年均）" if "年均" in sentence else ""), chunk.source)
    if q.modality and s.modality and q.modality != s.modality:
        return Miss("modality", _MODALITY_ZH[q.modality], _MODALITY_ZH[s.modality], chunk.source)
    context = " ".join((chunk.title or "", chunk.section or "", sentence, chunk.source or ""))
    for region in q.regions:
        if region not in context and _region_stem(region) not in context and region_conflict(chunk, context, q.regions):
            return Miss("region", region, "", chunk.source)
    miss = _modifier_miss(q.modifiers, (chunk.section or "") + " " + sentence)
    if miss:
        return Miss("modifier", miss[0], miss[1], chunk.source)
    return None


def extra_modifiers(q: Scope, text: str) -> int:
    """Modifiers ``text`` adds from groups the question names none of (中央财政赤字 for 财政赤字): a weaker fit."""
    have = set(modifiers_in(text))
    n = 0
    for group in terms()["modifier_groups"]:
        members = set(group["members"])
        if not members & set(q.modifiers) and have & members and not group["required"]:
            n += 1
    return n


def _modifier_miss(asked: tuple[str, ...], context: str) -> tuple[str, str] | None:
    have = set(modifiers_in(context))
    for group in terms()["modifier_groups"]:
        members = group["members"]
        for m in (a for a in asked if a in members):
            if m in have:
                continue
            others = [o for o in members if o in have and o != m]
            if others or group["required"]:
                return m, (others[0] if others else "")
    return None


def _years(years) -> str:
    ys = sorted(years)
    if len(ys) > 2 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}—{ys[-1]}年"
    return "、".join(f"{y}年" for y in ys)


def _doc_name(chunk) -> str:
    """The title, or the file name when the title names no year ("政府工作报告")."""
    title = (chunk.title or "").strip()
    if title and years_in(title):
        return title
    stem = (chunk.source or "").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem if years_in(stem) or not title else title


def missing_note(misses: list[Miss], lang: str = "zh") -> str | None:
    """One sentence saying what is missing, from the misses of the nearest evidence (most frequent kind first)."""
    if not misses:
        return None
    order = ("document", "region", "modifier", "period", "modality")
    kind = min((m.kind for m in misses), key=order.index)
    same = [m for m in misses if m.kind == kind]
    first = same[0]
    if kind in ("document", "period", "region"):
        found = []
        for m in same:
            for part in (m.found.split("、") if kind == "period" else [m.found]):
                if part and part not in found:
                    found.append(part)
        shown = "、".join(sorted(found)[:6]) if kind == "period" else "、".join(found[:4])
        if lang == "en" and kind == "modality":
            shown = ""
        return first.message(lang, shown)
    if lang == "en" and kind == "modality":
        rev = {v: k for k, v in _MODALITY_ZH.items()}
        return Miss(kind, _MODALITY_EN[rev[first.asked]], _MODALITY_EN[rev[first.found]]).message("en")
    return first.message(lang)
