"""A real Chroma server process for tests: ``chroma run`` from the installed chromadb, on 127.0.0.1 only.

>>> server = ChromaServer.start("/tmp/db")  # doctest: +SKIP
>>> server.url  # doctest: +SKIP
'http://127.0.0.1:49213'
>>> server.stop()  # doctest: +SKIP
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def chroma_command() -> str:
    """The ``chroma`` CLI beside the running interpreter (the project's .venv), else on PATH."""
    local = Path(sys.executable).with_name("chroma")
    if local.exists():
        return str(local)
    found = shutil.which("chroma")
    if not found:
        raise RuntimeError("找不到 chroma 命令，请安装 chromadb / the `chroma` CLI (chromadb package) is not installed")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ChromaServer:
    """One ``chroma run`` process and where it listens."""

    process: subprocess.Popen
    port: int
    path: str
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, path: str | os.PathLike, timeout: float = 60.0) -> "ChromaServer":
        """Start the server on a free port and wait until its heartbeat answers."""
        path = str(path)
        os.makedirs(path, exist_ok=True)
        log = Path(path).with_name(Path(path).name + "-server.log")
        last_error: Exception | None = None
        for _ in range(3):  # another process may take the free port before the server binds it
            port = free_port()
            with open(log, "ab") as out:
                process = subprocess.Popen(
                    [chroma_command(), "run", "--path", path, "--host", "127.0.0.1", "--port", str(port)],
                    stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
                    start_new_session=True,
                )
            server = cls(process, port, path, log)
            try:
                server.wait_ready(timeout)
                return server
            except RuntimeError as exc:
                last_error = exc
                server.stop()
        raise RuntimeError(f"Chroma server did not start: {last_error}")

    def heartbeat(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"exited with code {self.process.returncode}; log: {self.log.read_text()[-2000:]}")
            if self.heartbeat():
                return
            time.sleep(0.2)
        raise RuntimeError(f"no heartbeat after {timeout:.0f} s; log: {self.log}")

    def stop(self) -> None:
        stop_group(self.process)


def stop_group(process: subprocess.Popen) -> None:
    """Terminate a server started in its own process group (the whole group), killing it if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
