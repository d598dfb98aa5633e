"""Answering: question analysis, evidence and span selection, the extractive and LLM answerers, grounding, chat."""
