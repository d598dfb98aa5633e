"""HTTP API: ask, search, verify, index and documents as JSON, in the batch records of DESIGN.md.

``create_api(assistant)`` returns a FastAPI app with the routes under ``/api``; ``create_app`` adds the Gradio
workspace at ``/`` beside it, and ``serve`` runs both with uvicorn. With credentials configured every ``/api`` route
(the OpenAPI schema included) needs HTTP Basic authentication and the workspace its login page.

    curl -s -u user:pass http://127.0.0.1:7860/api/ask -H 'Content-Type: application/json' \\
         -d '{"id": "q1", "question": "2023年行政机关负责人出庭应诉率是多少？"}'

Errors are JSON ``{"detail": "<message saying what to do>"}``: 400 a question that cannot be asked (empty, too long),
401 missing or wrong credentials, 409 an index built with another model, 413 a body over the size limit, 422 a
malformed request.
"""
from __future__ import annotations

import base64
import binascii
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from .records import answer_record, hit_record, verdict_record

API_PREFIX = "/api"
UPLOAD_CHUNK = 1 << 20
_NO_DOCS = {"openapi_url": None, "docs_url": None, "redoc_url": None}


# -- request bodies ----------------------------------------------------------------------------
class Filters(BaseModel):
    kind: list[str] = Field(default_factory=list, description="文档类型：report / law / case / other")
    year_from: int | None = None
    year_to: int | None = None
    source: list[str] = Field(default_factory=list, description="只在这些文档中检索")


class AskRequest(Filters):
    id: Any = None
    question: str = Field(description="问题（中文或英文）")


class SearchRequest(Filters):
    query: str
    k: int = Field(10, ge=1, le=100)


class ChatRequest(Filters):
    session: str = Field(min_length=1, max_length=128, description="会话标识（客户端生成，如 UUID）；同一会话的追问按上下文理解")
    message: str = Field(description="本轮问题，可以是追问（“那2022年呢？”）")


class VerifyRequest(BaseModel):
    id: Any = None
    claim: str = Field(description="要核查的一句话")


class ChatSessions:
    """Chat histories by session id, newest ``limit`` sessions kept; turns of one session run one at a time."""

    def __init__(self, limit: int = 1000):
        from collections import OrderedDict

        self.limit = limit
        self._sessions: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str):
        from .chat import ChatSession

        with self._lock:
            entry = self._sessions.pop(session_id, None) or (ChatSession(), threading.Lock())
            self._sessions[session_id] = entry
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)
            return entry

    def drop(self, session_id: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_id, None) is not None


