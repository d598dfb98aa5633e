"""The HTTP API over a real server: batch records, filters, verify, uploads, deletes, errors and the schema."""
from __future__ import annotations

import json

import pytest
import requests

from tests.http_server import AppServer


@pytest.fixture
def api(fake_assistant):
    from assistant.interfaces.api import create_app

    with AppServer(create_app(fake_assistant)) as server:
        yield server, fake_assistant


def post(server, path, body, **kw):
    return requests.post(server.url + path, json=body, timeout=60, **kw)


def test_ask_returns_the_batch_record_with_verbatim_citations(api):
    server, assistant = api
    r = post(server, "/api/ask", {"id": "q1", "question": "2023年行政机关负责人出庭应诉率是多少？"})
    assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["id"] == "q1" and rec["refused"] is False
    assert set(rec) >= {"id", "question", "answer", "refused", "citations", "hits", "seconds"}
    assert "100%" in rec["answer"]
    assert len(rec["hits"]) >= 10
    for c in rec["citations"]:
        text = assistant.store.document_text(c["source"])
        assert text[c["start"]:c["end"]] == c["quote"]


def test_batch_ask_answers_each_line_and_reports_bad_ones(api):
    server, _ = api
    rows = [{"id": 1, "question": "法治文化主题公园设置了哪些区域？"}, {"id": 2, "question": "   "},
            {"id": 3, "question": "2023年共开展普法主题宣传活动多少场次？"}]
    out = post(server, "/api/ask/batch", rows).json()
    assert [o["id"] for o in out] == [1, 2, 3]
    assert out[0]["citations"] and "error" not in out[0]
    assert out[1]["refused"] and "为空" in out[1]["error"]
    assert out[2]["citations"]


def test_search_with_filters_and_full_passages(api):
    server, _ = api
    hits = post(server, "/api/search", {"query": "行政复议", "k": 5}).json()
    assert 0 < len(hits) <= 5
    assert {"source", "start", "end", "score", "title", "section_path", "kind", "date", "text"} <= set(hits[0])
    assert any("复议" in h["text"] for h in hits)
    assert post(server, "/api/search", {"query": "行政复议", "kind": ["law"]}).json() == []
    assert post(server, "/api/search", {"query": "行政复议", "year_from": 2030}).json() == []


def test_verify_labels_a_contradicted_figure(api):
    server, assistant = api
    rec = post(server, "/api/verify", {"id": "c1", "claim": "2023年，示范区行政机关负责人出庭应诉率为95%。"}).json()
    assert rec["id"] == "c1" and rec["label"] == "contradicted"
    ev = rec["evidence"][0]
    assert assistant.store.document_text(ev["source"])[ev["start"]:ev["end"]] == ev["quote"]


def test_upload_index_ask_and_delete(api, tmp_path):
    server, _ = api
    doc = tmp_path / "通知.txt"
    doc.write_text("关于开展2024年安全生产检查的通知\n\n各单位要在2024年6月30日前完成消防设施检查，检查率达到100%。\n",
                   encoding="gbk")
    with doc.open("rb") as fh:
        r = requests.post(server.url + "/api/index", files=[("files", ("通知.txt", fh, "text/plain"))], timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] and body["files"] == [{"name": "通知.txt", "status": "added", "message": "已加入索引。"}]
    sources = [d["source"] for d in requests.get(server.url + "/api/documents", timeout=10).json()]
    assert "通知.txt" in sources
    rec = post(server, "/api/ask", {"question": "消防设施检查要在什么时候前完成？"}).json()
    assert any(c["source"] == "通知.txt" for c in rec["citations"])
    r = requests.delete(server.url + "/api/documents/通知.txt", timeout=30)
    assert r.status_code == 200
    assert "通知.txt" not in [d["source"] for d in requests.get(server.url + "/api/documents", timeout=10).json()]
    assert requests.delete(server.url + "/api/documents/通知.txt", timeout=30).status_code == 404


def test_errors_are_json_messages_that_say_what_to_do(api):
    server, assistant = api
    r = post(server, "/api/ask", {"question": ""})
    assert r.status_code == 400 and "为空" in r.json()["detail"]
    r = post(server, "/api/ask", {"query": "wrong field"})
    assert r.status_code == 422 and "question" in r.json()["detail"]
    r = requests.post(server.url + "/api/ask", data=b"{not json", headers={"Content-Type": "application/json"},
                      timeout=10)
    assert r.status_code == 422
    big = "问" * (assistant.settings.max_request_bytes // 2)
    r = post(server, "/api/ask", {"question": big})
    assert r.status_code == 413 and "太大" in r.json()["detail"]


def test_openapi_schema_lists_every_route(api):
    server, _ = api
    schema = requests.get(server.url + "/api/openapi.json", timeout=10).json()
    assert {"/api/ask", "/api/ask/batch", "/api/search", "/api/verify", "/api/index", "/api/documents",
            "/api/health"} <= set(schema["paths"])
    assert json.dumps(schema, ensure_ascii=False).count("question") >= 1


def test_workspace_is_served_beside_the_api(api):
    server, _ = api
    assert requests.get(server.url + "/config", timeout=10).status_code == 200
    assert requests.get(server.url + "/api/health", timeout=10).json()["documents"] == 1
