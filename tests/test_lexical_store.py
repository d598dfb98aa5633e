"""The incremental lexical index: adding, deleting and reloading give the scores of a BM25 built afresh."""
from __future__ import annotations

import random

import pytest

from assistant.indexing import lexical_store
from assistant.indexing.lexical import BM25Index, tokenize
from assistant.indexing.lexical_store import LexicalIndex, lexical_text
from assistant.indexing.postings import Postings
from assistant.types import Chunk
from tests.conftest import SAMPLE

PARAS = [p.strip() for p in SAMPLE.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 20]
QUERIES = ["行政应诉案件", "行政复议 决定", "法治政府建设示范", "出庭应诉率", "普法宣传", "respondent"]


def _doc(name: str, paras: list[str]) -> list[Chunk]:
    chunks, start = [], 0
    for i, text in enumerate(paras):
        chunks.append(Chunk(name, start, start + len(text), text, section_path=(f"第{i}部分",), ordinal=i, title=name,
                            doc_hash=f"h-{name}", date="2023-05-01"))
        start += len(text) + 1
    return chunks


def _fresh_scores(docs: dict[str, list[Chunk]], query: str) -> dict[str, float]:
    chunks = [c for name in sorted(docs) for c in docs[name]]
    index = BM25Index.build([lexical_text(c) for c in chunks])
    return {chunks[i].id: s for i, s in index.search(query, 1000)}


def _scores(lex: LexicalIndex, query: str) -> dict[str, float]:
    return {c.id: s for c, s in lex.search(query, 1000)}


def _same(lex: LexicalIndex, docs: dict[str, list[Chunk]]) -> None:
    for q in QUERIES:
        got, want = _scores(lex, q), _fresh_scores(docs, q)
        assert got.keys() == want.keys(), q
        assert all(got[k] == pytest.approx(want[k], rel=1e-12) for k in want), q
    for word in ("出庭", "独角兽"):
        whole = "\x00".join(lexical_text(c) for d in docs.values() for c in d)
        assert lex.mentions(word) == (word in whole)


def test_add_delete_and_reload_match_a_fresh_bm25(tmp_path, monkeypatch):
    rng = random.Random(3)
    path = tmp_path / "lexical.sqlite3"
    lex = LexicalIndex.open(path)
    docs: dict[str, list[Chunk]] = {}
    for step in range(12):
        name = f"d{rng.randrange(6)}.txt"
        if name in docs and rng.random() < 0.4:
            lex.remove(name)
            del docs[name]
        else:  # new document, or a new version of one
            docs[name] = _doc(name, rng.sample(PARAS, 4))
            lex.add(name, f"h-{name}", docs[name])
        _same(lex, docs)
    assert lex.n == sum(len(c) for c in docs.values())
    assert lex.sources() == {name: f"h-{name}" for name in docs}
    lex._postings.compact()  # the merged arrays score as the delta did
    _same(lex, docs)
    del lex

    def refuse(*_args):
        raise AssertionError("reloading tokenized the chunks again")

    monkeypatch.setattr(lexical_store, "tokenize", refuse)
    reloaded = LexicalIndex.open(path)
    for q in QUERIES:
        assert _scores(reloaded, tokenize(q)) == pytest.approx(_fresh_scores(docs, q), rel=1e-12)
    assert reloaded.all_chunks() == sorted((c for d in docs.values() for c in d), key=lambda c: (c.source, c.ordinal))


def test_filters_and_chunks_come_back_whole(tmp_path):
    lex = LexicalIndex.open(tmp_path / "lexical.sqlite3")
    a = _doc("a.txt", PARAS[:5])
    law = [Chunk("law.md", 0, 20, PARAS[5], ordinal=0, title="某法", kind="law", date="2019-01-01", doc_hash="h-law",
                 label="《某法》第一条", article=1, law_kind="法律", level="国家", region="", page=3, box=(0.1, 0.2, 0.3, 0.4))]
    lex.add("a.txt", "h-a.txt", a)
    lex.add("law.md", "h-law", law)
    from assistant.types import SearchFilters

    only_law = lex.allowed(SearchFilters(law_kinds=("法律",)))
    got = [c for c, _ in lex.search(tokenize(PARAS[5]), 10, only_law)]
    assert got == law  # every field, the page box included, survives the round trip
    years = lex.allowed(SearchFilters(year_from=2020))
    assert {c.source for c, _ in lex.search(tokenize(" ".join(PARAS[:6])), 50, years)} == {"a.txt"}


def test_postings_delete_updates_statistics():
    p = Postings()
    p.add(0, [(0, 1), (1, 2)])
    p.add(1, [(0, 3)])
    before = p.idf(0)
    p.delete(1)
    assert p.n == 1 and p.total_len == 3 and p.idf(0) > before
    assert [r for r, _ in p.search([0], 5)] == [0]
    p.add(2, [(1, 1)])
    p.compact()
    assert {r for r, _ in p.search([1], 5)} == {0, 2}
    assert p.search([7], 5) == []


def test_rankings_equal_bm25index_ties_included():
    """Filled in document order (as a sync from the store is), the ranked lists equal BM25Index's, tie order too."""
    docs = {f"d{i}.txt": _doc(f"d{i}.txt", PARAS[i::7][:6]) for i in range(7)}
    docs["dup.txt"] = _doc("dup.txt", PARAS[:6])  # the same passages again: ties with d0/d1/...
    lex = LexicalIndex.open(None)
    for name in sorted(docs):
        lex.add(name, f"h-{name}", docs[name])
    chunks = [c for name in sorted(docs) for c in docs[name]]
    index = BM25Index.build([lexical_text(c) for c in chunks])
    for q in QUERIES:
        want = [(chunks[i].id, s) for i, s in index.search(q, 20)]
        got = [(c.id, s) for c, s in lex.search(q, 20)]
        assert [i for i, _ in got] == [i for i, _ in want], q


def test_two_processes_sharing_the_file_stay_consistent(tmp_path):
    """Readers of one embedded store each follow it into the same file: a write by one is read by the other first."""
    path = tmp_path / "lexical.sqlite3"
    first, second = LexicalIndex.open(path), LexicalIndex.open(path)
    docs = {"a.txt": _doc("a.txt", PARAS[:4]), "b.txt": _doc("b.txt", PARAS[4:8])}
    first.add("a.txt", "h-a.txt", docs["a.txt"])
    second.add("b.txt", "h-b.txt", docs["b.txt"])  # reads a.txt from the file before writing: no row used twice
    second.add("a.txt", "h-a.txt", docs["a.txt"])  # the same document again: replaced, not duplicated
    _same(second, docs)
    _same(LexicalIndex.open(path), docs)


def test_a_mask_made_before_a_write_still_searches():
    """A search whose filter mask was made before another thread added a document (an upload during a question)
    neither fails nor returns the new rows."""
    from assistant.indexing.lexical_store import LexicalIndex
    from assistant.types import Chunk, SearchFilters

    index = LexicalIndex.open(None)
    first = [Chunk("a.txt", 0, 8, "行政执法案卷评查", doc_hash="h1")]
    index.add("a.txt", "h1", first)
    mask = index.allowed(SearchFilters(sources=("a.txt",)))
    index.add("b.txt", "h2", [Chunk("b.txt", 0, 8, "行政执法案卷评查", doc_hash="h2") for _ in range(3)])
    hits = index.search("行政执法案卷评查", 10, mask)
    assert [c.source for c, _ in hits] == ["a.txt"]
