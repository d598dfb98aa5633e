"""Uploads through the workspace: only files Gradio itself received, for the client that sent them.

Gradio's ``/gradio_api/upload`` saves files into its upload folder and answers their paths; the upload event then
names such paths (a ``FileData``). A client could name any path instead, so :class:`~assistant.interfaces.security.
SecurityMiddleware` records the paths each upload answered (:class:`UploadLedger`) and the 文档 tab accepts only
those (:func:`accept_uploads`), with Gradio's own check (``has_launched``) and ``blocked_paths`` on top.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path


class UploadLedger:
    """The files Gradio's upload route saved, per client: the only paths an upload event may name."""

    def __init__(self, keep_seconds: float = 24 * 3600, per_client: int = 10_000):
        self.keep_seconds, self.per_client = keep_seconds, per_client
        self._paths: dict[str, OrderedDict[str, float]] = {}
        self._lock = threading.Lock()

    def record(self, client: str, paths) -> None:
        now = time.monotonic()
        with self._lock:
            mine = self._paths.setdefault(client, OrderedDict())
            for p in paths:
                mine[str(Path(p).resolve())] = now
            while len(mine) > self.per_client:
                mine.popitem(last=False)

    def owns(self, client: str, path: str | Path) -> bool:
        with self._lock:
            at = self._paths.get(client, {}).get(str(Path(path).resolve()))
        return at is not None and time.monotonic() - at < self.keep_seconds

    def forget(self, client: str, path: str | Path) -> None:
        with self._lock:
            self._paths.get(client, OrderedDict()).pop(str(Path(path).resolve()), None)


def client_key(client_host: str | None, cookies: dict | None) -> str:
    """Who sent a request: the client address and, with a workspace login, its session cookie."""
    token = "".join(str(v) for k, v in sorted((cookies or {}).items()) if str(k).startswith("access-token"))
    return f"{client_host or '?'}|{token}"


def request_client_key(request) -> str:
    """:func:`client_key` of a ``gr.Request`` (or None, e.g. a handler called directly)."""
    if request is None:
        return client_key(None, None)
    client = getattr(request, "client", None)
    try:
        cookies = dict(getattr(request, "cookies", {}) or {})
    except (AttributeError, TypeError):
        cookies = {}
    return client_key(getattr(client, "host", None), cookies)


def accept_uploads(paths: list[str], client: str, upload_folder: str | Path, received: set | None = None,
                   ledger: UploadLedger | None = None) -> tuple[list[str], list[str]]:
    """(accepted, refused) paths of an upload event: only regular files inside Gradio's upload folder that Gradio
    itself received (``received``, its ``upload_file_set``) for this client (``ledger``), symlinks resolved."""
    root = Path(upload_folder).resolve()
    seen = {str(Path(p).resolve()) for p in (received or ())}
    accepted, refused = [], []
    for p in paths:
        real = Path(p).resolve()
        ok = (real.is_relative_to(root) and real != root and real.is_file() and not Path(p).is_symlink()
              and (received is None or str(real) in seen) and (ledger is None or ledger.owns(client, real)))
        (accepted if ok else refused).append(p)
    return accepted, refused


def gradio_blocked_paths(settings) -> list[str]:
    """Folders Gradio must never read or serve: the index and its uploads, the program, the working folder,
    the model cache, the home folder and /etc (any of them holding Gradio's upload or the temp folder is left out)."""
    import tempfile

    from gradio.utils import get_upload_folder

    needed = [Path(get_upload_folder()).resolve(), Path(tempfile.gettempdir()).resolve()]
    candidates = [Path(settings.store_dir), Path(__file__).resolve().parents[1], Path.cwd(),
                  Path(settings.model_cache_dir), Path.home(), Path("/etc")]
    out = []
    for c in candidates:
        c = c.resolve()
        if not any(n.is_relative_to(c) for n in needed) and str(c) not in out:
            out.append(str(c))
    return out


def received_gradio_uploads(blocks, paths: list, request) -> tuple[list[str], list[str]]:
    """:func:`accept_uploads` for an upload event of ``blocks``: Gradio's upload folder, its ``upload_file_set``
    and, when the app was built by ``create_app``, this client's :class:`UploadLedger`."""
    from gradio.utils import get_upload_folder

    return accept_uploads([str(p) for p in paths if p], request_client_key(request), get_upload_folder(),
                          set(getattr(blocks, "upload_file_set", ()) or ()), getattr(blocks, "upload_ledger", None))


def discard_gradio_uploads(blocks, paths: list, request) -> None:
    """Delete Gradio's temporary copies of accepted uploads (they are kept under ``uploads/`` by now)."""
    from gradio.utils import get_upload_folder

    root = Path(get_upload_folder()).resolve()
    ledger = getattr(blocks, "upload_ledger", None)
    received = getattr(blocks, "upload_file_set", None)
    for p in paths:
        real = Path(p).resolve()
        if not real.is_relative_to(root) or real == root:
            continue
        real.unlink(missing_ok=True)
        try:
            if real.parent != root:
                real.parent.rmdir()  # Gradio's per-upload folder, when empty
        except OSError:
            pass
        if received is not None:
            received.discard(str(p))
            received.discard(str(real))
        if ledger is not None:
            ledger.forget(request_client_key(request), real)
