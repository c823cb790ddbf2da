"""Split summaries into sentences for /ask: short enough to quote, long enough to answer."""

from __future__ import annotations

import re

from store.spacing import single_spaced

# A sentence ends at . ! or ? (closing quotes and brackets go with it) before a capital or a digit,
# at a blank line, or at a " * " bullet. Every alternative opens with a character class, so the regex
# engine jumps between candidates instead of trying every position of a long summary.
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9$])|\n\s*\n|\s\*\s+")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|et al|etc|vs|Fig|Eq|al|cf|resp)\.$", re.IGNORECASE)
MIN_WORDS = 5
MAX_CHARS = 600


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + 1 if text[m.start()] in ".!?" else m.start()
        out.append(text[start:end])
        start = m.end()
    out.append(text[start:])
    return out


def split_sentences(text: str) -> list[tuple[str, bool]]:
    """All of `text`, in order, as (sentence, quotable) pairs.

    Nothing is dropped, so the words of the sentences are exactly the words of the text (the index
    tokenises a summary once, sentence by sentence); `quotable` marks the ones /ask may quote.
    """
    out: list[tuple[str, bool]] = []
    pending = ""
    for piece in _pieces(text):
        piece = single_spaced(piece)
        if not piece:
            continue
        pending = f"{pending} {piece}" if pending else piece
        if _ABBREV.search(pending, max(0, len(pending) - 12)):  # only the end can be an abbreviation
            continue  # "e.g." is not the end of a sentence
        out.append((pending, pending.count(" ") >= MIN_WORDS - 1))  # tidy: words are spaces + 1
        pending = ""
    if pending:
        out.append((pending, pending.count(" ") >= MIN_WORDS - 1))
    return out

