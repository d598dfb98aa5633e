"""English-to-Chinese domain glossary: turns an English question into the Chinese terms its phrases stand for."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[a-z0-9]+(?:[&.][a-z0-9]+)*(?:'[a-z]+)?")
_ARTICLE = {"article": "条", "chapter": "章", "section": "节", "paragraph": "款", "subparagraph": "项", "part": "编"}
_IRREGULAR = {"children": "child", "women": "woman", "men": "man", "lives": "life", "wives": "wife",
              "analyses": "analysis", "criteria": "criterion", "bases": "basis", "crises": "crisis",
              "won": "win", "lost": "lose", "sold": "sell", "bought": "buy", "paid": "pay", "held": "hold",
              "made": "make", "built": "build", "began": "begin", "begun": "begin", "rose": "rise", "risen": "rise",
              "fell": "fall", "fallen": "fall", "grew": "grow", "grown": "grow", "brought": "bring", "took": "take",
              "taken": "take", "gave": "give", "given": "give", "led": "lead", "met": "meet", "sent": "send",
              "spent": "spend", "found": "find", "heard": "hear", "rebuilt": "rebuild", "thrown": "throw",
              "threw": "throw"}
_IS = re.compile(r"is(e|ed|es|ing|ation|ations)$")
_SPELLING = {"labour": "labor", "defence": "defense", "offence": "offense", "licence": "license", "centre": "center",
             "programme": "program", "judgement": "judgment", "neighbourhood": "neighborhood", "favour": "favor"}
STOPWORDS = frozenset(
    "a an the of in on at to for from by with without about as into onto over under above below up down out off "
    "and or but nor not no so than then too very also just only both either neither each every any all some is "
    "are was were be been being am do does did done doing has have had having will would shall should can could "
    "may might must this that these those there here it its it's they them their theirs he him his she her we us "
    "our ours you your yours i me my mine who whom whose which what when where why how whether if many much more "
    "most less least few several such same other another own please tell give show according regarding "
    "concerning during since until while after before between among through via get got let within long large "
    "become keep happen happens happened one two three four five six seven eight nine ten undergo underwent "
    "undergone say said mention mentioned don't doesn't didn't isn't aren't wasn't weren't what's".split()
)


def _forms(word: str) -> list[str]:
    """The word itself, then candidate lemmas, also of its -ize spelling (organised -> organize), most likely first."""
    ize = _IS.sub(r"iz\1", word)
    return list(dict.fromkeys(_lemmas(word) + (_lemmas(ize) if ize != word else [])))


def _lemmas(word: str) -> list[str]:
    """The word, then candidate lemmas (possessive, plural, -ed, -ing), most likely first."""
    forms = [word]
    if word.endswith("'s"):
        word = word[:-2]
        forms.append(word)
    if word in _IRREGULAR:
        forms.append(_IRREGULAR[word])
    if len(word) > 3:
        if word.endswith("ies"):
            forms.append(word[:-3] + "y")
        if word.endswith("s") and not word.endswith("ss"):
            forms.append(word[:-1])
        if word.endswith("es"):
            forms.append(word[:-2])
        if word.endswith("ied"):
            forms.append(word[:-3] + "y")
        if word.endswith("ed"):
            forms += [word[:-1], word[:-2]]
            if word[-3] == word[-4]:
                forms.append(word[:-3])
        if word.endswith("ing") and len(word) > 5:
            forms += [word[:-3], word[:-3] + "e"]
            if word[-4] == word[-5]:
                forms.append(word[:-4])
    return forms


def _words(text: str) -> list[str]:
    """Lower-cased words, hyphens split, British spellings made American (labour -> labor)."""
    words = _WORD.findall(text.lower().replace("\u2019", "'").replace("-", " "))
    return [next((us + w[len(uk):] for uk, us in _SPELLING.items() if w.startswith(uk)), w) for w in words]


@lru_cache(maxsize=1)
def glossary() -> tuple[dict[tuple[str, ...], tuple[str, ...]], frozenset[tuple[str, ...]]]:
    """The parsed TSV: {english word tuple: Chinese alternatives}, and the set of all key prefixes."""
    text = resources.files("assistant").joinpath("data/glossary_en_zh.tsv").read_text(encoding="utf-8")
    entries: dict[tuple[str, ...], tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, _, chinese = line.partition("\t")
        key = tuple(_words(english))
        alternatives = tuple(dict.fromkeys(a.strip() for a in chinese.split("|") if a.strip()))
        if key and alternatives:
            entries.setdefault(key, alternatives)
    prefixes = frozenset(k[:i] for k in entries for i in range(1, len(k) + 1))
    return entries, prefixes


def _cn_number(n: int) -> str:
    """Chinese numeral as law texts write article numbers: 3 -> 三, 15 -> 十五, 105 -> 一百零五."""
    digits, units = "零一二三四五六七八九", ["", "十", "百", "千"]
    if n < 20:
        return ("十" if n >= 10 else "") + (digits[n % 10] if n % 10 or n < 10 else "")
    out, zero = "", False
    for power in range(len(str(n)) - 1, -1, -1):
        d = n // 10**power % 10
        if d:
            out += ("零" if zero else "") + digits[d] + units[power]
            zero = False
        elif out:
            zero = True
    return out


def _match(words: list[str]) -> list[tuple[int, int, tuple[str, ...] | None]]:
    """Greedy longest-first matches as (start, end, alternatives); alternatives None for an unmatched word."""
    entries, prefixes = glossary()
    forms = [_forms(w) for w in words]
    out, i = [], 0
    while i < len(words):
        part = next((f for f in forms[i] if f in _ARTICLE), None)
        if part and i + 1 < len(words) and words[i + 1].isdigit() and 0 < int(words[i + 1]) < 10000:
            out.append((i, i + 2, (f"第{_cn_number(int(words[i + 1]))}{_ARTICLE[part]}",)))
            i += 2
            continue
        best: tuple[int, tuple[str, ...]] | None = None
        stack = [(i, ())]
        while stack:  # depth-first over word forms, surface forms first, pruned by the prefix set
            j, key = stack.pop()
            if key in entries and (best is None or j > best[0]):
                best = (j, entries[key])
            if j < len(words):
                stack += [(j + 1, key + (f,)) for f in reversed(forms[j]) if key + (f,) in prefixes]
        if best is not None and not (best[0] == i + 1 and words[i] in STOPWORDS):
            out.append((i, best[0], best[1]))
            i = best[0]
        else:
            out.append((i, i + 1, None))
            i += 1
    return out


def translate(question: str) -> list[tuple[str, ...]]:
    """One tuple of Chinese alternatives per glossary phrase found in the question, in order, without repeats."""
    found = [alts for _, _, alts in _match(_words(question)) if alts]
    return list(dict.fromkeys(found))


def english_terms(question: str) -> list[str]:
    """Content words of the question that no glossary phrase covered (stopwords and bare numbers left out)."""
    words = _words(question)
    unknown = [words[s] for s, _, alts in _match(words) if alts is None]
    return list(dict.fromkeys(w for w in unknown if w not in STOPWORDS and not w.replace(".", "").isdigit()))
