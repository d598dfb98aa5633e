"""Reading a question: its language, whether it asks for a figure or a list, the units and terms it names.

>>> q = analyze("2023年办理了多少件政府信息公开申请？")
>>> q.language, q.wants_number, q.units
('zh', True, ('件',))
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.indexing.lexical import tokenize
from assistant.zh.rules import COUNTED_UNITS

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_NUMBER_ASK_ZH = re.compile(r"多少|(?<!哪)几|百分之|比例|比重|比率|[^效]率[是为达]?(?:多少|几|$)|数量|总数|总量|规模|增长|增幅|下降|排名|第几")
_FIGURE_NOUNS = r"(?:rate|ratio|number|percentage|share|total|amount|proportion|growth|count|size|level|figure|value|sum)s?"
_NUMBER_ASK_EN = re.compile(
    r"\bhow (?:many|much|often|long|large|big|high|fast|low)\b|\bwhat (?:was|is|were|are) the (?:[\w-]+ )*?"
    + _FIGURE_NOUNS + r"\b|\b(?:what|which) (?:[\w-]+ ){0,4}?" + _FIGURE_NOUNS + r"\b|\bpercent|\brate\b|\bnumber of\b"
    r"|\bgrowth\b|\brank",
    re.I,
)
_LIST_ASK = re.compile(r"哪些|有什么|包括什么|包括哪|都有|几个方面|\bwhat are\b|\bwhich\b.*\b(?:areas|measures|problems|zones)\b|\blist\b", re.I)
# A unit named right after the question word: 多少件, 几次, 多少场次 …
_UNIT_AFTER_ASK = re.compile(r"(?:多少|几)(场次|人次|万元|亿元|个百分点|件|人|次|场|个|条|项|家|所|名|本|份|元|天|年|批|户|篇|期|宗|起|部|处)")
_UNIT_NOUN = re.compile(rf"(?:多少|几)(?:{COUNTED_UNITS})([\u4e00-\u9fff]{{1,2}})")
_QUESTION_PHRASE = re.compile(r"多长时间|多少时间|多长|多久|多大|多高|多远|何时|几时|什么时候|什么时间|哪一天|为什么|为何|怎么样|怎样|如何")
_RANK_ASK = re.compile(r"第几|排名|排第|名次|位列|\brank|\bplace[ds]?\b", re.I)
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,9}\b|(?<![A-Za-z])[A-Za-z]{2,}(?![A-Za-z])")
_EN_UNITS = [
    (re.compile(r"\brate|percent|percentage|proportion|share\b", re.I), "%"),
    (re.compile(r"\bcases?\b|\bapplications?\b|\bmatters?\b|\bitems?\b", re.I), "件"),
    (re.compile(r"\bpeople|persons?|individuals?|staff\b", re.I), "人"),
    (re.compile(r"\btimes\b|\bmeetings?\b|\bsessions?\b", re.I), "次"),
    (re.compile(r"\bevents?\b|\bactivities\b|\bcampaigns?\b", re.I), "场次"),
]


@dataclass(frozen=True)
class Question:
    """What the answerer needs to know about a question."""

    text: str
    language: str  # "zh" or "en"
    wants_number: bool
    wants_list: bool
    units: tuple[str, ...]
    asks: int  # how many figures it asks for (两个“多少” → 2)
    terms: tuple[str, ...]  # content tokens, longest first (for English: the Chinese glossary terms)
    wants_rank: bool = False  # 第几 / 排名 / what rank
    nouns: tuple[str, ...] = ()  # the noun after a counter: 多少个村 → 村
    # acronyms and Latin names the evidence must contain, each with the Chinese terms that stand for it (GDP:
    # 国内生产总值 …): one of each group must be there
    required: tuple[tuple[str, ...], ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()  # terms with their alternatives; any one counts as present
    unknown: tuple[str, ...] = ()  # English content words the glossary cannot map (counted as not found)
    names: tuple[str, ...] = ()  # the nouns a Chinese question is about (联合国, 火星基地): the documents must use them


def language_of(text: str) -> str:
    """'en' when Latin letters clearly outnumber Chinese characters, else 'zh'."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return "en" if latin > 3 * cjk and latin >= 3 else "zh"


def wants_number_in(text: str, lang: str | None = None) -> bool:
    """Whether a question asks for a figure (多少, 比例, how many, what … rate), without the rest of :func:`analyze`."""
    return bool((_NUMBER_ASK_ZH if (lang or language_of(text)) == "zh" else _NUMBER_ASK_EN).search(text))


