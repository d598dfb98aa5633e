"""Security probes over real HTTP against the running app (uvicorn on a free port): file reads through the upload
event, cross-site writes, Host names, the insecure-bind refusal, request limits, login back-off (issue 14).

Every probe checks that nothing was indexed, replaced or read, not only the status code.
"""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.chroma_server import free_port
from tests.conftest import ROOT, SAMPLE
from tests.http_server import AppServer

SECRET = "机密：服务器口令是 zebra-4711，不得外传。\n"
QUESTION = "2023年行政机关负责人出庭应诉率是多少？"
USER, PASSWORD = "staff", "s3cret-口令"


def file_data(path) -> dict:
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}}


def call_event(url: str, api_name: str, data: list, **kw) -> str:
    """Run a Gradio event through its HTTP API (POST, then read the result stream); the stream's text."""
    r = requests.post(f"{url}/gradio_api/call/{api_name}", json={"data": data}, timeout=60, **kw)
    if r.status_code != 200:
        return f"HTTP {r.status_code} {r.text}"
    result = requests.get(f"{url}/gradio_api/call/{api_name}/{r.json()['event_id']}", timeout=120, **kw)
    lines = []
    for line in result.text.splitlines():  # "event: complete|error" then "data: <JSON>"
        kind, _, payload = line.partition(": ")
        lines.append(json.dumps(json.loads(payload), ensure_ascii=False) if kind == "data" and payload else line)
    return "\n".join(lines)


def snapshot(assistant) -> dict:
    return {s: r.content_hash for s, r in assistant.store.documents().items()}


def leaked(url: str, words: str = "zebra-4711") -> bool:
    hits = requests.post(url + "/api/search", json={"query": words}, timeout=60).json()
    return any(words in h["text"] for h in hits)


@pytest.fixture
def served(fake_assistant):
    from assistant.interfaces.api import create_app

    with AppServer(create_app(fake_assistant)) as server:
        yield server, fake_assistant


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET * 5, encoding="utf-8")
    return path


# -- severe 1: server files through the upload event ------------------------------------------------------
def test_upload_event_refuses_a_server_path(served, secret):
    server, assistant = served
    before = snapshot(assistant)
    for path in (secret, ROOT / "README.md", Path("/etc/hostname")):
        out = call_event(server.url, "on_upload", [[file_data(path)]])
        assert "error" in out, out[:300]
    assert snapshot(assistant) == before
    uploads = Path(assistant.settings.store_dir) / "uploads"
    assert not uploads.exists() or not any(p.is_file() for p in uploads.iterdir())
    assert not leaked(server.url)
    for path in (secret, ROOT / "README.md", Path(assistant.settings.store_dir) / "chroma.sqlite3"):  # nor served
        r = requests.get(f"{server.url}/gradio_api/file={path}", timeout=30)
        assert r.status_code in (403, 404) and "zebra-4711" not in r.text, (path, r.status_code)


def test_upload_event_refuses_gradio_cache_files_this_client_never_uploaded(served, secret):
    from gradio.utils import get_upload_folder

    server, assistant = served
    before = snapshot(assistant)
    planted = Path(get_upload_folder()) / "not-uploaded-by-anyone" / "secret.txt"  # e.g. another user's export
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(SECRET * 5, encoding="utf-8")
    link = Path(get_upload_folder()) / "not-uploaded-by-anyone" / "link.txt"
    link.unlink(missing_ok=True)
    link.symlink_to(secret)
    try:
        for path in (planted, link):
            out = call_event(server.url, "on_upload", [[file_data(path)]])
            assert "error" in out or "已拒绝" in out, out[:300]
        # a file this client did upload, named by another client (another login cookie): refused as well
        up = requests.post(server.url + "/gradio_api/upload", files=[("files", ("secret.txt", SECRET.encode()))],
                           cookies={"access-token-x": "someone-else"}, timeout=60)
        assert up.status_code == 200
        out = call_event(server.url, "on_upload", [[file_data(up.json()[0])]])
        assert "已拒绝" in out, out[:300]
        assert snapshot(assistant) == before and not leaked(server.url)
        # the same upload from the client that made it is indexed: the refusals above are not a broken handler
        out = call_event(server.url, "on_upload", [[file_data(up.json()[0])]], cookies={"access-token-x": "someone-else"})
        assert "secret.txt" in snapshot(assistant), out[:300]
        assert not Path(up.json()[0]).exists()  # Gradio's temporary copy is gone once the file is kept
    finally:
        link.unlink(missing_ok=True)
        planted.unlink(missing_ok=True)


