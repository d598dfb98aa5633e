"""Excel .xlsx workbooks (openpyxl, read-only): each sheet a section, each row one line with its header.

A sheet is a heading line ``# 名称`` (its name) followed by its rows (see tables.py: the first non-empty row is
the header, each later row ``header：value；…``). Values are shown as Excel would show the stored value:
whole floats without ".0", percentages formatted as percentages, dates as ISO dates. Formulas give their
cached value (the value last computed by Excel).
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile

from assistant.errors import IngestError, cannot_read
from assistant.ingest.formats.base import Loaded
from assistant.ingest.ocr import current_limits
from assistant.ingest.tables import table_lines

MAX_CELLS = 2_000_000


def load_xlsx(data: bytes, name: str) -> Loaded:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        raise cannot_read(name, "读取 .xlsx 需要 openpyxl", "reading .xlsx needs openpyxl") from None
    if not data.startswith(b"PK"):
        raise _corrupt(name, "not a zip archive")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise _corrupt(name, type(exc).__name__) from None
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
        raise _corrupt(name, type(exc).__name__) from None
    if len(book.sheetnames) > current_limits().max_pages:
        raise cannot_read(name, f"工作表过多（{len(book.sheetnames)} 个）", f"too many sheets ({len(book.sheetnames)})")
    lines: list[str] = []
    cells = 0
    try:
        for sheet in book.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=False):
                cells += len(row)
                if cells > MAX_CELLS:
                    raise cannot_read(name, f"单元格过多（超过 {MAX_CELLS:,} 个），请拆分后再索引",
                                      f"too many cells (over {MAX_CELLS:,}); split the workbook")
                values = [_show(c) for c in row]
                while values and not values[-1]:
                    values.pop()
                if any(values):
                    rows.append(values)
            if not rows:
                continue
            if lines:
                lines.append("")
            lines.append(f"# {sheet.title}")  # a heading: chunks never cross sheets
            lines.extend(table_lines(rows))
    except IngestError:
        raise
    except Exception as exc:
        raise _corrupt(name, type(exc).__name__) from None
    finally:
        book.close()
    return Loaded("\n".join(lines), None)


def _show(cell) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        if "%" in fmt:
            decimals = fmt.split(".")[1].count("0") if "." in fmt else 0
            return f"{value * 100:.{decimals}f}%"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).replace("\r\n", " ").replace("\n", " ").strip()


def _corrupt(name: str, why: str):
    return cannot_read(name, "XLSX 文件损坏或无法解析", f"the .xlsx file is corrupt or cannot be parsed ({why})")
