"""Formatted references in any common style, as reading lists, syllabi and a note's "References" paste them:

    [12] K. He, X. Zhang, S. Ren, and J. Sun, "Deep residual learning for image recognition," in Proc. CVPR, 2016.
    Sutton, Richard S., and Andrew G. Barto. "Reinforcement learning: An introduction." MIT Press (2018).
    1. He K, Zhang X, Ren S, Sun J. Deep residual learning for image recognition. In: CVPR. 2016.
    - **He, K., et al.** *Deep Residual Learning for Image Recognition*. CVPR, 2016. [pdf](https://...) ⭐

The line is cleaned of its bullet, number and Markdown (`fields.references.clean`), then read by the CRF of
`fields.references` (names as the line writes them, in display order; the title without quotes). A line is a
reference only if the tagger is sure of every name and of the title, the names come first, each is a
person's name (two to five words, capitalised, no digits, and not a placeholder, an institution or a venue:
`fields.people.not_a_person`; one word only beside other names, as "Sudha"), and the line has a year, is
numbered, or says after the title where the paper is (a known venue, "In ...", a link, a DOI, an arXiv id):
"Taesup Kim and Yoshua Bengio. Deep Directed Generative Models. In ICLR." cites, "Ada Lovelace and Alan
Turing. We liked it." does not. The year, a known venue and a link come from what follows the title. The
shape defers (`Shape.defers`), as the APA lines of shapes/citation.py do: it never takes a paper another shape
finds.
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
# "P. E. Pfaffians Frenkel" (from "Frenkel, P. E. Pfaffians, Hafnians and ..."), "Q. V. EfficientNet Le" (from "Le,
# Q. V. EfficientNet: ..."): initials, then two full words, the first of them the title's
_GIVEN_RUN_ON = re.compile(r"^(?:[A-Z][a-z]?\.[\s-]*)+(?!(?:De|Di|Da|Du|Del|Van|Von|Le|La|Dos|Das)\s)"
                           r"[A-Z][\w'’-]*\s+[A-Z][\w'’-]+$")  # a capitalised particle ("P. Di Vecchia") is a name
_URL = re.compile(r"https?://\S+")
_VANCOUVER_NAME = re.compile(r"^[A-Z]{1,3}(?:-[A-Z])? \S")  # "K He", "AN Gomez" in display order
_VANCOUVER_START = re.compile(r"^[A-Z][\w'’-]+ [A-Z]{1,3}(?:-[A-Z])?(?:,| \(|\s+[A-Z])")
_IN_ANYWHERE = re.compile(r"[.,;:”\"]\s+[Ii]n:?\s+(?:the\s+)?[A-Z]")
_IN_VENUE = re.compile(r"^[\s.,;:”\"]*[Ii]n:?\s+(?:the\s+)?[A-Z]")
_PARTICLES = {"van", "von", "der", "den", "de", "da", "di", "du", "del", "la", "le", "dos", "das", "ten", "ter",
              "bin", "al", "el", "y"}
# Words a name the tagger marks never holds (what runs on from the title or the venue); placeholders,
# institutions and venues are fields.people's to recognise.
_NOT_NAME_WORDS = {"and", "the", "of", "in", "for", "on", "with", "et", "al", "others", "press", "proceedings"}


def _placeholder_word(word: str) -> bool:
    """A placeholder written as one word of a name ("TBD", "N/A"); a capitalised word is left to be a name
    ("Nil", "Na")."""
    return len(word) >= 3 and ("/" in word or word.isupper()) and is_placeholder(word)


def _mononym(name: str) -> bool:
    """One capitalised word standing for a person who goes by one name ("Sudha"), as a list of people writes
    it; never a placeholder, an institution, a venue or a word of the phrase around the names."""
    return (name.isalpha() and len(name) >= 3 and name[0].isupper() and name[1:].islower()
            and name.lower() not in _NOT_NAME_WORDS | _PARTICLES and not _placeholder_word(name)
            and not_a_person(name) is None)


def _person(name: str, inverted: bool = False) -> bool:
    """Whether `name` (display order) is a person's; `inverted`: the line wrote it "Family, Given", where
    initials and then two full words are the given names running on into the title."""
    words = name.replace(".", ". ").split()
    if inverted and _GIVEN_RUN_ON.match(name):
        return False
    if not 2 <= len(words) <= 6 or any(ch.isdigit() or ch in ";()[]{}" for ch in name) or name.count(",") > 1:
        return False
    if any(w.lower().strip(".,") in _NOT_NAME_WORDS for w in words) or not_a_person(name) is not None:
        return False
    if any(_placeholder_word(w.strip(".,")) for w in words):
        return False  # "N/A. TBD", as the tagger turns "TBD, N/A" round
    return all(w[0].isupper() or w.lower() in _PARTICLES or not w[0].isalpha() or _ELIDED.match(w) for w in words)


def _people(names: list[str], text: str) -> bool:
    """Every name a person's; one alone may be a one-word name when the list has others."""
    return all(bool(a.split()) and (_person(a, f"{a.split()[-1]}," in text) or (len(names) > 1 and _mononym(a)))
               for a in names)


