"""A file a member uploaded, read from memory by the same reader as the corpus folder.

Never written to disk under its own name: its bytes go through the same checks (type, size, UTF-8,
NUL bytes) and the same parsers as a corpus file, and come back as records and problems.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from store.ingest.formats import parse_text
from store.ingest.records import Parsed, Problem
from store.ingest.text.files import decode
from store.ingest.text.limits import MAX_FILE_BYTES, SUPPORTED_SUFFIXES

UPLOAD_SUFFIXES = frozenset(SUPPORTED_SUFFIXES | {".bib"})
MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # a member's upload is a few summaries, never a bulk import


def shown_name(filename: str) -> str:
    """The upload's name as reported: its last path part, printable, at most 100 characters."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload"
    return "".join(c if c.isprintable() else "?" for c in name)[:100]


def refusal(filename: str, size: int) -> Problem | None:
    """Why an upload is refused before it is even downloaded, if it is."""
    name = shown_name(filename)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return Problem(name, 0, f"not a summary file type (send {', '.join(sorted(UPLOAD_SUFFIXES))})")
    if size > MAX_UPLOAD_BYTES:
        return Problem(name, 0, f"file is {size:,} bytes, over the {MAX_UPLOAD_BYTES:,}-byte limit")
    return None


def read_upload(filename: str, data: bytes) -> Parsed:
    """Records and problems for an uploaded file's bytes; never raises."""
    name = shown_name(filename)
    if (refused := refusal(name, len(data))) is not None:
        return Parsed([], [refused])
    if not data.strip():
        return Parsed([], [Problem(name, 0, "empty file: nothing to read")])
    text = decode(data, name)
    if isinstance(text, Problem):
        return Parsed([], [text])
    return parse_text(text, name, PurePosixPath(name).suffix.lower())
