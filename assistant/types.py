"""Records that flow through the pipeline: Document, Chunk, Hit, Citation, Answer, Verdict."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

KINDS = ("report", "law", "case", "other")


@dataclass(frozen=True)
class Document:
    """A loaded source file.

    ``text`` is the whole text as loaded (for .txt/.md the decoded file, newlines kept);
    every offset in the system points into it. ``skip_spans`` are (start, end) ranges of
    boilerplate (web-page chrome such as 【关闭】) that chunking leaves out; the text itself
    is never altered so offsets stay true.
    """

    source: str
    text: str
    title: str = ""
    date: str | None = None  # ISO "YYYY-MM-DD" (or "YYYY-MM", "YYYY") when known
    issuer: str | None = None
    kind: str = "other"
    format: str = "txt"
    encoding: str | None = None
    content_hash: str = ""
    skip_spans: tuple[tuple[int, int], ...] = ()
    # Legal documents (see ingest/law_loader.py); empty for reports and other documents.
    law_kind: str = ""  # 法律 / 行政法规 / 司法解释 / 部门规章 / 地方性法规 / 宪法 / 案例
    level: str = ""  # issuing level: 国家 (national) or 地方 (local)
    region: str = ""  # for local regulations: the province or city, e.g. 北京
    # Paged formats (PDF, images): where each page starts in ``text`` and its page number; OCR'd pages also give
    # paragraph boxes (start, end, page, x0, y0, x1, y1 as page fractions), mean confidence and warnings.
    page_starts: tuple[int, ...] = ()
    page_numbers: tuple[int, ...] = ()
    regions: tuple[tuple, ...] = ()
    ocr_confidence: float | None = None
    warnings: tuple[str, ...] = ()

    @property
    def year(self) -> int | None:
        """The publication year, or None."""
        if self.date and self.date[:4].isdigit():
            return int(self.date[:4])
        return None


@dataclass(frozen=True)
class DocumentRecord:
    """What the index knows about one indexed document."""

    source: str
    content_hash: str
    title: str
    kind: str
    date: str | None
    issuer: str | None
    chunks: int
    chars: int
    format: str = "txt"
    folder: str | None = None  # the indexed folder it came from ("" for a file given directly; None: not recorded)
    law_kind: str = ""  # for laws and cases (see Document.law_kind); "" for reports and for records from before it
    level: str = ""
    region: str = ""
    pages: int = 0  # paged formats: pages with text
    ocr_confidence: float | None = None  # OCR'd documents: mean recognition confidence
    warnings: tuple[str, ...] = ()  # e.g. pages of low OCR confidence
    page_starts: tuple = ()  # ((offset where each page starts, …), (its page number, …)); () for unpaged formats

    def page_at(self, offset: int) -> int:
        """The page number at a text offset (0 when the document has no pages)."""
        import bisect

        if not self.page_starts or not self.page_starts[0]:
            return 0
        starts, numbers = self.page_starts
        return numbers[max(0, bisect.bisect_right(starts, offset) - 1)]

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None


@dataclass(frozen=True)
class Chunk:
    """A passage cut from a document: ``document.text[start:end] == text``."""

    source: str
    start: int
    end: int
    text: str
    section_path: tuple[str, ...] = ()
    ordinal: int = 0
    title: str = ""
    kind: str = "other"
    date: str | None = None
    doc_hash: str = ""
    # Legal documents: the citation label (《中华人民共和国行政诉讼法》第三条), the article number (0 if none).
    label: str = ""
    article: int = 0
    law_kind: str = ""
    level: str = ""
    region: str = ""
    # Paged formats: the page the chunk starts on (0: not paged) and, for OCR'd pages, its box on that page
    # (x0, y0, x1, y1 as fractions of the page's width and height).
    page: int = 0
    box: tuple[float, ...] = ()

    @property
    def id(self) -> str:
        """Stable id from the source, the document's content hash and the offsets (same text, other file: other id)."""
        key = hashlib.sha1(f"{self.source}\0{self.doc_hash}".encode("utf-8")).hexdigest()[:16]
        return f"{key}:{self.ordinal}:{self.start}-{self.end}"

    @property
    def year(self) -> int | None:
        if self.date and self.date[:4].isdigit():
            return int(self.date[:4])
        return None

    @property
    def section(self) -> str:
        return " > ".join(self.section_path)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score (higher is better) and the scores behind it."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    rerank_score: float | None = None

    @property
    def source(self) -> str:
        return self.chunk.source


