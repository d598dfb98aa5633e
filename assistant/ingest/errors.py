"""The one error every loader raises: a message a user can act on."""


class IngestError(Exception):
    """A file that cannot be indexed, with a message in Chinese and English saying why."""
