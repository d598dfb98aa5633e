"""The vocabulary of scopes: years, target/outcome and framing words, regions, indicator modifiers, named documents.

Word lists are in ``assistant/data/scope_terms.json``, loaded once by :func:`terms`; :mod:`assistant.answering.scope`
builds the scopes from them.

>>> sorted(years_in("全年再减少企业税负3500亿元、涉企收费约2000亿元，2017年"))
[2017]
>>> modifiers_in("进出口总额增长3.4%")
('进出口',)
"""
from __future__ import annotations

import re
from functools import lru_cache
from assistant.zh.rules import YEAR as _YEAR, YEAR_DIGITS, data_file, years_in  # noqa: F401  (years_in re-exported)

_NAMED_DOC = re.compile(r"(" + YEAR_DIGITS + r")\s*年(度)?(?:的)?([\u4e00-\u9fff]{0,14}?(?:报告|公报|决算|预算草案))")
_NAMED_DOC_EN = re.compile(r"\b(" + YEAR_DIGITS + r")\s+((?:government\s+)?work\s+report|report)\b", re.I)
_BASE_YEAR = re.compile(r"(?:比|较|从|自|与|同)\s*(" + YEAR_DIGITS + r")\s*年|(" + YEAR_DIGITS + r")\s*年(?:以来|相比|同期)")
_BASE_RELATIVE = re.compile(r"(?:比|较|与|同|超过|高于|低于)(?:上年|去年|上一年)(?:同期)?|上年同期")
# the date a question is set in ("2020年2月，", "3月15日起"): its scope, not words its evidence must carry
_DATE_OF = re.compile(r"(?:" + YEAR_DIGITS + r"\s*年度?\s*)?(?<!\d)\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?(?:[上中下]旬|底|初|份)?"
                      r"|" + YEAR_DIGITS + r"\s*年度?")
_FIVE_YEAR = re.compile(r"[“\"]?(十[一二三四五]?五)[”\"]?(?:规划|时期|期间|计划)")


@lru_cache(maxsize=1)
def terms() -> dict:
    """The word lists (loaded once)."""
    return data_file("scope_terms.json")


def is_statement(text: str) -> bool:
    """A claim rather than a question: no question mark or question word."""
    return not re.search(r"[？?]|多少|几[个项次件人]|什么|哪|是否|吗|\b(?:how|what|which|who|when|where|why)\b", text, re.I)


@lru_cache(maxsize=8192)
def regions_in(text: str) -> tuple[str, ...]:
    """Place names a question is about: jieba's place tags and words ending in a place suffix (丙县, 示范区)."""
    t = terms()
    generic = set(t["region_generic"])
    found: list[str] = []
    if re.search(r"[\u4e00-\u9fff]", text):
        from assistant.indexing.lexical import _jieba

        _jieba()
        import jieba.posseg as pseg

        words = pseg.lcut(re.sub(YEAR_DIGITS + r"\s*年度?|\d+", "，", text))
        # jieba tags many common words as places (入口, 上岗, 东西): its tag counts for a known place name, or a
        # word that ends like one (丙县, 高新区)
        found += [w for w, flag in words if flag == "ns" and len(w) >= 2 and is_place(w)]
        suffixes = "|".join(sorted(t["region_suffixes"], key=len, reverse=True))
        lead = re.match(r"^(?:请问|那么?|在)?([\u4e00-\u9fff]{1,8}?(?:" + suffixes + r"))(?=[，,的在共有全今去是]|$)",
                        re.sub(YEAR_DIGITS + r"\s*年度?", "，", text))
        if lead:
            found.append(lead.group(1))
    else:  # "Guangdong's GDP", "in Zhejiang province": the glossary's Chinese name, or the English one
        from assistant.zh.glossary import translate

        for name in re.findall(r"\b([A-Z][a-z]{2,})(?:'s\b|\s+(?:[Pp]rovince|[Cc]ity|[Cc]ounty)\b)", text):
            if name.lower() in ("china", "the"):
                continue
            alts = translate(name)
            found.append(alts[0][0] if alts else name)
    return tuple(dict.fromkeys(r for r in found if r not in generic and not any(g == r for g in generic)))


def is_place(word: str) -> bool:
    """A place name: an administrative division of China or its short form (湖北省, 湖北, 武汉), a country or area
    of ``data/place_names.txt``, or a word with a place suffix after its name (丙县, 示范区).

    >>> is_place("武汉"), is_place("内蒙古"), is_place("丙县"), is_place("入口"), is_place("东西")
    (True, True, True, False, False)
    """
    if word in place_names():
        return True
    suffixes = terms()["region_suffixes"]
    return any(word.endswith(x) and len(word) > len(x) for x in suffixes)


