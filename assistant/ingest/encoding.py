"""Decoding text files: BOMs, UTF-8, GBK/GB18030, UTF-16, charset-normalizer, and refusing binary data.

Decision on byte order marks: a leading BOM is an encoding signature, not content, so it is
dropped; ``text`` (and so every offset in the system) starts after it. ``content_hash`` is
computed on the raw bytes, BOM included. Newlines are never touched (``\\r\\n`` stays).

>>> decode_bytes("示范区".encode("gbk"))
('示范区', 'gb18030')
>>> decode_bytes(b"\\xef\\xbb\\xbf\\xe6\\x8a\\xa5\\xe5\\x91\\x8a\\r\\n")
('报告\\r\\n', 'utf-8-sig')
"""
from __future__ import annotations

import codecs
import re

from assistant.errors import IngestError, cannot_read

# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)
# C0 controls other than tab, newlines, form feed and vertical tab; DEL; the replacement character.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_CJKISH = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2010-\u2027\u00b7\u00d7\u2460-\u24ff]")
_SAMPLE = 65536


def decode_bytes(data: bytes, name: str = "文件") -> tuple[str, str]:
    """(text, encoding name) for the bytes of a text file; raises IngestError for binary or undecodable data.

    Order: BOM (UTF-8/16/32) → data with NUL bytes is BOM-less UTF-16 if it reads as such, else
    binary → strict UTF-8 → UTF-8 with a few invalid bytes among much valid multi-byte text
    (replaced by U+FFFD: a cut-off UTF-8 file must not be misread as GB18030 mojibake) →
    GB18030 (a superset of GBK and GB2312; accepted when the non-ASCII text it yields is
    Chinese) → charset-normalizer → GB18030 anyway if it decoded.
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                raise cannot_read(name, f"文件以 {label} 标记开头，但内容不是有效的 {label}",
                                  f"the file starts with a {label} byte order mark but is not valid {label}") from None
            return _checked(text, name), label
    if b"\x00" in data:
        decoded = _bomless_utf16(data)
        if decoded is None:
            raise _binary(name)
        return decoded
    try:
        return _checked(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    multibyte = sum(1 for ch in lossy[:_SAMPLE] if ch > "\x7f") - bad
    # UTF-8 with a few bad bytes (a cut file, a pasted GBK fragment): GBK misread as UTF-8 has far more bad than good
    if bad <= max(8, len(lossy) // 500) and multibyte >= 20 * bad:
        return _checked(lossy, name), "utf-8"
    gb_text = None
    try:
        gb_text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    if gb_text is not None and _looks_chinese(gb_text):
        return _checked(gb_text, name), "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best() if data else None
    if best is not None and best.encoding:
        try:
            return _checked(data.decode(best.encoding), name), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    if gb_text is not None:
        return _checked(gb_text, name), "gb18030"
    raise cannot_read(name, "无法识别文字编码（请另存为 UTF-8）",
                      "cannot detect the text encoding (save the file as UTF-8)")


def decode_declared(data: bytes, declared: str | None, name: str = "文件") -> tuple[str, str]:
    """Like decode_bytes, but a charset the file declares (HTML ``<meta charset>``) is tried after a BOM and UTF-8."""
    if declared and not any(data.startswith(bom) for bom, _, _ in _BOMS):
        codec = normalise_charset(declared)
        if codec and codec not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be") and b"\x00" not in data:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    return _checked(data.decode(codec), name), codec
                except (UnicodeDecodeError, LookupError):
                    pass
    return decode_bytes(data, name)


def normalise_charset(label: str) -> str | None:
    """A Python codec name for a declared charset; GB2312/GBK map to GB18030, their superset."""
    label = label.strip().strip("\"'").lower()
    if label in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "gb18030"):
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """(text, codec) of BOM-less UTF-16 (the side of the byte pairs with more NULs is the high byte), or None."""
    if len(data) % 2:
        return None
    codec = "utf-16-le" if data[1::2].count(0) >= data[0::2].count(0) else "utf-16-be"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    sample = text[:_SAMPLE]
    plain = sum(1 for ch in sample if ch.isprintable() or ch in "\r\n\t") - len(_CONTROL.findall(sample))
    readable = sum(1 for ch in sample if ch < "\x7f" or _CJKISH.match(ch))
    if sample and plain / len(sample) >= 0.97 and readable / len(sample) >= 0.9:
        return text, codec
    return None


def _looks_chinese(text: str) -> bool:
    """Whether the non-ASCII characters of a GB18030 decoding are CJK (so it is not a misread Latin-1/Big5 file)."""
    sample = text[:_SAMPLE]
    non_ascii = sum(1 for ch in sample if ord(ch) > 127)
    if non_ascii == 0:
        return True
    return len(_CJKISH.findall(sample)) / non_ascii >= 0.9


def _checked(text: str, name: str) -> str:
    """The text, unless control characters show it is binary data that happened to decode."""
    sample = text[:_SAMPLE]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.01:
        raise _binary(name)
    return text


def _binary(name: str) -> IngestError:
    return cannot_read(name, "文件看起来是二进制数据，不是文本", "the file looks binary, not text")
