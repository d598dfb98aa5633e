"""The lexical index saved beside the Chroma folder: reloaded by a new process with identical results, never stale."""
from __future__ import annotations

import pickle
import sqlite3

from assistant.assistant import Assistant
from assistant.indexing import lexical_store
from assistant.indexing.store import ChunkStore


def _fresh(settings) -> Assistant:
    """A second assistant on the same folder, as a new process would build it."""
    return Assistant(settings)


def _ranked(assistant, query):
    return [(h.chunk.id, round(h.score, 9), h.lexical_score) for h in assistant.search(query, 10)]


def _no_rebuild(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("the lexical index read chunks back from Chroma instead of reloading")

    monkeypatch.setattr(ChunkStore, "all_chunks", refuse)
    monkeypatch.setattr(ChunkStore, "get_chunks", refuse)


QUERIES = ["行政应诉案件有多少件", "行政复议", "法治政府建设 示范创建", "respondent appearance rate"]


def test_reload_gives_identical_results(fake_assistant, fake_settings, monkeypatch):
    before = {q: _ranked(fake_assistant, q) for q in QUERIES}
    path = lexical_store.index_path(fake_assistant.store)
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
    reader = _fresh(fake_settings)
    hits = reader.search("独角兽企业", 3)
    assert hits and hits[0].chunk.source.endswith("extra.txt")
    assert hits[0].lexical_score is not None  # found by BM25 too, so the lexical side saw the new document


def test_a_write_elsewhere_reads_only_the_changed_document(fake_assistant, fake_settings, tmp_path, monkeypatch):
    """A reader whose saved index is one document behind reads that document from the store, not every chunk."""
    fake_assistant.search("行政复议", 5)
    extra = tmp_path / "extra.txt"
    extra.write_text("关于独角兽企业培育的通知\n\n各单位：全年培育独角兽企业十二家，设立专项资金。" * 5, encoding="utf-8")
    writer = Assistant(fake_settings)
    writer.retriever._lexical = lexical_store.LexicalIndex.open(None)  # the writer leaves the saved file behind
    assert writer.index([extra]).ok
    asked = []
    real = ChunkStore.get_chunks
    monkeypatch.setattr(ChunkStore, "get_chunks", lambda self, where: asked.append(where) or real(self, where))
    hits = _fresh(fake_settings).search("独角兽企业", 3)
    assert hits[0].chunk.source == "extra.txt"
    assert asked == [{"source": {"$in": ["extra.txt"]}}]


def test_other_format_or_corrupt_file_is_rebuilt(fake_assistant, fake_settings):
    before = _ranked(fake_assistant, "行政复议")
    path = lexical_store.index_path(fake_assistant.store)
    del fake_assistant
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = 'lexical/0' WHERE key = 'format'")
    db.commit()
    db.close()
    assert _ranked(_fresh(fake_settings), "行政复议") == before
    for name in (path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink(missing_ok=True)
    path.write_bytes(b"not a database")
    assert _ranked(_fresh(fake_settings), "行政复议") == before  # served from memory, rebuilt from the store


def test_an_old_stores_pickle_is_replaced_with_a_message(fake_assistant, fake_settings, capsys):
    before = _ranked(fake_assistant, "行政复议")
    path = lexical_store.index_path(fake_assistant.store)
    old = path.parent / "bm25-documents.pickle"
    old.write_bytes(pickle.dumps({"format": "bm25-cache/1", "version": (0, ""), "chunks": [], "index": None}))
    path.unlink()
    reader = _fresh(fake_settings)
    assert _ranked(reader, "行政复议") == before
    assert "旧的 BM25 缓存 bm25-documents.pickle" in capsys.readouterr().err
    assert not old.exists() and path.is_file()


def test_no_file_for_in_memory_stores():
    assert lexical_store.index_path(ChunkStore.in_memory()) is None


def test_answer_term_weights_do_not_query_the_store_again(fake_assistant, monkeypatch):
    calls = []
    store = fake_assistant.store
    real_count = store.count
    monkeypatch.setattr(store, "count", lambda: calls.append(1) or real_count())
    answer = fake_assistant.ask("2023年行政应诉案件有多少件？")
    assert not answer.refused
    assert len(calls) <= 5  # provenance, search, freshness, dense query: not once per question term
    retrieval = fake_assistant.retriever.retrieve("2023年行政应诉案件有多少件？", 10)
    assert retrieval.terms is fake_assistant.retriever.lexical()  # the weights come with the search