@lru_cache(maxsize=1)
def place_names() -> frozenset:
    """The names of ``data/place_names.txt`` and the short forms of the divisions (湖北省 → 湖北)."""
    lines = data_file("place_names.txt")
    names = {line for line in lines if not line.startswith("@")}
    groups = sorted({g for line in lines if line.startswith("@") for g in (line[1:], line[1:].removesuffix("族"))},
                    key=len, reverse=True)  # 维吾尔族: 新疆维吾尔自治区
    ethnic = "(?:" + "|".join(groups) + ")"
    suffixes = (re.compile(rf"(?:{ethnic}族?)*自治(?:区|州|县|旗)$"),  # 恩施土家族苗族自治州: 恩施
                re.compile(r"(?:自治区|特别行政区|地区|林区|新区|矿区|省|市|县|区|盟|旗)$"))  # 内蒙古自治区: 内蒙古
    short = set()
    for name in names:
        stem = next((s for p in suffixes if (s := p.sub("", name)) != name and len(s) >= 2), name)
        if stem != name:
            short.add(stem)
    return frozenset(n for n in names | short if len(n) >= 2)


def _region_stem(region: str) -> str:
    for suffix in sorted(terms()["region_suffixes"], key=len, reverse=True):
        if region.endswith(suffix) and len(region) - len(suffix) >= 2:
            return region[: -len(suffix)]
    return region


def modifiers_in(text: str) -> tuple[str, ...]:
    """Members of the modifier groups a text carries, longest first so 进出口 is not read as 出口."""
    found, masked = [], text
    members = sorted({m for g in terms()["modifier_groups"] for m in g["members"]}, key=len, reverse=True)
    for m in members:
        if m in masked:
            found.append(m)
            masked = masked.replace(m, "　" * len(m))
    return tuple(found)


def coverage_groups(text: str, groups):
    """The term groups of a question or claim that its evidence must carry, without those its scope already
    checks: its years, its named document ("2019年政府工作报告"), target/outcome words (目标, 实际) and framing
    verbs (提出). A group is kept when any of its terms still stands in the text once those are taken out."""
    named = _NAMED_DOC.search(text) or _NAMED_DOC_EN.search(text)
    free = text[: named.start()] + " " + text[named.end():] if named else text
    words = sorted(terms()["scope_words"], key=len, reverse=True)
    masked = _YEAR.sub(" ", _DATE_OF.sub(" ", free))
    for w in words:
        masked = masked.replace(w, " ")
    scope_set = set(words)
    chinese = bool(re.search(r"[\u4e00-\u9fff]", text))
    low = masked.lower()

    def keep(group) -> bool:
        if all(t in scope_set or _YEAR.fullmatch(t) for t in group):
            return False
        if not chinese and any(t in scope_set for t in group):  # "plan" → 计划/规划/方案: the English word frames
            return False
        return not chinese or any(t.lower() in low for t in group)  # English groups come from the glossary

    kept = [g for g in groups if keep(g)]
    return kept if kept else list(groups)


def is_scope_phrase(word: str) -> bool:
    """A noun that only frames the scope: a scope word with at most two characters besides (控制目标, 实际数)."""
    return any(w in word and len(word) - len(w) <= 2 for w in terms()["scope_words"] if len(w) >= 2)


def region_conflict(chunk, context: str, asked: tuple[str, ...] = ()) -> bool:
    """A report speaks for its own area, so one that does not name the asked region is out of scope; a notice or
    news item often names its region only in its header, so it is out of scope only when it names another one.
    A region it excepts ("除湖北省外的其他省份") is not the one it speaks for, nor is one the question also asks
    about (泰州市海陵区: a sentence of 海陵区 that leaves out 泰州市).

    >>> from types import SimpleNamespace as NS
    >>> region_conflict(NS(kind="notice"), "除湖北省外，其他省份可结合实际阶段性减免企业社会保险费")
    False
    >>> region_conflict(NS(kind="notice"), "湖北省可免征中小微企业养老保险单位缴费")
    True
    >>> region_conflict(NS(kind="notice"), "可拨打海陵区审批服务热线", asked=("泰州市", "海陵区"))
    False
    """
    if getattr(chunk, "kind", "") == "report":
        return True
    stems = {_region_stem(a) for a in asked}
    return any(_region_stem(r) not in stems for r in regions_in(_EXCEPTED.sub("，", context)))


_EXCEPTED = re.compile(r"除(?:了)?[^，,。；;：:]{1,24}?(?:以外|之外|外)")
