"""Searchable while indexing, and resumed after a kill.

A document is found by BM25 as soon as it is chunked, before its vectors exist; dense retrieval joins when they are
written. A real `python -m assistant index` subprocess killed while it embeds is resumed by the next run, which
embeds only the documents that were not committed and ends with the index a clean run builds.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading

from assistant.assistant import Assistant
from assistant.indexing.embedders import FakeEmbedder
from assistant.interfaces.ui.handlers import indexing_html
from tests.conftest import ROOT
from tests.test_crash_safety import _env, _index, _index_killed_at, _write_folder


class GatedEmbedder(FakeEmbedder):
    """The fake embedder, holding the indexing thread's batches until the test opens the gate (the answerer's own
    calls, from the test's thread, pass)."""

    def __init__(self):
        super().__init__()
        self.waiting, self.gate = threading.Event(), threading.Event()

    def embed_documents(self, texts):
        if threading.current_thread() is not threading.main_thread():
            self.waiting.set()
            assert self.gate.wait(60), "the test never opened the gate"
        return super().embed_documents(texts)


def test_a_document_is_searchable_between_the_bm25_and_the_dense_stage(fake_settings, tmp_path):
    folder = tmp_path / "docs"
    _write_folder(folder, 6)
    embedder = GatedEmbedder()
    assistant = Assistant(fake_settings, embedder=embedder)
    run = threading.Thread(target=lambda: setattr(run, "report", assistant.index([folder])))
    run.start()
    try:
        assert embedder.waiting.wait(60), "the run never reached the embedder"
        state = assistant.indexing_state()
        assert state.running and state.searchable == 6 and state.embedded == 0
        assert state.label == "已可检索 · 向量化 0/6"
        assert "已可检索 · 向量化 0/6" in indexing_html(assistant)  # the 文档 tab's line
        assert assistant.store.count() == 0  # no vectors written yet
        hits = assistant.search("报告4之3", k=3)
        assert hits[0].chunk.source == "r04.txt" and "报告4之3" in hits[0].chunk.text
        assert hits[0].lexical_score is not None and hits[0].dense_score is None
        answer = assistant.ask("第4号报告第3部分讲了什么？")  # the answerer works on BM25-only hits
        assert "r04.txt" in {h.chunk.source for h in answer.hits}
    finally:
        embedder.gate.set()
        run.join(60)
    assert run.report.ok and len(run.report.added) == 6
    assert not assistant.indexing_state().running and assistant.indexing_state().embedded == 6
    assert indexing_html(assistant) == ""
    hits = assistant.search("报告4之3", k=3)
    assert hits[0].chunk.source == "r04.txt" and hits[0].dense_score is not None  # dense side joined


def test_a_failed_document_leaves_bm25_when_the_run_ends(fake_settings, tmp_path):
    """Chunked but never committed (its embedding failed): not searchable once the run is over."""
    folder = tmp_path / "docs"
    _write_folder(folder, 3)

    class FailsOnOne(FakeEmbedder):
        def embed_documents(self, texts):
            if any("报告1之" in t for t in texts):
                raise RuntimeError("模型出错")
            return super().embed_documents(texts)

    assistant = Assistant(fake_settings, embedder=FailsOnOne())
    report = assistant.index([folder])
    assert set(report.errors) == {"r01.txt"} and len(report.added) == 2
    assert {h.chunk.source for h in assistant.search("第1号报告", k=10)} <= {"r00.txt", "r02.txt"}
    assert assistant.retriever.lexical().sources().keys() == {"r00.txt", "r02.txt"}


STATE = r"""
import json
from assistant.config import Settings
from assistant.assistant import Assistant
a = Assistant(Settings.load())
records = {s: [r.content_hash, r.chunks] for s, r in a.store.documents().items()}
got = a.store._chunks.get(include=["metadatas", "embeddings"])
chunks = sorted([i, m["doc_hash"], [round(float(x), 6) for x in e[:8]]] for i, m, e in zip(got["ids"], got["metadatas"], got["embeddings"]))
lexical = sorted(c.id for c in a.retriever.lexical().all_chunks())
lexical_sources = sorted(a.retriever.lexical().sources())
top = [[h.chunk.id for h in a.search(f"报告{i}之3", k=3)] for i in (2, 9, 17)]
print(json.dumps({"records": records, "chunks": chunks, "lexical": lexical, "lexical_sources": lexical_sources, "top": top}, ensure_ascii=False))
"""


def _state(settings) -> dict:
    done = subprocess.run([sys.executable, "-c", STATE], cwd=ROOT, env=_env(settings), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _embedded(summary: str) -> int:
    return int(summary.split("新向量化片段 ")[1].split("，")[0].split()[0])


def test_an_interrupted_run_resumes_and_embeds_only_what_was_missing(fake_settings, tmp_path):
    folder = tmp_path / "docs"
    _write_folder(folder, 20)
    clean = fake_settings.replace(store_dir=str(tmp_path / "clean"))
    total = _embedded(_index(folder, clean))
    want = _state(clean)

    assert _index_killed_at(folder, fake_settings, 6), "the run finished before it was killed"
    killed = _state(fake_settings)  # usable after the kill: opens, searches, committed documents whole
    done = set(killed["records"])
    assert 6 <= len(done) < 20, "killed while embedding"
    assert set(killed["lexical"]) <= {c[0] for c in want["chunks"]}  # no chunk of an uncommitted write in BM25
    assert killed["lexical_sources"] == sorted(done)  # BM25 holds exactly the committed documents

    out = _index(folder, fake_settings)
    assert f"未变 {len(done)}" in out and f"新增 {20 - len(done)}" in out
    missing = total - sum(n for _, n in killed["records"].values())
    assert _embedded(out) == missing  # the documents embedded before the kill were not embedded again
    assert _state(fake_settings) == want
