"""Old Word .doc files: converted to .docx by LibreOffice headless (then read as .docx), else read by antiword.

LibreOffice runs with a private profile folder per call (two conversions at once do not share a profile lock)
and a time limit. Neither tool installed: a clear error naming the Debian packages.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from assistant.errors import cannot_read
from assistant.ingest.formats.base import Loaded

TIMEOUT = 180  # seconds for one conversion
PACKAGES = "libreoffice-writer-nogui"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def load_doc(data: bytes, name: str) -> Loaded:
    """The text of a .doc file (tables as header rows, as for .docx)."""
    if not data.startswith(_OLE):
        raise cannot_read(name, "不是有效的 Word .doc 文件（文件损坏），请用 Word 另存为 .docx",
                          "not a valid Word .doc file (corrupt); save it as .docx")
    office = soffice()
    if office:
        return _via_libreoffice(office, data, name)
    antiword = shutil.which("antiword")
    if antiword:
        return _via_antiword(antiword, data, name)
    raise cannot_read(
        name, f"读取旧版 Word (.doc) 需要 LibreOffice：apt-get install {PACKAGES}（或 antiword），或另存为 .docx",
        f"reading old Word .doc files needs LibreOffice (Debian: apt-get install {PACKAGES}) or antiword; "
        f"or save the file as .docx",
    )


def _via_libreoffice(office: str, data: bytes, name: str) -> Loaded:
    from assistant.ingest.formats.docx import load_docx

    with tempfile.TemporaryDirectory(prefix="doc-") as tmp:
        folder = Path(tmp)
        source = folder / "input.doc"
        source.write_bytes(data)
        profile = (folder / "profile").as_uri()
        cmd = [office, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "docx",
               "--outdir", str(folder / "out"), str(source)]
        try:
            subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, check=False,
                           env={**os.environ, "HOME": tmp}, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise cannot_read(name, f"LibreOffice 转换超时（{TIMEOUT} 秒），请另存为 .docx",
                              f"LibreOffice did not finish converting within {TIMEOUT} s; save the file as .docx") from None
        out = folder / "out" / "input.docx"
        if not out.is_file() or out.stat().st_size == 0:
            raise cannot_read(name, "LibreOffice 无法转换此 .doc 文件（文件损坏？），请用 Word 另存为 .docx",
                              "LibreOffice could not convert this .doc file (corrupt?); save it as .docx")
        loaded = load_docx(out.read_bytes(), name)
    return Loaded(loaded.text, None, loaded.title)


def _via_antiword(antiword: str, data: bytes, name: str) -> Loaded:
    with tempfile.NamedTemporaryFile(suffix=".doc") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            done = subprocess.run([antiword, "-m", "UTF-8.txt", "-w", "0", tmp.name], capture_output=True,
                                  timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise cannot_read(name, "antiword 读取超时，请另存为 .docx", "antiword timed out; save the file as .docx") from None
    if done.returncode != 0:
        raise cannot_read(name, "antiword 无法读取此 .doc 文件，请另存为 .docx",
                          "antiword could not read this .doc file; save it as .docx")
    text = done.stdout.decode("utf-8", "replace").replace("\r\n", "\n").strip("\n")
    return Loaded(text, None)
