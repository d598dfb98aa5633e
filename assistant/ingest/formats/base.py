"""What every format loader shares: the ``Loaded`` record it returns and the ``Loader`` signature."""
from __future__ import annotations

from typing import Callable, NamedTuple


class Loaded(NamedTuple):
    """What a loader returns: the whole text, the encoding it was decoded with (None for PDF/DOCX), a title hint.

    Paged formats also give where each page starts in the text (``pages``, with its page number in
    ``page_numbers``); OCR'd ones their header/footer spans (``skip``), paragraph boxes (``regions``: start, end,
    page, x0, y0, x1, y1 as page fractions), mean recognition confidence and warnings.
    """

    text: str
    encoding: str | None = None
    title: str | None = None
    skip: tuple = ()
    pages: tuple = ()
    page_numbers: tuple = ()
    regions: tuple = ()
    confidence: float | None = None
    warnings: tuple = ()


Loader = Callable[[bytes, str], Loaded]
