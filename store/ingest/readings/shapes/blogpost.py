"""Papers named inline in blog prose: "... Title Case Paper Title by A, B, and C (Lab). ...".

A mention is a run of Title Case words (minor words such as "of", "with", "by" allowed inside)
ending right before " by ", followed by a list of people's names. The title runs back to a
sentence or clause boundary, a lower-case word ("prediction:", "in") or the previous mention.
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.byline import match_venue_line
from store.ingest.readings.fields.namelists import read_name_run
from store.ingest.readings.shapes.shape import Mention, Shape

_MINOR = """
a an the of for with and or in on at to from by via into onto over under between beyond without
within through towards toward as vs versus is are do does not nor but using than per
"""
MINOR_WORDS = frozenset(_MINOR.split())
# Capitalised sentence openers that precede a title rather than belong to it.
_NOISE = """
then also see check read and but so we i our both finally lastly recently here there
"""
_LEADING_NOISE = frozenset(_NOISE.split())
_BY = re.compile(r"(?<=[\w)\"'”’*_?!])\s+by\s+(?=[A-Z\u00C0-\u024F])")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")
_INITIAL = re.compile(r"^(?:[A-Z]\.)+$")
_VENUE_BRACKET = re.compile(r"[(\[]([^()\[\]\n]{2,40})[)\]]")
_MAX_TITLE_WORDS = 30
_MAX_TITLE_CHARS = 400


def find_mentions(text: str) -> list[Mention]:
    """Every "Title by Names" in one paragraph, in order."""
    found: list[Mention] = []
    floor = 0
    for by in _BY.finditer(text):
        if by.start() < floor:
            continue
        run = read_name_run(text, by.end())
        if run is None or run.next_word == "by":  # "Regularizing RNNs by Stabilizing Activations by ..."
            continue
        title_start = _title_start(text, floor, by.start())
        if title_start is None:
            continue
        title = _clean_title(text[title_start:by.start()])
        if not _title_shaped(title):
            continue
        venue, year = _venue_after(text, by.end(), run.end)
        found.append(Mention(title, run.names, title_start, venue, year))
        floor = run.end
    return found


def _venue_after(text: str, start: int, end: int) -> tuple[str | None, int | None]:
    """The venue and year in brackets among or right after the names ("... and C (ICLR 2021)"), if any:
    the name run takes brackets in (a lab's name), so they are looked for within it and just after it."""
    for bracket in _VENUE_BRACKET.finditer(text, start, min(len(text), end + 45)):
        found = match_venue_line(bracket.group(1))
        if found is not None and found[0] is not None:
            return found
    return None, None


def _title_start(text: str, floor: int, stop: int) -> int | None:
    """Walk back from `stop` over title words; the offset of the first one, or None."""
    floor = max(floor, stop - _MAX_TITLE_CHARS)  # bounded look-back keeps long paragraphs linear
    tokens = [(m.start(), m.group(0)) for m in re.finditer(r"\S+", text[floor:stop])]
    start: int | None = None
    kept: list[tuple[int, str]] = []
    for index, (offset, token) in enumerate(reversed(tokens)):
        word = token.strip("\"'“”‘’*_()[]")
        if not word:
            break
        rightmost = index == 0
        if token.endswith((",", ";")) or (_SENTENCE_END.search(token) and not rightmost
                                           and not _INITIAL.match(word)):
            break
        core = word.rstrip(":?!")
        if word.endswith(":") and not core[:1].isupper():
            break  # "prediction: Multi-Scale ..." - the colon introduces the title
        if core[:1].isupper() or core[:1].isdigit() or core.casefold() in MINOR_WORDS:
            kept.append((offset, token))
        else:
            break
        if len(kept) > _MAX_TITLE_WORDS:
            return None
    kept.reverse()
    while kept and (_is_lower_minor(kept[0][1]) or kept[0][1].strip("\"“‘*_").casefold() in _LEADING_NOISE):
        kept.pop(0)
    if kept:
        start = floor + kept[0][0]
    return start


def _is_lower_minor(token: str) -> bool:
    word = token.strip("\"'“”‘’*_()[]")
    return not word[:1].isupper() and word.casefold() in MINOR_WORDS


def _clean_title(raw: str) -> str:
    title = " ".join(raw.split())
    title = title.strip("*_ ")
    if len(title) > 1 and title[0] in "\"“‘'" and title[-1] in "\"”’'":
        title = title[1:-1]
    return title.strip()


def _title_shaped(title: str) -> bool:
    words = title.split()
    if not words or not words[0][:1].isalnum() or (not words[0][:1].isupper() and not words[0][:1].isdigit()):
        return False
    if len(words) == 1:  # "HyperNetworks" yes, "Supported" no
        return sum(ch.isupper() for ch in words[0]) >= 2 or any(ch.isdigit() for ch in words[0])
    return not all(w.casefold() in MINOR_WORDS for w in words[1:])


SHAPE = Shape("'Title by Authors' mentions", mentions=find_mentions)
