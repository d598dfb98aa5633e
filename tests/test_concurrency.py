"""Many users at once while an upload is indexing: no errors, every answer goes to the client that asked."""
from __future__ import annotations

import time

import requests

from benchmarks.load_test import Recorder, client, uploader
from tests.http_server import AppServer


def test_concurrent_queries_during_uploads(fake_assistant):
    from assistant.interfaces.api import create_app

    with AppServer(create_app(fake_assistant)) as server:
        rec = Recorder()
        deadline = time.monotonic() + 8
        import threading

        threads = [threading.Thread(target=client, args=(server.url, None, deadline, rec, i)) for i in range(8)]
        threads.append(threading.Thread(target=uploader, args=(server.url, None, deadline, rec, 0.5)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not rec.errors, rec.errors[:5]
        assert sum(len(v) for k, v in rec.times.items() if k != "index") >= 16
        uploads = len(rec.times.get("index", []))
        assert uploads >= 2
        docs = {d["source"] for d in requests.get(server.url + "/api/documents", timeout=30).json()}
        assert {f"load-{n}.txt" for n in range(1, uploads + 1)} <= docs
        hits = requests.post(server.url + "/api/search", json={"query": f"第{uploads}批行政执法案卷评查"}, timeout=30).json()
        assert any(h["source"] == f"load-{uploads}.txt" for h in hits[:5])
        assert fake_assistant.store.count() == sum(d["chunks"] for d in
                                                   requests.get(server.url + "/api/documents", timeout=30).json())


TOPICS = ["行政应诉案件", "行政复议案件", "普法主题宣传活动", "法律顾问"]


def test_chat_sessions_keep_their_own_history_under_load(fake_assistant):
    """Sixteen sessions at once, each asking about its own topic and then a bare follow-up: each follow-up is
    understood with its own session's topic, never another's."""
    import threading

    from assistant.interfaces.api import create_app

    errors: list[str] = []

    def converse(n: int) -> None:
        topic = TOPICS[n % len(TOPICS)]
        session = f"s{n}"
        try:
            for _ in range(3):
                first = requests.post(server.url + "/api/chat", json={"session": session,
                                      "message": f"示范区2023年{topic}有多少？"}, timeout=120).json()
                assert first["standalone"] == f"示范区2023年{topic}有多少？", first
                follow = requests.post(server.url + "/api/chat", json={"session": session, "message": "那2022年呢？"},
                                       timeout=120).json()
                assert topic in follow["standalone"] and "2022" in follow["standalone"], (topic, follow["standalone"])
                assert all(t not in follow["standalone"] for t in TOPICS if t != topic), follow["standalone"]
        except Exception as exc:  # collected: assertion errors in threads would be lost
            errors.append(f"{session}: {exc!r}")

    with AppServer(create_app(fake_assistant)) as server:
        threads = [threading.Thread(target=converse, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert not errors, errors[:3]
        ended = requests.delete(server.url + "/api/chat/s0", timeout=30).json()
        assert ended["ended"] is True
        fresh = requests.post(server.url + "/api/chat", json={"session": "s0", "message": "那2022年呢？"}, timeout=120)
        assert fresh.json()["standalone"] == "那2022年呢？"