def _name_runs_on(names: list[str], title: str) -> bool:
    """Whether the title starts with a name in the list's own Vancouver form ("Goodfellow I Adversarial ...",
    as a list with no stop before the title reads): the list's end is not known."""
    return all(_VANCOUVER_NAME.match(n) for n in names) and bool(_VANCOUVER_START.match(title))


def _published(rest: str) -> bool:
    """Whether what follows the title says where the paper is (a known venue, "In ...", a link, a DOI or an
    arXiv id): a citation without a year or a number still cites."""
    plain = rest.replace("*", "").replace("_", " ")
    return bool(_URL.search(rest) or arxiv_id(rest) or doi(rest) or _IN_VENUE.match(plain) or find_venue(plain)[0]
                or known_venue(_LEAD.sub("", plain).split(",")[0].strip(" .")))


def _may_cite(text: str) -> bool:
    """Whether a line without a year or a number says anywhere where a paper is ("In ...", a link, an id, a
    known venue): only then is it worth the tagger's time."""
    return bool(_IN_ANYWHERE.search(text) or _URL.search(text) or arxiv_id(text) or doi(text) or find_venue(text)[0])


def _venue_inside(title: str) -> bool:
    """Whether the title runs on into where the paper appeared ("... recognition in Proceedings of ...",
    "... Networks in ICLR"): then the title's end is not known, and the line is not read."""
    tail = _IN_TAIL.search(title)
    return bool(_VENUE_IN_TITLE.search(title) or (tail and known_venue(tail.group(1))))


def _unbalanced(title: str) -> bool:
    """A bracket the title closes without opening it, or opens without closing ("May 28). Deep learning"), or
    the citation's year in parentheses inside it ("Dietterich TG (2019) Benchmarking ...")."""
    return any(title.count(a) != title.count(b) for a, b in ("()", "[]")) or bool(_PAREN_YEAR.search(title))


def _quoted(title: str, text: str) -> bool:
    """Whether the line puts the title in quotes ("Q-learning."): a one-word title is then surely the title."""
    return any(f"{left}{title}" in text for left in "\"“«„")


def match_formatted(line: str) -> PaperLine | None:
    """The paper a formatted reference line cites, or None when the line is anything else."""
    stripped = line.strip()
    if not stripped or stripped.startswith(("#", ">", "|")):
        return None
    text = clean(line)
    numbered = bool(_NUMBERED.match(without_bullet(line))) or bool(_NUMBERED.match(line))
    year = _YEAR.search(text)
    if len(text) > 1500 or not (year or numbered or _NO_DATE.search(text) or _may_cite(text)):
        return None  # the tagger reads only lines that may cite: most lines of a note do not
    reading = read_reference(text)
    if (reading is None or (len(reading.title.split()) < 2 and not _quoted(reading.title, text))
            or _venue_inside(reading.title) or _unbalanced(reading.title)
            or not _people(reading.authors, text) or _name_runs_on(reading.authors, reading.title)):
        return None
    rest = reading.rest
    if not (year or numbered or _NO_DATE.search(text) or _published(rest)):
        return None
    title = reading.title  # "Dropout: ... overfitting. J Mach Learn Res. 2014;15:1929" (Vancouver): the journal cut
    title = _JOURNAL_TAIL.sub("", title) if _VANCOUVER_DATE.match(rest) else title
    url = _URL.search(line[line.find(reading.title[-12:]):] if reading.title[-12:] in line else rest)
    link = url.group(0).rstrip(".,;)>") if url else link_for(arxiv_id(rest), doi(rest))
    plain = rest.replace("*", "").replace("_", " ")
    venue = find_venue(plain)[0] or known_venue(_LEAD.sub("", plain).split(",")[0])
    return PaperLine(title, reading.authors, link, venue, int(year.group(1)) if year else None,
                     incomplete=reading.incomplete)


SHAPE = Shape("formatted references (IEEE, MLA, Chicago, Vancouver, ...)", line=match_formatted, defers=True)
