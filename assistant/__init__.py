"""Question answering with exact citations over Chinese legal and government report documents."""

__version__ = "0.1.0"
