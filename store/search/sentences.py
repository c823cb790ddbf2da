"""Split summaries into sentences for /ask: short enough to quote, long enough to answer."""

from __future__ import annotations

import re
from typing import NamedTuple

from store.text.spacing import is_single_spaced, single_spaced

# A sentence ends at . ! or ? (closing quotes and brackets go with it) before a capital or a digit,
# at a blank line, or at a " * " bullet. A " * " after an operand (a digit, a closing bracket, a one-letter
# variable) and before one (a digit, an opening bracket, a name of up to three characters) is a product
# inside a formula ("E[x*y] * 2", "W * x", "0.5 * lr"), never a bullet. Every alternative opens with a
# character class, so the regex engine jumps between candidates instead of trying every position.
_STOP = r"[.!?][\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9$])"
_OPERAND_AFTER = r"[\d(\[{]|[A-Za-z]\w{0,2}(?!\w)"
_NO_OPERAND_BEFORE = r"(?<![\d)\]}])(?<![^\w][A-Za-z])(?<!^[A-Za-z])"
_BULLET = rf"\s\*\s+(?!{_OPERAND_AFTER})|{_NO_OPERAND_BEFORE}\s\*\s+"
_BOUNDARY = re.compile(rf"{_STOP}|\n\s*\n|{_BULLET}")
# Most summaries have neither a line break nor a bullet; without those alternatives, which can start
# at any space, the scan is three times faster.
_STOP_ONLY = re.compile(_STOP)
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|et al|etc|vs|Fig|Eq|al|cf|resp)\.$", re.IGNORECASE)
MIN_WORDS = 5
MAX_CHARS = 600


class Sentence(NamedTuple):
    text: str  # single-spaced
    quotable: bool  # long enough for /ask to quote
    start: int  # the summary's characters [start:end] hold the sentence (spacing aside): the index
    end: int  # tokenises the summary's slices, cutting it into chunks once for all its sentences


def _pieces(text: str) -> list[tuple[int, int]]:
    pattern = _BOUNDARY if "\n" in text or "*" in text else _STOP_ONLY
    out: list[tuple[int, int]] = []
    start = 0
    for m in pattern.finditer(text):
        end = m.start() + 1 if text[m.start()] in ".!?" else m.start()
        out.append((start, end))
        start = m.end()
    out.append((start, len(text)))
    return out


def split_sentences(text: str) -> list[Sentence]:
    """All of `text`, in order, as sentences.

    Nothing is dropped, so the words of the sentences are exactly the words of the text (the index
    tokenises a summary once, sentence by sentence); `quotable` marks the ones /ask may quote.
    """
    # The pieces of a single-spaced text are single-spaced already: a boundary ends at a word.
    spaced = is_single_spaced(text)
    out: list[Sentence] = []
    pending = ""
    first = 0
    for start, end in _pieces(text):
        piece = text[start:end] if spaced else single_spaced(text[start:end])
        if not piece:
            continue
        if pending:
            pending = f"{pending} {piece}"
        else:
            pending, first = piece, start
        if _ABBREV.search(pending, max(0, len(pending) - 12)):  # only the end can be an abbreviation
            continue  # "e.g." is not the end of a sentence
        out.append(Sentence(pending, pending.count(" ") >= MIN_WORDS - 1, first, end))  # words: spaces + 1
        pending = ""
    if pending:
        out.append(Sentence(pending, pending.count(" ") >= MIN_WORDS - 1, first, len(text)))
    return out
