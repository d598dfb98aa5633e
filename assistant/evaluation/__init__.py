"""Evaluation: quality measures of answers and verdicts over gold files (what `assistant eval` reports)."""
