"""Request guards of the web app: Host allow-list, same-origin writes, login back-off, uploads Gradio really received.

:class:`SecurityMiddleware` wraps the whole ASGI app (the API and the Gradio workspace):

- **Host**: a request whose ``Host`` header is not one of the configured names gets 400 (this also defeats DNS
  rebinding: an attacker's domain that resolves to 127.0.0.1 is not on the list).
- **Origin**: every request that can change something (any method but GET, HEAD and OPTIONS, on every path) whose
  ``Origin`` (or, without one, ``Referer``) is another site's gets 403. Requests with neither header come from
  programs (curl, scripts), which a web page cannot forge; browsers always send ``Origin`` on a cross-site POST.
  Reads are not checked: a page on another site cannot read the answers (no CORS headers are ever sent).
- **Login back-off**: after ``login_attempts`` wrong passwords from one client, it must wait
  ``login_backoff_seconds`` (doubling with each further wrong password, at most 15 minutes) before the next
  password is even checked; for the workspace's ``/login`` and for the API's Basic authentication alike.
- **Session control**: ``/gradio_api/cancel`` and ``/gradio_api/reset`` need the workspace login too.
- **Uploads**: the paths Gradio's ``/gradio_api/upload`` hands back are recorded per client (:class:`UploadLedger`);
  the 文档 tab's upload event accepts only those (:mod:`assistant.interfaces.upload_guard`), never a server path a client names.

>>> host_name("[::1]:7860"), host_name("Example.org:80")
('::1', 'example.org')
>>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, False)
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import secrets
import socket
import threading
import time
from collections import OrderedDict
from typing import Callable
from urllib.parse import urlsplit

from assistant.errors import InsecureBindError
from assistant.interfaces.upload_guard import UploadLedger, client_key

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")
LOGIN_PATHS = frozenset({"/login", "/login/"})
SESSION_CONTROL_PATHS = frozenset({"/gradio_api/cancel", "/gradio_api/reset"})
UPLOAD_PATH = "/gradio_api/upload"
MAX_BACKOFF_SECONDS = 900.0


def is_loopback(host: str) -> bool:
    if (host or "").lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, has_credentials: bool, insecure_no_auth: bool = False) -> None:
    """Refuse to listen on a non-loopback address without credentials, unless the user said so explicitly."""
    if is_loopback(host) or has_credentials or insecure_no_auth:
        return
    raise InsecureBindError(
        f"拒绝在 {host} 上无登录启动：局域网内任何人都能读取和替换文档。请设置环境变量 ASSISTANT_USERNAME 和 "
        f"ASSISTANT_PASSWORD，或只监听 127.0.0.1；确实要无登录对外开放时加 --insecure-no-auth。 / Refusing to listen "
        f"on {host} without a login: set ASSISTANT_USERNAME and ASSISTANT_PASSWORD, or pass --insecure-no-auth."
    )


def host_name(header: str) -> str:
    """The host name of a ``Host`` header or a URL's netloc, lower-case, without the port."""
    header = (header or "").strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts(settings) -> frozenset[str] | None:
    """The Host names the app answers to (None: any): localhost names, the bind host, ``allowed_hosts``."""
    extra = settings.allowed_hosts
    names = [n.strip() for n in (extra.split(",") if isinstance(extra, str) else extra or ()) if n.strip()]
    if "*" in names:
        return None
    hosts = {*LOCAL_NAMES, *(host_name(n) for n in names)}
    bind = (settings.host or "").strip("[]").lower()
    if bind in ("0.0.0.0", "::", ""):  # every interface: this machine's own name and addresses
        try:
            name, aliases, addresses = socket.gethostbyname_ex(socket.gethostname())
            hosts.update(x.lower() for x in (name, *aliases, *addresses))
        except OSError:
            pass
    else:
        hosts.add(bind)
    return frozenset(hosts)


def _normal_netloc(netloc: str, scheme: str = "") -> str:
    netloc = netloc.strip().lower()
    for port, schemes in ((":80", ("http", "ws", "")), (":443", ("https", "wss", ""))):
        if netloc.endswith(port) and scheme in schemes:
            return netloc[: -len(port)]
    return netloc


def cross_site(headers, host: str) -> str | None:
    """Why a state-changing request is refused (its Origin or Referer is another site), or None."""
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return None  # not sent by a browser page
    if source.strip().lower() == "null":
        return "Origin: null"
    parts = urlsplit(source)
    if _normal_netloc(parts.netloc, parts.scheme) != _normal_netloc(host):
        return f"{'Origin' if headers.get('origin') else 'Referer'}: {source[:200]}"
    return None


