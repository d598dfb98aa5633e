"""Legal references in a query ("行政诉讼法第三条", "《民法典》第一千一百六十五条", "刑法第 264 条"): parse, resolve
against the indexed laws, look the article up exactly, and prefer the newest version of a law.

>>> [(r.name, r.article) for r in parse_refs("行政诉讼法第三条和《民法典》第一千一百六十五条，刑法第 264 条")]
[('行政诉讼法', 3), ('民法典', 1165), ('刑法', 264)]
>>> LawCatalog({"中华人民共和国行政诉讼法": ["a.md"]}).resolve("请问行政诉讼法")
'中华人民共和国行政诉讼法'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.ingest.laws import cn_number, short_name
from assistant.types import Chunk, Hit
from assistant.zh.rules import YEAR_DIGITS

_NUM = "零〇一二三四五六七八九十百千两0-9０-９"
_REF = re.compile(
    rf"(?:《([^《》]{{2,60}})》(?:中的|的)?|([\u4e00-\u9fff（）()、·]{{2,60}}?))\s*第\s*([{_NUM}]+)\s*条(?:之([{_NUM}]+))?"
)
_YEAR = re.compile(r"(?<!\d)(" + YEAR_DIGITS + r")\s*年")


@dataclass(frozen=True)
class LegalRef:
    """One reference as written in the query: the law's name (maybe with words before it) and the article."""

    name: str
    article: int
    sub: int = 0  # 第十条之一 → sub 1
    bracketed: bool = False  # the name was written in 《》


def parse_refs(query: str) -> list[LegalRef]:
    """The law + article references in a query, in order; article numbers in Chinese or Arabic numerals."""
    refs = []
    for m in _REF.finditer(query):
        number = cn_number(m.group(3))
        if not number:
            continue
        sub = cn_number(m.group(4)) if m.group(4) else 0
        name = (m.group(1) or m.group(2) or "").strip()
        if not m.group(1):
            name = re.sub(r"(?:的规定|的|之)$", "", name)  # 妇女权益保障法的第二十二条
        refs.append(LegalRef(name, number, sub or 0, bool(m.group(1))))
    return refs


def asked_year(query: str) -> int | None:
    """The year the user asks about ("2017年的行政复议法"), if any."""
    years = [int(y) for y in _YEAR.findall(query)]
    return max(years) if years else None


class LawCatalog:
    """The indexed laws by title, with the names people use for them (行政诉讼法 for 中华人民共和国行政诉讼法)."""

    def __init__(self, sources_by_title: dict[str, list[str]]):
        self.sources_by_title = sources_by_title
        self.names: dict[str, str] = {}
        for title in sources_by_title:
            for name in (title, short_name(title)):
                if len(name) >= 2:
                    self.names.setdefault(name, title)

    @classmethod
    def from_store(cls, store) -> "LawCatalog":
        by_title: dict[str, list[str]] = {}
        for record in store.documents().values():
            if record.kind in ("law", "case") and record.title:
                by_title.setdefault(record.title, []).append(record.source)
        return cls(by_title)

    def resolve(self, name: str) -> str | None:
        """The full title for a name as written; with words before it, the longest known name it ends with."""
        name = name.strip()
        if name in self.names:
            return self.names[name]
        for i in range(1, max(1, len(name) - 1)):
            if name[i:] in self.names:
                return self.names[name[i:]]
        return None


def version_key(date: str | None, year: int | None):
    """Sort key, best first: the newest version; with an asked year, the newest version dated in or before it."""
    d = date or ""
    if year is None:
        return (0, _neg(d))
    if d and int(d[:4]) <= year:
        return (0, _neg(d))
    return (1, d or "9999")  # versions after the asked year: the oldest of them next


def _neg(d: str) -> tuple:
    return tuple(-ord(ch) for ch in d) if d else (1,)


_NOT_TEXT = re.compile(r"[\s，。；：、,.;:“”\"（）()《》]")


