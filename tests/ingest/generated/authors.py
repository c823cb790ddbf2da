"""Author values as members write them, with what a careful reader keeps of each: the people, as written.

A style is how the names are written and joined (`A, B and C`, `A; B`, `Last, First; ...`, `A. Vaswani`,
a list); a damage is what else the value holds (a placeholder instead of names, an affiliation or a venue
after them, an unbalanced bracket, a doubled separator, "et al."). The expected authors are the names in
display form ("First Last"; initials kept as written), never a placeholder, an institution or a venue.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.ingest.generated.papers import Person

INLINE_STYLES = ("and", "comma", "semicolon", "lastfirst", "initials")
LIST_STYLES = ("yaml_list", "flow_list", "bullets")
DAMAGES = ("clean", "placeholder", "affiliation", "venue", "bracket_open", "bracket_close", "doubled", "etal")
LIST_DAMAGES = ("clean", "placeholder", "affiliation")

PLACEHOLDERS = ("Authors", "TBD", "N/A", "Unknown", "Anonymous", "et al.")
INSTITUTIONS = ("Google Research", "DeepMind", "Stanford University", "New York University",
                "Université de Montréal", "Facebook AI Research", "Max Planck Institute for Intelligent Systems")
AFFILIATION_TAILS = ("New York University - CVPR 2015", "Google Research", "Stanford University", "DeepMind",
                     "Université de Montréal - ICML 2019")
VENUE_TAILS = (" - Iclr 2019", " - arXiv preprint", ", CVPR submission", " - ICML workshop 2020", " - neurips 2020",
               " (Iclr 2018)")
MAX_LISTED = 6  # a longer list is cut there and ends in "et al."


@dataclass(frozen=True)
class Authors:
    """An author value: `inline` text, or `items` of a list; `expected` the names a reader keeps."""

    inline: str | None
    items: tuple[str, ...]
    expected: tuple[str, ...]
    noise: tuple[str, ...]  # what the value holds that is never an author
    flow: bool = False  # a list written inline, YAML's [a, b]


def min_people(style: str, damage: str) -> int:
    """How many people a paper needs for this style and damage to be what it says."""
    if style == "lastfirst":  # one "Last, First" alone reads as two names as well as one
        return 3 if damage == "etal" else 2
    if damage == "doubled":
        return 3 if style == "and" else 2
    if damage == "etal":
        return 2
    return 1


def compatible(style: str, damage: str) -> bool:
    return damage in LIST_DAMAGES if style in LIST_STYLES else True


def _forms(people: tuple[Person, ...], style: str) -> tuple[list[str], list[str]]:
    """The names as written and as a reader stores them."""
    if style == "lastfirst":
        return [p.inverted for p in people], [p.display for p in people]
    if style == "initials":
        names = [p.initialled for p in people]
        return names, names
    names = [p.display for p in people]
    return names, names


def separator(style: str) -> str:
    return "; " if style in ("semicolon", "lastfirst") else ", "


def join(names: list[str], style: str) -> str:
    if style == "and" and len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return separator(style).join(names)


def render_authors(people: tuple[Person, ...], style: str, damage: str, rng: random.Random) -> Authors:
    """The value for these people in this style with this damage, and the names it gives."""
    written, kept = _forms(people, style)
    cut = len(written) > MAX_LISTED or damage == "etal"
    if cut:
        least = 2 if style == "lastfirst" else 1
        size = min(MAX_LISTED, rng.randint(least, len(written) - 1)) if damage == "etal" else MAX_LISTED
        written, kept = written[:size], kept[:size]
    if style in LIST_STYLES:
        return _list_value(written, kept, damage, rng, style == "flow_list")
    if damage == "placeholder":
        word = rng.choice(PLACEHOLDERS)
        return Authors(word, (), (), (word,))
    sep = separator(style)
    line = sep.join(written) if cut else join(written, style)
    noise: tuple[str, ...] = ()
    if damage == "doubled":
        line = line.replace(sep, sep.rstrip() + sep, 1)
    elif damage == "affiliation":
        tail = rng.choice(AFFILIATION_TAILS)
        line, noise = f"{line}{sep}{tail}", (tail.split(" - ")[0],)
    elif damage == "venue":
        line += rng.choice(VENUE_TAILS)
    elif damage == "bracket_open":
        line = "[" + line
    elif damage == "bracket_close":
        line += ") - arxiv"
    if cut:
        line += " et al."
    return Authors(line, (), tuple(kept), noise)


def _list_value(written: list[str], kept: list[str], damage: str, rng: random.Random, flow: bool) -> Authors:
    if damage == "placeholder":
        word = rng.choice(PLACEHOLDERS)
        return Authors(None, (word,), (), (word,), flow)
    if damage == "affiliation":
        place = rng.choice(INSTITUTIONS)
        return Authors(None, (*written, place), tuple(kept), (place,), flow)
    return Authors(None, tuple(written), tuple(kept), (), flow)


WRITER_FORMS = {"summarized": "Summarized by {}", "notes": "Notes by {}", "presenter": "Presenter: {}"}
WRITERS = ("Priya Raman", "Marco Bianchi", "Yuki Tanaka", "Jane Roe", "Arjun Mehta", "Ingrid Larsen",
           "Tomás Herrera", "Wei Chen", "Fatima Okafor", "Lukas Brandt")
