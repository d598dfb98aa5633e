"""The span reader (issue 20, route b): its weights' sha256 check, the route switch, verbatim spans on a real notice."""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from assistant.answering.reader import WEIGHTS_DIR, ReaderError, SpanReader, load_reader, verify
from assistant.config import DEFAULT_MODEL, Settings
from tests.conftest import model_cache_dir

NCP = Path(__file__).resolve().parents[2] / "shared" / "data" / "qa" / "ncp_policy_dev"


def _copy_weights(tmp_path: Path) -> Path:
    target = tmp_path / "reader"
    shutil.copytree(WEIGHTS_DIR, target)
    return target


def test_checked_in_weights_pass_their_check_and_stay_small():
    meta = verify()
    weights = WEIGHTS_DIR / meta["weights"]
    assert weights.stat().st_size < 12 * 1024 * 1024
    assert meta["layers"] and all(isinstance(i, int) for i in meta["layers"])


def test_a_tampered_weights_file_is_refused_with_a_clear_error(tmp_path):
    folder = _copy_weights(tmp_path)
    weights = folder / json.loads((folder / "reader.json").read_text())["weights"]
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ReaderError, match="sha256"):
        verify(folder)
    with pytest.raises(ReaderError, match="sha256"):
        SpanReader(tmp_path / "no-model-needed", folder)


def test_a_missing_weights_file_is_a_clear_error(tmp_path):
    folder = _copy_weights(tmp_path)
    (folder / json.loads((folder / "reader.json").read_text())["weights"]).unlink()
    with pytest.raises(ReaderError, match="missing"):
        verify(folder)


def test_tampered_weights_fall_back_to_the_rules_route_with_a_warning(tmp_path, caplog):
    folder = _copy_weights(tmp_path)
    (folder / "reader.json").write_text(json.dumps({**verify(folder), "sha256": "0" * 64}))
    settings = Settings(embedding_model=DEFAULT_MODEL, model_cache_dir=str(tmp_path), span_route="reader")
    with caplog.at_level(logging.WARNING, logger="assistant.answering.reader"):
        assert load_reader(settings, folder) is None
    assert any("rules route" in r.getMessage() and "sha256" in r.getMessage() for r in caplog.records)


def test_the_route_setting_picks_the_reader_or_the_rules(tmp_path):
    base = Settings(embedding_model=DEFAULT_MODEL, model_cache_dir=str(tmp_path))
    assert Settings().span_route == "rules"  # the measured winner is the default (BENCHMARKS.md, issue 20 route b)
    assert isinstance(load_reader(base.replace(span_route="reader")), SpanReader)
    assert load_reader(base.replace(span_route="rules")) is None
    assert load_reader(base.replace(span_route="reader", embedding_model="fake")) is None  # trained on e5 only
    assert Settings.load(env={"ASSISTANT_SPAN_ROUTE": "rules"}).span_route == "rules"
    with pytest.raises(ValueError, match="span_route"):
        load_reader(base.replace(span_route="neural"))


def _notice():
    qa = [json.loads(x) for x in (NCP / "qa.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    docs = {d["docid"]: d["text"] for d in map(json.loads, (NCP / "corpus.jsonl").read_text(encoding="utf-8")
                                                       .splitlines()) if d}
    return qa, docs


@pytest.mark.model
@pytest.mark.shared
def test_the_reader_finds_answers_on_real_notices_as_verbatim_character_spans():
    if not NCP.is_dir():
        pytest.skip("../shared/data/qa/ncp_policy_dev is absent")
    qa, docs = _notice()
    reader = load_reader(Settings(model_cache_dir=model_cache_dir(), span_route="reader"))
    assert reader is not None
    found = 0
    sample = [q for q in qa if q["answer_end"] - q["answer_start"] <= 60][:12]
    for q in sample:
        doc = docs[q["docid"]]
        w0 = max(0, q["answer_start"] - 120)
        passage = doc[w0 : w0 + 300]
        (scores,) = reader.read(q["question"], [passage])
        score, s, e = scores.best_span()
        assert 0 <= s < e <= len(passage) and score <= 0.0
        assert doc[w0 + s : w0 + e] == passage[s:e]  # character offsets into the passage, not token positions
        gold = (q["answer_start"] - w0, q["answer_end"] - w0)
        found += s < gold[1] and gold[0] < e
        assert scores.best_within(s, e) == pytest.approx(score)
    print(f"reader span overlaps the gold answer for {found} of {len(sample)}")
    assert found >= len(sample) // 2  # the span overlaps the gold answer for most questions


@pytest.mark.model
@pytest.mark.shared
def test_both_routes_answer_real_notices_with_verbatim_citations(tmp_path, real_embedder):
    if not NCP.is_dir():
        pytest.skip("../shared/data/qa/ncp_policy_dev is absent")
    from assistant.assistant import Assistant

    qa, docs = _notice()
    questions = [x for x in qa if "哪些" in x["question"] or "措施" in x["question"]][:6]
    for q in questions:
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "docs" / f"{q['docid']}.txt").write_text(docs[q["docid"]], encoding="utf-8")
    routes = {route: Assistant(Settings(store_dir=str(tmp_path / "index"), model_cache_dir=model_cache_dir(),
                                        span_route=route), embedder=real_embedder) for route in ("reader", "rules")}
    assert routes["reader"].index([tmp_path / "docs"]).ok
    assert routes["reader"].answerer.reader is not None and routes["rules"].answerer.reader is None
    answered = 0
    for q in questions:
        answers = {route: a.ask(q["question"]) for route, a in routes.items()}
        # refusals are decided before the reader: both routes refuse, or neither does
        assert answers["reader"].refused == answers["rules"].refused
        for route, answer in answers.items():
            for c in answer.citations:  # every citation is a verbatim slice of its document
                assert routes[route].open_document(c.source)[0][c.start : c.end] == c.quote
        answered += not answers["reader"].refused
    assert answered >= len(questions) // 2
