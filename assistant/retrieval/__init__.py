"""Retrieval: hybrid dense + BM25 search with fusion, document priors, legal references, optional rerank, LangChain adapter."""
