"""The benchmark corpora as plain files: the seed report, the 52 national government work reports, the laws.

The government work reports come as one JSON Lines file (../shared/data/gov_reports/...); the benchmarks write
each full report (the 20 short NPC resolutions are left out) to ``<year>年政府工作报告.txt`` (UTF-8, content
verbatim), so both pipelines load the same files and the gold spans of benchmarks/data/gov_reports_dev.jsonl
refer to those files' text as loaded by ``assistant.ingest.load_document``.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ASSISTANT_SHARED_DATA", ROOT.parent / "shared" / "data"))
SEED_DIR = SHARED / "seed"
SEED_REPORT = SEED_DIR / "xuchang_2023_fazhi_report.txt"
SEED_QA = SEED_DIR / "dev_qa.jsonl"
GOV_JSONL = SHARED / "gov_reports" / "national_gov_work_reports" / "government_work_reports.jsonl"
GOV_QA = ROOT / "benchmarks" / "data" / "gov_reports_dev.jsonl"
LAWS = SHARED / "laws" / "lawrefbook"
CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/assistant-bench"))


def gov_report_name(year: int) -> str:
    return f"{year}年政府工作报告.txt"


def gov_reports_dir(target: Path | None = None, since: int | None = None) -> Path:
    """A folder with the 52 full reports (or those of ``since`` and later) as text files, written once."""
    target = Path(target or CACHE / ("gov_reports" if since is None else f"gov_reports-since-{since}"))
    target.mkdir(parents=True, exist_ok=True)
    for line in GOV_JSONL.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "决议" in record["title"] or not record.get("year") or (since and int(record["year"]) < since):
            continue
        path = target / gov_report_name(record["year"])
        data = record["content"].encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
    return target


def gov_records_dir(target: Path | None = None) -> Path:
    """All 72 records of the reports file: the 52 full reports as above plus the 20 NPC resolutions on them, each
    resolution written as ``<its title>.txt`` (the acceptance setting of the scope issue: every record indexed)."""
    target = Path(target or CACHE / "gov_records")
    gov_reports_dir(target)
    for line in GOV_JSONL.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "决议" not in record["title"] and record.get("year"):
            continue
        path = target / (re.sub(r"[\\/:*?\"<>|]", "_", record["title"]) + ".txt")
        data = record["content"].encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
    return target


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def law_files(limit_chars: int | None = None) -> list[Path]:
    """Laws corpus files in a stable order, optionally only as many as needed for about ``limit_chars``."""
    files = sorted(p for p in LAWS.rglob("*.md") if p.name != "SOURCE.md")
    if limit_chars is None:
        return files
    out, total = [], 0
    for p in files:
        out.append(p)
        total += p.stat().st_size // 3  # UTF-8 Chinese: ~3 bytes a character
        if total >= limit_chars:
            break
    return out
