"""Loading text files: encodings, exact text, errors, hashes, size limits and folder walking."""
from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pytest

from assistant.ingest import SUPPORTED_SUFFIXES, IngestError, iter_files, load_document
from assistant.ingest.encoding import decode_bytes

REPORT_ZH = "许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告\n\n一、加强组织领导\n行政机关负责人出庭应诉率100%。\n"


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- encodings


def test_utf8_text_is_loaded_exactly(tmp_path):
    doc = load_document(write(tmp_path / "r.txt", REPORT_ZH.encode("utf-8")))
    assert doc.text == REPORT_ZH
    assert doc.encoding == "utf-8"
    assert doc.format == "txt"


def test_gbk_file_is_decoded(tmp_path):
    doc = load_document(write(tmp_path / "gbk.txt", REPORT_ZH.encode("gbk")))
    assert doc.text == REPORT_ZH
    assert doc.encoding == "gb18030"
    assert doc.title == "许昌市城乡一体化示范区管委会关于2023年度法治建设工作的报告"


def test_gb18030_only_characters_are_decoded():
    text = "䶮是GB18030才有的字，€也是。" * 3
    assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")


def test_utf8_bom_is_dropped_and_offsets_refer_to_the_text_after_it(tmp_path):
    path = write(tmp_path / "bom.txt", codecs.BOM_UTF8 + REPORT_ZH.encode("utf-8"))
    doc = load_document(path)
    assert doc.text == REPORT_ZH
    assert not doc.text.startswith("\ufeff")
    assert doc.encoding == "utf-8-sig"
    assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()  # the hash covers the raw bytes


