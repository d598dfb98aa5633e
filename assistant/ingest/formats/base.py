"""What every format loader shares: the ``Loaded`` record it returns and the ``Loader`` signature."""
from __future__ import annotations

from typing import Callable, NamedTuple


class Loaded(NamedTuple):
    """What a loader returns: the whole text, the encoding it was decoded with (None for PDF/DOCX), a title hint."""

    text: str
    encoding: str | None = None
    title: str | None = None


Loader = Callable[[bytes, str], Loaded]
