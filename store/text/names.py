"""People's names: one display form for showing, one folded key for matching.

"Sohl-Dickstein, Jascha", "Jascha Sohl-Dickstein" and "Jascha N. Sohl-Dickstein" are one person:
the key keeps the first given name and the surname, folded (no case, no accents), and drops
middle names and initials, which documents add and omit at will.
"""

from __future__ import annotations

import re
from functools import lru_cache

from store.text.folding import fold  # used here; callers import it from store.text.folding

__all__ = ["display_name", "name_parts", "person_key", "split_authors", "surname_key"]

_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "dos",
                        "das", "ten", "ter", "bin", "al", "el"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


_AFFILIATION = re.compile(r"\([^)]*\)")
_FINAL_INITIAL = re.compile(r"(?:^|[\s.-])[A-Z]\.$")
_RUN_TOGETHER_INITIAL = re.compile(r"\b([A-Z])\.(?=[A-Z])")


@lru_cache(maxsize=1 << 18)  # a bulk import writes the same names on paper after paper
def display_name(raw: str) -> str:
    """"Last, First" -> "First Last"; tidy spacing; keep accents, initials and hyphens."""
    name = " ".join(raw.replace("\u00a0", " ").split()).strip(" ,;")
    if name.endswith(".") and not _FINAL_INITIAL.search(name):
        name = name[:-1]  # a sentence's full stop, not an initial's
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if first and last and fold(first) not in _SUFFIXES:
            name = f"{first} {last}"
    if "." in name:
        name = _RUN_TOGETHER_INITIAL.sub(r"\1. ", name)  # "S.M. Eslami" -> "S. M. Eslami"
    if name.endswith((" Jr", " Sr")):
        name += "."
    return name


def name_parts(display: str) -> tuple[str, list[str], str]:
    """(first, middles, surname) of a display name; particles ("van den") belong to the surname."""
    tokens = display.split()
    if not tokens:
        return "", [], ""
    if len(tokens) > 1 and fold(tokens[-1]) in _SUFFIXES:
        tokens = tokens[:-1]
    if len(tokens) == 1:
        return "", [], tokens[0]
    start = len(tokens) - 1
    while start > 1 and fold(tokens[start - 1]) in _PARTICLES:
        start -= 1
    return tokens[0], tokens[1:start], " ".join(tokens[start:])


@lru_cache(maxsize=1 << 18)
def surname_key(display: str) -> str:
    """The folded surname without particles: "Aäron van den Oord" -> "oord"."""
    surname = name_parts(display_name(display))[2]
    words = [w for w in fold(surname).split() if w not in _PARTICLES]
    return words[-1] if words else fold(surname)


@lru_cache(maxsize=1 << 18)  # the same names recur across thousands of papers
def person_key(display: str) -> str:
    """Identity of a person for the database: folded first given name and surname.

    Accepts "Last, First" too, so "Sohl-Dickstein, Jascha" and "Jascha Sohl-Dickstein" match.
    """
    display = display_name(display)
    first, _middles, _surname = name_parts(display)
    last = surname_key(display)
    first_key = fold(first).replace(".", "")
    return f"{first_key} {last}".strip()


_AND = re.compile(r"\s+(?:and|&)\s+|\s*;\s*", re.IGNORECASE)


def split_authors(text: str) -> list[str]:
    """Split an author line in any of the corpus's shapes into display names.

    Handles "Last, First and Last, First" (ShortScience), "A, B and C" (blog prose),
    "A and B and C" and "A; B". A lone "Last, First" is one person.
    """
    if "(" in text:
        text = _AFFILIATION.sub(" ", text)  # affiliations: "(Facebook AI)"
    text = " ".join(text.replace("\u00a0", " ").split()).strip(" ;")
    if text.endswith(".") and not _FINAL_INITIAL.search(text):
        text = text[:-1]
    if not text:
        return []
    parts = [p.strip() for p in _AND.split(text) if p.strip()] if _may_join(text) else [text]
    # "Last, First and Last, First": every part is one "Last, First" pair.
    if len(parts) > 1 and all(p.count(",") == 1 for p in parts):
        return [display_name(p) for p in parts]
    if len(parts) == 1 and parts[0].count(",") == 1:
        last, first = (x.strip() for x in parts[0].split(","))
        # "Frankle, Jonathan" vs "Frankle, Carbin": a lone comma pair is Last, First only when
        # the part after the comma looks like given names (not a second full name).
        if len(first.split()) <= 2 and len(last.split()) <= 2 and not _looks_like_full_name(first):
            return [display_name(parts[0])]
    names: list[str] = []
    for part in parts:
        names.extend(p.strip() for p in part.split(",") if p.strip())
    return [display_name(n) for n in names if n]


def _may_join(text: str) -> bool:
    """Whether single-spaced `text` may hold a separator `_AND` splits at: a plain ASCII list of names
    ("A, B, C", most of a bulk import's) is not searched with the regex, whose "\\s*;" is tried at every space."""
    return not text.isascii() or ";" in text or " & " in text or " and " in text.lower()


def _looks_like_full_name(text: str) -> bool:
    return len(text.split()) >= 2 and all(w[:1].isupper() and len(w.rstrip(".")) > 1 for w in text.split())
