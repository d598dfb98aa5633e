"""Plain text (.txt, .md): the decoded bytes exactly, newlines, indentation and trailing spaces kept.

>>> load_text("行政机关负责人出庭应诉率100%".encode("gbk"), "a.txt").text
'行政机关负责人出庭应诉率100%'
"""
from __future__ import annotations

from assistant.ingest.encoding import decode_bytes
from assistant.ingest.formats.base import Loaded


def load_text(data: bytes, name: str) -> Loaded:
    """A .txt or .md file: the decoded bytes exactly (newlines, indentation and trailing spaces kept)."""
    text, encoding = decode_bytes(data, name)
    return Loaded(text, encoding)