def _provision_key(chunk: Chunk) -> tuple:
    """The same provision across versions: law title and text without its article number (renumbering ignored)."""
    text = re.sub(rf"^第[{_NUM}]+条(?:之[{_NUM}]+)?", "", chunk.text.strip())
    return chunk.title, _NOT_TEXT.sub("", text)


def prefer_versions(hits: list[Hit], year: int | None = None) -> list[Hit]:
    """Where the same provision of a law appears in several versions, the preferred version takes the best place.

    Hits are grouped by law title and text (the article number left out, so a renumbered but unchanged article is
    the same provision). Within a group holding several versions, the preferred version (see :func:`version_key`)
    takes the group's best position, with that position's score, and the other copies move behind every distinct
    passage: a reader sees each provision once among the first results, and the older wording still follows further
    down. Provisions that differ between versions are different passages and keep their own ranks.
    """
    groups: dict[tuple, list[int]] = {}
    for i, h in enumerate(hits):
        if h.chunk.law_kind and h.chunk.title:
            groups.setdefault(_provision_key(h.chunk), []).append(i)
    out: list[Hit | None] = list(hits)
    copies: list[tuple[int, Hit]] = []
    for positions in groups.values():
        if len({hits[i].chunk.source for i in positions}) < 2:
            continue
        ranked = sorted(positions, key=lambda i: (version_key(hits[i].chunk.date, year), i))
        out[positions[0]] = replace(hits[ranked[0]], score=hits[positions[0]].score)
        for pos, j in zip(positions[1:], ranked[1:]):
            out[pos] = None
            copies.append((pos, replace(hits[j], score=hits[pos].score)))
    kept = [h for h in out if h is not None]
    floor = min((h.score for h in kept), default=0.0)
    copies.sort(key=lambda pc: pc[0])
    return kept + [replace(h, score=min(h.score, floor)) for _, h in copies]


class LegalLookup:
    """Exact article lookup for queries that name a law and an article; the catalog follows the store's changes."""

    def __init__(self, store):
        self.store = store
        self._catalog: tuple[str, LawCatalog] | None = None

    def catalog(self) -> LawCatalog:
        generation = self.store.generation()
        if self._catalog is None or self._catalog[0] != generation:
            self._catalog = (generation, LawCatalog.from_store(self.store))
        return self._catalog[1]

    def articles(self, query: str, accepts=None) -> list[Chunk]:
        """The chunks of every article the query names, preferred version first (see :func:`version_key`)."""
        refs = parse_refs(query)
        if not refs:
            return []
        catalog = self.catalog()
        year = asked_year(query)
        found: list[Chunk] = []
        for ref in refs:
            title = catalog.resolve(ref.name)
            if title is None:
                continue
            chunks = self.store.get_chunks({"$and": [{"title": title}, {"article": ref.article}]})
            chunks = [c for c in chunks if ("之" in c.label) == bool(ref.sub) and (accepts is None or accepts(c))]
            chunks.sort(key=lambda c: (version_key(c.date, year), c.source, c.start))
            found.extend(c for c in chunks if c not in found)
        return found

    def apply(self, query: str, hits: list[Hit], k: int, accepts=None) -> list[Hit]:
        """Named articles first (the preferred version's), then the other hits with versions ordered."""
        year = asked_year(query)
        direct = self.articles(query, accepts)
        if direct:
            best = {}
            for c in direct:  # only the preferred version of each named article goes to the top
                best.setdefault((c.title, c.article), c.source)
            top_chunks = [c for c in direct if best[(c.title, c.article)] == c.source]
            top = max((h.score for h in hits), default=0.0) + 1.0
            ids = {c.id for c in top_chunks}
            lead = [Hit(chunk=c, score=top - 0.001 * i) for i, c in enumerate(top_chunks)]
            hits = lead + [h for h in hits if h.chunk.id not in ids]
        return prefer_versions(hits, year)[: max(k, len(direct))] if direct else prefer_versions(hits, year)[:k]

