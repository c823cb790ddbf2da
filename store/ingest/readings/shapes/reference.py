"""Formatted references in any common style, as reading lists, syllabi and a note's "References" paste them:

    [12] K. He, X. Zhang, S. Ren, and J. Sun, "Deep residual learning for image recognition," in Proc. CVPR, 2016.
    Sutton, Richard S., and Andrew G. Barto. "Reinforcement learning: An introduction." MIT Press (2018).
    1. He K, Zhang X, Ren S, Sun J. Deep residual learning for image recognition. In: CVPR. 2016.
    - **He, K., et al.** *Deep Residual Learning for Image Recognition*. CVPR, 2016. [pdf](https://...) ⭐

The line is cleaned of its bullet, number and Markdown (`fields.references.clean`), then read by the CRF of
`fields.references` (names as the line writes them, in display order; the title without quotes). A line is a
reference only if the tagger is sure of every name and of the title, the names come first, each is a
person's name (two to five words, capitalised, no digits, and not a placeholder, an institution or a venue:
`fields.people.not_a_person`), and the line has a year or is numbered. The year, a known venue and a link
come from what follows the title. The shape defers (`Shape.defers`), as the APA lines of shapes/citation.py
do: it never takes a paper another shape finds.
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.listitems import without_bullet
from store.ingest.readings.fields.people import is_placeholder, not_a_person
from store.ingest.readings.fields.references import clean, read_reference
from store.ingest.readings.fields.venues import find_venue, known_venue
from store.ingest.readings.shapes.shape import PaperLine, Shape
from store.text.identifiers import arxiv_id, doi, link_for

_YEAR = re.compile(r"(?<![\d/.])((?:19|20)\d\d)(?![\d/])")
_NO_DATE = re.compile(r"\bn\.\s?d\.|\(no date\)|\bundated\b")
_NUMBERED = re.compile(r"^\s*(?:[-*+•]\s+)?(?:\*\*|__)?(?:\[\d{1,4}\]|\(\d{1,4}\)|\d{1,4}\.)")
_ELIDED = re.compile(r"^[a-z]{1,2}['’][A-Z]")  # d'Ambrumenil, l'Huillier
_VENUE_IN_TITLE = re.compile(r"\s[Ii]n:?\s+(?:the\s+)?(?:Proceedings|Proc\.|Advances|Conference|Journal|Workshop)\b")
_JOURNAL_TAIL = re.compile(r"\.\s+(?:[A-Z][A-Za-z]{0,5}\.?\s?){1,6}$")  # an abbreviated journal's name
_VANCOUVER_DATE = re.compile(r"^\.?\s*(?:19|20)\d\d(?:\s\w{3})?\s*[;:]")
_IN_TAIL = re.compile(r"\s[Ii]n:?\s+(\S+(?:\s\S+)?)$")
_LEAD = re.compile(r"^[\s.,:;\"“”'’]*(?:[Ii]n:?\s+)?")  # what runs from the title to the venue
_PAREN_YEAR = re.compile(r"\((?:19|20)\d\d[a-z]?\)")
# "P. E. Pfaffians Frenkel" (from "Frenkel, P. E. Pfaffians, Hafnians and ..."): initials, then two full words
_GIVEN_RUN_ON = re.compile(r"^(?:[A-Z][a-z]?\.[\s-]*)+[A-Z][a-z]+\s+[A-Z][a-z]+$")
_URL = re.compile(r"https?://\S+")
_PARTICLES = {"van", "von", "der", "den", "de", "da", "di", "du", "del", "la", "le", "dos", "das", "ten", "ter",
              "bin", "al", "el", "y"}
# Words a name the tagger marks never holds (what runs on from the title or the venue); placeholders,
# institutions and venues are fields.people's to recognise.
_NOT_NAME_WORDS = {"and", "the", "of", "in", "for", "on", "with", "et", "al", "others", "press", "proceedings"}


def _placeholder_word(word: str) -> bool:
    """A placeholder written as one word of a name ("TBD", "N/A"); a capitalised word is left to be a name
    ("Nil", "Na")."""
    return len(word) >= 3 and ("/" in word or word.isupper()) and is_placeholder(word)


def _person(name: str) -> bool:
    words = name.replace(".", ". ").split()
    if _GIVEN_RUN_ON.match(name):
        return False
    if not 2 <= len(words) <= 6 or any(ch.isdigit() or ch in ";()[]{}" for ch in name) or name.count(",") > 1:
        return False
    if any(w.lower().strip(".,") in _NOT_NAME_WORDS for w in words) or not_a_person(name) is not None:
        return False
    if any(_placeholder_word(w.strip(".,")) for w in words):
        return False  # "N/A. TBD", as the tagger turns "TBD, N/A" round
    return all(w[0].isupper() or w.lower() in _PARTICLES or not w[0].isalpha() or _ELIDED.match(w) for w in words)


def _venue_inside(title: str) -> bool:
    """Whether the title runs on into where the paper appeared ("... recognition in Proceedings of ...",
    "... Networks in ICLR"): then the title's end is not known, and the line is not read."""
    tail = _IN_TAIL.search(title)
    return bool(_VENUE_IN_TITLE.search(title) or (tail and known_venue(tail.group(1))))


def _unbalanced(title: str) -> bool:
    """A bracket the title closes without opening it, or opens without closing ("May 28). Deep learning"), or
    the citation's year in parentheses inside it ("Dietterich TG (2019) Benchmarking ...")."""
    return any(title.count(a) != title.count(b) for a, b in ("()", "[]")) or bool(_PAREN_YEAR.search(title))


def match_formatted(line: str) -> PaperLine | None:
    """The paper a formatted reference line cites, or None when the line is anything else."""
    stripped = line.strip()
    if not stripped or stripped.startswith(("#", ">", "|")):
        return None
    text = clean(line)
    numbered = bool(_NUMBERED.match(without_bullet(line))) or bool(_NUMBERED.match(line))
    year = _YEAR.search(text)
    if not (year or numbered or _NO_DATE.search(text)) or len(text) > 1500:
        return None
    reading = read_reference(text)
    if (reading is None or len(reading.title.split()) < 2 or _venue_inside(reading.title) or _unbalanced(reading.title)
            or not all(_person(a) for a in reading.authors)):
        return None
    rest = reading.rest
    title = reading.title  # "Dropout: ... overfitting. J Mach Learn Res. 2014;15:1929" (Vancouver): the journal cut
    title = _JOURNAL_TAIL.sub("", title) if _VANCOUVER_DATE.match(rest) else title
    url = _URL.search(line[line.find(reading.title[-12:]):] if reading.title[-12:] in line else rest)
    link = url.group(0).rstrip(".,;)>") if url else link_for(arxiv_id(rest), doi(rest))
    plain = rest.replace("*", "").replace("_", " ")
    venue = find_venue(plain)[0] or known_venue(_LEAD.sub("", plain).split(",")[0])
    return PaperLine(title, reading.authors, link, venue, int(year.group(1)) if year else None)


SHAPE = Shape("formatted references (IEEE, MLA, Chicago, Vancouver, ...)", line=match_formatted, defers=True)
