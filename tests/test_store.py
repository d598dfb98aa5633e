import numpy as np
import pytest

from assistant.chunking import CHUNKER_VERSION, chunk_document
from assistant.indexing.embedders import FakeEmbedder
from assistant.indexing.store import ChunkStore, IndexMismatchError
from assistant.types import Document


def _doc(source="a.txt", text="一、总体情况\n\n一是加强领导。成立委员会。\n\n二是完善机制。建立考核制度。", date="2024-03-01"):
    import hashlib

    return Document(source=source, text=text, title="示例报告", kind="report", date=date,
                    content_hash=hashlib.sha256(text.encode()).hexdigest())


def _put(store, doc, emb):
    chunks = chunk_document(doc, min_chars=5)
    store.put_document(doc, chunks, emb.embed_documents([c.text for c in chunks]))
    return chunks


@pytest.fixture(params=["persistent", "memory", "server"])
def store(request, tmp_path):
    if request.param == "server":  # a real `chroma run` process (tests/chroma_server.py), one collection per test
        import uuid

        return ChunkStore.server(request.getfixturevalue("chroma_server").url, f"t{uuid.uuid4().hex[:12]}")
    return ChunkStore.persistent(str(tmp_path / "idx")) if request.param == "persistent" else ChunkStore.in_memory()


def test_put_query_and_read_back(store):
    emb = FakeEmbedder()
    doc = _doc()
    chunks = _put(store, doc, emb)
    assert store.count() == len(chunks)
    hits = store.query(emb.embed_query("完善机制"), 5)
    assert hits[0].chunk.text == next(c.text for c in chunks if "完善机制" in c.text)
    assert all(-1.0 <= h.score <= 1.0 for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)
    c = hits[0].chunk
    assert doc.text[c.start : c.end] == c.text and c.section_path and c.year == 2024
    rec = store.documents()["a.txt"]
    assert rec.chunks == len(chunks) and rec.content_hash == doc.content_hash
    assert store.document_text("a.txt") == doc.text


def test_replacing_a_document_leaves_no_stale_chunks(store):
    emb = FakeEmbedder()
    _put(store, _doc(), emb)
    new = _doc(text="一、新情况\n\n一是全新内容。另有说明。")
    chunks = _put(store, new, emb)
    assert store.count() == len(chunks)
    assert all("新" in c.text or "说明" in c.text for c in store.all_chunks())


def test_delete_and_repair_orphans(store):
    emb = FakeEmbedder()
    _put(store, _doc("a.txt"), emb)
    _put(store, _doc("b.txt"), emb)
    store.delete_document("a.txt")
    assert set(store.documents()) == {"b.txt"}
    assert {c.source for c in store.all_chunks()} == {"b.txt"}
    # simulate a crash between writing chunks and the document record
    store._docs.delete(ids=["doc:b.txt"])
    assert store.repair() > 0
    assert store.count() == 0


def test_where_filters(store):
    emb = FakeEmbedder()
    _put(store, _doc("a.txt", date="2023-01-01"), emb)
    _put(store, _doc("b.txt", date="2024-01-01"), emb)
    hits = store.query(emb.embed_query("完善机制"), 10, where={"year": {"$gte": 2024}})
    assert hits and {h.chunk.source for h in hits} == {"b.txt"}


def test_provenance_mismatch_is_refused(tmp_path):
    store = ChunkStore.persistent(str(tmp_path / "idx"))
    emb = FakeEmbedder()
    store.check_provenance(emb.model_id, emb.dim, CHUNKER_VERSION, claim=True)
    _put(store, _doc(), emb)
    reopened = ChunkStore.persistent(str(tmp_path / "idx"))
    reopened.check_provenance(emb.model_id, emb.dim, CHUNKER_VERSION)  # same: fine
    with pytest.raises(IndexMismatchError, match="重新建立索引"):
        reopened.check_provenance("another-model", 384, CHUNKER_VERSION)
    with pytest.raises(IndexMismatchError):
        reopened.check_provenance(emb.model_id, emb.dim, "999")


def test_empty_store_query_returns_nothing(store):
    assert store.query(np.ones(8, dtype=np.float32) / np.sqrt(8), 5) == []


def test_reads_of_every_row_go_page_by_page(store, monkeypatch):
    """Chroma refuses one read of every row past ~32k rows ("too many SQL variables"), which stopped a rerun of
    `assistant index` on the 71k-chunk national library in repair(). Reads now go in pages; with pages of 3 rows,
    every chunk, record and orphan is still seen."""
    import assistant.indexing.store as store_module

    monkeypatch.setattr(store_module, "GET_PAGE", 3)
    emb = FakeEmbedder()
    docs = [_doc(f"d{i}.txt", f"一、第{i}部分\n\n一是加强领导{i}。成立委员会。\n\n二是完善机制{i}。建立考核制度。") for i in range(4)]
    written = sum(len(_put(store, d, emb)) for d in docs)
    assert written > 3 * 2
    reads = []
    for name in ("_chunks", "_docs"):
        collection = getattr(store, name)
        real = collection.get

        def spy(*args, _real=real, **kwargs):
            if not kwargs.get("ids"):
                reads.append(kwargs.get("limit"))
            return _real(*args, **kwargs)

        monkeypatch.setattr(collection, "get", spy)
    assert len(store.all_chunks()) == written == store.count()
    assert set(store.documents()) == {d.source for d in docs}
    assert len(store.get_chunks({"source": "d2.txt"})) == written // 4
    assert len(store.vectors_of([d.source for d in docs])) == written
    store._chunks.delete(ids=[c.id for c in store.get_chunks({"source": "d1.txt"})][:1])  # an incomplete document
    assert store.repair() == written // 4 - 1
    assert set(store.documents()) == {"d0.txt", "d2.txt", "d3.txt"}
    assert reads and all(limit is not None and limit <= 3 for limit in reads)  # no read of every row at once
