"""Decoding text files: BOMs, UTF-8, GBK/GB18030, UTF-16, and refusing binary data.

>>> decode_bytes("示范区".encode("gbk"))
('示范区', 'gb18030')
"""
from __future__ import annotations

import codecs

from .errors import IngestError

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode_bytes(data: bytes, name: str = "文件") -> tuple[str, str]:
    """(text, encoding). A leading BOM is not content and is dropped; all offsets refer to the returned text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc), enc
    if _looks_utf16(data):
        enc = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise IngestError(f"{name} 看起来是二进制文件，不是文本 / looks like a binary file, not text")
    for enc in ("utf-8", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _mostly_text(text):
            return text, enc
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _mostly_text(str(best)):
        return str(best), best.encoding
    raise IngestError(f"无法识别 {name} 的文字编码 / cannot detect the text encoding of this file")


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    zeros_even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    zeros_odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    return max(zeros_even, zeros_odd) > 0.3 and min(zeros_even, zeros_odd) < 0.05


def _mostly_text(text: str) -> bool:
    if not text:
        return True
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t\f\v") or ch == "\ufffd")
    return bad / len(sample) < 0.02
