"""One process per embedded store folder: a second process gets a clear error naming the holder (issue 14)."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.chroma_server import free_port
from tests.conftest import ROOT, SAMPLE
from tests.http_server import AppServer


def _env(store: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return {**env, "ASSISTANT_EMBEDDING_MODEL": "fake", "ASSISTANT_STORE_DIR": str(store), "PYTHONPATH": str(ROOT),
            "HF_HUB_OFFLINE": "1"}


def _cli(args: list[str], store: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=_env(store), capture_output=True,
                          text=True, timeout=300)


def _refused_clearly(run: subprocess.CompletedProcess) -> None:
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert f"pid {os.getpid()}" in run.stderr and "--chroma-url" in run.stderr and "服务器模式" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_second_process_on_a_live_store_fails_clearly(fake_assistant, tmp_path):
    store = Path(fake_assistant.settings.store_dir)
    new = tmp_path / "new.txt"
    new.write_text("关于加强普法工作的通知\n\n各单位要落实普法责任制，2024年普法覆盖率达到95%。\n", encoding="utf-8")
    from assistant.interfaces.api import create_app

    with AppServer(create_app(fake_assistant)) as server:
        _refused_clearly(_cli(["index", str(new)], store))
        _refused_clearly(_cli(["ask", "2023年行政机关负责人出庭应诉率是多少？"], store))
        _refused_clearly(_cli(["search", "普法"], store))
        app = subprocess.run([sys.executable, "app.py", "--store", str(store), "--port", str(free_port())], cwd=ROOT,
                             env=_env(store), capture_output=True, text=True, timeout=300)
        _refused_clearly(app)
        # the running app is untouched and still answers; the refused index added nothing
        for route, body in (("/api/ask", {"question": "2023年行政机关负责人出庭应诉率是多少？"}),
                            ("/api/search", {"query": "普法"}), ("/api/verify", {"claim": "出庭应诉率为100%"})):
            r = requests.post(server.url + route, json=body, timeout=60)
            assert r.status_code == 200, (route, r.text)
        docs = requests.get(server.url + "/api/documents", timeout=30).json()
        assert [d["source"] for d in docs] == [SAMPLE.name]


def test_the_lock_is_shared_within_a_process_and_freed_with_the_last_store(fake_settings, tmp_path):
    from assistant.assistant import Assistant
    from assistant.indexing.store_lock import StoreLockedError, acquire, lock_path

    first = Assistant(fake_settings)
    assert first.index([SAMPLE]).ok
    second = Assistant(fake_settings)  # the same folder in the same process: fine
    assert SAMPLE.name in second.store.documents() and "100%" in second.ask("2023年行政机关负责人出庭应诉率是多少？").text
    assert lock_path(fake_settings.store_dir).read_text().startswith(f"{os.getpid()} writer")
    del first, second
    gc.collect()
    later = _cli(["search", "出庭应诉率", "--store", fake_settings.store_dir], Path(fake_settings.store_dir))
    assert later.returncode == 0 and SAMPLE.name in later.stdout, later.stderr[-2000:]
    # and a lock another process holds is reported with its pid
    holder_proc = subprocess.Popen([sys.executable, "-c", "import sys, time; from assistant.indexing.store_lock import acquire; "
                                    "acquire(sys.argv[1], exclusive=True); print('held', flush=True); time.sleep(60)",
                                    str(tmp_path / "other")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder_proc.stdout.readline().strip() == "held"
        with pytest.raises(StoreLockedError, match=f"pid {holder_proc.pid}"):
            acquire(tmp_path / "other")
    finally:
        holder_proc.kill()
        holder_proc.wait(timeout=30)
        holder_proc.stdout.close()
    acquire(tmp_path / "other", exclusive=True).release()  # the dead holder's lock is gone with it


def test_readers_share_a_store_and_keep_writers_out(fake_settings):
    """Read-only processes (ask, search) run side by side; none may write while another has the folder open."""
    from assistant.assistant import Assistant
    store = Path(fake_settings.store_dir)
    assert Assistant(fake_settings).index([SAMPLE]).ok
    gc.collect()  # this process lets go of the folder
    reader = Assistant(fake_settings)
    assert "100%" in reader.ask("2023年行政机关负责人出庭应诉率是多少？").text  # this process now reads
    other = _cli(["search", "出庭应诉率"], store)  # another reader at the same time: fine
    assert other.returncode == 0 and SAMPLE.name in other.stdout, other.stderr[-2000:]
    new = store.parent / "new.txt"
    new.write_text("关于加强普法工作的通知\n\n各单位要落实普法责任制。\n", encoding="utf-8")
    _refused_clearly(_cli(["index", str(new)], store))  # a writer while this process reads: refused
    assert set(reader.store.documents()) == {SAMPLE.name}
    holder_proc = subprocess.Popen([sys.executable, "-m", "assistant", "search", "出庭应诉率", "--store", str(store)],
                                   cwd=ROOT, env=_env(store), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    holder_proc.wait(timeout=300)
    assert reader.index([new]).ok  # with the other reader gone, this process may write (and now holds the folder)
    _refused_clearly(_cli(["search", "普法"], store))  # so readers are refused while it writes


def test_a_locked_store_is_a_409_not_a_500(fake_settings, tmp_path):
    """An API whose store another process holds answers with the app's error format."""
    from assistant.interfaces.api import create_api
    from assistant.assistant import Assistant

    holder_proc = subprocess.Popen([sys.executable, "-c", "import sys, time; from assistant.indexing.store_lock import acquire; "
                                    "acquire(sys.argv[1], exclusive=True); print('held', flush=True); time.sleep(60)",
                                    fake_settings.store_dir], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder_proc.stdout.readline().strip() == "held"
        with AppServer(create_api(Assistant(fake_settings))) as server:
            for method, route, body in (("post", "/api/ask", {"question": "出庭应诉率是多少？"}),
                                        ("get", "/api/health", None), ("get", "/api/documents", None)):
                r = requests.request(method, server.url + route, json=body, timeout=60)
                assert r.status_code == 409 and f"pid {holder_proc.pid}" in r.json()["detail"], (route, r.text)
    finally:
        holder_proc.kill()
        holder_proc.wait(timeout=30)
        holder_proc.stdout.close()
