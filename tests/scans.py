"""Scanned and photographed pages made for real: Pillow, a CJK font, slight rotation, blur and speckle.

Used by the tests and by benchmarks/ocr_pdf_text.py. Pages are A4 at 150 dpi with a first-line indent of two
characters, a running header and a ``- N -`` page number; no text layer anywhere.
"""
from __future__ import annotations

import io
import random
from pathlib import Path

FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts")
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN_X, MARGIN_Y = 130, 170
FONT_PX = 25
LEADING = 1.75
HEADER = "许昌市城乡一体化示范区管委会文件"


def cjk_font_path() -> Path:
    for folder in FONT_DIRS:
        found = sorted(Path(folder).rglob("NotoSerifCJK-Regular.ttc")) or sorted(Path(folder).rglob("NotoSansCJK-Regular.ttc"))
        if found:
            return found[0]
    raise FileNotFoundError("no Noto CJK font (Debian: apt-get install fonts-noto-cjk)")


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(cjk_font_path()), size, index=2)  # index 2: the SC (simplified Chinese) face


def wrap(text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if font.getlength(line + ch) > width and line:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def paragraphs_of(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def layout(paragraphs: list[str], title: str | None = None) -> list[list[tuple[int, int, str, int]]]:
    """Pages of (x, y, text, font px) for a title (centred, larger) and paragraphs (first line indented)."""
    font = _font(FONT_PX)
    width = PAGE[0] - 2 * MARGIN_X
    step = int(FONT_PX * LEADING)
    pages: list[list] = [[]]
    y = MARGIN_Y
    if title:
        big = _font(34)
        for line in wrap(title, big, width):
            pages[0].append((int((PAGE[0] - big.getlength(line)) / 2), y, line, 34))
            y += int(34 * 1.8)
        y += step // 2
    for para in paragraphs:
        heading = len(para) < 45 and not para.endswith("。")
        indent = 0 if heading else 2 * FONT_PX
        first, *rest = wrap(para, font, width - indent) or [""]
        lines = [(MARGIN_X + indent, first)]
        for line in wrap("".join(rest), font, width) if rest else []:
            lines.append((MARGIN_X, line))
        for x, line in lines:
            if y + step > PAGE[1] - MARGIN_Y:
                pages.append([])
                y = MARGIN_Y
            pages[-1].append((x, y, line, FONT_PX))
            y += step
    return pages


def render_page(items, number: int, seed: int, degrade: bool = True):
    """One page image (grey scale) with its header and page number, then rotated, blurred and speckled."""
    from PIL import Image, ImageDraw

    image = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(image)
    fonts = {}
    for x, y, text, size in items:
        font = fonts.setdefault(size, _font(size))
        draw.text((x, y), text, font=font, fill=20)
    small = fonts.setdefault(20, _font(20))
    draw.text(((PAGE[0] - small.getlength(HEADER)) / 2, 60), HEADER, font=small, fill=60)
    draw.line((MARGIN_X, 95, PAGE[0] - MARGIN_X, 95), fill=60, width=2)
    foot = f"- {number} -"
    draw.text(((PAGE[0] - small.getlength(foot)) / 2, PAGE[1] - 90), foot, font=small, fill=40)
    if degrade:
        image = degrade_scan(image, seed)
    return image


def degrade_scan(image, seed: int):
    from PIL import ImageFilter

    rng = random.Random(seed)
    image = image.rotate(rng.uniform(-0.8, 0.8), resample=3, expand=False, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    pixels = image.load()
    for _ in range(image.size[0] * image.size[1] // 2500):  # speckle: dark and light dots
        x, y = rng.randrange(image.size[0]), rng.randrange(image.size[1])
        pixels[x, y] = rng.choice((0, 40, 255))
    return image


def scanned_pages(text: str, seed: int = 7) -> list:
    paras = paragraphs_of(text)
    pages = layout(paras[1:], title=paras[0])
    return [render_page(items, n, seed + n) for n, items in enumerate(pages, 1)]


def pdf_of_images(images, path: Path, dpi: int = 150) -> Path:
    """A PDF with one image per page and no text layer."""
    first, *rest = [im.convert("RGB") for im in images]
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=dpi)
    return path


def photographed_page(text: str, seed: int = 3):
    """A phone photo of one page: tilted, unevenly lit, on a darker desk, saved at a lower resolution."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    page = render_page(layout(paragraphs_of(text))[0], 1, seed, degrade=False)
    page = page.rotate(rng.uniform(2.0, 3.0), resample=3, expand=True, fillcolor=110)
    w, h = page.size
    light = Image.linear_gradient("L").resize((w, h)).point(lambda v: 255 - v // 4)  # darker towards the bottom
    page = Image.composite(page, Image.new("L", (w, h), 0), light)
    desk = Image.new("L", (w + 160, h + 160), 90)
    desk.paste(page, (80, 80))
    desk = desk.filter(ImageFilter.GaussianBlur(0.9)).resize(((w + 160) * 4 // 5, (h + 160) * 4 // 5), resample=3)
    buf = io.BytesIO()
    desk.convert("RGB").save(buf, "JPEG", quality=80)  # a photo went through JPEG once
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
