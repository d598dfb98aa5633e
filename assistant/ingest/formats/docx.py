"""Word .docx files: body paragraphs and table rows (with their header) in document order, one per line."""
from __future__ import annotations

import io
import zipfile

from assistant.errors import cannot_read
from assistant.ingest.formats.base import Loaded
from assistant.ingest.tables import table_lines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CELL_SEPARATOR = "\t"
MAX_XML_BYTES = 64 * 2**20  # uncompressed XML of all parts: room for millions of characters of text
MAX_UNPACKED_BYTES = 512 * 2**20  # every part uncompressed (python-docx reads them all into memory)
MAX_PARTS = 10_000


def load_docx(data: bytes, name: str) -> Loaded:
    """Paragraphs joined with "\\n" (empty paragraphs kept as empty lines); a table's header row is one line, its
    cells separated by a tab, each later row one line of ``header：value`` pairs (tables.py); a cell's paragraphs
    are joined by a space. Content controls are read through; deleted text of tracked
    changes, headers, footers, footnotes and comments are not part of the text.
    """
    try:
        import docx
    except ImportError:  # pragma: no cover - a declared dependency
        raise cannot_read(name, "读取 DOCX 需要 python-docx", "reading .docx needs python-docx") from None
    if not data.startswith(b"PK"):
        raise _corrupt(name, "not a zip archive")
    _check_unpacked_size(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        _block_lines(document.element.body, lines)
    except Exception as exc:  # python-docx, zipfile and lxml raise many kinds of errors on damaged files
        raise _corrupt(name, type(exc).__name__) from None
    # core_properties.title is not used as the title: it is often empty or left over from a template.
    return Loaded("\n".join(lines), None)


def _block_lines(parent, lines: list[str]) -> None:
    for child in parent.iterchildren():
        tag = child.tag
        if tag == _W + "p":
            lines.append(_paragraph_text(child))
        elif tag == _W + "tbl":
            rows = [[_cell_text(cell) for cell in _row_cells(row)] for row in child.iterchildren(_W + "tr")]
            lines.extend(table_lines(rows))  # a row with its header: "年份：2023；案件：17件" (tables.py)
        elif tag in (_W + "sdt", _W + "customXml"):
            content = child.find(_W + "sdtContent") if tag == _W + "sdt" else child
            if content is not None:
                _block_lines(content, lines)


def _row_cells(row):
    for child in row.iterchildren():
        if child.tag == _W + "tc":
            yield child
        elif child.tag in (_W + "sdt", _W + "customXml"):
            content = child.find(_W + "sdtContent") if child.tag == _W + "sdt" else child
            if content is not None:
                yield from _row_cells(content)


def _cell_text(cell) -> str:
    parts: list[str] = []
    _block_lines(cell, parts)  # paragraphs and nested tables of the cell
    return " ".join(p.strip() for p in parts if p.strip())


def _paragraph_text(p) -> str:
    out: list[str] = []
    for el in p.iter():
        tag = el.tag
        if tag == _W + "t":
            out.append(el.text or "")
        elif tag == _W + "tab":
            if el.getparent() is not None and el.getparent().tag == _W + "r":
                out.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            out.append("\n")
        elif tag == _W + "noBreakHyphen":
            out.append("-")
    return "".join(out)


def _check_unpacked_size(data: bytes, name: str) -> None:
    """Refuse a zip bomb from the archive's directory, before anything is decompressed or parsed.

    Python's zipfile never yields more than an entry's declared size, so the declared sizes bound the work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _corrupt(name, type(exc).__name__) from None
    xml = sum(p.file_size for p in parts if p.filename.lower().endswith((".xml", ".rels")))
    total = sum(p.file_size for p in parts)
    if len(parts) > MAX_PARTS or xml > MAX_XML_BYTES or total > MAX_UNPACKED_BYTES:
        raise cannot_read(
            name, f"解压后过大（{len(parts)} 个部件，XML {xml / 2**20:.0f} MB，共 {total / 2**20:.0f} MB；上限 XML "
                  f"{MAX_XML_BYTES // 2**20} MB、共 {MAX_UNPACKED_BYTES // 2**20} MB），可能是压缩炸弹，未解析",
            f"too large when unpacked ({xml / 2**20:.0f} MB of XML, {total / 2**20:.0f} MB in all): "
            f"a likely zip bomb, not parsed")


def _corrupt(name: str, why: str):
    return cannot_read(name, "DOCX 文件损坏或无法解析", f"the .docx file is corrupt or cannot be parsed ({why})")
