"""Images (.png .jpg .jpeg .tif .tiff .bmp .webp) read through OCR; hostile images refused per file.

An image is opened header first: more pixels than ``max_image_pixels`` (a decompression bomb) is refused
before anything is decoded; a truncated or corrupt file is refused when it is decoded. A multi-page TIFF is
one page per frame. Photographs are turned upright from their EXIF orientation. ``ocr_pages`` is shared with
the PDF loader: it OCRs page images one by one, reports per-page progress and lays the pages out as text.
"""
from __future__ import annotations

import io
from typing import Callable, Iterable

from assistant.errors import IngestError, cannot_read
from assistant.ingest.formats.base import Loaded
from assistant.ingest.ocr import current_limits, recognize, report_page, start_file
from assistant.ingest.ocr_layout import OcrDocument, layout_pages

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def load_image(data: bytes, name: str) -> Loaded:
    """The OCR text of every frame of an image file."""
    frames = _frames(data, name)
    doc = ocr_pages(frames, len(frames), name)
    if not doc.text.strip():
        raise cannot_read(name, "图片中没有识别出文字（空白或无法辨认）", "no text was recognised in the image (blank or illegible)")
    return ocr_loaded(doc)


def _frames(data: bytes, name: str) -> list:
    from PIL import Image, ImageOps, UnidentifiedImageError

    limits = current_limits()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            frames = getattr(probe, "n_frames", 1)
            pixels = probe.size[0] * probe.size[1]
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, None, limits.max_image_pixels) from None
    except UnidentifiedImageError:
        raise cannot_read(name, "图片文件损坏或格式无法识别", "the image is corrupt or not an image") from None
    except Exception as exc:
        raise cannot_read(name, "图片文件损坏", f"the image is corrupt ({type(exc).__name__})") from None
    if pixels > limits.max_image_pixels:
        raise _too_many_pixels(name, pixels, limits.max_image_pixels)
    if frames > limits.max_pages:
        raise too_many_pages(name, frames, limits.max_pages)
    out = []
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # checked above against our own limit
    try:
        with Image.open(io.BytesIO(data)) as image:
            for index in range(frames):
                image.seek(index)
                if image.size[0] * image.size[1] > limits.max_image_pixels:
                    raise _too_many_pixels(name, image.size[0] * image.size[1], limits.max_image_pixels)
                image.load()
                frame = ImageOps.exif_transpose(image.copy()) if index == 0 else image.copy()
                out.append(frame.convert("RGB"))
    except IngestError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        why = "truncated" if "truncated" in str(exc) else type(exc).__name__
        raise cannot_read(name, "图片文件不完整或已损坏（无法解码）", f"the image is truncated or corrupt ({why})") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    return out


def ocr_pages(images: Iterable, total: int, name: str, recognize_page: Callable | None = None) -> OcrDocument:
    """OCR page images in order (``images`` may be lazy: one page rendered at a time), then lay them out."""
    start_file()
    pages = []
    report_page(0, total, name)
    for done, image in enumerate(images, 1):
        lines = (recognize_page or recognize)(image)
        pages.append((lines, image.size[0], image.size[1]))
        report_page(done, total, name)
    return layout_pages(pages)


def ocr_loaded(doc: OcrDocument, page_numbers: tuple[int, ...] | None = None) -> Loaded:
    """A Loaded from OCR'd pages, with a warning for each page whose mean confidence is low."""
    numbers = page_numbers or tuple(range(1, len(doc.page_starts) + 1))
    return Loaded(doc.text, None, None, skip=doc.skip_spans, pages=doc.page_starts, page_numbers=numbers,
                  regions=doc.regions, confidence=doc.confidence, warnings=low_confidence_warnings(doc, numbers))


def low_confidence_warnings(doc: OcrDocument, numbers: tuple[int, ...]) -> tuple[str, ...]:
    threshold = current_limits().min_confidence
    out = []
    for number, conf in zip(numbers, doc.page_confidence):
        if conf is None:
            out.append(f"第{number}页没有识别出文字 / page {number}: no text recognised")
        elif conf < threshold:
            out.append(f"第{number}页识别置信度较低（{conf:.2f}），请核对原件 / page {number}: low OCR confidence {conf:.2f}")
    return tuple(out)


def _too_many_pixels(name: str, pixels: int | None, limit: int) -> IngestError:
    size = f"{pixels:,} 像素，" if pixels else ""
    return cannot_read(name, f"图片过大（{size}上限 {limit:,} 像素，可能是解压炸弹），请缩小后再索引或调高设置 max_image_pixels",
                       f"the image has too many pixels ({pixels or 'over'} > {limit:,}; a decompression bomb?); "
                       f"shrink it or raise max_image_pixels")


def too_many_pages(name: str, pages: int, limit: int) -> IngestError:
    return cannot_read(name, f"页数过多（{pages} 页，上限 {limit} 页），请拆分后再索引或调高设置 max_pages",
                       f"too many pages ({pages}, limit {limit}); split the file or raise max_pages")
