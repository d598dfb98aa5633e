"""Records that flow through the pipeline: Document, Chunk, Hit, Citation, Answer, Verdict."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

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
