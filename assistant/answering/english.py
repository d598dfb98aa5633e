"""English answers over Chinese documents: the figure or entity first, then the indicator's English name from the
glossary (``assistant/data/glossary_en_zh.tsv``), then the Chinese quote as the citation.

>>> english_figure_text("城镇新增就业1200万人以上")
'more than 12 million people'
>>> english_figure_text("国内生产总值增长5%左右")
'about 5%'
>>> english_name("居民消费价格")
'consumer price'
"""
from __future__ import annotations

import re
from functools import lru_cache

from assistant.zh.numbers import find_figures

_QUALIFIER = {"about": "about ", "over": "more than ", "under": "up to ", "": ""}
_UNITS = {"元": "yuan", "美元": "US dollars", "人": "people", "件": "cases", "斤": "jin", "吨": "tonnes",
          "公里": "km", "千米": "km", "个": "", "项": "items", "次": "times", "场次": "events", "人次": "person-times",
          "户": "households", "家": "enterprises", "辆": "vehicles", "个百分点": "percentage points", "所": "institutions",
          "亩": "mu", "平方公里": "square km", "万人": "people"}
_LIST_SEP = re.compile(r"[、，,；;和及与]")


@lru_cache(maxsize=1)
def _reverse() -> dict[str, str]:
    """Chinese term → the English phrase of the first glossary entry that lists it first, else any that lists it."""
    from assistant.zh.glossary import glossary

    entries, _ = glossary()
    first: dict[str, str] = {}
    anywhere: dict[str, str] = {}
    for key, alts in entries.items():
        phrase = " ".join(key)
        if alts:
            first.setdefault(alts[0], phrase)
        for a in alts:
            anywhere.setdefault(a, phrase)
    return {**anywhere, **first}


def english_name(term: str) -> str | None:
    """The glossary's English for a Chinese term, or None."""
    return _reverse().get(term.strip("“”\"《》 "))


def _amount(value: float) -> str:
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{value / size:,.4g} {word}".replace(",", "")
    return f"{value:,.10g}"


def english_figure(f) -> str:
    """A figure in English words: 1200万人以上 → more than 12 million people; 5%左右 → about 5%."""
    if f.unit in ("%",):
        body = f"{f.value:g}%"
    else:
        unit = _UNITS.get(f.unit, "")
        if f.value == 1 and unit.endswith("s") and unit not in ("US dollars", "percentage points"):
            unit = unit[:-1]  # 1 case
        body = f"{_amount(f.value)} {unit}".strip()
    return _QUALIFIER.get(f.qualifier, "") + body


def english_figure_text(text: str) -> str:
    """Every (non-year) figure of ``text`` in English, joined."""
    return "; ".join(english_figure(f) for f in find_figures(text) if not f.is_year)


def indicator_name(question: str, quotes: list[str]) -> str:
    """The English name of what the quotes measure: the question's glossary phrases whose Chinese stands in them."""
    from assistant.zh.glossary import _match, _words

    words = _words(question)
    cased = {w.lower(): w for w in re.findall(r"[A-Za-z]+", question) if w.isupper() and len(w) > 1}  # GDP, CPI
    names = []
    for s, e, alts in _match(words):
        if alts and any(a in q for a in alts for q in quotes) and not any(w.isdigit() for w in words[s:e]):
            names.append(" ".join(cased.get(w, w) for w in words[s:e]))
    return " ".join(dict.fromkeys(names))


def english_list(quote: str) -> str | None:
    """An enumeration of the quote in English when the glossary knows every item, else None."""
    body = re.sub(r"^.*?(?:包括|有|为|是|设置|推进|重点推进)[:：]?", "", quote)
    items = [i.strip("“”\"《》 。") for i in _LIST_SEP.split(body) if i.strip("“”\"《》 。")]
    if len(items) < 2:
        return None
    names = [english_name(i) for i in items]
    if not all(names):
        return None
    return ", ".join(names[:-1]) + " and " + names[-1]


def compose(question: str, figures: list, quotes: list[str], wants_list: bool = False) -> str:
    """``figures`` (numbers.Figure) and ``quotes`` (citation texts, numbered from 1) → one English answer:
    the figure or entity first, then the indicator's English name, then the Chinese quotes as citations."""
    quoted = "; ".join(f"“{q}” [{i}]" for i, q in enumerate(quotes, 1))
    marks = "".join(f"[{i}]" for i in range(1, len(quotes) + 1))
    name = indicator_name(question, quotes)
    lead = ""
    if figures:
        shown = ", ".join(f"{english_figure(f)} ({f.raw})" for f in figures)
        lead = f"{shown[0].upper()}{shown[1:]}" + (f" — {name}" if name else "") + f" {marks}. "
    elif wants_list:
        listed = next((lst for lst in map(english_list, quotes) if lst), None)
        if listed:
            lead = f"{listed[0].upper()}{listed[1:]} {marks}. "
    elif name:
        lead = f"On {name}: "
    return f"{lead}The documents state: {quoted}"