@dataclass
class Evidence:
    """A span of a retrieved passage that may carry an answer or a verdict: document offsets ``[start, end)`` inside
    ``hit.chunk``, the sentence it sits in, and the scores that chose it (filled in while it is weighed).

    The one span record of the answerer, the verifier, the LLM passages and grounding; :meth:`citation` is the one
    place a :class:`Citation` is made.

    >>> chunk = Chunk("r.txt", 10, 20, "出庭应诉率100%。")
    >>> e = Evidence(Hit(chunk, 1.0), 10, 19)
    >>> e.text, e.citation().quote
    ('出庭应诉率100%', '出庭应诉率100%')
    """

    hit: Hit
    start: int  # offsets into the source document
    end: int
    rank: int = 0  # the hit's rank in the retrieval
    sentence: tuple[int, int] = (0, 0)  # the enclosing sentence, document offsets
    coverage: float = 0.0  # share of the question's (idf-weighted) terms the span and its context carry
    dense: float = 0.0  # query–span cosine, where it was computed
    score: float = 0.0  # the ranking score of the answerer or verifier
    lead_coverage: float = 0.0  # the coverage of the sentence together with the one before it (the answer often
    # follows the sentence that names its subject)

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk

    @property
    def source(self) -> str:
        return self.hit.chunk.source

    @property
    def text(self) -> str:
        return self.slice(self.start, self.end)

    @property
    def sentence_text(self) -> str:
        return self.slice(*self.sentence)

    def slice(self, start: int, end: int) -> str:
        c = self.hit.chunk
        return c.text[start - c.start : end - c.start]

    def overlaps(self, other: "Evidence") -> bool:
        return self.source == other.source and self.start < other.end and other.start < self.end

    def citation(self) -> "Citation":
        return Citation.of(self.hit.chunk, self.start, self.end)


@dataclass(frozen=True)
class Citation:
    """An exact span of a source: ``document.text[start:end] == quote``."""

    source: str
    start: int
    end: int
    quote: str
    title: str = ""
    section_path: tuple[str, ...] = ()
    date: str | None = None
    label: str = ""  # a law's citation label (《中华人民共和国行政诉讼法》第三条); empty for reports

    @classmethod
    def of(cls, chunk: Chunk, start: int | None = None, end: int | None = None) -> "Citation":
        """The citation of ``chunk[start:end]`` (document offsets; the whole chunk by default)."""
        start = chunk.start if start is None else start
        end = chunk.end if end is None else end
        return cls(source=chunk.source, start=start, end=end, quote=chunk.text[start - chunk.start : end - chunk.start],
                   title=chunk.title, section_path=chunk.section_path, date=chunk.date, label=chunk.label)

    def to_json(self) -> dict:
        out = {"source": self.source, "start": self.start, "end": self.end, "quote": self.quote}
        if self.label:
            out["label"] = self.label
        return out

    @property
    def reference(self) -> str:
        """How the citation names its place: a law by its label, a report by title and section."""
        if self.label:
            return self.label
        head = f"《{self.title}》" if self.title else self.source
        return " ".join(p for p in (head, " > ".join(self.section_path)) if p)


