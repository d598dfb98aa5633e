"""Offline OCR: rapidocr's PP-OCRv6 ONNX models from its own wheel, loaded once on first use; nothing is downloaded.

The engine is built with explicit paths to the model files shipped inside the ``rapidocr`` package, so it never
reaches for its download fallback; a missing file is a clear error naming it. ``recognize`` returns the text
lines of one image with their boxes and confidences; ``ocr_layout`` turns them into document text.

Limits for the OCR paths (pages, pixels, seconds per file) and a per-page progress callback are set for the
current indexing run with ``ocr_context`` (a context variable, so concurrent uploads each see their own).
"""
from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from assistant.errors import IngestError, cannot_read

MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
PageProgress = Callable[[int, int], None]  # (pages done, pages total) within the current file


@dataclass(frozen=True)
class OcrLimits:
    """What one file may cost on the OCR paths (see Settings: max_pages, max_image_pixels, ocr_seconds_per_file)."""

    max_pages: int = 1000
    max_image_pixels: int = 60_000_000
    seconds_per_file: float = 1800.0
    render_dpi: int = 150
    min_confidence: float = 0.8  # pages whose mean confidence is lower get a warning


@dataclass(frozen=True)
class OcrLine:
    """One recognised text line: axis-aligned box (x0, y0, x1, y1) in image pixels, text, confidence 0–1."""

    box: tuple[float, float, float, float]
    text: str
    score: float


@dataclass
class _Context:
    limits: OcrLimits
    progress: PageProgress | None
    started: float | None = None


_CONTEXT: contextvars.ContextVar[_Context | None] = contextvars.ContextVar("ocr_context", default=None)
_ENGINE = None
_LOCK = threading.Lock()


@contextlib.contextmanager
def ocr_context(limits: OcrLimits | None = None, progress: PageProgress | None = None) -> Iterator[None]:
    """Limits and a page progress callback for the files loaded inside the block (one file at a time)."""
    token = _CONTEXT.set(_Context(limits or OcrLimits(), progress))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def limits_from_settings(settings) -> OcrLimits:
    return OcrLimits(max_pages=settings.max_pages, max_image_pixels=settings.max_image_pixels,
                     seconds_per_file=settings.ocr_seconds_per_file, render_dpi=settings.ocr_dpi,
                     min_confidence=settings.ocr_min_confidence)


def current_limits() -> OcrLimits:
    ctx = _CONTEXT.get()
    return ctx.limits if ctx else OcrLimits()


def start_file() -> None:
    """Start the OCR clock of the current file."""
    ctx = _CONTEXT.get()
    if ctx is not None:
        ctx.started = time.monotonic()


def report_page(done: int, total: int, name: str) -> None:
    """Tell the progress callback a page is done; past the time limit the file is refused."""
    ctx = _CONTEXT.get()
    if ctx is None:
        return
    if ctx.progress is not None:
        ctx.progress(done, total)
    if ctx.started is not None and done < total and time.monotonic() - ctx.started > ctx.limits.seconds_per_file:
        limit = ctx.limits.seconds_per_file
        raise cannot_read(name, f"文字识别超时（超过 {limit:.0f} 秒，已识别 {done}/{total} 页），请拆分文件或调高设置 ocr_seconds_per_file",
                          f"OCR took longer than {limit:.0f} s ({done}/{total} pages); split the file or raise "
                          f"ocr_seconds_per_file")


def model_dir() -> Path:
    try:
        import rapidocr
    except ImportError:
        raise IngestError("文字识别需要 rapidocr：pip install rapidocr / OCR needs the rapidocr package "
                          "(pip install rapidocr)") from None
    return Path(rapidocr.__file__).resolve().parent / "models"


def model_paths() -> dict[str, Path]:
    """The packaged model files; IngestError naming the missing ones."""
    folder = model_dir()
    paths = {task: folder / name for task, name in MODEL_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise IngestError(
            f"文字识别模型文件缺失：{', '.join(missing)}（请重新安装 rapidocr：pip install --force-reinstall rapidocr）/ "
            f"OCR model files are missing: {', '.join(missing)}; reinstall rapidocr (nothing is downloaded at run time)"
        )
    return paths


def engine():
    """The shared RapidOCR engine, built on first use from the packaged models only."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            paths = model_paths()
            from rapidocr import RapidOCR

            params = {f"{task}.model_path": str(path) for task, path in paths.items()}
            params["Global.log_level"] = "warning"
            params["Global.use_cls"] = False  # pages are upright (photos turned by EXIF); the 180° classifier flipped good lines
            _ENGINE = RapidOCR(params=params)
        return _ENGINE


def recognize(image) -> list[OcrLine]:
    """The text lines of a PIL image (any mode), in the engine's order."""
    import numpy as np

    array = np.asarray(image.convert("RGB"))
    result = engine()(array)
    boxes, texts, scores = result.boxes, result.txts, result.scores
    if boxes is None or texts is None:
        return []
    lines = []
    for quad, text, score in zip(boxes, texts, scores):
        text = (text or "").strip()
        if not text:
            continue
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        lines.append(OcrLine((min(xs), min(ys), max(xs), max(ys)), text, float(score)))
    return lines
