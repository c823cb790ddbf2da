"""Split summaries into sentences for /ask: short enough to quote, long enough to answer."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9$])|\n\s*\n|\s+\*\s+")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|et al|etc|vs|Fig|Eq|al|cf|resp)\.$", re.IGNORECASE)
MIN_WORDS = 5
MAX_CHARS = 600


def sentences(text: str) -> list[str]:
    out: list[str] = []
    pending = ""
    for piece in _BOUNDARY.split(text):
        piece = " ".join(piece.split())
        if not piece:
            continue
        pending = f"{pending} {piece}".strip() if pending else piece
        if _ABBREV.search(pending):
            continue  # "e.g." is not the end of a sentence
        out.append(pending)
        pending = ""
    if pending:
        out.append(pending)
    return [s[:MAX_CHARS] for s in out if len(s.split()) >= MIN_WORDS]
