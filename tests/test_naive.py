"""The naive baseline the benchmarks compare against: 500/50 splits with offsets, similarity search, top chunk."""
from benchmarks.naive import CHUNK_OVERLAP, CHUNK_SIZE, NaivePipeline

from assistant.indexing.embedders import FakeEmbedder


def test_naive_pipeline_splits_500_50_and_keeps_offsets(tmp_path):
    text = "".join(f"第{i}条 行政机关应当依法公开第{i}类政府信息，接受社会监督。\n" for i in range(1, 80))
    (tmp_path / "law.txt").write_text(text, encoding="utf-8")
    p = NaivePipeline(FakeEmbedder(128), tmp_path / "chroma")
    n = p.add_files([tmp_path / "law.txt"])
    assert n == p.count() and n >= len(text) // CHUNK_SIZE
    results = p.search("第41类政府信息", 5)
    assert results and all(len(r.page_content) <= CHUNK_SIZE for r in results)
    for r in results:
        start = r.metadata["start_index"]
        assert text[start:start + len(r.page_content)] == r.page_content
        assert r.metadata["source"] == "law.txt"
    assert NaivePipeline.answer(results) == results[0].page_content
    assert CHUNK_OVERLAP == 50
