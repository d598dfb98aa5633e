"""Shared fixtures: the sample report, real Chroma stores in temporary folders, fake and real embedders."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "xuchang_2023_fazhi_report.txt"
SHARED = ROOT.parent / "shared" / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def pytest_collection_modifyitems(config, items):
    if not SHARED.is_dir():
        skip = pytest.mark.skip(reason=f"{SHARED} is absent")
        for item in items:
            if "shared" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_doc():
    from assistant.ingest import load_document

    return load_document(SAMPLE)


@pytest.fixture
def fake_settings(tmp_path):
    from assistant.config import Settings

    return Settings(store_dir=str(tmp_path / "index"), embedding_model="fake", model_cache_dir=str(tmp_path / "models"))


@pytest.fixture
def llm():
    """A scripted fake LLM: ``llm.enqueue(reply)`` sets what it answers next."""
    from assistant.llm.backends import ScriptedLLM

    return ScriptedLLM()


@pytest.fixture
def llm_assistant(fake_settings, llm):
    """The sample indexed with the fake embedder, answering through the scripted LLM."""
    from assistant.assistant import Assistant

    assistant = Assistant(fake_settings, llm=llm)
    assert assistant.index([SAMPLE]).ok
    return assistant


@pytest.fixture
def fake_assistant(fake_settings):
    """An assistant on a real persistent Chroma in a temporary folder, with the sample indexed, fake embedder."""
    from assistant.assistant import Assistant

    assistant = Assistant(fake_settings)
    report = assistant.index([SAMPLE])
    assert report.ok, report.errors
    return assistant


def model_cache_dir() -> str:
    from assistant.config import Settings

    return os.environ.get("ASSISTANT_MODEL_CACHE") or Settings().model_cache_dir


@pytest.fixture(scope="session")
def real_embedder():
    from assistant.config import Settings
    from assistant.indexing.embedders import make_embedder

    return make_embedder(Settings(model_cache_dir=model_cache_dir()))


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory, real_embedder):
    """The sample report indexed with the real default model (built on first use)."""
    from assistant.config import Settings
    from assistant.assistant import Assistant

    store = tmp_path_factory.mktemp("real-index")
    assistant = Assistant(Settings(store_dir=str(store), model_cache_dir=model_cache_dir()), embedder=real_embedder)
    report = assistant.index([SAMPLE])
    assert report.ok, report.errors
    return assistant


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server process on 127.0.0.1 and a free port, for the whole test session."""
    from tests.chroma_server import ChromaServer

    server = ChromaServer.start(tmp_path_factory.mktemp("chroma-server") / "db")
    yield server
    server.stop()


@pytest.fixture(params=["embedded", "server"])
def mode_settings(request, tmp_path):
    """Fake-embedder settings on an embedded store in a temporary folder, then on the real Chroma server.

    Each server-mode test gets its own collection, so tests sharing the session's server never see each other.
    """
    import uuid

    from assistant.config import Settings

    base = Settings(store_dir=str(tmp_path / "index"), embedding_model="fake", model_cache_dir=str(tmp_path / "models"))
    if request.param == "embedded":
        return base
    server = request.getfixturevalue("chroma_server")
    return base.replace(chroma_url=server.url, collection=f"t{uuid.uuid4().hex[:12]}")
