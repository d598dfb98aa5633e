import json

from assistant.interfaces.cli import main


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_index_ask_search_and_batch(tmp_path, sample_path, capsys):
    store = ["--store", str(tmp_path / "idx"), "--model", "fake"]
    code, out, _ = _run(["index", str(sample_path), "--quiet", *store], capsys)
    assert code == 0 and "新增 1" in out
    code, out, _ = _run(["index", str(sample_path), "--quiet", *store], capsys)
    assert code == 0 and "未变 1" in out, "re-indexing an unchanged file does nothing"

    code, out, _ = _run(["ask", "示范区2023年有多少件行政应诉案件？", *store], capsys)
    assert code == 0 and "17件" in out and "[1]" in out

    code, out, _ = _run(["ask", "--json", "示范区2023年有多少件行政应诉案件？", *store], capsys)
    record = json.loads(out)
    assert record["refused"] is False and record["citations"][0]["source"] == sample_path.name

    code, out, _ = _run(["search", "出庭应诉率", "--json", "-k", "3", *store], capsys)
    assert code == 0 and len(json.loads(out)) == 3

    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "q1", "question": "示范区2023年有多少件行政应诉案件？"},
        {"id": "q2", "question": "联合国秘书长访问了示范区几次？"},
        {"id": "q3", "question": ""},
    ]), encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    code, _, _ = _run(["ask", "--batch", str(src), "--out", str(dst), *store], capsys)
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    text = sample_path.read_text(encoding="utf-8")
    for r in rows:
        assert set(r) >= {"id", "question", "answer", "refused", "citations", "hits", "seconds"}
    q1, q2, q3 = rows
    assert q1["refused"] is False and q1["citations"]
    for c in q1["citations"]:
        assert set(c) == {"source", "start", "end", "quote"}
        assert text[c["start"] : c["end"]] == c["quote"]
    assert len(q1["hits"]) >= 10 and set(q1["hits"][0]) == {"source", "start", "end", "score"}
    assert q2["refused"] is True and q2["citations"] == []
    assert q3["refused"] is True and "error" in q3
    assert code == 3  # one question failed, the rest were answered


def test_index_reports_bad_files_and_keeps_going(tmp_path, sample_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.txt").write_bytes(sample_path.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    code, out, err = _run(["index", str(folder), "--quiet", "--store", str(tmp_path / "idx"), "--model", "fake"], capsys)
    assert code == 3
    assert "新增 1" in out and "empty.txt" in err and "broken.pdf" in err


def test_mismatched_index_gives_a_clear_error(tmp_path, sample_path, capsys):
    store = ["--store", str(tmp_path / "idx")]
    assert main(["index", str(sample_path), "--quiet", *store, "--model", "fake"]) == 0
    code, _, err = _run(["ask", "出庭应诉率", *store, "--model", "fake:64"], capsys)
    assert code == 1 and "重新建立索引" in err


def test_eval_prints_table_and_json(tmp_path, sample_path, capsys):
    store = ["--store", str(tmp_path / "idx"), "--model", "fake"]
    main(["index", str(sample_path), "--quiet", *store])
    gold = tmp_path / "gold.jsonl"
    text = sample_path.read_text(encoding="utf-8")
    start = text.index("行政应诉案件17件")
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "a", "question": "示范区2023年有多少件行政应诉案件？", "answer": "17件", "doc": sample_path.name,
         "evidence": "行政应诉案件17件", "evidence_start": start, "evidence_end": start + 9, "type": "number"},
        {"id": "b", "question": "联合国秘书长访问了示范区几次？", "answer": None, "doc": None, "evidence": None,
         "type": "unanswerable"},
    ]), encoding="utf-8")
    code, out, _ = _run(["eval", "--qa", str(gold), *store], capsys)
    assert code == 0 and "hit@5" in out
    summary = json.loads(out[out.index("{"):])
    assert summary["answer_accuracy"] == 1.0 and summary["unanswerable_refused"] == 1.0
    assert summary["citations_not_verbatim"] == 0


def test_verify_single_and_batch(tmp_path, sample_path, capsys):
    store = ["--store", str(tmp_path / "idx"), "--model", "fake"]
    main(["index", str(sample_path), "--quiet", *store])
    capsys.readouterr()
    code, out, _ = _run(["verify", "--json", "2023年共开展普法主题宣传活动62场次。", *store], capsys)
    verdicts = json.loads(out)
    assert code == 0 and verdicts[0]["label"] == "contradicted"
    assert verdicts[0]["compared"] == [["62场次", "26场次"]]
    src = tmp_path / "claims.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "c1", "claim": "2023年共开展普法主题宣传活动26场次。"},
        {"id": "c2", "claim": "示范区2023年新增高新技术企业8家。"},
    ]), encoding="utf-8")
    dst = tmp_path / "verdicts.jsonl"
    assert main(["verify", "--batch", str(src), "--out", str(dst), *store]) == 0
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["label"]) for r in rows] == [("c1", "supported"), ("c2", "not_found")]
    text = sample_path.read_text(encoding="utf-8")
    for e in rows[0]["evidence"]:
        assert set(e) == {"source", "start", "end", "quote"} and text[e["start"] : e["end"]] == e["quote"]
    assert {"id", "claim", "label", "evidence", "explanation"} <= set(rows[0])
