"""One loader per file format; each imports only ``base.py`` and the shared ingest helpers."""
