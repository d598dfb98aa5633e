"""Legal references in queries: parsing, direct article lookup in a real Chroma store, version preference."""
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.retrieval.legal_refs import LawCatalog, asked_year, parse_refs
from assistant.assistant import Assistant
from assistant.retrieval.retriever import SearchFilters

FIXTURES = Path(__file__).parent / "fixtures" / "laws"
REVIEW = "中华人民共和国行政复议法"


@pytest.mark.parametrize("query, name, article, sub", [
    ("行政诉讼法第三条", "行政诉讼法", 3, 0),
    ("《民法典》第一千一百六十五条是怎么规定的", "民法典", 1165, 0),
    ("刑法第 264 条", "刑法", 264, 0),
    ("刑法第２６４条", "刑法", 264, 0),
    ("依照《中华人民共和国刑法》第一百三十三条之一", "中华人民共和国刑法", 133, 1),
])
def test_parse_refs(query, name, article, sub):
    refs = parse_refs(query)
    assert len(refs) == 1
    assert (refs[0].article, refs[0].sub) == (article, sub)
    assert refs[0].name.endswith(name)


def test_no_refs_in_ordinary_questions():
    assert parse_refs("2023年行政机关负责人出庭应诉率是多少？") == []
    assert parse_refs("第三季度完成了哪些工作") == []


def test_catalog_resolves_short_names_and_words_before_them():
    catalog = LawCatalog({"中华人民共和国行政诉讼法": ["a"], "中华人民共和国民法典": ["b"], "国库券条例": ["c"]})
    assert catalog.resolve("行政诉讼法") == "中华人民共和国行政诉讼法"
    assert catalog.resolve("请问民法典") == "中华人民共和国民法典"
    assert catalog.resolve("国库券条例") == "国库券条例"
    assert catalog.resolve("仲裁法") is None
    assert asked_year("2017年的行政复议法第九条") == 2017 and asked_year("行政复议法第九条") is None


@pytest.fixture(scope="module")
def laws(tmp_path_factory):
    """The law fixtures (two versions of 行政复议法 among them) in a real Chroma store, fake embedder."""
    tmp = tmp_path_factory.mktemp("laws")
    assistant = Assistant(Settings(store_dir=str(tmp / "index"), embedding_model="fake", model_cache_dir=str(tmp / "m")))
    report = assistant.index([FIXTURES])
    assert report.ok, report.errors
    return assistant


def _article_text(source: str, label: str) -> str:
    text = (FIXTURES / source).read_text("utf-8")
    line = next(l for l in text.splitlines() if l.startswith(label + " "))
    return line


@pytest.mark.parametrize("query", ["行政复议法第九条", "《中华人民共和国行政复议法》第9条", "请问行政复议法第 9 条怎么规定"])
def test_named_article_comes_first_newest_version(laws, query):
    hits = laws.search(query, k=10)
    top = hits[0].chunk
    assert top.label == f"《{REVIEW}》第九条" and top.article == 9
    assert top.source == "诉讼与非诉讼程序法/行政复议法(2023-09-01).md"
    assert top.text.startswith(_article_text(top.source, "第九条"))
    assert len(hits) == 10  # the normal results follow
    assert [h.chunk.id for h in hits].count(top.id) == 1
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_a_year_selects_the_version_in_force(laws):
    top = laws.search("2017年的行政复议法第九条", k=5)[0].chunk
    assert top.source == "诉讼与非诉讼程序法/行政复议法(2017-09-01).md" and top.article == 9
    assert top.text.startswith(_article_text(top.source, "第九条"))


def test_article_of_another_kind_of_law(laws):
    top = laws.search("国库券条例第三条", k=5)[0].chunk
    assert top.label == "《中华人民共和国国库券条例》第三条"
    assert top.law_kind == "行政法规"


def test_unknown_law_or_article_falls_back_to_hybrid(laws):
    hits = laws.search("行政复议法第九百九十九条", k=5)
    assert hits and all(h.chunk.article != 999 for h in hits)
    assert laws.search("仲裁法第三条", k=5)  # not indexed: ordinary results, no error


def test_newest_version_ranks_first_without_an_article(laws):
    """Provisions unchanged between the 2017 and 2023 versions of 行政复议法: the 2023 copy comes first (and the
    2017 copy when the query asks about 2018); the other copy follows every distinct passage."""
    from assistant.chunking import chunk_document
    from assistant.ingest import load_document
    from assistant.retrieval.legal_refs import _provision_key

    folder = "诉讼与非诉讼程序法/"
    old, new = (chunk_document(load_document(FIXTURES / folder / f"行政复议法({d}).md", source=folder + f"行政复议法({d}).md"))
                for d in ("2017-09-01", "2023-09-01"))
    unchanged = {_provision_key(c) for c in old if c.article} & {_provision_key(c) for c in new if c.article}
    assert unchanged
    sample = [c for c in new if c.article and _provision_key(c) in unchanged][:3]
    for chunk in sample:
        query = chunk.text.split(" ", 1)[-1][:40]
        for asked, first in ((query, "2023-09-01"), ("2018年 " + query, "2017-09-01")):
            hits = laws.search(asked, k=500)
            dates = [h.chunk.date for h in hits if _provision_key(h.chunk) == _provision_key(chunk)]
            assert sorted(set(dates)) == ["2017-09-01", "2023-09-01"] and dates[0] == first
            seen, repeated = set(), []
            for h in hits:
                key = _provision_key(h.chunk) if h.chunk.article else h.chunk.id
                repeated.append(key in seen)
                seen.add(key)
            first_repeat = repeated.index(True)
            assert not any(r is False for r in repeated[first_repeat:])  # copies only after every distinct passage


def test_filters_apply_to_the_direct_lookup(laws):
    hits = laws.search("行政复议法第九条", k=5, filters=SearchFilters(law_kinds=("行政法规",)))
    assert all(h.chunk.law_kind == "行政法规" for h in hits)