@dataclass(frozen=True)
class Answer:
    """What the assistant says for a question, with the citations and the passages it used."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    refused: bool = False
    language: str = "zh"
    seconds: float = 0.0
    prompt: str | None = None
    notes: tuple[str, ...] = ()
    support: float = 0.0  # how strongly the best evidence carries the question (refusal below threshold)


@dataclass(frozen=True)
class Verdict:
    """The verification of one claim: supported, contradicted or not_found."""

    claim: str
    label: str
    evidence: tuple[Citation, ...] = ()
    explanation: str = ""
    compared: tuple[tuple[str, str], ...] = field(default_factory=tuple)


class TermStats(Protocol):
    """The lexical statistics of the index a search ran on (the BM25 index offers both)."""

    def idf(self, term: str) -> float: ...

    def mentions(self, word: str) -> bool: ...

    # optional: ``following(chunk) -> Chunk | None``, the next chunk of the same document (an answer that runs on
    # past the end of its passage continues there)


@dataclass(frozen=True)
class Retrieval:
    """What a search returns: the hits in rank order and the term statistics it used, so that the answerer and the
    verifier weigh the question's terms against the same index the hits came from."""

    query: str
    hits: tuple[Hit, ...]
    terms: TermStats | None = None


@dataclass(frozen=True)
class SearchFilters:
    """Restrict retrieval by document kind, publication year range and source; for laws also by legal kind
    (法律, 行政法规, 司法解释, 部门规章, 地方性法规, 宪法, 案例), issuing level (国家 / 地方) and region (北京 …)."""

    kinds: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sources: tuple[str, ...] = ()
    law_kinds: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.kinds:
            clauses.append({"kind": {"$in": list(self.kinds)}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.year_from is not None:
            clauses.append({"year": {"$gte": int(self.year_from)}})
        if self.year_to is not None:
            clauses.append({"year": {"$lte": int(self.year_to)}})
        for key, values in (("law_kind", self.law_kinds), ("level", self.levels), ("region", self.regions)):
            if values:
                clauses.append({key: {"$in": list(values)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, chunk: Chunk) -> bool:
        year = chunk.year or 0
        return (
            (not self.kinds or chunk.kind in self.kinds)
            and (not self.sources or chunk.source in self.sources)
            and (self.year_from is None or year >= self.year_from)
            and (self.year_to is None or year <= self.year_to)
            and (not self.law_kinds or chunk.law_kind in self.law_kinds)
            and (not self.levels or chunk.level in self.levels)
            and (not self.regions or chunk.region in self.regions)
        )

    @property
    def empty(self) -> bool:
        return self.chroma_where() is None


@dataclass
class Turn:
    """One turn of a conversation: the question as asked, as searched (follow-ups rewritten), and the answer."""

    question: str  # as asked
    standalone: str  # as searched
    answer: str


@dataclass(frozen=True)
class FileOutcome:
    """What became of one uploaded file."""

    name: str  # the name it is kept and indexed under
    status: str  # added | updated | unchanged | error | skipped
    message: str = ""
    original: str = ""  # the client's file name, when it differs from ``name``

    @property
    def ok(self) -> bool:
        return self.status in ("added", "updated", "unchanged")

    def to_json(self) -> dict:
        out = {"name": self.name, "status": self.status, "message": self.message}
        return {**out, "original": self.original} if self.original else out


@dataclass
class UploadResult:
    """The outcome of one upload of several files."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    chunks: int = 0
    error: str | None = None  # the whole upload failed (e.g. the index was built with another model)

    @property
    def ok(self) -> bool:
        return self.error is None and all(o.ok for o in self.outcomes)


@dataclass(frozen=True)
class IndexingState:
    """Where an indexing run stands: files chunked into BM25 (searchable) and files whose vectors are written.

    >>> IndexingState(True, total=40, searchable=40, embedded=12).label
    '已可检索 · 向量化 12/40'
    """

    running: bool = False
    total: int = 0  # files of the run
    searchable: int = 0  # files found by BM25 (chunked now, or unchanged)
    embedded: int = 0  # files found by dense retrieval too (vectors written, or unchanged)
    source: str = ""  # the file being worked on

    @property
    def label(self) -> str:
        if not self.running:
            return "索引空闲" if not self.total else f"索引完成 · 向量化 {self.embedded}/{self.total}"
        if self.searchable < self.total:
            return f"分词建索引 {self.searchable}/{self.total} · 向量化 {self.embedded}/{self.total}"
        return f"已可检索 · 向量化 {self.embedded}/{self.total}"
