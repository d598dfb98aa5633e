"""End to end in a real browser: upload the sample report, ask, open the citation, search with a filter, verify.

Runs the workspace on a free localhost port with a fresh store and the real default embedding model, and drives
Debian's headless Chromium (/usr/bin/chromium) through Playwright. Screenshots of every step are written to
``test-output/screenshots/``. Skipped when Chromium or the Playwright package is absent.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.chroma_server import free_port
from tests.conftest import ROOT, SAMPLE, model_cache_dir

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "screenshots"
QUESTION = "2023年行政机关负责人出庭应诉率是多少？"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install -y chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the Playwright package is absent (pip install playwright)")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(url, assistant): the workspace on a fresh store with the real model, served from this process."""
    from assistant.config import Settings
    from assistant.assistant import Assistant
    from assistant.interfaces.ui import build_ui

    port = free_port()
    store = tmp_path_factory.mktemp("browser-index")
    assistant = Assistant(Settings(store_dir=str(store), model_cache_dir=model_cache_dir(), port=port))
    assert assistant.embedder.model_id  # build / load the model before the browser waits on it
    assert not assistant.store.documents()  # a fresh store: the upload below really indexes
    demo = build_ui(assistant)
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", assistant
    finally:
        demo.close()


@pytest.fixture(scope="module")
def page(served):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        context.set_default_timeout(60_000)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto(served[0])
        pg.wait_for_selector("#chat")
        pg.errors = errors
        yield pg
        browser.close()


def shot(page, name: str) -> None:
    page.wait_for_timeout(400)  # let transitions settle
    page.screenshot(path=str(SHOTS / name))


def test_upload_ask_cite_search_verify(served, page):
    expect = sync_api.expect
    url, assistant = served
    expect.set_options(timeout=60_000)  # the first question loads jieba and builds BM25 on 2 cores
    shot(page, "01_start.png")

    # 文档: upload the sample report into the empty store and index it
    page.get_by_role("tab", name="文档").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(SAMPLE))
    # Gradio renders the name as stem and suffix in separate elements; wait for the stem
    expect(page.locator("#upload-files")).to_contain_text(SAMPLE.stem)
    page.locator("#upload-btn").click()
    expect(page.locator("#upload-status span.st-added")).to_be_visible(timeout=300_000)
    expect(page.locator("#docs-table")).to_contain_text("许昌市城乡一体化示范区")
    assert SAMPLE.name in assistant.store.documents()
    shot(page, "02_uploaded.png")

    # 问答: ask, get 100% with a citation
    page.get_by_role("tab", name="问答").click()
    page.locator("#question textarea").fill(QUESTION)
    page.locator("#ask").click()
    answer = page.locator("#chat .answer").last
    expect(answer).to_contain_text("100%")
    cite = answer.locator(".answer-text button.cite-ref").first
    expect(cite).to_be_visible()
    expect(answer.locator(".cite-list")).to_contain_text("许昌市城乡一体化示范区")
    shot(page, "03_answer.png")

    # click the citation: the viewer shows the whole document with exactly the cited span highlighted
    payload = json.loads(cite.get_attribute("value"))
    cite.click()
    mark = page.locator("#viewer mark.cited")
    expect(mark).to_contain_text("出庭应诉率100%")
    text = assistant.store.document_text(payload["source"])
    assert mark.text_content() == text[payload["start"] : payload["end"]]
    expect(page.locator("#viewer .viewer-path")).to_contain_text(payload["section"][-1])
    expect(mark).to_be_in_viewport()
    shot(page, "04_viewer.png")

    # 检索 with a kind filter
    page.get_by_role("tab", name="检索").click()
    page.locator("#search-query textarea").fill("行政复议")
    page.locator("#search-kinds label", has_text="报告").click()
    page.locator("#search-btn").click()
    results = page.locator("#search-results .result")
    expect(results.first).to_be_visible()
    kinds = page.locator("#search-results .kind-tag").all_text_contents()
    assert kinds and set(kinds) == {"报告"}
    expect(results.first.locator("mark.term").first).to_be_visible()
    second = json.loads(results.nth(1).get_attribute("data-cite"))
    results.nth(1).click()
    page.wait_for_function(
        "t => document.querySelector('#viewer mark.cited')?.textContent === t", arg=text[second["start"] : second["end"]]
    )
    shot(page, "05_search.png")

    page.locator("#search-kinds label", has_text="报告").click()
    page.locator("#search-kinds label", has_text="法律法规").click()
    page.locator("#search-btn").click()
    expect(page.locator("#search-results")).to_contain_text("没有找到")

    # 核查: a wrong figure is contradicted, with the evidence a click away
    page.get_by_role("tab", name="核查").click()
    page.locator("#verify-text textarea").fill("2023年，示范区行政机关负责人出庭应诉率为95%。")
    page.locator("#verify-btn").click()
    expect(page.locator("#verdicts .badge-contradicted").first).to_be_visible()
    expect(page.locator("#verify-csv")).to_be_visible()
    page.locator("#verdicts .evidence").first.click()
    expect(mark).to_contain_text("100%")
    shot(page, "06_verify.png")

    assert page.errors == []
