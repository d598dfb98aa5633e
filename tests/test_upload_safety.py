"""Uploads leave nothing behind and cannot be blown up: long names, deletes, killed uploads, docx zip bombs (issue 14)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT
from tests.http_server import AppServer
from tests.test_ingest_formats import make_docx

TEXT = "关于加强普法工作的通知\n\n各单位要落实普法责任制，2024年普法覆盖率达到95%。\n"


@pytest.fixture
def served(fake_assistant):
    from assistant.interfaces.api import create_app

    with AppServer(create_app(fake_assistant)) as server:
        yield server, fake_assistant


# -- defect 5: long Chinese file names ----------------------------------------------------------------------
def test_long_chinese_names_upload_unique_and_keep_the_original(served):
    server, assistant = served
    names = ["关于进一步加强行政执法监督" * 6 + "工作的通知一.txt", "关于进一步加强行政执法监督" * 6 + "工作的通知二.txt"]
    assert all(len(n) >= 84 and len(n.encode()) > 255 for n in names)
    files = [("files", (n, TEXT.replace("95%", f"{90 + i}%").encode(), "text/plain")) for i, n in enumerate(names)]
    r = requests.post(server.url + "/api/index", files=files, timeout=60)
    assert r.status_code == 200 and r.json()["ok"], r.text
    outcomes = r.json()["files"]
    kept = [o["name"] for o in outcomes]
    assert [o["original"] for o in outcomes] == names and len(set(kept)) == 2
    assert all(len(k.encode()) <= 255 and k.endswith(".txt") and k.startswith("关于进一步") for k in kept)
    assert set(kept) <= set(assistant.store.documents())
    assert all((Path(assistant.settings.store_dir) / "uploads" / k).is_file() for k in kept)


def test_the_upload_report_shows_the_original_name(fake_assistant, tmp_path):
    from assistant.interfaces import ui
    from assistant.indexing import uploads
    from assistant.interfaces.ui import render as R

    odd = tmp_path / "报告:草稿?.txt"  # a name the upload folder keeps as 报告_草稿_.txt
    odd.write_text(TEXT, encoding="utf-8")
    page, _rows = ui.upload_files(fake_assistant, [str(odd)])
    assert "st-added" in page and "原文件名：报告:草稿?.txt" in page and "报告_草稿_.txt" in page
    local = tmp_path / "short.txt"
    local.write_text(TEXT.replace("95%", "97%"), encoding="utf-8")
    long = "长" * 84 + ".txt"  # 256 bytes: "File name too long" before
    result = uploads.save_and_index(fake_assistant, [(long, local)])
    (outcome,) = result.outcomes
    assert outcome.status == "added" and outcome.original == long and len(outcome.name.encode()) <= 255
    assert f"原文件名：{long}" in R.render_upload_report(result.outcomes)


# -- defect 6: leftovers ------------------------------------------------------------------------------------
def test_api_delete_removes_the_uploaded_copy(served):
    server, assistant = served
    r = requests.post(server.url + "/api/index", files=[("files", ("通知.txt", TEXT.encode()))], timeout=60)
    assert r.json()["ok"]
    copy = Path(assistant.settings.store_dir) / "uploads" / "通知.txt"
    assert copy.is_file()
    d = requests.delete(server.url + "/api/documents/通知.txt", timeout=30)
    assert d.status_code == 200 and not copy.exists() and "通知.txt" not in assistant.store.documents()


def test_staging_folders_of_killed_uploads_are_removed_at_start(fake_assistant):
    from assistant.interfaces.api import create_app

    uploads = Path(fake_assistant.settings.store_dir) / "uploads"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = [uploads / f".incoming-{dead.stdout.strip()}-ab12", uploads / ".incoming-x7k2"]  # the old naming too
    live = uploads / f".incoming-{os.getpid()}-busy"  # a live process's upload in progress stays
    for folder in (*stale, live):
        folder.mkdir(parents=True)
        (folder / "report.txt").write_bytes(b"x" * 100_000)
    kept = uploads / "kept.txt"
    kept.write_text(TEXT, encoding="utf-8")
    create_app(fake_assistant)
    assert not any(f.exists() for f in stale) and live.is_dir() and kept.is_file()


def _bomb(path: Path, xml_bytes: int) -> None:
    """A real .docx whose word/document.xml inflates to ``xml_bytes`` of (valid) XML."""
    real = path.with_suffix(".real.docx")
    make_docx(real)
    with zipfile.ZipFile(real) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, src.read(item))
        head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
                'openxmlformats.org/wordprocessingml/2006/main"><w:body>').encode()
        para = b"<w:p><w:r><w:t>" + "法治".encode() * 500 + b"</w:t></w:r></w:p>"
        with out.open("word/document.xml", "w") as fh:
            fh.write(head)
            block = para * (2**20 // len(para))
            for _ in range(xml_bytes // len(block)):
                fh.write(block)
            fh.write(b"</w:body></w:document>")


MEASURE = """
import json, resource, sys, time
from assistant.ingest import IngestError, load_document
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    load_document(sys.argv[1], max_chars=10**9)
    message = None
except IngestError as exc:
    message = str(exc)
print(json.dumps({"message": message, "seconds": time.perf_counter() - started,
                  "grew_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}))
"""


def test_docx_zip_bomb_is_refused_before_it_is_parsed(tmp_path):
    bomb = tmp_path / "bomb.docx"
    _bomb(bomb, 200 * 2**20)
    assert bomb.stat().st_size < 2 * 2**20  # small on disk, 200 MB of XML inside
    run = subprocess.run([sys.executable, "-c", MEASURE, str(bomb)], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["message"] and "压缩炸弹" in result["message"] and "bomb.docx" in result["message"]
    assert result["grew_mb"] < 50 and result["seconds"] < 5, result
    # an ordinary docx still loads
    from assistant.ingest import load_document

    real = tmp_path / "ok.docx"
    make_docx(real)
    assert "出庭应诉率100%" in load_document(real).text