def analyze(text: str) -> Question:
    lang = language_of(text)
    units: list[str] = []
    if lang == "zh":
        wants_number = wants_number_in(text, lang)
        units = _UNIT_AFTER_ASK.findall(text)
        if re.search(r"率|比例|比重|百分", text):
            units.append("%")
        asks = max(1, len(re.findall(r"多少|(?<!哪)几", text)))
    else:
        wants_number = wants_number_in(text, lang)
        units = [u for pattern, u in _EN_UNITS if pattern.search(text)]
        asks = max(1, len(re.findall(r"\bhow (?:many|much)\b", text, re.I)))
    # question phrases are not content (多长时间 would add 长时间 and 时间 as terms no answer carries)
    terms = sorted(set(tokenize(_QUESTION_PHRASE.sub("，", text))), key=lambda t: (-len(t), t))
    groups = tuple((t,) for t in terms)
    if lang == "en":  # English questions over Chinese documents: match through the domain glossary
        from assistant.zh.glossary import english_terms, translate

        groups = tuple(g for g in translate(text) if g)
        terms = sorted({alt for g in groups for alt in g}, key=lambda t: (-len(t), t))
        unknown = tuple(english_terms(text))
    else:
        unknown = ()
    if _RANK_ASK.search(text):  # 排名 / 名次 ask for the rank; the evidence says 位列第三
        groups = tuple(g for g in groups if not any(t in ("排名", "名次", "第几") for t in g))
        terms = [t for t in terms if t not in ("排名", "名次", "第几")]
    # Latin words inside a Chinese question are names the evidence must carry (English ones go through the glossary)
    required = tuple(_latin_alternatives(m) for m in dict.fromkeys(_ACRONYM.findall(text))) if lang == "zh" else ()
    names = _nouns(text) if lang == "zh" else ()
    return Question(
        text=text, language=lang, wants_number=wants_number, wants_list=bool(_LIST_ASK.search(text)),
        units=tuple(dict.fromkeys(units)), asks=asks, terms=tuple(terms),
        wants_rank=bool(_RANK_ASK.search(text)), nouns=tuple(_UNIT_NOUN.findall(text)), required=required,
        groups=groups, unknown=unknown, names=names,
    )


def _latin_alternatives(word: str) -> tuple[str, ...]:
    """A Latin word of a Chinese question and the Chinese terms the glossary gives for it, lower-cased.

    >>> "国内生产总值" in _latin_alternatives("GDP")
    True
    """
    from assistant.zh.glossary import translate

    return tuple(dict.fromkeys([word.lower(), *(t.lower() for group in translate(word) for t in group)]))


# Nouns that frame a question rather than name its subject ("计划建立什么机制", "存在哪些问题").
_FRAMING = frozenset(
    "计划 目标 情况 措施 举措 方面 内容 方式 做法 成效 成果 数量 规模 问题 工作 方法 原因 结果 要求 任务 重点 "
    "时间 时候 年度 年份 地方 部门 单位 机构 人员 对象 项目 事项 条件 标准 程度 水平 比例 总数 总量 名次 排名 "
    "特点 特征 职责 职能 性格 含义 意义 作用 功能 用途 产地 来源 影响 优势 区别 名称 别名 类型 种类 形式 依据".split()
)
_NAME_TAGS = ("nr", "ns", "nt", "nz", "nrt", "nrfg")  # people, places, organisations, other proper names
# what the question asks (多长时间, 哪些方面), which jieba may tag as a noun: never a name the documents must use
_INTERROGATIVE = re.compile(r"^(?:多(?:长|少|久|大|高|远|重)|几[个种项次天年月日类家条名批]|哪|什么|怎|如何|何(?:时|地|种|处))")


def _nouns(text: str) -> tuple[str, ...]:
    """Proper names, and common nouns of three or more characters, that are not question-framing words."""
    from assistant.indexing.lexical import _jieba

    _jieba()
    import jieba.posseg as pseg

    return tuple(dict.fromkeys(
        w for w, flag in pseg.lcut(text)
        if ((flag in _NAME_TAGS and len(w) >= 2) or (flag == "n" and len(w) >= 3))
        and w not in _FRAMING and "的" not in w and not _INTERROGATIVE.match(w)
    ))


def lexical_query(text: str) -> list[str]:
    """BM25 tokens for a question; an English question also gets the Chinese terms its words stand for."""
    tokens = tokenize(text)
    if language_of(text) == "en":
        from assistant.answering.scope_words import coverage_groups
        from assistant.zh.glossary import translate

        # the Chinese of the content words only: "the 2022 government work report" and "plan" are the scope,
        # which the retriever and the answerer check; as words they would rank the report's every heading first
        tokens += tokenize(" ".join(alt for group in coverage_groups(text, translate(text)) for alt in group))
    return tokens
