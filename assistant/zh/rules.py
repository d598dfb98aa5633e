"""The genre rules of Chinese reports, notices and laws, loaded once from ``assistant/data/genre_rules.toml``:
the one year pattern, unit and qualifier word lists, the names of national bodies and of local congresses.

>>> years_in("2022年至2023年，比上年增长5%")
{2022, 2023}
>>> LOCAL_CONGRESS.search("北京市第十五届人民代表大会常务委员会第三次会议通过").group(1)
'北京市'
"""
from __future__ import annotations

import json
import re
import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=16)
def data_file(name: str):
    """A word-list file of ``assistant/data/`` (TOML, JSON, or a ``.txt`` list: its non-blank lines, ``#`` comments
    left out), parsed once per process: the one loader of them."""
    text = resources.files("assistant").joinpath("data", name).read_text(encoding="utf-8")
    if name.endswith(".txt"):
        return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return json.loads(text) if name.endswith(".json") else tomllib.loads(text)


def rules() -> dict:
    """The genre rules file."""
    return data_file("genre_rules.toml")


def words(section: str, name: str) -> tuple[str, ...]:
    return tuple(rules()[section][name])


def alternation(items) -> str:
    """A regex alternation of literal words, in the given order (the file lists longer words first)."""
    return "|".join(re.escape(w) if w not in ("%", "‰") else w for w in items)


YEAR_DIGITS = rules()["years"]["digits"]  # (?:19|20)\d{2}
# a year stands alone (not part of a longer number) and no unit or decimal follows it (2000亿元, 2000多人, 2020.5)
YEAR = re.compile(rf"(?<![\d.])({YEAR_DIGITS})(?![\d.]|\s*(?:[亿万千百余多]|元|人|件|个|吨|公里|千米|米|户|家|项|所|名|次|座|辆|斤|%|个百分点))")
UNITS = alternation(words("units", "measure"))
COUNTED_UNITS = alternation(words("units", "counted"))
NATIONAL_BODIES = words("bodies", "national")
NATIONAL_BODY = re.compile("|".join(NATIONAL_BODIES))
PLACE_SUFFIX = "|".join(words("bodies", "place_suffixes"))
# "北京市第十五届人民代表大会（常务委员会）": group 1 the place, group 2 the standing committee when named
LOCAL_CONGRESS = re.compile(rf"([\u4e00-\u9fff]{{2,12}}?(?:{PLACE_SUFFIX}))第[一二三四五六七八九十]+届人民代表大会(常务委员会)?")
LOCAL_GOVERNMENT = re.compile(rf"([\u4e00-\u9fff]{{2,12}}?(?:{PLACE_SUFFIX})人民政府)")


def qualifiers(position: str) -> dict[str, str]:
    """{"about" | "over" | "under": "w1|w2…"} for ``position`` "prefix" or "suffix"."""
    table = rules()["qualifiers"]
    return {kind: "|".join(table[f"{position}_{kind}"]) for kind in ("about", "over", "under")}


def years_in(text: str) -> set[int]:
    """The years 1900–2099 that ``text`` names as four-digit numbers (not amounts such as 2000亿元).

    >>> sorted(years_in("2000亿元，比2012年增长，2018 report"))
    [2012, 2018]
    """
    return {int(y) for y in YEAR.findall(text or "")}
