"""Chinese text primitives: spans, numerals and figures, dates, the genre rules (data files), glossary, safety."""
