"""Indexing: embedders, the Chroma store, BM25 and its cache, the incremental indexer, uploads."""