def test_accept_uploads_checks_folder_set_client_and_symlinks(tmp_path):
    from assistant.interfaces.upload_guard import UploadLedger, accept_uploads

    cache = tmp_path / "cache"
    (cache / "a").mkdir(parents=True)
    good = cache / "a" / "good.txt"
    good.write_text("x")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    link = cache / "a" / "link.txt"
    link.symlink_to(outside)
    ledger = UploadLedger()
    ledger.record("me", [good, link])
    received = {str(good), str(link), str(outside)}
    ok, refused = accept_uploads([str(good), str(link), str(outside), str(cache / "a" / ".." / ".." / "outside.txt")],
                                 "me", cache, received, ledger)
    assert ok == [str(good)] and len(refused) == 3
    assert accept_uploads([str(good)], "someone else", cache, received, ledger) == ([], [str(good)])
    assert accept_uploads([str(good)], "me", cache, set(), ledger) == ([], [str(good)])  # Gradio never received it


# -- severe 2: cross-site writes and foreign Host names ------------------------------------------------------
FORGED = "许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告\n\n2023年行政机关负责人出庭应诉率3%。\n"


def test_cross_site_writes_are_refused_and_change_nothing(served):
    server, assistant = served
    before = snapshot(assistant)
    files = [("files", (SAMPLE.name, FORGED.encode("utf-8"), "text/plain"))]
    other = f"http://127.0.0.1:{free_port()}"
    for headers in ({"Origin": other}, {"Origin": "null"}, {"Referer": other + "/attack.html"},
                    {"Origin": f"http://localhost:{server.port}"}, {"Origin": "http://evil.example"}):
        r = requests.post(server.url + "/api/index", files=files, headers=headers, timeout=60)
        assert r.status_code == 403 and "其他网站" in r.json()["detail"], (headers, r.status_code)
        d = requests.delete(server.url + f"/api/documents/{SAMPLE.name}", headers=headers, timeout=60)
        assert d.status_code == 403, headers
        up = requests.post(server.url + "/gradio_api/upload", files=files, headers=headers, timeout=60)
        assert up.status_code == 403, headers
        join = requests.post(server.url + "/gradio_api/queue/join", json={"data": [], "fn_index": 0,
                             "session_hash": "x"}, headers=headers, timeout=60)
        assert join.status_code == 403, headers
    assert snapshot(assistant) == before
    ask = requests.post(server.url + "/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert "100%" in ask["answer"] and "3%" not in ask["answer"].replace("100%", "")
    # the app's own pages (same origin) and programs without Origin still write
    same = requests.post(server.url + "/api/index", files=[("files", ("ok.txt", "各单位要落实普法责任制。".encode()))],
                         headers={"Origin": server.url}, timeout=60)
    assert same.status_code == 200 and same.json()["ok"]


def test_foreign_host_names_are_refused(served):
    server, _ = served
    for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1.nip.io", ""):
        r = requests.get(server.url + "/api/health", headers={"Host": host}, timeout=30)
        assert r.status_code == 400 and "allowed_hosts" in r.json()["detail"], host
        page = requests.get(server.url + "/", headers={"Host": host}, timeout=30)
        assert page.status_code == 400 and "出庭应诉率" not in page.text
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"LOCALHOST:{server.port}"):
        assert requests.get(server.url + "/api/health", headers={"Host": host}, timeout=30).status_code == 200


def test_allowed_hosts_setting():
    from assistant.config import Settings
    from assistant.interfaces.security import allowed_hosts

    assert allowed_hosts(Settings()) == {"127.0.0.1", "localhost", "::1"}
    assert "docs.intranet" in allowed_hosts(Settings.load(env={"ASSISTANT_ALLOWED_HOSTS": "docs.intranet, 10.0.0.5"}))
    assert "10.0.0.5" in allowed_hosts(Settings(host="10.0.0.5"))
    assert allowed_hosts(Settings(allowed_hosts="*")) is None


