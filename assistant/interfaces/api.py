"""HTTP API: ask, search, verify, index and documents as JSON, in the batch records of DESIGN.md.

``create_api(assistant)`` returns a FastAPI app with the routes under ``/api``; ``create_app`` adds the Gradio
workspace at ``/`` beside it, and ``serve`` runs both with uvicorn. With credentials configured every ``/api`` route
(the OpenAPI schema included) needs HTTP Basic authentication and the workspace its login page.

    curl -s -u user:pass http://127.0.0.1:7860/api/ask -H 'Content-Type: application/json' \\
         -d '{"id": "q1", "question": "2023年行政机关负责人出庭应诉率是多少？"}'

Errors are JSON ``{"detail": "<message saying what to do>"}``: 400 a question that cannot be asked (empty, too long),
a body that is not UTF-8 JSON or a Host name not allowed, 401 missing or wrong credentials (with ``Retry-After``
while a client that sent too many wrong passwords must wait), 403 a write from another site's page, 409 an index
built with another model or held by another process, 413 a body or batch over its limit, 422 a malformed request.
Host, Origin and back-off rules: :mod:`assistant.interfaces.security`.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import ERROR_TABLE, QuestionError, status_and_exit
from assistant.interfaces.security import (  # noqa: F401  (re-exported: app.py checks before any work)
    Credentials, basic_credentials, check_exposure, credentials_from_env,
)
from assistant.interfaces.schemas import AskRequest, ChatRequest, Filters, SearchRequest, VerifyRequest
from assistant.records import answer_record, hit_record, verdict_record
from assistant.types import SearchFilters

API_PREFIX = "/api"
UPLOAD_CHUNK = 1 << 20
_NO_DOCS = {"openapi_url": None, "docs_url": None, "redoc_url": None}


class ChatSessions:
    """Chat histories by session id, newest ``limit`` sessions kept; turns of one session run one at a time."""

    def __init__(self, limit: int = 1000):
        from collections import OrderedDict

        self.limit = limit
        self._sessions: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str):
        from assistant.assistant import Assistant

        with self._lock:
            entry = self._sessions.pop(session_id, None) or (Assistant.new_chat(), threading.Lock())
            self._sessions[session_id] = entry
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)
            return entry

    def drop(self, session_id: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_id, None) is not None


# -- the app -----------------------------------------------------------------------------------
def create_api(assistant, credentials: Credentials | None = None, app: FastAPI | None = None,
               api_keys=None) -> FastAPI:
    """The JSON API for one Assistant (routes under /api, the OpenAI-compatible ones under /v1), added to ``app``
    or a new FastAPI app; ``api_keys`` (:class:`assistant.interfaces.access.ApiKeys`) are accepted as Bearer tokens."""
    from assistant.interfaces.access import bearer_token, challenge_headers
    from assistant.interfaces.openai_api import mount_openai
    from assistant.interfaces.security import BodyLimitMiddleware, Guard, SecurityMiddleware

    settings = assistant.settings
    security = Guard(settings)
    challenge = challenge_headers(credentials, api_keys)

    def authorized(request: Request) -> None:
        if credentials is None and api_keys is None:
            return
        header = request.headers.get("authorization")
        client = request.client.host if request.client else "?"
        token = bearer_token(header) if api_keys is not None else None
        given = basic_credentials(header) if credentials is not None else None
        if token is not None or given is not None:  # something to check: wrong ones count towards the back-off
            wait = security.backoff.wait(client)
            if wait > 0:  # not even checked while the client waits
                raise HTTPException(401, security.backoff.message(wait),
                                    headers={**challenge, "Retry-After": str(int(wait + 0.999))})
            if (token is not None and api_keys.check(token)) or (given is not None and credentials.check(given)):
                security.backoff.succeeded(client)
                return
            security.backoff.failed(client)
        raise HTTPException(401, "需要登录：请用 HTTP Basic 提供用户名和密码，或用 Bearer 提供 API 密钥。"
                                 " / authentication required", headers=challenge)

    # the schema is served below, behind the same login as every route; no docs pages (they load scripts from a CDN)
    app = app or FastAPI(title="法律与政府报告问答助手 API", version="1", openapi_url=None, docs_url=None,
                         redoc_url=None)
    app.state.security = security

    async def _known(request: Request, exc: Exception):  # every user-facing error, status from errors.py
        return JSONResponse({"detail": str(exc)}, status_code=status_and_exit(exc)[0])

    for error, _status, _code in ERROR_TABLE:
        app.add_exception_handler(error, _known)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":  # FastAPI's stock text
            return JSONResponse({"detail": "请求内容无法解析：不是合法的 UTF-8 编码 JSON。请用 UTF-8 编码发送 JSON"
                                           "（Content-Type: application/json）。 / the body is not valid UTF-8 JSON"},
                                status_code=400)
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        return JSONResponse({"detail": f"请求格式不对：{where}。请按 /api/openapi.json 中的格式发送 JSON。",
                             "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]},
                            status_code=422)

    def body_limit(path: str) -> int | None:
        if path.startswith("/v1/"):
            return settings.max_request_bytes
        if not path.startswith(API_PREFIX):
            return None
        return settings.max_file_bytes + UPLOAD_CHUNK if path == f"{API_PREFIX}/index" else settings.max_request_bytes

    app.add_middleware(BodyLimitMiddleware, limit=body_limit)  # pure ASGI: handlers still see a client leave

    guard = [Depends(authorized)]

    def filters(body: Filters) -> SearchFilters:
        return SearchFilters(kinds=tuple(body.kind), year_from=body.year_from, year_to=body.year_to,
                             sources=tuple(body.source), law_kinds=tuple(body.law_kind), levels=tuple(body.level),
                             regions=tuple(body.region))

    @app.get(f"{API_PREFIX}/openapi.json", dependencies=guard, include_in_schema=False)
    def openapi_schema() -> dict:
        return app.openapi()

    @app.get(f"{API_PREFIX}/health", dependencies=guard, summary="服务状态")
    def health() -> dict:
        return assistant.health()

    @app.post(f"{API_PREFIX}/ask", dependencies=guard, summary="提问，得到带引用的回答（批量格式的一条记录）")
    def ask(body: AskRequest) -> dict:
        answer = assistant.ask(body.question, filters(body))
        return {"id": body.id, **answer_record(answer)}

    @app.post(f"{API_PREFIX}/ask/batch", dependencies=guard,
              summary="批量提问：每条 {id, question}，逐条回答（条数上限 max_batch_questions，时间上限 request_seconds）")
    async def ask_batch(request: Request, body: list[Any]) -> list[dict]:
        if len(body) > settings.max_batch_questions:
            raise HTTPException(413, f"一次最多 {settings.max_batch_questions} 个问题（收到 {len(body)} 个），请分批提交。"
                                     f" / at most {settings.max_batch_questions} questions per batch")
        started, out = time.monotonic(), []

        def failed(raw, message: str) -> dict:
            raw = raw if isinstance(raw, dict) else {}
            question = raw.get("question")
            return {"id": raw.get("id"), "question": question if isinstance(question, str) else None, "answer": "",
                    "refused": True, "citations": [], "hits": [], "error": message}

        for n, raw in enumerate(body, 1):
            if await request.is_disconnected():
                return out  # the client has gone: stop working for nobody
            if time.monotonic() - started > settings.request_seconds:
                out.append(failed(raw, f"超出本次请求的时间上限（{settings.request_seconds:g} 秒），未处理；"
                                       f"请把其余问题分批提交。 / over the request's time budget, not asked"))
                continue
            try:
                row = AskRequest.model_validate(raw)
            except ValidationError as exc:
                where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())) or '整条'}: {e.get('msg')}"
                                  for e in exc.errors())
                out.append(failed(raw, f"第 {n} 条格式不对（{where}）：每条应为 {{\"id\": …, \"question\": \"…\"}}。"))
                continue
            try:
                answer = await run_in_threadpool(assistant.ask, row.question, filters(row))
                out.append({"id": row.id, **answer_record(answer)})
            except QuestionError as exc:
                out.append(failed(raw, str(exc)))
        return out

    sessions = ChatSessions()

    @app.post(f"{API_PREFIX}/chat", dependencies=guard,
              summary="多轮对话：同一 session 的追问按上下文改写成完整问题后检索作答")
    def chat(body: ChatRequest) -> dict:
        session, turn_lock = sessions.get(body.session)
        with turn_lock:
            final = None
            for update in assistant.ask_stream(body.message, filters(body), history=list(session.turns)):
                final = update
            session.record(body.message, final.question, final.answer.text)
        return {"session": body.session, "standalone": final.question, **answer_record(final.answer)}

    @app.delete(f"{API_PREFIX}/chat/{{session}}", dependencies=guard, summary="结束一个会话（清除它的历史）")
    def end_chat(session: str) -> dict:
        return {"session": session, "ended": sessions.drop(session)}

    @app.post(f"{API_PREFIX}/search", dependencies=guard, summary="检索相关段落")
    def search(body: SearchRequest) -> list[dict]:
        return [hit_record(h, full=True) for h in assistant.search(body.query, body.k, filters(body))]

    @app.post(f"{API_PREFIX}/verify", dependencies=guard, summary="核查一句话：supported / contradicted / not_found")
    def verify(body: VerifyRequest) -> dict:
        return {"id": body.id, **verdict_record(assistant.verify_claim(body.claim))}

    @app.get(f"{API_PREFIX}/documents", dependencies=guard, summary="已索引的文档")
    def documents() -> list[dict]:
        return [{"source": r.source, "title": r.title, "kind": r.kind, "date": r.date, "chunks": r.chunks}
                for r in assistant.documents()]

    @app.delete(f"{API_PREFIX}/documents/{{source:path}}", dependencies=guard, summary="从索引中删除一个文档")
    def delete_document(source: str) -> dict:
        if assistant.delete(source) is None:  # the kept copy of an uploaded file goes too
            raise HTTPException(404, f"没有这个文档：{source}。请用 GET /api/documents 查看已索引的文档。")
        return {"deleted": source}

    @app.post(f"{API_PREFIX}/index", dependencies=guard,
              summary="上传文件并索引（multipart，字段名 files，可多个）；逐个文件报告结果")
    async def index(files: Annotated[list[UploadFile], File(description="txt、md、html、pdf、docx、doc、xlsx、png、jpg、tif")]) -> dict:
        staging = Path(tempfile.mkdtemp(prefix="assistant-api-"))
        try:
            pairs, too_large = [], []
            for i, f in enumerate(files):
                local = staging / f"{i}"
                size = 0
                with local.open("wb") as fh:
                    while block := await f.read(UPLOAD_CHUNK):
                        size += len(block)
                        if size > settings.max_file_bytes:
                            too_large.append(f.filename or f"file{i}")
                            break
                        fh.write(block)
                if size <= settings.max_file_bytes:
                    pairs.append((f.filename or f"file{i}", local))
            result = await run_in_threadpool(assistant.index_uploads, pairs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if result.error:
            raise HTTPException(409, result.error)
        outcomes = [o.to_json() for o in result.outcomes]
        limit_mb = settings.max_file_bytes / 2**20
        outcomes += [{"name": n, "status": "error", "message": f"文件太大（上限 {limit_mb:.0f} MB），未索引。"}
                     for n in too_large]
        return {"files": outcomes, "chunks": result.chunks,
                "ok": all(o["status"] in ("added", "updated", "unchanged") for o in outcomes)}

    mount_openai(app, assistant, guard)  # /v1/models, /v1/chat/completions behind the same guard
    app.add_middleware(SecurityMiddleware, guard=security)  # outermost: Host and Origin before anything else
    return app


def create_app(assistant, credentials: Credentials | None = None, api_keys=None):
    """The API and the Gradio workspace in one ASGI app (the workspace at ``/``)."""
    import gradio as gr
    from starlette.routing import Mount

    from assistant.interfaces.security import gradio_login_check
    from assistant.interfaces.ui import build_ui, launch_options
    from assistant.interfaces.upload_guard import gradio_blocked_paths

    settings = assistant.settings
    assistant.hold_for_writing()  # embedded: this process owns the folder from now on (store_lock)
    app = create_api(assistant, credentials, api_keys=api_keys)
    demo = build_ui(assistant)
    auth = (credentials.username, credentials.password) if credentials else None
    gr.mount_gradio_app(app, demo, path="/", auth=auth, app_kwargs=_NO_DOCS, run_history=False,
                        auth_message="请输入用户名和密码。", server_name=settings.host, server_port=settings.port,
                        allowed_paths=[], blocked_paths=gradio_blocked_paths(settings),
                        max_file_size=settings.max_file_bytes, **launch_options())
    # Mounted Blocks never "launch", and Gradio skips its check that event inputs are files a user uploaded
    # unless they have: turn the check on. The 文档 tab checks the paths itself as well (security.accept_uploads).
    demo.has_launched = True
    demo.upload_ledger = app.state.security.ledger
    if credentials is not None:
        gradio_app = next(r.app for r in app.routes if isinstance(r, Mount) and getattr(r.app, "tokens", None) is not None)
        app.state.security.logged_in = gradio_login_check(gradio_app, credentials)
    assistant.clean_uploads()  # staging copies left by a process killed mid-upload
    return app


def serve(assistant, credentials: Credentials | None = None, insecure_no_auth: bool = False,
          api_keys=None) -> None:
    """Run the workspace and the APIs with uvicorn on Settings.host:port (127.0.0.1 by default).

    Refuses (InsecureBindError) to listen beyond this machine without credentials unless ``insecure_no_auth``.
    """
    import uvicorn

    settings = assistant.settings
    check_exposure(settings.host, credentials is not None, insecure_no_auth)
    app = create_app(assistant, credentials, api_keys)
    print(f"界面 / workspace: http://{settings.host}:{settings.port}/   API: http://{settings.host}:{settings.port}"
          f"{API_PREFIX}/openapi.json")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
