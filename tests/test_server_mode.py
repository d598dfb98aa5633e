"""The same pipeline on the embedded store and on a real `chroma run` server; several processes sharing one index."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.assistant import Assistant
from assistant.indexing.store import IndexMismatchError
from tests.conftest import ROOT

QUESTION = "示范区2023年有多少件行政应诉案件？"


def _cli(args: list[str], settings, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `python -m assistant` in its own process on the same index as ``settings``."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_EMBEDDING_MODEL": settings.embedding_model,
           "ASSISTANT_COLLECTION": settings.collection, "ASSISTANT_STORE_DIR": settings.store_dir}
    if settings.chroma_url:
        env["ASSISTANT_CHROMA_URL"] = settings.chroma_url
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_index_ask_search(mode_settings, sample_path):
    assistant = Assistant(mode_settings)
    report = assistant.index([sample_path])
    assert report.ok and report.added == [sample_path.name] and report.chunks > 10
    answer = assistant.ask(QUESTION)
    assert not answer.refused and "17件" in answer.text
    text = sample_path.read_text(encoding="utf-8")
    assert all(text[c.start : c.end] == c.quote for c in answer.citations)
    hits = assistant.search("出庭应诉率", k=5)
    assert len(hits) == 5 and any("出庭应诉" in h.chunk.text for h in hits)
    assert Assistant(mode_settings).index([sample_path]).unchanged == [sample_path.name]


def test_server_mode_really_uses_the_server(mode_settings, sample_path):
    Assistant(mode_settings).index([sample_path])
    local = Path(mode_settings.store_dir)
    if mode_settings.chroma_url:
        assert not local.exists(), "server mode must not write an embedded index"
    else:
        assert (local / "chroma.sqlite3").is_file()


def test_second_instance_sees_first_instance_writes(mode_settings, sample_path, tmp_path):
    """B's BM25 cache and answers follow A's writes through the store's generation token."""
    a, b = Assistant(mode_settings), Assistant(mode_settings)
    a.index([sample_path])
    assert "17件" in b.ask(QUESTION).text  # B builds its BM25 now
    extra = tmp_path / "extra.txt"
    extra.write_text("一、水利工作\n\n全年新建蓄水池甲乙丙丁工程共计四百二十座，惠及山区群众。\n", encoding="utf-8")
    a.index([extra])
    lexical = b.retriever.lexical().all_chunks()
    assert "extra.txt" in {c.source for c in lexical}
    assert b.search("蓄水池甲乙丙丁", k=3)[0].chunk.source == "extra.txt"
    assert set(b.store.documents()) == {sample_path.name, "extra.txt"}


def test_provenance_is_shared(mode_settings, sample_path):
    Assistant(mode_settings).index([sample_path])
    other = Assistant(mode_settings.replace(embedding_model="fake:128"))
    with pytest.raises(IndexMismatchError, match="重新建立索引"):
        other.ask(QUESTION)
    with pytest.raises(IndexMismatchError):
        other.index([sample_path])


def test_another_process_indexes_this_process_answers(mode_settings, sample_path, tmp_path):
    """Process A (the CLI) writes the index; this process answers from it; then A's own ask.

    On a server the reader is open (and has searched) before A writes. An embedded Chroma folder
    belongs to one process at a time (README), so there the reader opens after A is done.
    """
    shared = bool(mode_settings.chroma_url)
    reader = Assistant(mode_settings) if shared else None
    if shared:
        assert reader.search("出庭应诉率", k=3) == []
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / sample_path.name).write_bytes(sample_path.read_bytes())
    done = _cli(["index", str(folder), "--quiet"], mode_settings)
    assert done.returncode == 0, done.stderr
    assert "新增 1" in done.stdout
    answer = (reader or Assistant(mode_settings)).ask(QUESTION)
    assert not answer.refused and "17件" in answer.text
    again = _cli(["ask", "--json", QUESTION], mode_settings)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["citations"][0]["source"] == sample_path.name


