"""The shape of answer a question wants: a figure, a date, an entity, a list, a measure, a condition, yes/no, a definition.

Span selection (:mod:`assistant.answering.span_select`) uses it to decide how far an answer runs: a figure is led
with, a measure or a list runs across clauses, sentences and enumeration items, an entity or a date stays short.
The word lists are data (``assistant/data/answer_shapes.toml``), loaded once here.

>>> shape_of(analyze("陕西省在援企稳岗方面有哪些举措？"))
'measure'
>>> shape_of(analyze("泰州市海陵区审批服务热线是多少？"))
'figure'
>>> shape_of(analyze("哪个部门负责重点保障企业名单管理？"))
'entity'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.answering.question import Question, analyze  # noqa: F401  (analyze: the doctests)
from assistant.zh.rules import data_file

SHAPES = ("figure", "date", "entity", "list", "measure", "condition", "yesno", "definition", "fact")
# shapes whose answer may run across clauses, sentences and enumeration items
LONG_SHAPES = frozenset({"list", "measure", "condition"})


@dataclass(frozen=True)
class ShapeRules:
    """The compiled contents of answer_shapes.toml."""

    order: tuple[tuple[str, re.Pattern], ...]
    not_figure: re.Pattern
    boilerplate: re.Pattern
    signature: re.Pattern
    ask_words: re.Pattern
    focus_chars: int
    framing_verbs: frozenset  # verbs that frame what is asked (提出了什么要求): never a focus term
    items: tuple[tuple[str, re.Pattern], ...]  # numbering styles by kind
    announce: re.Pattern
    heading_max_chars: int
    heading_kinds: frozenset
    list_max_chars: int
    fact_max_chars: int


@lru_cache(maxsize=1)
def rules() -> ShapeRules:
    """The shape patterns and clause marks, read once from the package data."""
    raw = data_file("answer_shapes.toml")
    shapes, marks = raw["shapes"], raw["marks"]
    unknown = [name for name in raw["order"] if name not in SHAPES or name not in shapes]
    if unknown:
        raise ValueError(f"answer_shapes.toml: unknown shape(s) in order: {', '.join(unknown)}")
    return ShapeRules(
        order=tuple((name, re.compile(shapes[name])) for name in raw["order"]),
        not_figure=re.compile(raw["not_figure"]),
        boilerplate=re.compile(raw["boilerplate"], re.M),
        signature=re.compile(raw["signature"]),
        ask_words=re.compile(raw["ask_words"]),
        focus_chars=int(raw["focus_chars"]),
        framing_verbs=frozenset(raw["framing_verbs"]),
        items=tuple((kind, re.compile(p)) for kind, p in marks["item"].items()),
        announce=re.compile(marks["announce"]),
        heading_max_chars=int(marks["heading_max_chars"]),
        heading_kinds=frozenset(marks["heading_kinds"]),
        list_max_chars=int(marks["list_max_chars"]),
        fact_max_chars=int(marks["fact_max_chars"]),
    )


def shape_of(q: Question) -> str:
    """The answer shape ``q`` asks for; ``fact`` when nothing more specific is asked (and for English questions
    other than figures and lists, which keep the answerer's clause windows)."""
    if (q.wants_number or q.wants_rank) and not (q.language == "zh" and rules().not_figure.search(q.text)):
        return "figure"
    if q.language != "zh":
        return "list" if q.wants_list else "fact"
    for name, pattern in rules().order:
        if pattern.search(q.text):
            return name
    return "list" if q.wants_list else "fact"


# the departments in charge of the item before, in brackets, that a sentence split leaves in front of the next
# item ("（省商务厅、省财政厅） 4.全力做好春耕备播。"); not an item mark such as （四）
_LEAD_NOTE = re.compile(r"^\s*[（(](?![一二三四五六七八九十百零〇\d]{1,4}[）)])[^（）()]{2,80}[）)]\s*")


def item_kind(text: str) -> str | None:
    """The numbering style a clause or sentence opens with (``shi`` for 一是…, ``paren`` for （二）…, ``digit`` for
    3.…), or None when it opens no enumeration item.

    >>> item_kind("（省商务厅、省财政厅） 4.全力做好春耕备播。"), item_kind("（四）加强监管。")
    ('digit', 'paren')
    """
    head = _LEAD_NOTE.sub("", text.lstrip())
    return next((kind for kind, pattern in rules().items if pattern.match(head)), None)


def is_item(text: str) -> bool:
    """Whether a clause or sentence opens an enumeration item (一是… / （二）… / 3.… / ①…)."""
    return item_kind(text) is not None


def is_heading(text: str) -> bool:
    """A numbered heading: an item mark and a short title ("4.补贴小微企业研发成本。", "（十八）依法加强权益保障。")."""
    body = _LEAD_NOTE.sub("", text.strip()).rstrip("。：:")
    return item_kind(body) in rules().heading_kinds and len(body) <= rules().heading_max_chars and not re.search(r"[，,；;]", body)


def announces(text: str) -> bool:
    """Whether a clause ends by announcing what follows ("具体包括", "现公布如下", "即")."""
    return bool(rules().announce.search(text.rstrip("：:，,— \u3000")))


def is_boilerplate(text: str) -> bool:
    """A notice's preamble, addressee line, closing or signature ("现就有关事项通知如下", "各区人民政府：")."""
    return bool(rules().boilerplate.search(text)) or is_signature(text)


def is_signature(text: str) -> bool:
    """A text that ends with a notice's signature: the issuing body and its date ("某某局 2020年2月2日").

    >>> is_signature("泰州市某区行政审批局 2020年2月2日"), is_signature("自2020年2月22日起撤销交通卡口。")
    (True, False)
    """
    return bool(rules().signature.search(text.rstrip()))


def focus_terms(q: Question) -> tuple[str, ...]:
    """The question's terms that stand right before or after its question word (the thing asked about).

    >>> focus_terms(analyze("网络云平台何时开通？"))
    ('平台', '开通')
    """
    n = rules().focus_chars
    near = "".join(q.text[max(0, m.start() - n) : m.end() + n] for m in rules().ask_words.finditer(q.text))
    asked = {m.group(0) for m in rules().ask_words.finditer(q.text)}
    from assistant.answering.question import _FRAMING  # 措施, 要求, 方面…: they say the shape, not the thing asked about
    from assistant.answering.scope_words import is_place

    # a place (贵州如何…) names the notice's region, not the thing asked about; a framing verb (提出了什么要求) the shape
    verbs = rules().framing_verbs
    return tuple(t for t in q.terms if len(t) >= 2 and t in near and t not in _FRAMING and t not in verbs
                 and not is_place(t) and not any(a in t for a in asked)
                 and not any(t != u and t in u and u in near for u in q.terms))