class LoginBackoff:
    """Wrong passwords per client; past ``attempts`` of them the client waits, the wait doubling each time."""

    def __init__(self, attempts: int = 5, seconds: float = 2.0, clock: Callable[[], float] = time.monotonic,
                 limit: int = 10_000):
        self.attempts, self.seconds, self.clock, self.limit = max(1, attempts), seconds, clock, limit
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # client -> (count, blocked until)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "LoginBackoff":
        return cls(settings.login_attempts, settings.login_backoff_seconds)

    def wait(self, client: str) -> float:
        """Seconds ``client`` must still wait before a password is checked (0: go ahead)."""
        with self._lock:
            until = self._failures.get(client, (0, 0.0))[1]
        return max(0.0, until - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            count = self._failures.pop(client, (0, 0.0))[0] + 1
            over = count - self.attempts  # the attempts-th wrong password starts the first wait
            until = (self.clock() + min(MAX_BACKOFF_SECONDS, self.seconds * 2 ** over)) if over >= 0 else 0.0
            self._failures[client] = (count, until)
            while len(self._failures) > self.limit:
                self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    @staticmethod
    def message(seconds: float) -> str:
        wait = max(1, int(seconds + 0.999))
        return (f"密码错误次数过多，请 {wait} 秒后再试。 / Too many wrong passwords from this client; "
                f"try again in {wait} s.")


# -- the middleware ----------------------------------------------------------------------------
class Guard:
    """What :class:`SecurityMiddleware` enforces; ``create_app`` fills in the workspace's parts."""

    def __init__(self, settings):
        self.hosts = allowed_hosts(settings)
        self.backoff = LoginBackoff.from_settings(settings)
        self.ledger = UploadLedger()
        self.logged_in: Callable | None = None  # (starlette Request) -> bool; None: the workspace has no login


async def _send_json(send, status: int, body: dict, headers: dict | None = None) -> None:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    extra = [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
                            *extra]})
    await send({"type": "http.response.body", "body": raw})


class SecurityMiddleware:
    """Pure ASGI middleware applying a :class:`Guard` to every HTTP and websocket request."""

    def __init__(self, app, guard: Guard):
        self.app, self.guard = app, guard

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        from starlette.datastructures import Headers
        from starlette.requests import Request

        headers = Headers(scope=scope)
        host = headers.get("host", "")
        method = scope.get("method", "GET") if scope["type"] == "http" else "WEBSOCKET"
        refusal = None
        if self.guard.hosts is not None and host_name(host) not in self.guard.hosts:
            refusal = (400, (f"不接受的主机名 Host: {host[:100]!r}。请用 http://127.0.0.1 访问，或在设置 allowed_hosts 中"
                             f"加入这个名称。 / Host not allowed; add it to the allowed_hosts setting."))
        elif method not in SAFE_METHODS and (why := cross_site(headers, host)):
            refusal = (403, f"拒绝来自其他网站的请求（{why}）：只接受本应用页面发出的修改。 / cross-site request refused")
        if refusal is not None:
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await _send_json(send, refusal[0], {"detail": refusal[1]})
        path = scope.get("path", "")
        client = (scope.get("client") or ("?",))[0]
        if path in SESSION_CONTROL_PATHS and self.guard.logged_in is not None \
                and not self.guard.logged_in(Request(scope)):
            return await _send_json(send, 401, {"detail": "需要登录。 / authentication required"})
        if path in LOGIN_PATHS and method == "POST":
            return await self._login(scope, receive, send, client)
        if path == UPLOAD_PATH and method == "POST":
            return await self._upload(scope, receive, send, client_key(client, Request(scope).cookies))
        return await self.app(scope, receive, send)

    async def _login(self, scope, receive, send, client: str):
        backoff = self.guard.backoff
        wait = backoff.wait(client)
        if wait > 0:
            return await _send_json(send, 429, {"detail": backoff.message(wait)}, {"Retry-After": int(wait + 0.999)})

        async def observe(message):
            if message["type"] == "http.response.start":
                status = message["status"]
                if status == 200:
                    backoff.succeeded(client)
                elif status in (400, 401):
                    backoff.failed(client)
            await send(message)

        return await self.app(scope, receive, observe)

    async def _upload(self, scope, receive, send, client: str):
        status, body = [0], bytearray()

        async def capture(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body" and status[0] == 200 and len(body) < 4 << 20:
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    try:
                        paths = json.loads(bytes(body))
                    except ValueError:
                        paths = []
                    self.guard.ledger.record(client, [p for p in paths if isinstance(p, str)])
            await send(message)

        return await self.app(scope, receive, capture)


class BodyLimitMiddleware:
    """413 for a request whose declared ``Content-Length`` is over ``limit(path)`` (None: no limit), before it is read.

    Pure ASGI (not Starlette's BaseHTTPMiddleware), so ``Request.is_disconnected`` keeps working in handlers.
    """

    def __init__(self, app, limit: Callable[[str], int | None]):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            limit = self.limit(scope.get("path", ""))
            length = dict(scope.get("headers") or ()).get(b"content-length", b"")
            if limit is not None and length.isdigit() and int(length) > limit:
                message = f"请求太大（{int(length):,} 字节，上限 {limit:,} 字节）。 / request body too large"
                body = {"detail": message}
                if scope.get("path", "").startswith("/v1/"):  # the OpenAI clients read error.message
                    body["error"] = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
                return await _send_json(send, 413, body)
        return await self.app(scope, receive, send)


def gradio_login_check(gradio_app, credentials) -> Callable:
    """``(request) -> bool``: the request carries the workspace's login cookie (or valid Basic credentials)."""
    def logged_in(request) -> bool:
        cookie_id = getattr(gradio_app, "cookie_id", "")
        for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
            token = request.cookies.get(name)
            if token and token in getattr(gradio_app, "tokens", {}):
                return True
        return credentials.check(basic_credentials(request.headers.get("authorization")))

    return logged_in


# -- credentials ---------------------------------------------------------------------------
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
