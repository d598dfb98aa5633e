"""Exports of the browser workspace: an answer or a verification report as Markdown (and CSV), written to files
in one folder per process that is removed at exit, exports older than an hour pruned."""
from __future__ import annotations

import atexit
import csv
import io
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Sequence

from assistant.interfaces.ui.render import VERDICT_LABELS, _where, section_text
from assistant.records import list_items
from assistant.types import Answer, Verdict


def export_answer(answer) -> str | None:
    """Write the last answer with its citations as a Markdown file; its path (None when there is no answer)."""
    if answer is None:
        return None
    path = _export_path("问答导出", "md")
    path.write_text(answer_markdown(answer), encoding="utf-8")
    return str(path)


_EXPORT_KEEP_SECONDS = 3600
_export_folder: Path | None = None


def _export_path(stem: str, ext: str) -> Path:
    """A fresh file name in this process's export folder (removed at exit; exports older than an hour are pruned,
    since Gradio has served its own copy by then), so a long-running server does not fill the temp folder."""
    global _export_folder
    if _export_folder is None or not _export_folder.is_dir():
        _export_folder = Path(tempfile.mkdtemp(prefix="assistant-export-"))
        atexit.register(shutil.rmtree, _export_folder, True)
    now = time.time()
    for old in _export_folder.iterdir():
        try:
            if now - old.stat().st_mtime > _EXPORT_KEEP_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    sub = Path(tempfile.mkdtemp(dir=_export_folder))  # the file keeps its readable name; two exports never collide
    return sub / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}.{ext}"


def verdict_reports(verdicts: Sequence[Verdict], text: str) -> tuple[str, str]:
    """(Markdown report path, CSV report path) of a verification."""
    md = _export_path("核查报告", "md")
    md.write_text(verdicts_markdown(verdicts, text), encoding="utf-8")
    path = md.with_suffix(".csv")
    path.write_text(verdicts_csv(verdicts), encoding="utf-8", newline="")
    return str(md), str(path)


def answer_markdown(answer: Answer) -> str:
    """The answer and its citations as a Markdown document for export."""
    out = [
        "# 问答记录", "", f"- 导出时间：{datetime.now():%Y-%m-%d %H:%M:%S}", "", "## 问题", "", answer.question, "",
        "## 回答", "", *(["\n".join(f"- {t}" for t in list_items(answer.text))] if list_items(answer.text) else [answer.text]),
        "",
    ]
    if answer.citations:
        out += ["## 引用", ""]
        for i, c in enumerate(answer.citations, 1):
            head = f"[{i}] {c.label}" if c.label else f"[{i}] 《{c.title or c.source}》"
            if c.section_path and not c.label:
                head += " " + section_text(c.section_path, " > ")
            if c.date:
                head += f"（{c.date}）"
            out += [head, "", f"> {c.quote}", "", f"来源：`{c.source}` 字符 {c.start}–{c.end}", ""]
    elif answer.hits:
        out += ["## 最接近的段落（文档中没有找到答案）", ""]
        for i, h in enumerate(answer.hits[:3], 1):
            c = h.chunk
            out += [f"{i}. {c.label or '《' + (c.title or c.source) + '》 ' + c.section}".rstrip(), "", f"> {c.text}", "",
                    f"来源：`{c.source}` 字符 {c.start}–{c.end}", ""]
    return "\n".join(out).rstrip() + "\n"


def verdicts_markdown(verdicts: Sequence[Verdict], text: str = "") -> str:
    out = ["# 核查报告", "", f"- 导出时间：{datetime.now():%Y-%m-%d %H:%M:%S}"]
    counts = {k: sum(1 for v in verdicts if v.label == k) for k in VERDICT_LABELS}
    out.append("- 结论：" + "，".join(f"{VERDICT_LABELS[k]} {n} 条" for k, n in counts.items()))
    if text:
        out += ["", "## 原文", "", *(f"> {line}" for line in text.splitlines() if line.strip())]
    out += ["", "## 逐条结论", ""]
    for i, v in enumerate(verdicts, 1):
        out += [f"### {i}. {v.claim}", "", f"- 结论：**{VERDICT_LABELS.get(v.label, v.label)}**（{v.label}）",
                f"- 说明：{v.explanation}"]
        if v.compared:
            out.append("- 数值对比：" + "；".join(f"声明 {a} ↔ 文档 {b}" for a, b in v.compared))
        for c in v.evidence:
            where = _where(c.title, c.source, c.section_path, c.label)
            out += [f"- 证据：{where}（`{c.source}` 字符 {c.start}–{c.end}）", "", f"  > {c.quote}"]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


CSV_HEADERS = ["序号", "说法", "结论", "label", "说明", "数值对比", "证据文档", "章节", "来源", "起", "止", "证据原文"]


def verdicts_csv(verdicts: Sequence[Verdict]) -> str:
    """One row per claim (its first evidence span); UTF-8 with BOM so spreadsheet programs read Chinese."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_HEADERS)
    for i, v in enumerate(verdicts, 1):
        c = v.evidence[0] if v.evidence else None
        w.writerow([
            i, v.claim, VERDICT_LABELS.get(v.label, v.label), v.label, v.explanation,
            "；".join(f"{a} ↔ {b}" for a, b in v.compared),
            (c.title or c.source) if c else "", section_text(c.section_path, " > ") if c else "",
            c.source if c else "", c.start if c else "", c.end if c else "", c.quote if c else "",
        ])
    return "\ufeff" + buf.getvalue()
