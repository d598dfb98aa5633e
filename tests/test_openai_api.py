"""The OpenAI-compatible chat API over real HTTP, driven by the official ``openai`` client and LangChain's ChatOpenAI.

The app is the real one (API + workspace) on a free port; the sample report is indexed in a real Chroma folder.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from tests.chroma_server import free_port
from tests.conftest import ROOT, SAMPLE
from tests.http_server import AppServer

KEY, OTHER_KEY = "sk-test-1", "sk-test-2"
USER, PASSWORD = "staff", "s3cret"
QUESTION = "2023年行政机关负责人出庭应诉率是多少？"
SOURCE = SAMPLE.name


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from assistant.interfaces.access import api_keys_from_env
    from assistant.interfaces.api import Credentials, create_app
    from assistant.config import Settings
    from assistant.assistant import Assistant

    folder = tmp_path_factory.mktemp("openai-api")
    assistant = Assistant(Settings(store_dir=str(folder / "index"), embedding_model="fake"))
    assert assistant.index([SAMPLE]).ok
    keys = api_keys_from_env({"ASSISTANT_API_KEYS": f"{KEY},{OTHER_KEY}"})
    with AppServer(create_app(assistant, Credentials(USER, PASSWORD), keys)) as running:
        running.assistant = assistant
        yield running


@pytest.fixture(scope="module")
def client(server):
    from openai import OpenAI

    return OpenAI(base_url=server.url + "/v1", api_key=KEY, max_retries=0, timeout=120)


def test_models_answer_with_a_key_or_the_login_and_401_without(server):
    from openai import AuthenticationError, OpenAI

    anon = requests.get(server.url + "/v1/models", timeout=30)
    assert anon.status_code == 401
    assert "Bearer" in anon.headers["WWW-Authenticate"] and "Basic" in anon.headers["WWW-Authenticate"]
    assert requests.get(server.url + "/v1/models", headers={"Authorization": "Bearer nope"}, timeout=30).status_code == 401
    for auth in ({"headers": {"Authorization": "Bearer sk-test-2"}}, {"auth": (USER, PASSWORD)}):
        r = requests.get(server.url + "/v1/models", timeout=30, **auth)
        assert r.status_code == 200 and [m["id"] for m in r.json()["data"]] == ["legal-assistant"]
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=server.url + "/v1", api_key="wrong", max_retries=0).models.list()
    post = requests.post(server.url + "/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]},
                         timeout=30)
    assert post.status_code == 401 and "出庭应诉率" not in post.text


def test_the_api_routes_take_the_same_keys(server):
    assert requests.get(server.url + "/api/health", timeout=30).status_code == 401
    r = requests.post(server.url + "/api/ask", json={"question": QUESTION}, headers={"Authorization": f"Bearer {KEY}"},
                      timeout=60)
    assert r.status_code == 200 and "100%" in r.json()["answer"]
    r = requests.get(server.url + "/api/health", headers={"Authorization": "Bearer sk-test-2"}, timeout=30)
    assert r.status_code == 200 and r.json()["documents"] == 1
    assert requests.get(server.url + "/api/health", auth=(USER, PASSWORD), timeout=30).status_code == 200
    assert requests.get(server.url + "/api/health", auth=(USER, "guess"), timeout=30).status_code == 401


def test_openai_client_gets_the_answer_its_sources_and_usage(client, server):
    completion = client.chat.completions.create(model="legal-assistant",
                                                messages=[{"role": "system", "content": "你是助手。"},
                                                          {"role": "user", "content": QUESTION}])
    choice = completion.choices[0]
    content = choice.message.content
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    answer, sources = content.split("\n\n**来源**\n", 1)
    assert "100%" in answer and "[1]" in answer
    assert sources.startswith("1. **《") and SOURCE in sources and "出庭应诉率100%" in sources
    extra = completion.model_extra
    assert extra["refused"] is False and extra["citations"] and len(extra["hits"]) >= 5
    text = server.assistant.store.document_text(SOURCE)
    for c in extra["citations"]:
        assert c["source"] == SOURCE and text[c["start"] : c["end"]] == c["quote"]
        assert f"{c['start']}–{c['end']}" in sources
    usage = completion.usage
    assert usage.prompt_tokens > 10 and usage.completion_tokens > 10
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_openai_client_streams_the_same_reply_in_chunks(client):
    stream = client.chat.completions.create(model="legal-assistant", stream=True,
                                            stream_options={"include_usage": True},
                                            messages=[{"role": "user", "content": QUESTION}])
    chunks = list(stream)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "100%" in content and SOURCE in content and "**来源**" in content
    finish = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finish) == 1 and finish[0].choices[0].finish_reason == "stop"
    assert finish[0].model_extra["citations"][0]["source"] == SOURCE
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 10
    plain = client.chat.completions.create(model="legal-assistant", messages=[{"role": "user", "content": QUESTION}])
    assert content == plain.choices[0].message.content


def test_the_stream_is_server_sent_events_ending_with_done(server):
    body = {"model": "legal-assistant", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with requests.post(server.url + "/v1/chat/completions", json=body, auth=(USER, PASSWORD), stream=True,
                       timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines(decode_unicode=True) if line]
    assert lines[-1] == "data: [DONE]" and all(line.startswith("data: ") for line in lines)
    events = [json.loads(line[6:]) for line in lines[:-1]]
    assert {e["object"] for e in events} == {"chat.completion.chunk"} and len({e["id"] for e in events}) == 1
    assert "100%" in "".join(e["choices"][0]["delta"].get("content") or "" for e in events)


def test_follow_ups_are_read_from_the_earlier_messages(client):
    first = "示范区2023年有多少件行政应诉案件？"
    reply = client.chat.completions.create(model="legal-assistant", messages=[{"role": "user", "content": first}])
    messages = [{"role": "user", "content": first},
                {"role": "assistant", "content": reply.choices[0].message.content},
                {"role": "user", "content": [{"type": "text", "text": "那2022年呢？"}]}]
    follow = client.chat.completions.create(model="legal-assistant", messages=messages)
    assert follow.model_extra["standalone_question"] == "示范区2022年有多少件行政应诉案件？"
    assert "按上下文理解为" in follow.choices[0].message.content
    alone = client.chat.completions.create(model="legal-assistant", messages=messages[-1:])
    assert alone.model_extra["standalone_question"] == "那2022年呢？"


def test_a_refusal_is_an_ordinary_reply_with_the_nearest_passages(client):
    completion = client.chat.completions.create(
        model="legal-assistant", messages=[{"role": "user", "content": "2023年示范区的小麦亩产是多少公斤？"}])
    choice = completion.choices[0]
    assert completion.model_extra["refused"] is True and completion.model_extra["citations"] == []
    assert choice.finish_reason == "stop" and "**最接近的段落**" in choice.message.content
    assert completion.usage.completion_tokens > 0


def test_bad_requests_get_openai_style_errors(client, server):
    from openai import BadRequestError

    with pytest.raises(BadRequestError, match="最后一条"):
        client.chat.completions.create(model="legal-assistant", messages=[{"role": "assistant", "content": "你好"}])
    with pytest.raises(BadRequestError, match="过长"):
        client.chat.completions.create(model="legal-assistant", messages=[{"role": "user", "content": "问" * 5000}])
    r = requests.post(server.url + "/v1/chat/completions", json={"messages": []}, auth=(USER, PASSWORD), timeout=30)
    assert r.status_code == 422
    huge = requests.post(server.url + "/v1/chat/completions", data=b"x" * (5 << 20), auth=(USER, PASSWORD),
                         headers={"Content-Type": "application/json"}, timeout=30)
    assert huge.status_code == 413


def test_langchain_chat_openai_invokes_and_streams(server):
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=server.url + "/v1", api_key=KEY, model="legal-assistant", max_retries=0, timeout=120)
    reply = llm.invoke(QUESTION)
    assert "100%" in reply.content and SOURCE in reply.content
    assert reply.usage_metadata["output_tokens"] > 10
    streamed = "".join(chunk.content for chunk in llm.stream(QUESTION))
    assert streamed == reply.content
    follow = llm.invoke([HumanMessage("示范区2023年有多少件行政应诉案件？"), AIMessage(reply.content),
                         HumanMessage("那行政复议呢？")])
    assert "行政复议" in follow.content


@pytest.mark.model
def test_app_py_with_api_keys_answers_the_openai_client(tmp_path):
    """The real app (`python app.py`, built-in model) with ASSISTANT_API_KEYS set in its environment."""
    from openai import AuthenticationError, OpenAI

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "ASSISTANT_API_KEYS": f"{OTHER_KEY}, k3"}
    env.pop("ASSISTANT_USERNAME", None)
    env.pop("ASSISTANT_PASSWORD", None)
    log = open(tmp_path / "app.log", "wb")
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--store", str(tmp_path / "index")],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 600
        while True:
            assert process.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the app did not start"
            try:
                if requests.get(url + "/models", timeout=5).status_code == 401:
                    break
            except requests.ConnectionError:
                time.sleep(1)
        with pytest.raises(AuthenticationError):
            OpenAI(base_url=url, api_key="nope", max_retries=0).models.list()
        client = OpenAI(base_url=url, api_key="k3", max_retries=0, timeout=120)
        assert [m.id for m in client.models.list()] == ["legal-assistant"]
        plain = client.chat.completions.create(model="legal-assistant", messages=[{"role": "user", "content": QUESTION}])
        assert "100%" in plain.choices[0].message.content and SOURCE in plain.choices[0].message.content
        assert any("出庭应诉率100%" in c["quote"] for c in plain.model_extra["citations"])
        streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
            model="legal-assistant", messages=[{"role": "user", "content": QUESTION}], stream=True) if c.choices)
        assert streamed == plain.choices[0].message.content
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_an_embedding_endpoint_gone_down_is_a_clear_error_naming_it(tmp_path):
    from openai import APIError, InternalServerError, OpenAI

    from assistant.interfaces.api import create_api
    from assistant.config import Settings
    from assistant.assistant import Assistant
    from tests.embedding_server import EmbeddingServer

    with EmbeddingServer() as embeddings:
        assistant = Assistant(Settings(store_dir=str(tmp_path / "index"), embedding_url=embeddings.url,
                                       embedding_retries=1, embedding_timeout=5))
        assert assistant.index([SAMPLE]).ok
    with AppServer(create_api(assistant)) as server:  # the endpoint has stopped
        client = OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=60)
        messages = [{"role": "user", "content": QUESTION}]
        with pytest.raises(InternalServerError, match="无法连接") as err:
            client.chat.completions.create(model="legal-assistant", messages=messages)
        assert embeddings.url in str(err.value) and err.value.status_code == 503
        with pytest.raises(APIError, match=embeddings.url.replace(".", r"\.")):
            list(client.chat.completions.create(model="legal-assistant", messages=messages, stream=True))
        r = requests.post(server.url + "/api/ask", json={"question": QUESTION}, timeout=60)
        assert r.status_code == 503 and embeddings.url in r.json()["detail"] and "Traceback" not in r.text


def test_with_an_llm_the_checked_sentences_stream_one_by_one(llm_assistant, llm):
    from openai import OpenAI

    from assistant.interfaces.api import create_api

    reply = "行政应诉案件17件[1]。行政机关负责人出庭应诉率100%[1]。"
    llm.enqueue(reply, reply)
    with AppServer(create_api(llm_assistant)) as server:
        client = OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=60)
        messages = [{"role": "user", "content": QUESTION}]
        chunks = list(client.chat.completions.create(model="legal-assistant", messages=messages, stream=True))
        plain = client.chat.completions.create(model="legal-assistant", messages=messages)
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 2  # the first checked sentence as soon as it was complete, then the rest and the sources
    assert pieces[0] == "行政应诉案件17件[1]。" and pieces[-1].startswith("行政机关负责人出庭应诉率100%")
    assert "".join(pieces) == plain.choices[0].message.content
    assert "**来源**" in plain.choices[0].message.content and "scripted" in plain.choices[0].message.content
