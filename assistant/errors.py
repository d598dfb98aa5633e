"""Every user-facing error, and one table from each to its HTTP status and CLI exit code.

Each message is meant to be shown as is: it says, in Chinese and English, what went wrong and what to do next.

>>> status_and_exit(QuestionError("问题为空"))
(400, 1)
>>> status_and_exit(LLMTimeout("slow"))
(504, 1)
>>> status_and_exit(KeyError("x")) is None
True
"""
from __future__ import annotations

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class QuestionError(ValueError):
    """A question (or claim, or query) that cannot be asked: empty or too long."""


class IndexMismatchError(RuntimeError):
    """The index was built with another embedder or chunker than the one configured."""


class IngestError(Exception):
    """A file that cannot be indexed, with a message in Chinese and English saying why.

    ``str(exc)`` is meant to be shown to the user as is, e.g.
    ``无法读取文件 x.pdf：PDF 已加密（需要密码） / PDF is encrypted (a password is required)``.
    """


class LLMError(RuntimeError):
    """The model could not answer: the endpoint is down, the model is missing, or the package is not installed."""


class LLMTimeout(LLMError):
    """The model did not finish within the time allowed."""


class ModelInstallError(RuntimeError):
    """The offline LLM could not be assembled; the message says what to do."""


class ModelNotAvailableError(RuntimeError):
    """The embedding model is neither built in, a folder, nor in the local Hugging Face cache."""


class EmbeddingEndpointError(RuntimeError):
    """The embedding endpoint is down, wrong, or did not answer with embeddings (the message names it)."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status  # the HTTP status that ended it (0: no answer)


class StoreLockedError(RuntimeError):
    """Another process holds the embedded store folder (the message names its pid and points at server mode)."""


class InsecureBindError(RuntimeError):
    """The app would listen beyond this machine without a login (``--insecure-no-auth`` allows it)."""


def cannot_read(name: str, zh: str, en: str) -> IngestError:
    """An IngestError in the house style: ``无法读取文件 {name}：{zh} / {en}``."""
    return IngestError(f"无法读取文件 {name}：{zh} / {en}")


# error → (HTTP status, CLI exit code); the most specific class first
ERROR_TABLE: tuple[tuple[type[BaseException], int, int], ...] = (
    (QuestionError, 400, EXIT_ERROR),
    (IndexMismatchError, 409, EXIT_ERROR),
    (StoreLockedError, 409, EXIT_ERROR),
    (InsecureBindError, 400, EXIT_ERROR),
    (IngestError, 422, EXIT_ERROR),
    (EmbeddingEndpointError, 503, EXIT_ERROR),
    (LLMTimeout, 504, EXIT_ERROR),
    (LLMError, 502, EXIT_ERROR),
    (ModelInstallError, 500, EXIT_ERROR),
    (ModelNotAvailableError, 503, EXIT_ERROR),
    (FileNotFoundError, 404, EXIT_ERROR),
)


def status_and_exit(exc: BaseException) -> tuple[int, int] | None:
    """(HTTP status, exit code) for a user-facing error; None for anything else (a bug, which is not hidden)."""
    for cls, status, code in ERROR_TABLE:
        if isinstance(exc, cls):
            return status, code
    return None
