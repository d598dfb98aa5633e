"""Cross-site forgery and server-file reads from a real headless Chromium (issue 14).

The app runs as ``create_app`` builds it (API + workspace, on a free port). A page served from another port on
127.0.0.1 (another origin, as an attacker's site would be) posts the forged report with a no-cors ``fetch`` of
FormData, a classic form submission and a Gradio event; the app's own page asks the upload event for a server file.
Nothing may be indexed, replaced or read; the workspace's real upload still works.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.chroma_server import free_port
from tests.conftest import SAMPLE
from tests.http_server import AppServer
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install -y chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the Playwright package is absent (pip install playwright)")

QUESTION = "2023年行政机关负责人出庭应诉率是多少？"
FORGED = "许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告\n\n2023年行政机关负责人出庭应诉率3%。\n"

ATTACK = """<!doctype html><meta charset="utf-8"><title>waiting</title>
<form id="f" method="POST" enctype="multipart/form-data" target="sink"><input type="file" name="files" id="i"></form>
<iframe name="sink" id="sink"></iframe>
<script>
const APP = %(app)s, NAME = %(name)s, FORGED = %(forged)s;
function forged() {
  const fd = new FormData();
  fd.append("files", new Blob([FORGED], {type: "text/plain"}), NAME);
  return fd;
}
async function attack() {
  const sent = [];
  for (const [path, body, headers] of [
      ["/api/index", forged(), {}],
      ["/gradio_api/upload", forged(), {}],
      ["/gradio_api/call/on_upload",
       JSON.stringify({data: [[{path: "/etc/hostname", meta: {_type: "gradio.FileData"}}]]}),
       {"Content-Type": "text/plain"}],
  ]) {
    try { await fetch(APP + path, {method: "POST", mode: "no-cors", body, headers}); sent.push(path); }
    catch (e) { sent.push(path + " failed: " + e); }
  }
  // the classic forgery: a form posted to the app, the forged file set from script
  const dt = new DataTransfer();
  dt.items.add(new File([FORGED], NAME, {type: "text/plain"}));
  document.getElementById("i").files = dt.files;
  const form = document.getElementById("f");
  form.action = APP + "/api/index";
  document.getElementById("sink").onload = () => { sent.push("form"); window.sent = sent; document.title = "done"; };
  form.submit();
}
attack();
</script>"""


class AttackerSite:
    """A page on another origin (127.0.0.1, another port), served by http.server in a thread."""

    def __init__(self, page: str):
        body = page.encode("utf-8")

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # http.server's naming
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/attack.html"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def app_server(fake_assistant):
    from assistant.interfaces.api import create_app

    with AppServer(create_app(fake_assistant)) as server:
        yield server, fake_assistant


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def snapshot(assistant) -> dict:
    return {s: r.content_hash for s, r in assistant.store.documents().items()}


def test_a_page_on_another_origin_cannot_replace_documents(app_server, browser, tmp_path):
    server, assistant = app_server
    before = snapshot(assistant)
    site = AttackerSite(ATTACK % {"app": json.dumps(server.url), "name": json.dumps(SAMPLE.name),
                                  "forged": json.dumps(FORGED)})
    try:
        page = browser.new_page()
        statuses: list[tuple[str, int]] = []
        page.on("response", lambda r: statuses.append((r.request.method + " " + r.url, r.status))
                if r.url.startswith(server.url) else None)
        page.goto(site.url)
        page.wait_for_function("document.title === 'done'", timeout=60_000)
        sent = page.evaluate("window.sent")
        assert sent == ["/api/index", "/gradio_api/upload", "/gradio_api/call/on_upload", "form"], sent
    finally:
        site.close()
    posts = [(u, s) for u, s in statuses if u.startswith("POST")]
    assert len(posts) == 4 and all(s == 403 for _, s in posts), statuses  # each reached the app and was refused
    assert snapshot(assistant) == before
    uploads = Path(assistant.settings.store_dir) / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    answer = requests.post(server.url + "/api/ask", json={"question": QUESTION}, timeout=60).json()["answer"]
    assert "100%" in answer and "3%" not in answer.replace("100%", "")


def test_the_apps_own_page_cannot_read_a_server_file_but_can_upload(app_server, browser, tmp_path):
    server, assistant = app_server
    secret = tmp_path / "secret.txt"
    secret.write_text("机密：服务器口令是 zebra-4711。\n" * 5, encoding="utf-8")
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(60_000)
    page.goto(server.url + "/")
    page.wait_for_selector("#chat")
    result = page.evaluate("""async (path) => {
        const r = await fetch("/gradio_api/call/on_upload", {method: "POST", headers: {"Content-Type": "application/json"},
            body: JSON.stringify({data: [[{path, meta: {_type: "gradio.FileData"}}]]})});
        const {event_id} = await r.json();
        return await (await fetch("/gradio_api/call/on_upload/" + event_id)).text();
    }""", str(secret))
    assert "event: error" in result and "zebra-4711" not in result, result[:500]
    assert "secret.txt" not in snapshot(assistant)
    hits = requests.post(server.url + "/api/search", json={"query": "zebra-4711"}, timeout=60).json()
    assert not any("zebra-4711" in h["text"] for h in hits)
    # the workspace's own upload (same origin, a file Gradio received) goes through every check and indexes
    good = tmp_path / "普法通知.txt"
    good.write_text("关于加强普法工作的通知\n\n各单位要落实普法责任制，2024年普法覆盖率达到95%。\n", encoding="utf-8")
    page.get_by_role("tab", name="文档").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(good))
    sync_api.expect(page.locator("#upload-files")).to_contain_text("普法通知")
    page.locator("#upload-btn").click()
    sync_api.expect(page.locator("#upload-status span.st-added")).to_be_visible(timeout=120_000)
    assert good.name in snapshot(assistant)
