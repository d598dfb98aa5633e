"""Access control over real HTTP: with credentials set, the workspace and every API route refuse strangers."""
from __future__ import annotations

import pytest
import requests

from tests.http_server import AppServer

USER, PASSWORD = "staff", "s3cret-口令"
AUTH = (USER, PASSWORD.encode("utf-8"))  # requests would encode a str as Latin-1
# Gradio routes open before login: the login form, static assets, the page shell and status pings. They must not
# give away anything indexed; the test reads each and looks for document text.
PUBLIC = {"/", "/login", "/login/", "/logout", "/favicon.ico", "/theme.css", "/robots.txt", "/manifest.json",
          "/svelte/{path:path}", "/static/{path:path}", "/assets/{path:path}", "/pwa_icon", "/pwa_icon/{size}",
          "/gradio_api/theme.css", "/gradio_api/user", "/gradio_api/user/", "/gradio_api/token", "/gradio_api/token/",
          "/gradio_api/app_id", "/gradio_api/app_id/", "/gradio_api/startup-events", "/gradio_api/runs",
          "/gradio_api/runs/", "/gradio_api/heartbeat/{session_hash}"}
SECRET_TEXT = ("出庭应诉率", "xuchang", "法治建设工作")


@pytest.fixture
def secured(fake_assistant):
    from assistant.interfaces.api import Credentials, create_app

    app = create_app(fake_assistant, Credentials(USER, PASSWORD))
    with AppServer(app) as server:
        yield server, app, fake_assistant


def routes(app, prefix: str = ""):
    """(method, path) of every route: the API's and the mounted Gradio app's, nested mounts included."""
    out = []
    for r in app.routes:
        path = prefix + (getattr(r, "path", "") or "")
        sub = getattr(r, "app", None) or getattr(r, "original_router", None)
        if hasattr(sub, "routes") and not getattr(r, "methods", None):
            out += routes(sub, path.rstrip("/"))
            continue
        for m in sorted(getattr(r, "methods", None) or {"GET"}):
            if path and m != "HEAD":
                out.append((m, path))
    return out


def concrete(path: str) -> str:
    return (path.replace("{source:path}", "x.txt").replace("{path:path}", "x").replace("{", "").replace("}", ""))


def test_every_api_route_refuses_without_or_with_wrong_credentials(secured):
    server, app, _ = secured
    api = [(m, p) for m, p in routes(app) if p.startswith("/api")]
    assert len(api) >= 9
    for method, path in api:
        url = server.url + concrete(path)
        anon = requests.request(method, url, timeout=30)
        assert anon.status_code == 401, (method, path, anon.status_code)
        assert anon.headers.get("WWW-Authenticate", "").startswith("Basic")
        wrong = requests.request(method, url, auth=(USER, "guess"), timeout=30)
        assert wrong.status_code == 401, (method, path)


def test_api_works_with_credentials(secured):
    server, _, _ = secured
    r = requests.post(server.url + "/api/ask", json={"question": "2023年行政机关负责人出庭应诉率是多少？"},
                      auth=AUTH, timeout=60)
    assert r.status_code == 200 and "100%" in r.json()["answer"]
    assert requests.get(server.url + "/api/openapi.json", auth=AUTH, timeout=30).status_code == 200


def head(method: str, url: str) -> tuple[int, str]:
    """Status and the first 64 KB of the body (some routes stream forever)."""
    with requests.request(method, url, timeout=10, stream=True) as r:
        body = b""
        try:
            for block in r.iter_content(8192):
                body += block
                if len(body) > 65536:
                    break
        except requests.RequestException:
            pass
        return r.status_code, body.decode("utf-8", "replace")


def test_workspace_needs_a_login(secured):
    server, app, _ = secured
    everything = [(m, p) for m, p in routes(app) if not p.startswith("/api")]
    assert len(everything) > 40
    for method, path in everything:
        status, body = head(method, server.url + concrete(path))
        if path in PUBLIC:
            assert not any(t in body for t in SECRET_TEXT), (method, path)
        else:  # refused, or rejected as malformed before the login check
            assert status in (401, 403, 404, 405, 422), (method, path, status)
    page = requests.get(server.url + "/", timeout=30)
    assert '"auth_required":true' in page.text.replace(" ", "")
    session = requests.Session()
    assert session.post(server.url + "/login", data={"username": USER, "password": "guess"}, timeout=30).status_code \
        in (400, 401)
    assert session.get(server.url + "/config", timeout=30).status_code == 401
    assert session.post(server.url + "/login", data={"username": USER, "password": PASSWORD}, timeout=30).ok
    assert session.get(server.url + "/config", timeout=30).status_code == 200
    assert session.get(server.url + "/gradio_api/info", timeout=30).status_code == 200


def test_uploads_never_escape_the_upload_folder(secured, tmp_path):
    server, _, assistant = secured
    from assistant.indexing.uploads import upload_dir

    store = upload_dir(assistant.settings)
    outside = store.parent.parent
    before = set(p for p in outside.rglob("*"))
    names = ["../../x.txt", "..\\..\\y.txt", "/etc/z.txt", "a\x00b\x07\n.txt", "....txt"]
    files = [("files", (n, "关于加强普法工作的通知：各单位要落实普法责任制。".encode("utf-8"), "text/plain")) for n in names]
    r = requests.post(server.url + "/api/index", files=files, auth=AUTH, timeout=60)
    assert r.status_code == 200, r.text
    created = set(p for p in outside.rglob("*")) - before
    assert created, "the uploads were saved somewhere"
    for p in created:
        assert p.resolve().is_relative_to(store.resolve()) or p.resolve().is_relative_to(store.parent.resolve()), p
    kept = {p.name for p in store.iterdir() if p.is_file()}
    assert kept >= {"x.txt", "y.txt", "z.txt"}
    assert all(n.isprintable() and not n.startswith(".") and "/" not in n and "\\" not in n for n in kept), kept
    assert not (outside / "x.txt").exists() and not (outside.parent / "x.txt").exists()


def test_default_bind_is_localhost():
    from assistant.config import Settings

    assert Settings.load(env={}).host == "127.0.0.1"
