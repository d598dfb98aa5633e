"""Start the assistant: `python app.py` serves the browser workspace at / and the HTTP API at /api
(indexes the bundled sample report on first run)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.errors import EmbeddingEndpointError, InsecureBindError, StoreLockedError
from assistant.interfaces.access import api_keys_from_env
from assistant.interfaces.api import check_exposure, credentials_from_env, serve
SAMPLES = Path(__file__).resolve().parent / "samples"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="法律与政府报告问答助手（浏览器界面）")
    p.add_argument("--host", help="监听地址（默认 127.0.0.1）")
    p.add_argument("--port", type=int, help="端口（默认 7860）")
    p.add_argument("--store", help="索引目录（默认 index/）")
    p.add_argument("--chroma-url", help="Chroma 服务器地址")
    p.add_argument("--docs", nargs="*", help="启动时索引的文件或文件夹（默认：索引为空时索引示例报告）")
    p.add_argument("--insecure-no-auth", action="store_true",
                   help="允许在非 127.0.0.1 地址上无登录运行（不安全：同一网络的任何人都能读取和替换文档）")
    args = p.parse_args(argv)
    settings = Settings.load(store_dir=args.store, chroma_url=args.chroma_url, host=args.host, port=args.port)
    credentials = credentials_from_env(os.environ)
    try:  # both before any work: a refused start costs nothing
        check_exposure(settings.host, credentials is not None, args.insecure_no_auth)
        assistant = Assistant(settings)
        known = assistant.documents()  # opens the index: StoreLockedError if another process writes there
        assistant.hold_for_writing()  # the app writes (uploads) at any time: no other process may use it now
    except (InsecureBindError, StoreLockedError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    docs = args.docs if args.docs else ([str(SAMPLES)] if not known else [])
    try:
        if docs:
            print(f"正在索引 / indexing: {', '.join(docs)}（首次运行会先构建嵌入模型）", file=sys.stderr)
            report = assistant.index(docs, progress=assistant.console_progress())
            print(report.summary(), file=sys.stderr)
            for source, message in report.errors.items():
                print(f"  失败 / failed: {source}: {message}", file=sys.stderr)
        print("正在加载模型 / loading the model …", file=sys.stderr)
        assistant.warm_up()
    except EmbeddingEndpointError as exc:  # embedding_url set and the endpoint is down or wrong
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 1
    # the workspace at /, the JSON API at /api, the OpenAI-compatible API at /v1 (Bearer keys: ASSISTANT_API_KEYS)
    serve(assistant, credentials, args.insecure_no_auth, api_keys_from_env(os.environ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