@pytest.mark.parametrize("codec, label", [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_utf16_with_bom(tmp_path, codec, label):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    doc = load_document(write(tmp_path / "u16.txt", bom + REPORT_ZH.encode(codec)))
    assert doc.text == REPORT_ZH
    assert doc.encoding == label


def test_utf16_without_bom_is_recognised():
    text = "Report 2023: 行政复议案件86件。\r\n" * 5
    assert decode_bytes(text.encode("utf-16-le")) == (text, "utf-16-le")


def test_crlf_newlines_and_spaces_are_kept(tmp_path):
    raw = "标题\r\n\r\n　　第一段，有缩进。  \r\n第二段。\r\n"
    doc = load_document(write(tmp_path / "crlf.txt", raw.encode("utf-8")))
    assert doc.text == raw
    assert doc.title == "标题"


def test_a_stray_invalid_byte_does_not_turn_utf8_into_gbk_mojibake():
    data = ("行政复议案件86件。" * 50).encode("utf-8") + b"\xe8\xa1"  # cut in the middle of a character
    text, encoding = decode_bytes(data)
    assert encoding == "utf-8"
    assert text.startswith("行政复议案件86件。")


@pytest.mark.parametrize("text", ["报", "报告", "许昌市", "示范区管委会。"])
def test_short_gbk_text_is_not_taken_for_damaged_utf8(text):
    assert decode_bytes(text.encode("gbk")) == (text, "gb18030")


def test_latin1_text_is_not_read_as_chinese():
    text, encoding = decode_bytes("Café au lait, naïve résumé, déjà vu. ".encode("latin-1") * 20)
    assert "Café" in text
    assert encoding != "gb18030"


def test_binary_file_is_rejected(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(IngestError, match="二进制.*binary"):
        load_document(write(tmp_path / "image.txt", png))


def test_control_characters_without_nul_are_rejected_as_binary():
    data = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 50 + "少量文字".encode("utf-8")
    with pytest.raises(IngestError, match="binary"):
        decode_bytes(data)


# ---------------------------------------------------------------- errors and limits


def test_empty_file_is_rejected(tmp_path):
    with pytest.raises(IngestError, match="文件为空"):
        load_document(write(tmp_path / "empty.txt", b""))


def test_whitespace_only_file_is_rejected(tmp_path):
    with pytest.raises(IngestError, match="文件为空"):
        load_document(write(tmp_path / "blank.md", " \r\n\t\u3000\n".encode("utf-8")))


def test_unknown_suffix_lists_the_supported_ones(tmp_path):
    with pytest.raises(IngestError) as info:
        load_document(write(tmp_path / "table.xls", b"\xd0\xcf\x11\xe0"))
    message = str(info.value)
    assert "unsupported format" in message
    for suffix in (".txt", ".md", ".html", ".pdf", ".docx"):
        assert suffix in message


def test_old_word_format_gets_a_hint(tmp_path):
    with pytest.raises(IngestError, match=r"\.docx"):
        load_document(write(tmp_path / "old.doc", b"\xd0\xcf\x11\xe0"))


def test_too_large_file_names_the_limit(tmp_path):
    path = write(tmp_path / "big.txt", ("很长的报告。" * 1000).encode("utf-8"))
    with pytest.raises(IngestError, match="1000"):
        load_document(path, max_bytes=1000)
    assert load_document(path, max_bytes=10**6).text.startswith("很长的报告")


def test_missing_file_and_folder_are_ingest_errors(tmp_path):
    with pytest.raises(IngestError):
        load_document(tmp_path / "nope.txt")
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(IngestError):
        load_document(tmp_path / "dir.txt")


def test_source_defaults_to_the_file_name_and_can_be_given(tmp_path):
    path = write(tmp_path / "报告 2023.txt", REPORT_ZH.encode("utf-8"))
    assert load_document(path).source == "报告 2023.txt"
    assert load_document(str(path), source="a/b.txt").source == "a/b.txt"


def test_content_hash_is_sha256_of_the_raw_bytes(tmp_path):
    data = REPORT_ZH.encode("gbk")
    doc = load_document(write(tmp_path / "h.txt", data))
    assert doc.content_hash == hashlib.sha256(data).hexdigest()


def test_markdown_title_front_matter_and_comments(tmp_path):
    raw = "---\nauthor: x\n---\n\n前言\n\n# 中华人民共和国行政复议法\n\n<!-- INFO END -->\n\n第一条 为了……\n"
    doc = load_document(write(tmp_path / "law.md", raw.encode("utf-8")))
    assert doc.text == raw
    assert doc.format == "md"
    assert doc.title == "中华人民共和国行政复议法"
    skipped = [doc.text[s:e] for s, e in doc.skip_spans]
    assert skipped == ["---\nauthor: x\n---", "<!-- INFO END -->"]


def test_supported_suffixes():
    assert set(SUPPORTED_SUFFIXES) >= {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}
    assert list(SUPPORTED_SUFFIXES) == sorted(SUPPORTED_SUFFIXES)


# ---------------------------------------------------------------- iter_files


def test_iter_files_names_sources_relative_to_the_folder(tmp_path):
    root = tmp_path / "资料"
    for rel in ["b.txt", "a 报告.md", "子目录/第 二 层/深.txt", "子目录/x.HTML", "子目录/文件 (1).pdf",
                ".hidden.txt", ".git/config.txt", "子目录/.cache/x.txt", "notes.xls", "~$草稿.docx", "README"]:
        write(root / rel, b"x")
    found = list(iter_files([root]))
    sources = [source for _, source in found]
    assert sources == ["a 报告.md", "b.txt", "子目录/x.HTML", "子目录/文件 (1).pdf", "子目录/第 二 层/深.txt"]
    for path, source in found:
        assert path == root / Path(source)
        assert "\\" not in source


def test_iter_files_file_given_directly_keeps_its_name_whatever_the_suffix(tmp_path):
    a = write(tmp_path / "deep" / "报告 一.txt", b"x")
    b = write(tmp_path / "table.xlsx", b"x")
    assert list(iter_files([a, b])) == [(a, "报告 一.txt"), (b, "table.xlsx")]


def test_iter_files_walks_several_roots_in_the_order_given(tmp_path):
    write(tmp_path / "one" / "z.txt", b"x")
    write(tmp_path / "two" / "a.txt", b"x")
    assert [s for _, s in iter_files([tmp_path / "two", tmp_path / "one"])] == ["a.txt", "z.txt"]
