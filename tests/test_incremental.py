"""Incremental indexing, on the embedded store and on a real Chroma server: only changes reach the embedder."""
import pytest

from assistant.indexing.embedders import FakeEmbedder
from assistant.assistant import Assistant

PARAS = [
    "一、总体情况\n\n一是加强组织领导。成立法治政府建设委员会，统筹推进各项工作，全年召开专题会议六次。",
    "二、行政复议\n\n全年办理行政复议案件一百二十件，纠错率百分之十五，调解和解案件三十件。",
    "三、行政应诉\n\n行政机关负责人出庭应诉率达到百分之百，败诉率同比下降两个百分点。",
    "四、执法监督\n\n开展行政执法案卷评查，抽查案卷四百份，发现问题八十个并督促整改完毕。",
]


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting every passage it embeds."""

    def __init__(self):
        super().__init__()
        self.embedded: list[str] = []

    def embed_documents(self, texts):
        self.embedded.extend(texts)
        return super().embed_documents(texts)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    for i, name in enumerate(["a.txt", "b.txt", "sub/c.txt"]):
        (root / name).write_text(f"{name} 报告\n\n" + "\n\n".join(PARAS[i:] + PARAS[:i]), encoding="utf-8")
    return root


def _assert_consistent(assistant, folder):
    """Chunk ids unique, every chunk belongs to its document's committed version, documents == files."""
    store = assistant.store
    records = store.documents()
    got = store._chunks.get(include=["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"]))
    for meta in got["metadatas"]:
        assert records[meta["source"]].content_hash == meta["doc_hash"]
    counts = {}
    for meta in got["metadatas"]:
        counts[meta["source"]] = counts.get(meta["source"], 0) + 1
    assert counts == {s: r.chunks for s, r in records.items()}
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert set(records) == files


def test_unchanged_folder_embeds_nothing(mode_settings, folder):
    emb = CountingEmbedder()
    first = Assistant(mode_settings, embedder=emb).index([folder])
    assert sorted(first.added) == ["a.txt", "b.txt", "sub/c.txt"] and emb.embedded
    emb.embedded.clear()
    again = Assistant(mode_settings, embedder=emb).index([folder])
    assert sorted(again.unchanged) == ["a.txt", "b.txt", "sub/c.txt"]
    assert not again.added and not again.updated and not again.removed
    assert emb.embedded == []


def test_changed_file_replaces_its_chunks_and_embeds_only_new_passages(mode_settings, folder):
    emb = CountingEmbedder()
    assistant = Assistant(mode_settings, embedder=emb)
    assistant.index([folder])
    before = {c.id for c in assistant.store.all_chunks() if c.source == "a.txt"}
    emb.embedded.clear()
    path = folder / "a.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n五、新增事项\n\n全年新建蓄水池四百二十座，惠及山区群众两万人。",
                    encoding="utf-8")
    report = assistant.index([folder])
    assert report.updated == ["a.txt"] and sorted(report.unchanged) == ["b.txt", "sub/c.txt"]
    assert emb.embedded and all("蓄水池" in t for t in emb.embedded), emb.embedded
    after = {c.id for c in assistant.store.all_chunks() if c.source == "a.txt"}
    assert before.isdisjoint(after), "the old version's chunks are gone"
    assert assistant.search("蓄水池", k=1)[0].chunk.source == "a.txt"
    _assert_consistent(assistant, folder)


def test_removed_file_loses_its_chunks(mode_settings, folder):
    assistant = Assistant(mode_settings, embedder=CountingEmbedder())
    assistant.index([folder])
    (folder / "sub" / "c.txt").unlink()
    report = assistant.index([folder])
    assert report.removed == ["sub/c.txt"]
    assert "sub/c.txt" not in {c.source for c in assistant.store.all_chunks()}
    assert "sub/c.txt" not in {h.chunk.source for h in assistant.search("行政复议案件", k=10)}
    _assert_consistent(assistant, folder)


def test_renamed_file_reuses_its_vectors(mode_settings, folder):
    emb = CountingEmbedder()
    assistant = Assistant(mode_settings, embedder=emb)
    assistant.index([folder])
    emb.embedded.clear()
    (folder / "b.txt").rename(folder / "sub" / "b-renamed.txt")
    report = assistant.index([folder])
    assert report.added == ["sub/b-renamed.txt"] and report.removed == ["b.txt"]
    assert report.embedded == len(emb.embedded) == 0, "same content: the stored vectors are reused"
    assert {c.source for c in assistant.store.all_chunks()} == {"a.txt", "sub/b-renamed.txt", "sub/c.txt"}
    _assert_consistent(assistant, folder)


def test_indexing_another_folder_keeps_the_first(mode_settings, folder, tmp_path):
    """Pruning only touches documents indexed from the folder being re-indexed (several users, one server)."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "z.txt").write_text("z.txt 报告\n\n" + PARAS[0], encoding="utf-8")
    assistant = Assistant(mode_settings, embedder=CountingEmbedder())
    assistant.index([folder])
    report = assistant.index([other])
    assert report.added == ["z.txt"] and report.removed == []
    assert set(assistant.store.documents()) == {"a.txt", "b.txt", "sub/c.txt", "z.txt"}
    (folder / "b.txt").unlink()
    moved = tmp_path / "moved"
    folder.rename(moved)
    report = assistant.index([moved])
    assert report.removed == ["b.txt"] and sorted(report.unchanged) == ["a.txt", "sub/c.txt"]
    (moved / "a.txt").unlink()
    assert assistant.index([moved]).removed == ["a.txt"], "the moved folder's documents now belong to it"
    assert set(assistant.store.documents()) == {"sub/c.txt", "z.txt"}
