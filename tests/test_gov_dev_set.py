"""The government reports dev set: well-formed, and every gold quote an exact slice of its document as loaded."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "benchmarks" / "data" / "gov_reports_dev.jsonl"


def _rows() -> list[dict]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_dev_set_shape():
    rows = _rows()
    assert len(rows) >= 40
    assert len({r["id"] for r in rows}) == len(rows)
    unanswerable = [r for r in rows if r["type"] == "unanswerable"]
    assert len(unanswerable) >= 5
    assert all(r["answer"] is None and r["evidence"] is None for r in unanswerable)
    answerable = [r for r in rows if r["type"] != "unanswerable"]
    assert all(r["answer"] and r["doc"] and r["evidence"] for r in answerable)
    assert all(r["evidence_end"] - r["evidence_start"] == len(r["evidence"]) for r in answerable)
    english = [r for r in rows if not re.search(r"[\u4e00-\u9fff]", r["question"])]
    assert len(english) >= 5
    with_year = [r for r in answerable if re.search(r"(19|20)\d\d年", r["question"])]
    assert len(with_year) >= 20


@pytest.mark.shared
def test_every_gold_quote_is_an_exact_slice(tmp_path):
    from benchmarks.corpora import GOV_JSONL, gov_reports_dir

    from assistant.ingest import load_document

    if not GOV_JSONL.is_file():
        pytest.skip("gov_reports is absent")
    folder = gov_reports_dir(tmp_path / "gov")
    assert len(list(folder.glob("*.txt"))) == 52
    texts: dict[str, str] = {}
    for r in _rows():
        if r["type"] == "unanswerable":
            continue
        text = texts.setdefault(r["doc"], load_document(folder / r["doc"]).text)
        assert text[r["evidence_start"] : r["evidence_end"]] == r["evidence"], r["id"]


CLAIMS = ROOT / "benchmarks" / "data" / "gov_claims_dev.jsonl"
# written after the verifier was tuned on the dev claims, from other reports, and never tuned on
HELD_CLAIMS = ROOT / "benchmarks" / "data" / "gov_claims_held.jsonl"


def _claims(path=CLAIMS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path,least,each", [(CLAIMS, 40, 8), (HELD_CLAIMS, 30, 6)], ids=["dev", "held"])
def test_claims_set_shape(path, least, each):
    rows = _claims(path)
    assert len(rows) >= least and len({r["id"] for r in rows}) == len(rows)
    labels = [r["label"] for r in rows]
    assert all(lab in ("supported", "contradicted", "not_found") for lab in labels)
    assert min(labels.count(lab) for lab in ("supported", "contradicted", "not_found")) >= each
    assert all(r["evidence"] is None and r["doc"] is None for r in rows if r["label"] == "not_found")
    assert all(r["evidence"] and r["evidence_end"] - r["evidence_start"] == len(r["evidence"])
               for r in rows if r["label"] != "not_found")


def test_scope_questions_added_for_issue_16():
    """Target/outcome pairs, near misses and English questions on top of the 49 of issue 7."""
    rows = _rows()
    assert len(rows) >= 49 + 30
    new = rows[49:]
    assert sum(r["type"] == "unanswerable" for r in new) >= 8
    assert sum(not re.search(r"[\u4e00-\u9fff]", r["question"]) for r in new) >= 5


@pytest.mark.shared
@pytest.mark.parametrize("path", [CLAIMS, HELD_CLAIMS], ids=["dev", "held"])
def test_every_gold_claim_span_is_an_exact_slice(tmp_path, path):
    from benchmarks.corpora import GOV_JSONL, gov_reports_dir

    from assistant.ingest import load_document

    if not GOV_JSONL.is_file():
        pytest.skip("gov_reports is absent")
    folder = gov_reports_dir(tmp_path / "gov")
    texts: dict[str, str] = {}
    for r in _claims(path):
        if r["label"] == "not_found":
            continue
        text = texts.setdefault(r["doc"], load_document(folder / r["doc"]).text)
        assert text[r["evidence_start"] : r["evidence_end"]] == r["evidence"], r["id"]