def test_repair_spares_a_live_run_of_another_process(mode_settings, sample_doc):
    """One app's indexing run must not delete chunks another app is writing; a dead run's chunks do go."""
    from assistant.chunking import chunk_document
    from assistant.indexing.embedders import FakeEmbedder
    from assistant.indexing.store import ChunkStore

    writer, other = ChunkStore.from_settings(mode_settings), ChunkStore.from_settings(mode_settings)
    chunks = chunk_document(sample_doc)
    writer.begin_run()
    writer.put_document(sample_doc, chunks, FakeEmbedder().embed_documents([c.text for c in chunks]))
    writer._docs.delete(ids=[f"doc:{sample_doc.source}"])  # as if the record were not written yet
    reader = ChunkStore.from_settings(mode_settings)
    assert reader.all_chunks() == [] and reader.query(FakeEmbedder().embed_query(chunks[0].text), 5) == [], \
        "readers never see uncommitted chunks"
    other.begin_run()
    assert other.repair() == 0 and writer.count() == len(chunks), "the live run's chunks are spared"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    meta = writer._runs.get(ids=[writer._run], include=["metadatas"])["metadatas"][0]
    writer._runs.upsert(ids=[writer._run], embeddings=[[0.0]], metadatas=[{**meta, "pid": int(dead.stdout)}])
    assert other.repair() == len(chunks) and writer.count() == 0, "a killed run's chunks are removed"
    assert other.live_runs() == set()
    other.end_run()


@pytest.mark.model
def test_real_model_gives_the_same_hits_on_the_server(real_assistant, real_embedder, chroma_server, sample_path):
    """With the default e5 model, the server index ranks exactly as the embedded one and answers the same."""
    import uuid

    settings = real_assistant.settings.replace(chroma_url=chroma_server.url, collection=f"t{uuid.uuid4().hex[:12]}")
    served = Assistant(settings, embedder=real_embedder)
    assert served.index([sample_path]).ok
    for question in (QUESTION, "法治文化主题公园设置了哪些区域？"):
        local, remote = real_assistant.ask(question), served.ask(question)
        assert [h.chunk.id for h in remote.hits] == [h.chunk.id for h in local.hits]
        assert remote.text == local.text and not remote.refused


def test_two_indexing_processes_at_once_on_the_server(chroma_server, tmp_path):
    """Two `assistant index` processes write to one server collection at the same time; both folders end whole.

    B starts (and repairs) while A is writing: A's uncommitted chunks must survive B's repair.
    """
    import re
    import time
    import uuid

    from assistant.config import Settings
    from assistant.indexing.store import ChunkStore
    from tests.test_crash_safety import _env, _write_folder

    settings = Settings(embedding_model="fake", chroma_url=chroma_server.url, collection=f"t{uuid.uuid4().hex[:12]}",
                        store_dir=str(tmp_path / "unused"))
    folders = [tmp_path / "A", tmp_path / "B"]
    _write_folder(folders[0] / "a", 16)
    _write_folder(folders[1] / "b", 16)
    cmd = [sys.executable, "-m", "assistant", "index"]
    first = subprocess.Popen([*cmd, str(folders[0])], cwd=ROOT, env=_env(settings), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    seen = b""
    deadline = time.monotonic() + 60
    while not re.search(rb"[3-9]/16 \[", seen) and first.poll() is None and time.monotonic() < deadline:
        seen = (seen + first.stderr.read1(4096))[-300:]
    second = subprocess.run([*cmd, str(folders[1]), "--quiet"], cwd=ROOT, env=_env(settings), capture_output=True,
                            timeout=120)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, (err + second.stderr).decode()[-2000:]
    assert "新增 16" in out.decode() and "新增 16" in second.stdout.decode()
    store = ChunkStore.from_settings(settings)
    records = store.documents()
    assert set(records) == {f"{d}/r{i:02d}.txt" for d in "ab" for i in range(16)}
    got = store._chunks.get(include=["metadatas"])
    assert all(records[m["source"]].content_hash == m["doc_hash"] for m in got["metadatas"]), "no orphan chunks"
    assert len(got["ids"]) == sum(r.chunks for r in records.values()), "every document complete"
    assert store.live_runs() == set()
