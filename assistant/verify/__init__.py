"""Claim verification: supported / contradicted / not found, with the evidence and the figures compared."""
