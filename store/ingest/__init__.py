"""Reading documents: text in, paper records and problems out (no database here).

`parse_file` reads a corpus file and `parse_text` parses text already in memory; both choose the format
from one ordered list (`formats.FORMATS`: BibTeX, arXiv JSON Lines, front matter, note) and never raise
for bad input. The folders are the stages of the data flow, each importing only the ones before it:

    text/        files, decoding, streamed lines, limits, LaTeX          (bytes -> text)
    structure/   markdown-it nodes, org as Markdown, a Document          (text -> structure)
    readings/    notes' rules, prose rules, shapes, fields, gate, BibTeX, arXiv, front matter
    records/     PaperRecord and Problem, the one field merge, the contract every record keeps

(`records` is imported by every stage for its types.) At the top: `formats` (the list and the contract
applied), `upload` (a member's file), `stream` (a bulk JSON Lines file in batches), `worker` (the parsing
process), `pipes` (messages between processes), `corpus` (finding a folder's files), `report` (what an ingest did).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store.ingest.text.limits import MAX_FILE_BYTES, MAX_LINE_CHARS, SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from store.ingest.formats import parse_file, parse_text

__all__ = ["MAX_FILE_BYTES", "MAX_LINE_CHARS", "SUPPORTED_SUFFIXES", "parse_file", "parse_text"]


def __getattr__(name: str) -> Any:
    """`parse_file` and `parse_text`, imported when first asked for: the readers of every format (markdown-it,
    BibTeX, the reference model) take a tenth of a second to import, which a bulk import's parsing process,
    reading JSON Lines only, spends before its first batch otherwise."""
    if name in ("parse_file", "parse_text"):
        from store.ingest import formats

        return getattr(formats, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
