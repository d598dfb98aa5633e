"""Figures in Chinese text: numbers with their magnitude words and units, normalised for comparison.

>>> [(f.value, f.unit) for f in find_figures("累计办理各类政务服务事项约4072件,出庭应诉率100%")]
[(4072.0, '件'), (100.0, '%')]
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_UNITS = (
    "个百分点|百分点|万人次|人次|场次|万亿元|亿元|万元|千元|元|平方公里|公里|万吨|吨|件|人|次|场|个|条|项|家|所|名|本|份|"
    "天|批|户|篇|期|宗|起|部|处|年|月|日|倍|%"
)
_FIGURE = re.compile(
    rf"(?P<approx>约|近|超过|逾)?(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)\s*(?P<mag>万亿|亿|万|千)?(?P<unit>{_UNITS})?(?P<more>余|多)?"
)
_MAG = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}


@dataclass(frozen=True)
class Figure:
    """A number as written (``raw`` at ``start``–``end``) with its value and unit."""

    start: int
    end: int
    raw: str
    value: float
    unit: str
    approximate: bool = False

    @property
    def is_year(self) -> bool:
        return self.unit == "年" and 1900 <= self.value <= 2100 and "." not in self.raw


def normalize_digits(text: str) -> str:
    """Full-width digits and signs to ASCII (length-preserving, so offsets stay valid)."""
    return "".join(unicodedata.normalize("NFKC", ch) if ch in "０１２３４５６７８９％．，" else ch for ch in text)


def find_figures(text: str) -> list[Figure]:
    """All figures in ``text``, in order."""
    norm = normalize_digits(text)
    out = []
    for m in _FIGURE.finditer(norm):
        num = float(m.group("num").replace(",", ""))
        value = num * _MAG.get(m.group("mag") or "", 1.0)
        out.append(
            Figure(
                start=m.start(), end=m.end(), raw=text[m.start() : m.end()], value=value, unit=m.group("unit") or "",
                approximate=bool(m.group("approx") or m.group("more")),
            )
        )
    return out


def number_strings(text: str) -> list[str]:
    """Numbers in ``text`` as canonical strings (full-width digits, separators and spaces normalised)."""
    norm = normalize_digits(text)
    norm = re.sub(r"(?<=\d),(?=\d{3})", "", norm)
    norm = re.sub(r"(?<=\d)\s+(?=\d)", "", norm)
    return [_canon(n) for n in re.findall(r"\d+(?:\.\d+)?", norm)]


def _canon(n: str) -> str:
    if "." in n:
        n = n.rstrip("0").rstrip(".")
    return n.lstrip("0") or "0"
