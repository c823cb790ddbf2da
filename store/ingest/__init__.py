"""Document parsers: text in, paper records and problems out (no database here).

`parse_file` reads a corpus file and `parse_text` parses text already in memory; both choose the
format (free-form text, paperbot's front-matter Markdown, arXiv JSON Lines) and never raise for
bad input.
"""

from __future__ import annotations

from store.ingest.detect import parse_text
from store.ingest.files import parse_file
from store.ingest.limits import MAX_FILE_BYTES, MAX_LINE_CHARS, SUPPORTED_SUFFIXES

__all__ = ["MAX_FILE_BYTES", "MAX_LINE_CHARS", "SUPPORTED_SUFFIXES", "parse_file", "parse_text"]