def _app_env(store: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return {**env, "ASSISTANT_EMBEDDING_MODEL": "fake", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **extra}


def test_app_refuses_a_network_bind_without_a_login(tmp_path):
    store = tmp_path / "index"
    cmd = [sys.executable, "app.py", "--host", "0.0.0.0", "--port", str(free_port()), "--store", str(store)]
    started = time.monotonic()
    run = subprocess.run(cmd, cwd=ROOT, env=_app_env(store), capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "--insecure-no-auth" in run.stderr and "ASSISTANT_PASSWORD" in run.stderr
    assert "Traceback" not in run.stderr and time.monotonic() - started < 60
    assert not (store / "uploads").exists()  # refused before any work
    from assistant.interfaces.security import InsecureBindError, check_exposure

    check_exposure("127.0.0.1", False)
    check_exposure("0.0.0.0", True)
    check_exposure("0.0.0.0", False, insecure_no_auth=True)
    with pytest.raises(InsecureBindError):
        check_exposure("192.168.1.20", False)


def test_insecure_no_auth_starts_and_still_checks_the_host(tmp_path):
    store, port = tmp_path / "index", free_port()
    cmd = [sys.executable, "app.py", "--host", "0.0.0.0", "--port", str(port), "--store", str(store),
           "--insecure-no-auth"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_app_env(store), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline, health = time.monotonic() + 240, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        assert health is not None and health.status_code == 200 and health.json()["documents"] == 1
        foreign = requests.get(f"http://127.0.0.1:{port}/api/health", headers={"Host": "rebind.example"}, timeout=5)
        assert foreign.status_code == 400
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()


# -- defect 3: bounded requests -----------------------------------------------------------------------------
class SlowAsk:
    """Counts the questions the server really works on, each taking ``seconds``."""

    def __init__(self, assistant, seconds: float):
        self.calls, self.ask, self.seconds = 0, assistant.ask, seconds

    def __call__(self, *args, **kwargs):
        self.calls += 1
        time.sleep(self.seconds)
        return self.ask(*args, **kwargs)


def test_batch_is_capped_and_stops_when_the_client_leaves(fake_settings):
    from assistant.interfaces.api import create_app
    from assistant.assistant import Assistant

    assistant = Assistant(fake_settings.replace(max_batch_questions=50))
    assert assistant.index([SAMPLE]).ok
    slow = assistant.ask = SlowAsk(assistant, 0.1)
    with AppServer(create_app(assistant)) as server:
        too_many = requests.post(server.url + "/api/ask/batch", json=[{"question": QUESTION}] * 51, timeout=30)
        assert too_many.status_code == 413 and "50" in too_many.json()["detail"] and slow.calls == 0
        with pytest.raises(requests.ReadTimeout):
            requests.post(server.url + "/api/ask/batch", json=[{"id": i, "question": QUESTION} for i in range(50)],
                          timeout=1.0)
        time.sleep(1.0)
        stopped_at = slow.calls
        time.sleep(1.5)
        assert slow.calls == stopped_at and stopped_at < 30, (stopped_at, slow.calls)


def test_batch_time_budget_and_per_line_errors(fake_settings):
    from assistant.interfaces.api import create_app
    from assistant.assistant import Assistant

    assistant = Assistant(fake_settings.replace(request_seconds=1.0))
    assert assistant.index([SAMPLE]).ok
    slow = assistant.ask = SlowAsk(assistant, 0.2)
    with AppServer(create_app(assistant)) as server:
        rows = [{"id": 0, "question": QUESTION}, {"id": 1}, {"id": 2, "question": 5}, "text",
                *({"id": i, "question": QUESTION} for i in range(3, 40))]
        started = time.monotonic()
        out = requests.post(server.url + "/api/ask/batch", json=rows, timeout=60).json()
        assert time.monotonic() - started < 10 and slow.calls < 15
        assert len(out) == len(rows) and [o["id"] for o in out[:3]] == [0, 1, 2]
        assert "100%" in out[0]["answer"] and "error" not in out[0]
        assert "question" in out[1]["error"] and "格式不对" in out[1]["error"] and out[1]["refused"]
        assert "格式不对" in out[2]["error"] and "格式不对" in out[3]["error"]
        assert "时间上限" in out[-1]["error"]


def test_gradio_upload_has_the_file_size_cap(fake_settings, tmp_path, monkeypatch):
    from assistant.interfaces.api import create_app
    from assistant.assistant import Assistant

    cache = tmp_path / "gradio-cache"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    assistant = Assistant(fake_settings.replace(max_file_bytes=2**20))
    with AppServer(create_app(assistant)) as server:
        big = requests.post(server.url + "/gradio_api/upload", files=[("files", ("big.txt", b"a" * (2**20 + 10)))],
                            timeout=60)
        assert big.status_code == 413
        kept = [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
        assert not any(p.stat().st_size > 2**20 for p in kept), kept
        small = requests.post(server.url + "/gradio_api/upload", files=[("files", ("ok.txt", b"a" * 1000))], timeout=60)
        assert small.status_code == 200 and Path(small.json()[0]).is_relative_to(cache)


def test_invalid_utf8_gets_the_apps_error_format(served):
    server, _ = served
    for path in ("/api/ask", "/api/search", "/api/ask/batch"):
        r = requests.post(server.url + path, data=b'{"question": "\xff\xfe\x80"}',
                          headers={"Content-Type": "application/json"}, timeout=30)
        assert r.status_code == 400 and "UTF-8" in r.json()["detail"] and "请" in r.json()["detail"], r.text


# -- defect 7: login back-off, session control --------------------------------------------------------------
@pytest.fixture
def secured(fake_assistant):
    from assistant.interfaces.api import Credentials, create_app

    assistant = fake_assistant
    quick = {"login_attempts": 3, "login_backoff_seconds": 1.5}  # (fields checked: the probes also run on old code)
    assistant.settings = assistant.settings.replace(**{k: v for k, v in quick.items() if hasattr(assistant.settings, k)})
    with AppServer(create_app(assistant, Credentials(USER, PASSWORD))) as server:
        yield server


def _status_from(source: str, port: int, path: str, auth: tuple[str, str]) -> int:
    import base64

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    conn.request("GET", path, headers={"Authorization": f"Basic {token}"})
    status = conn.getresponse().status
    conn.close()
    return status


def test_wrong_passwords_back_off_per_client_on_the_api(secured):
    server = secured
    good = (USER, PASSWORD.encode())
    for _ in range(3):
        assert requests.get(server.url + "/api/health", auth=(USER, "guess"), timeout=30).status_code == 401
    blocked = requests.get(server.url + "/api/health", auth=good, timeout=30)  # not even checked now
    assert blocked.status_code == 401 and "次数过多" in blocked.json()["detail"]
    assert int(blocked.headers["Retry-After"]) >= 1
    assert _status_from("127.0.0.2", server.port, "/api/health", (USER, PASSWORD)) == 200  # another client: unaffected
    time.sleep(1.6)
    assert requests.get(server.url + "/api/health", auth=(USER, "guess"), timeout=30).status_code == 401
    longer = requests.get(server.url + "/api/health", auth=good, timeout=30)
    assert longer.status_code == 401 and int(longer.headers["Retry-After"]) >= 2  # the wait doubled
    time.sleep(3.1)
    assert requests.get(server.url + "/api/health", auth=good, timeout=30).status_code == 200


def test_wrong_passwords_back_off_on_the_login_page(secured):
    server = secured
    for _ in range(3):
        assert requests.post(server.url + "/login", data={"username": USER, "password": "guess"},
                             timeout=30).status_code == 400
    session = requests.Session()
    blocked = session.post(server.url + "/login", data={"username": USER, "password": PASSWORD}, timeout=30)
    assert blocked.status_code == 429 and "次数过多" in blocked.json()["detail"] and blocked.headers["Retry-After"]
    assert session.get(server.url + "/config", timeout=30).status_code == 401
    time.sleep(1.6)
    assert session.post(server.url + "/login", data={"username": USER, "password": PASSWORD}, timeout=30).ok
    assert session.get(server.url + "/config", timeout=30).status_code == 200


def test_cancel_and_reset_need_the_login(secured):
    server = secured
    cancel = {"session_hash": "abc", "fn_index": 0, "event_id": "e1"}
    assert requests.post(server.url + "/gradio_api/cancel", json=cancel, timeout=30).status_code == 401
    assert requests.post(server.url + "/gradio_api/reset", json={"event_id": "e1"}, timeout=30).status_code == 401
    session = requests.Session()
    assert session.post(server.url + "/login", data={"username": USER, "password": PASSWORD}, timeout=30).ok
    assert session.post(server.url + "/gradio_api/cancel", json=cancel, timeout=30).status_code == 200
    assert session.post(server.url + "/gradio_api/reset", json={"event_id": "e1"}, timeout=30).status_code == 200
