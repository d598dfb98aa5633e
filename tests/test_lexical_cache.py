"""The BM25 index saved beside the Chroma folder: reloaded by a new process with identical results, never stale."""
from __future__ import annotations


from assistant.indexing import lexical_cache
from assistant.assistant import Assistant
from assistant.indexing.store import ChunkStore


def _fresh(settings) -> Assistant:
    """A second assistant on the same folder, as a new process would build it."""
    return Assistant(settings)


def _ranked(assistant, query):
    return [(h.chunk.id, round(h.score, 9), h.lexical_score) for h in assistant.search(query, 10)]


def _no_rebuild(monkeypatch):
    def refuse(self):
        raise AssertionError("the BM25 index was rebuilt from Chroma instead of reloaded")

    monkeypatch.setattr(ChunkStore, "all_chunks", refuse)


QUERIES = ["行政应诉案件有多少件", "行政复议", "法治政府建设 示范创建", "respondent appearance rate"]


def test_reload_gives_identical_results(fake_assistant, fake_settings, monkeypatch):
    before = {q: _ranked(fake_assistant, q) for q in QUERIES}
    path = lexical_cache.cache_path(fake_assistant.store)
    assert path is not None and path.is_file()
    assert path.parent.samefile(fake_settings.store_dir)
    _no_rebuild(monkeypatch)
    other = _fresh(fake_settings)
    after = {q: _ranked(other, q) for q in QUERIES}
    assert after == before
    assert any(after.values())


def test_a_write_invalidates_the_saved_index(fake_assistant, fake_settings, tmp_path):
    fake_assistant.search("行政复议", 5)  # builds and saves
    extra = tmp_path / "extra.txt"
    extra.write_text("关于独角兽企业培育的通知\n\n各单位：全年培育独角兽企业十二家，设立专项资金。" * 5, encoding="utf-8")
    writer = _fresh(fake_settings)
    assert writer.index([extra]).ok
    reader = _fresh(fake_settings)  # its cache file is from before the write: it must not be used
    hits = reader.search("独角兽企业", 3)
    assert hits and hits[0].chunk.source.endswith("extra.txt")
    assert hits[0].lexical_score is not None  # found by BM25 too, so the lexical side saw the new document


def test_wrong_version_or_corrupt_file_is_ignored(fake_assistant, fake_settings):
    fake_assistant.search("行政复议", 5)
    store = fake_assistant.store
    version = (store.count(), store.generation())
    assert lexical_cache.load(store, version) is not None
    assert lexical_cache.load(store, (version[0], "another-generation")) is None
    lexical_cache.cache_path(store).write_bytes(b"not a pickle")
    assert lexical_cache.load(store, version) is None
    assert _fresh(fake_settings).search("行政复议", 5)  # rebuilt


def test_no_cache_file_for_in_memory_stores():
    assert lexical_cache.cache_path(ChunkStore.in_memory()) is None


def test_answer_term_weights_do_not_query_the_store_again(fake_assistant, monkeypatch):
    calls = []
    store = fake_assistant.store
    real_count = store.count
    monkeypatch.setattr(store, "count", lambda: calls.append(1) or real_count())
    answer = fake_assistant.ask("2023年行政应诉案件有多少件？")
    assert not answer.refused
    assert len(calls) <= 5  # provenance, search, freshness, dense query: not once per question term
    retrieval = fake_assistant.retriever.retrieve("2023年行政应诉案件有多少件？", 10)
    assert retrieval.terms is fake_assistant.retriever.lexical()[1]  # the weights come with the search
