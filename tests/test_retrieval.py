import hashlib

from assistant.indexing.embedders import FakeEmbedder
from assistant.indexing.indexer import Indexer
from assistant.retrieval.retriever import Retriever, SearchFilters
from assistant.indexing.store import ChunkStore
from assistant.types import Document


def _doc(source, title, text, date, kind="report"):
    return Document(source=source, text=text, title=title, date=date, kind=kind,
                    content_hash=hashlib.sha256((source + text).encode()).hexdigest())


def _indexed(docs):
    emb = FakeEmbedder()
    store = ChunkStore.in_memory()
    indexer = Indexer(emb, store, min_chars=10)
    for d in docs:
        indexer.add_document(d)
    return Retriever(emb, store)


def test_hybrid_search_finds_the_passage_with_offsets(fake_assistant, sample_doc):
    hits = fake_assistant.retriever.search("行政机关负责人出庭应诉率", 10)
    assert len(hits) == 10
    assert "出庭应诉率100%" in hits[0].chunk.text
    assert hits == sorted(hits, key=lambda h: -h.score)
    for h in hits:
        assert sample_doc.text[h.chunk.start : h.chunk.end] == h.chunk.text


def test_year_in_question_prefers_that_years_report():
    same = "一、主要成绩\n\n全年共办理行政复议案件{}件，行政应诉工作稳步推进。"
    docs = [
        _doc("r2022.txt", "示范区2022年度法治建设工作报告", same.format(10), "2023-02-01"),
        _doc("r2023.txt", "示范区2023年度法治建设工作报告", same.format(12), "2024-02-01"),
    ]
    retriever = _indexed(docs)
    assert retriever.search("2023年办理行政复议案件多少件", 2)[0].chunk.source == "r2023.txt"
    assert retriever.search("2022年办理行政复议案件多少件", 2)[0].chunk.source == "r2022.txt"


def test_filters_restrict_kind_year_and_source():
    docs = [
        _doc("law.md", "中华人民共和国示例法", "第一条 为了规范行政复议，制定本法。", "2020-01-01", kind="law"),
        _doc("r.txt", "2023年工作报告", "一、行政复议\n\n全年办理行政复议案件12件。", "2024-01-01"),
    ]
    retriever = _indexed(docs)
    assert {h.chunk.source for h in retriever.search("行政复议", 5, SearchFilters(kinds=("law",)))} == {"law.md"}
    assert {h.chunk.source for h in retriever.search("行政复议", 5, SearchFilters(year_from=2021))} == {"r.txt"}
    assert {h.chunk.source for h in retriever.search("行政复议", 5, SearchFilters(sources=("r.txt",)))} == {"r.txt"}


def test_lexical_index_follows_store_changes():
    retriever = _indexed([_doc("a.txt", "甲", "一、甲\n\n甲方案已经实施完毕。", "2024-01-01")])
    assert retriever.search("乙方案", 5)[0].chunk.source == "a.txt"
    Indexer(retriever.embedder, retriever.store, min_chars=10).add_document(
        _doc("b.txt", "乙", "一、乙\n\n乙方案正在推进落实。", "2024-01-01"))
    assert retriever.search("乙方案推进", 5)[0].chunk.source == "b.txt"


def test_a_write_from_another_store_handle_refreshes_bm25(tmp_path):
    """Two handles on one index stand for two processes: same chunk count, new text, BM25 must follow."""
    emb = FakeEmbedder()
    first = ChunkStore.persistent(str(tmp_path / "idx"))
    Indexer(emb, first, min_chars=10).add_document(_doc("a.txt", "甲", "一、甲\n\n甲方案已经实施完毕。", "2024-01-01"))
    retriever = Retriever(emb, first)
    assert "甲方案" in retriever.search("方案", 1)[0].chunk.text
    other = ChunkStore.persistent(str(tmp_path / "idx"))
    Indexer(emb, other, min_chars=10).add_document(_doc("a.txt", "甲", "一、乙\n\n丙计划已经实施完毕。", "2024-01-01"))
    chunks = retriever.lexical().all_chunks()
    assert any("丙计划" in c.text for c in chunks) and not any("甲方案" in c.text for c in chunks)


def test_a_title_word_every_candidate_shares_names_no_document():
    """The title prior weighs a question word by how few candidate titles hold it: in a folder of epidemic notices
    "疫情防控" is in every title and names none of them; the one title with "公积金" is the one the question names."""
    from assistant.types import Chunk

    titles = [f"{place}做好疫情防控工作的通知" for place in ("甘肃省", "山西省", "浙江省", "福建省", "贵州省")]
    titles.append("绍兴市疫情防控期间住房公积金阶段性支持政策")
    chunks = [Chunk(f"n{i}.txt", 0, 10, "正文", title=t) for i, t in enumerate(titles)]
    retriever = Retriever(FakeEmbedder(), ChunkStore.in_memory())
    priors = retriever._document_priors("疫情防控期间公积金如何缴存？", chunks)
    assert max(priors, key=priors.get) == "n5.txt"
    shared = [priors[f"n{i}.txt"] for i in range(5)]
    assert max(shared) < 0.1 * priors["n5.txt"]
