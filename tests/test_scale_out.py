"""Scale-out (issue 19): several `assistant index` processes, each on its own folder, write to one real Chroma server
at the same time and end with one consistent index: every document present once and whole, search finds each."""
from __future__ import annotations

import subprocess
import sys
import uuid

from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.indexing.store import ChunkStore
from tests.conftest import ROOT
from tests.test_crash_safety import _env

WORKERS = 3
FILES = 8
AREAS = ["东区", "西区", "南区"]  # one a worker
WORKS = ["蓄水池", "隧道", "码头", "粮仓", "电站", "渔港", "堤坝", "机场"]  # one a file


def _write(folder, worker: int) -> None:
    """FILES reports for one worker, each with its own marker words (so a search names exactly one file)."""
    folder.mkdir(parents=True)
    for i in range(FILES):
        body = [f"第{worker}组第{i}号报告\n"]
        for k in range(3):
            body.append(f"{'一二三'[k]}、第{k}项工作\n\n第{worker}组第{i}号报告记载的第{k}项工作，"
                        f"地点为{AREAS[worker]}，工程为{WORKS[i]}，其余内容为该项工作的目标、措施与成效的说明。" * 2 + "\n")
        (folder / f"w{worker}-r{i}.txt").write_text("\n".join(body), encoding="utf-8")


def test_several_index_processes_on_one_server_end_with_one_index(chroma_server, tmp_path):
    settings = Settings(embedding_model="fake", chroma_url=chroma_server.url, collection=f"t{uuid.uuid4().hex[:12]}",
                        store_dir=str(tmp_path / "unused"))
    folders = [tmp_path / f"machine{w}" for w in range(WORKERS)]
    for w, folder in enumerate(folders):
        _write(folder / f"part{w}", w)
    cmd = [sys.executable, "-m", "assistant", "index"]
    procs = [subprocess.Popen([*cmd, str(folder), "--quiet"], cwd=ROOT, env=_env(settings), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for folder in folders]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err.decode()[-2000:]
        assert f"新增 {FILES}" in out.decode() and "失败 0" in out.decode(), out.decode()

    store = ChunkStore.from_settings(settings)
    records = store.documents()
    expected = {f"part{w}/w{w}-r{i}.txt" for w in range(WORKERS) for i in range(FILES)}
    assert set(records) == expected, "every document present, once (sources are unique keys)"
    got = store._chunks.get(include=["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"])) == sum(r.chunks for r in records.values()), "each document whole"
    assert all(records[m["source"]].content_hash == m["doc_hash"] for m in got["metadatas"]), "no orphan chunks"
    assert store.live_runs() == set(), "every run ended"

    app = Assistant(settings)  # a fresh reader (another machine's app) finds each document by its marker words
    for w in range(WORKERS):
        for i in range(FILES):
            hits = app.search(f"{AREAS[w]}{WORKS[i]}", k=1)
            assert hits and hits[0].chunk.source == f"part{w}/w{w}-r{i}.txt", (w, i, [h.chunk.source for h in hits])
