from assistant.chunking import chunk_document
from assistant.types import Document

SENTENCE_END = "。！？!?；;"


def test_offsets_are_exact_over_the_sample(sample_doc):
    chunks = chunk_document(sample_doc)
    assert len(chunks) > 8
    for c in chunks:
        assert sample_doc.text[c.start : c.end] == c.text
        assert c.source == sample_doc.source


def test_chunks_stay_within_size_and_do_not_overlap(sample_doc):
    chunks = chunk_document(sample_doc, min_chars=100, max_chars=400)
    assert all(len(c.text) <= 400 for c in chunks)
    for a, b in zip(chunks, chunks[1:]):
        assert a.end <= b.start
    # most chunks are in the target range (headings and the signature line may be shorter)
    in_range = [c for c in chunks if 100 <= len(c.text) <= 400]
    assert len(in_range) >= 0.7 * len(chunks)


def test_chunks_never_cut_a_sentence(sample_doc):
    text = sample_doc.text
    for c in chunk_document(sample_doc):
        after = text[c.end : c.end + 1]
        assert c.text[-1] in SENTENCE_END + "”)）" or after in ("", "\n", "\r"), c.text[-20:]


def test_boilerplate_is_left_out(sample_doc):
    assert sample_doc.skip_spans, "the sample has web-page boilerplate"
    for c in chunk_document(sample_doc):
        for s, e in sample_doc.skip_spans:
            assert c.end <= s or c.start >= e
        assert "我要打印" not in c.text


def test_heading_paths_follow_the_report_structure(sample_doc):
    chunks = chunk_document(sample_doc)
    target = next(c for c in chunks if "行政机关负责人出庭应诉率100%" in c.text)
    assert target.section_path[0].startswith("三、坚持依法行政")
    assert target.section_path[-1] == "二是落实府院联动机制"


def test_law_articles_start_chunks_and_label_the_path():
    text = (
        "中华人民共和国示例法\n\n第一章 总则\n\n第一条 为了规范示例行为，制定本法。\n\n"
        "第二条 本法适用于示例活动。示例活动应当遵守法律。\n\n第二章 附则\n\n第三条 本法自公布之日起施行。\n"
    )
    doc = Document(source="law.md", text=text, title="中华人民共和国示例法", kind="law")
    chunks = chunk_document(doc, min_chars=10, max_chars=400)
    by_article = {c.section_path[-1]: c for c in chunks if c.section_path and c.section_path[-1].startswith("第")}
    assert {"第一条", "第二条", "第三条"} <= set(by_article)
    assert by_article["第三条"].section_path[0] == "第二章 附则"
    assert by_article["第二条"].text.startswith("第二条")
    for c in chunks:
        assert text[c.start : c.end] == c.text


def test_overlong_sentence_is_split_at_commas():
    text = "，".join(["这是一个很长的分句用于测试切分"] * 60) + "。"
    chunks = chunk_document(Document(source="x.txt", text=text), min_chars=50, max_chars=120)
    assert len(chunks) > 1
    assert all(len(c.text) <= 120 for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_crlf_text_keeps_offsets():
    text = "一、总体情况\r\n\r\n一是加强领导。成立委员会。\r\n二是完善机制。\r\n"
    chunks = chunk_document(Document(source="x.txt", text=text), min_chars=5)
    assert chunks and all(text[c.start : c.end] == c.text for c in chunks)
    assert all("\r" not in c.text[-1:] for c in chunks)


def test_empty_document_has_no_chunks():
    assert chunk_document(Document(source="x.txt", text="  \n\n ")) == []
