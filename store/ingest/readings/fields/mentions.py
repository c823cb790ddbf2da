"""One paragraph that names several papers, cut into each paper's own part.

A blog post often names two papers in one paragraph ("X by A used this ... It was also applied to
video: Y by B."). Giving both the whole paragraph makes each paper's extract speak of the other, so
each paper's text starts where the text starts speaking of it (the sentence that names it) and ends
where the next paper's begins. Pure and separate from any recogniser, so every reader of prose can
use it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A sentence ends at . ! or ? (closing quotes or brackets allowed) followed by space, unless the word
# before the stop is an initial ("Yann A. LeCun") or a common abbreviation.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")
_NOT_AN_END = re.compile(r"(?:\b[A-Z]|\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Eq|Sec|Dr|Mr|Ms|Prof|approx))\.$")


def sentence_start(text: str, pos: int) -> int:
    """The offset where the sentence holding `pos` begins."""
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, pos):
        if m.end() > pos:
            break
        if not _NOT_AN_END.search(text[max(0, m.start() - 12):m.start()]):
            start = m.end()
    return start


def split_mentions(paragraph: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """Each mention's part of `paragraph`: from the start of the sentence naming it (or from the
    mention itself when an earlier mention shares that sentence) up to where the next mention's part
    begins; the last runs to the end. `spans` are the mentions' (start, end) offsets, in order.
    One mention (or none) keeps the whole paragraph."""
    if len(spans) <= 1:
        return [paragraph.strip()] * len(spans)
    starts: list[int] = []
    previous = -1
    for start, _end in spans:
        begin = sentence_start(paragraph, start)
        if begin <= previous:  # shares its sentence with the mention before it
            begin = start
        starts.append(begin)
        previous = start
    starts[0] = min(starts[0], spans[0][0])
    bounds = [*starts[1:], len(paragraph)]
    return [paragraph[a:b].strip() for a, b in zip(starts, bounds, strict=True)]
