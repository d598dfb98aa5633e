"""The one error every loader raises: a message a user can act on."""


class IngestError(Exception):
    """A file that cannot be indexed, with a message in Chinese and English saying why.

    ``str(exc)`` is meant to be shown to the user as is, e.g.
    ``无法读取文件 x.pdf：PDF 已加密（需要密码） / PDF is encrypted (a password is required)``.
    """


def cannot_read(name: str, zh: str, en: str) -> IngestError:
    """An IngestError in the house style: ``无法读取文件 {name}：{zh} / {en}``."""
    return IngestError(f"无法读取文件 {name}：{zh} / {en}")