class Credentials:
    """Username and password for HTTP Basic; comparisons take constant time."""

    def __init__(self, username: str, password: str):
        self.username, self.password = username, password

    def check(self, given: tuple[str, str] | None) -> bool:
        if given is None:
            return False
        ok_user = secrets.compare_digest(given[0].encode(), self.username.encode())
        ok_pass = secrets.compare_digest(given[1].encode(), self.password.encode())
        return ok_user and ok_pass


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(username, password) from an ``Authorization: Basic`` header; UTF-8 (RFC 7617), else Latin-1.

    >>> basic_credentials("Basic dXNlcjrlj6Pku6Q=")
    ('user', '口令')
    """
    scheme, _, param = (header or "").partition(" ")
    if scheme.lower() != "basic" or not param:
        return None
    try:
        raw = base64.b64decode(param.strip(), validate=True)
    except (ValueError, binascii.Error):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    user, sep, password = text.partition(":")
    return (user, password) if sep else None


def credentials_from_env(env: dict) -> Credentials | None:
    user, password = env.get("ASSISTANT_USERNAME"), env.get("ASSISTANT_PASSWORD")
    return Credentials(user, password) if user and password else None


# -- the app -----------------------------------------------------------------------------------
def create_api(assistant, credentials: Credentials | None = None, app: FastAPI | None = None) -> FastAPI:
    """The JSON API for one Assistant (routes under /api), added to ``app`` or a new FastAPI app."""
    from .pipeline import QuestionError
    from .retrieval import SearchFilters
    from .store import IndexMismatchError

    settings = assistant.settings

    def authorized(request: Request) -> None:
        if credentials is not None and not credentials.check(basic_credentials(request.headers.get("authorization"))):
            raise HTTPException(401, "需要登录：请用 HTTP Basic 提供用户名和密码。 / authentication required",
                                headers={"WWW-Authenticate": 'Basic realm="legal-assistant"'})

    # the schema is served below, behind the same login as every route; no docs pages (they load scripts from a CDN)
    app = app or FastAPI(title="法律与政府报告问答助手 API", version="1", openapi_url=None, docs_url=None,
                         redoc_url=None)

    @app.exception_handler(QuestionError)
    async def _question_error(request: Request, exc: QuestionError):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(IndexMismatchError)
    async def _mismatch(request: Request, exc: IndexMismatchError):
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        return JSONResponse({"detail": f"请求格式不对：{where}。请按 /api/openapi.json 中的格式发送 JSON。",
                             "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]},
                            status_code=422)

    @app.middleware("http")
    async def _body_limit(request: Request, call_next):
        if request.url.path.startswith(API_PREFIX):
            limit = settings.max_file_bytes + UPLOAD_CHUNK if request.url.path == f"{API_PREFIX}/index" \
                else settings.max_request_bytes
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > limit:
                return JSONResponse({"detail": f"请求太大（{int(length):,} 字节，上限 {limit:,} 字节）。"
                                               f" / request body too large"}, status_code=413)
        return await call_next(request)

    guard = [Depends(authorized)]

    def filters(body: Filters):
        return SearchFilters(kinds=tuple(body.kind), year_from=body.year_from, year_to=body.year_to,
                             sources=tuple(body.source))

    @app.get(f"{API_PREFIX}/openapi.json", dependencies=guard, include_in_schema=False)
    def openapi_schema() -> dict:
        return app.openapi()

    @app.get(f"{API_PREFIX}/health", dependencies=guard, summary="服务状态")
    def health() -> dict:
        docs = assistant.store.documents()
        return {"status": "ok", "documents": len(docs), "chunks": sum(r.chunks for r in docs.values())}

    @app.post(f"{API_PREFIX}/ask", dependencies=guard, summary="提问，得到带引用的回答（批量格式的一条记录）")
    def ask(body: AskRequest) -> dict:
        answer = assistant.ask(body.question, filters(body))
        return {"id": body.id, **answer_record(answer)}

    @app.post(f"{API_PREFIX}/ask/batch", dependencies=guard, summary="批量提问：每条 {id, question}，逐条回答")
    def ask_batch(body: list[AskRequest]) -> list[dict]:
        out = []
        for row in body:
            try:
                out.append({"id": row.id, **answer_record(assistant.ask(row.question, filters(row)))})
            except QuestionError as exc:
                out.append({"id": row.id, "question": row.question, "answer": "", "refused": True, "citations": [],
                            "hits": [], "error": str(exc)})
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
        claim = assistant.check_question(body.claim)
        assistant.indexer.check()
        return {"id": body.id, **verdict_record(assistant.verifier.verify(claim))}

    @app.get(f"{API_PREFIX}/documents", dependencies=guard, summary="已索引的文档")
    def documents() -> list[dict]:
        return [{"source": r.source, "title": r.title, "kind": r.kind, "date": r.date, "chunks": r.chunks}
                for r in sorted(assistant.store.documents().values(), key=lambda r: r.source)]

    @app.delete(f"{API_PREFIX}/documents/{{source:path}}", dependencies=guard, summary="从索引中删除一个文档")
    def delete_document(source: str) -> dict:
        if source not in assistant.store.documents():
            raise HTTPException(404, f"没有这个文档：{source}。请用 GET /api/documents 查看已索引的文档。")
        assistant.store.delete_document(source)
        assistant.retriever.invalidate()
        return {"deleted": source}

    @app.post(f"{API_PREFIX}/index", dependencies=guard,
              summary="上传文件并索引（multipart，字段名 files，可多个）；逐个文件报告结果")
    async def index(files: Annotated[list[UploadFile], File(description="txt、md、html、pdf、docx、doc、xlsx、png、jpg、tif")]) -> dict:
        from .uploads import save_and_index

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
            result = await run_in_threadpool(save_and_index, assistant, pairs, None, (IndexMismatchError,))
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

    return app


def create_app(assistant, credentials: Credentials | None = None):
    """The API and the Gradio workspace in one ASGI app (the workspace at ``/``)."""
    import gradio as gr

    from .ui import build_ui, launch_options

    app = create_api(assistant, credentials)
    demo = build_ui(assistant)
    auth = (credentials.username, credentials.password) if credentials else None
    return gr.mount_gradio_app(app, demo, path="/", auth=auth, app_kwargs=_NO_DOCS, run_history=False, auth_message="请输入用户名和密码。",
                               server_name=assistant.settings.host, server_port=assistant.settings.port,
                               **launch_options())


def serve(assistant, credentials: Credentials | None = None) -> None:
    """Run the workspace and the API with uvicorn on Settings.host:port (127.0.0.1 by default)."""
    import uvicorn

    app = create_app(assistant, credentials)
    settings = assistant.settings
    print(f"界面 / workspace: http://{settings.host}:{settings.port}/   API: http://{settings.host}:{settings.port}"
          f"{API_PREFIX}/openapi.json")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
