"""Size limits and file types for corpus documents: what a parser is willing to read."""

from __future__ import annotations

MAX_FILE_BYTES: int = 5 * 1024 * 1024  # larger files are reported and skipped
MAX_LINE_CHARS: int = 20_000  # longer lines are reported and clipped; the rest of the file is parsed
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".jsonl"})
