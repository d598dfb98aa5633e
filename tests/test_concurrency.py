"""Many users at once while an upload is indexing: no errors, every answer goes to the client that asked."""
from __future__ import annotations

import time

import requests

from benchmarks.load_test import Recorder, client, uploader
from tests.http_server import AppServer


def test_concurrent_queries_during_uploads(fake_assistant):
    from assistant.api import create_app

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
