"""BM25 over jieba tokens (Chinese words, numbers, lower-cased Latin words).

>>> index = BM25Index.build(["行政应诉案件17件", "普法宣传活动26场次"])
>>> [i for i, _ in index.search("应诉案件有多少", 2)]
[0]
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache

_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff%]")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# Function words and question words that say nothing about the content sought.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 于 把 被 将 有 个 等 也 都 而 并 从 以 其 之 中 上 下 这 那 "
    "多少 几 哪 哪个 哪些 哪里 什么 怎么 怎样 如何 是否 吗 呢 么 啊 共 共计 累计 一共 总共 请问 "
    "a an the of in on at to for is are was were be by with and or what which how many much who "
    "when where did does do has have had that this it its as from".split()
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens without punctuation and stopwords; numbers kept whole."""
    tokens = []
    for tok in _jieba().lcut_for_search(text.lower()):
        tok = tok.strip()
        if not tok or tok in STOPWORDS or not _TOKEN_OK.search(tok):
            continue
        tokens.append(tok)
    return tokens


class BM25Index:
    """An inverted index with Okapi BM25 scoring."""

    def __init__(self, postings: dict, doc_len: list[int], k1: float = 1.2, b: float = 0.75, corpus: str = ""):
        self.postings = postings  # token -> list[(doc index, term frequency)]
        self.corpus = corpus  # every indexed text, lower-cased, for "is this word used anywhere" checks
        self.doc_len = doc_len
        self.k1, self.b = k1, b
        self.n = len(doc_len)
        self.avg_len = (sum(doc_len) / self.n) if self.n else 0.0

    @classmethod
    def build(cls, texts: list[str]) -> "BM25Index":
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = []
        for i, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths.append(sum(counts.values()))
            for tok, tf in counts.items():
                postings[tok].append((i, tf))
        return cls(dict(postings), lengths, corpus="\x00".join(texts).lower())

    def mentions(self, word: str) -> bool:
        """Whether any indexed text contains ``word`` (a substring test, so segmentation does not matter)."""
        return word.lower() in self.corpus

    def idf(self, token: str) -> float:
        df = len(self.postings.get(token, ()))
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def search(self, query: str | list[str], k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (doc index, score) pairs, best first; only docs in ``allowed`` when given."""
        tokens = tokenize(query) if isinstance(query, str) else query
        scores: dict[int, float] = defaultdict(float)
        for tok, qtf in Counter(tokens).items():
            plist = self.postings.get(tok)
            if not plist:
                continue
            idf = self.idf(tok)
            for i, tf in plist:
                if allowed is not None and i not in allowed:
                    continue
                norm = tf + self.k1 * (1 - self.b + self.b * self.doc_len[i] / (self.avg_len or 1.0))
                scores[i] += idf * tf * (self.k1 + 1) / norm
        return sorted(scores.items(), key=lambda kv: -kv[1])[:k]
