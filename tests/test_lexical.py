from assistant.indexing.lexical import BM25Index, tokenize


def test_tokenize_drops_punctuation_and_question_words():
    tokens = tokenize("2023年行政机关负责人出庭应诉率是多少？")
    assert "2023" in tokens and "出庭" in tokens and "应诉" in tokens
    assert "多少" not in tokens and "？" not in tokens


def test_bm25_prefers_the_passage_with_rare_terms():
    texts = ["示范区开展普法宣传活动26场次", "示范区行政应诉案件17件", "示范区召开会议14次"]
    index = BM25Index.build(texts)
    ranked = index.search("行政应诉案件有多少件", 3)
    assert ranked[0][0] == 1
    assert index.idf("示范区") < index.idf("应诉")


def test_bm25_respects_allowed_set_and_empty_query():
    index = BM25Index.build(["行政应诉案件17件", "行政应诉案件20件"])
    assert [i for i, _ in index.search("行政应诉", 5, allowed={1})] == [1]
    assert index.search("？？", 5) == []
