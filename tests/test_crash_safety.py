"""An indexing process killed with SIGKILL at several points leaves an index that opens, answers and is completed.

A real `python -m assistant index FOLDER` subprocess (fake embedder) is killed when its progress bar on stderr
reaches given file counts; a fresh process then opens the index, asks and searches, and dumps what the store
holds. The next run must complete the index with no duplicate or orphan chunks.
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


from tests.conftest import ROOT, SAMPLE

NUMERALS = "一二三四五六七八九十"

# Run in a fresh process: open the index, ask, search, and dump records and chunks (nothing is repaired here).
CHECKER = r"""
import json, sys
from assistant.config import Settings
from assistant.assistant import Assistant
a = Assistant(Settings.load())
records = {s: [r.content_hash, r.chunks] for s, r in a.store.documents().items()}
got = a.store._chunks.get(include=["metadatas"])
chunks = [[i, m["source"], m["doc_hash"]] for i, m in zip(got["ids"], got["metadatas"])]
answer = a.ask(sys.argv[1])
hits = a.search(sys.argv[2], k=3)
print(json.dumps({"records": records, "chunks": chunks, "refused": answer.refused,
                  "citations": [[c.source, c.start, c.end, c.quote] for c in answer.citations],
                  "top": [h.chunk.source for h in hits]}, ensure_ascii=False))
"""


def _write_folder(root: Path, n: int) -> None:
    """``n`` distinct reports built from the sample's paragraphs, each with its own headings and markers."""
    paras = [p for p in SAMPLE.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 30]
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        parts = [f"第{i}号工作报告\n"]
        for j in range(10):
            parts.append(f"{NUMERALS[j]}、第{i}号报告第{j}部分\n\n{paras[(i * 7 + j * 3) % len(paras)]}（报告{i}之{j}）\n")
        (root / f"r{i:02d}.txt").write_text("\n".join(parts), encoding="utf-8")


def _env(settings) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "ASSISTANT_EMBEDDING_MODEL": "fake",
           "ASSISTANT_STORE_DIR": settings.store_dir, "ASSISTANT_COLLECTION": settings.collection}
    env.pop("ASSISTANT_CONFIG", None)
    if settings.chroma_url:
        env["ASSISTANT_CHROMA_URL"] = settings.chroma_url
    return env


def _index_killed_at(folder: Path, settings, done: int, delay: float = 0.0, timeout: float = 60) -> bool:
    """Start an indexing run, SIGKILL it ``delay`` s after its progress shows ``done`` files; False if it finished.

    A file takes about 0.1 s here, most of it writing to Chroma, so delays of a few tens of
    milliseconds land the kill inside a document's write rather than between files.
    """
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "index", str(folder)], cwd=ROOT, env=_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    reached = threading.Event()

    def watch() -> None:
        seen = b""
        while chunk := proc.stderr.read1(4096):
            seen = (seen + chunk)[-200:]
            counts = [int(m) for m in re.findall(rb"(\d+)/\d+ \[", seen)]
            if counts and max(counts) >= done:
                reached.set()
                return

    threading.Thread(target=watch, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not reached.is_set() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if reached.is_set():
        time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    return killed


def _index(folder: Path, settings) -> str:
    done = subprocess.run([sys.executable, "-m", "assistant", "index", str(folder), "--quiet"], cwd=ROOT,
                          env=_env(settings), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _check(settings, folder: Path, marker: int) -> dict:
    """Open the index in a fresh process; every committed document must be complete, chunk ids unique."""
    done = subprocess.run([sys.executable, "-c", CHECKER, f"第{marker}号报告第3部分讲了什么？", f"报告{marker}之3"],
                          cwd=ROOT, env=_env(settings), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.strip().splitlines()[-1])
    ids = [c[0] for c in state["chunks"]]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    files = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    for source, (content_hash, n) in state["records"].items():
        assert sum(1 for _, s, h in state["chunks"] if s == source and h == content_hash) == n, f"{source} incomplete"
    records = state["records"]
    state["orphans"] = sum(1 for _, s, h in state["chunks"] if records.get(s, [None])[0] != h)
    print(f"index after kill: {len(records)} documents, {len(ids)} chunks, {state['orphans']} uncommitted")
    for source, start, end, quote in state["citations"]:
        if source in files:  # a removed file's record lives until the run that prunes it finishes
            assert files[source][start:end] == quote
    return state


def _assert_complete(state: dict, folder: Path, marker: int) -> None:
    records = state["records"]
    assert set(records) == {p.name for p in folder.iterdir()}, "document set equals the folder"
    assert all(records.get(s, [None])[0] == h for _, s, h in state["chunks"]), "orphan chunks"
    assert len(state["chunks"]) == sum(n for _, n in records.values())
    assert state["top"][0] == f"r{marker:02d}.txt"


def test_killed_indexing_runs_are_completed(mode_settings, tmp_path):
    """Kills on progress 0, 4, 12, 24 of 36 files (embedded store) or 3, 15 (server; bounds the test time).

    The delayed kills land inside a document's write: at least one must have left uncommitted chunks, or the
    test would not be testing the crash window.
    """
    kills = ((3, 0.05), (15, 0.1)) if mode_settings.chroma_url else ((0, 0.0), (4, 0.04), (12, 0.07), (24, 0.1))
    folder = tmp_path / "docs"
    _write_folder(folder, 36)
    uncommitted, state = [], {"records": {}}
    for done, delay in kills:
        assert _index_killed_at(folder, mode_settings, done, delay), f"the run finished before {done} files"
        state = _check(mode_settings, folder, 5)
        uncommitted.append(state["orphans"])
    # on a slower or loaded machine a file takes longer than the delays assume: look for the write window with other
    # delays, each kill on the next file still to index, until one lands inside a write
    delays = [0.02, 0.03, 0.06, 0.09, 0.13, 0.18, 0.25, 0.35]
    while sum(uncommitted) == 0 and delays and len(state["records"]) < 33:
        done = len(state["records"]) + 1
        assert _index_killed_at(folder, mode_settings, done, delays.pop(0)), f"the run finished before {done} files"
        state = _check(mode_settings, folder, 5)
        uncommitted.append(state["orphans"])
    assert sum(uncommitted) > 0, "no kill landed inside a write"
    out = _index(folder, mode_settings)
    if uncommitted[-1]:
        assert f"清理中断残留片段 {uncommitted[-1]}" in out, out
    state = _check(mode_settings, folder, 30)
    _assert_complete(state, folder, 30)
    assert "未变 36" in _index(folder, mode_settings)


def test_killed_update_run_keeps_old_versions_and_is_completed(tmp_path, fake_settings):
    """Changed and removed files, killed mid-run: committed documents stay whole, the next run finishes."""
    folder = tmp_path / "docs"
    _write_folder(folder, 24)
    _index(folder, fake_settings)
    for i in range(0, 24, 2):
        path = folder / f"r{i:02d}.txt"
        path.write_text(path.read_text(encoding="utf-8") + f"\n十、补充\n\n第{i}号报告新增蓄水池{i}座。\n", encoding="utf-8")
    for i in (21, 23):
        (folder / f"r{i:02d}.txt").unlink()
    assert _index_killed_at(folder, fake_settings, 7, 0.06)
    _check(fake_settings, folder, 5)
    out = _index(folder, fake_settings)
    assert "移除 2" in out
    state = _check(fake_settings, folder, 11)
    _assert_complete(state, folder, 11)
