"""Recognise lists of people's names in running text ("Taesup Kim and Yoshua Bengio used ...").

Blog posts and title lines name authors without markup, so a name is judged by its shape:
two to six tokens, each a capitalised word, an initial ("V.", "S.M.") or a surname particle
("van den"), and none of them an ordinary English word that starts sentences ("The", "In").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.ingest.readings.fields.people import is_institution, is_placeholder
from store.text.names import display_name, split_authors

PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le",
                       "dos", "das", "ten", "ter", "bin", "al", "el", "y", "zu"})
# Capitalised words that start sentences or titles but are not names.
_NOT_NAME_WORDS = """
a an the this that these those in on of for with and or but to from by at as is are was were be we our
it its they their he she his her i you your my me us them there here then so if when while also both
however although though thus hence which who what where why how all some many most more each every
new next big deep learning paper papers network networks model models via using towards toward about
into over under between beyond without within after before above below during et al figure table section
chapter part day morning afternoon evening monday tuesday wednesday thursday friday saturday sunday
"""
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
# Surnames that are also English words: names at the end of a name ("Kaiming He", "Le Song"), and at its start
# in a list of names written surname first ("He Yanzhang, Bao Chengguang").
_SHORT_SURNAMES = frozenset({"he", "an", "so", "do", "le", "ha", "ma", "yu", "hu", "wu", "li", "bo"})
_INITIAL = re.compile(r"^(?:[A-Z]\.)(?:-?[A-Z]\.)*$|^[A-Z]{1,2}$")
_WORD = re.compile(r"^[^\W\d_][\w'’-]*\.?$")
# A family name after an elided lower-case particle: "d'Ambrumenil", "d'Aspremont", "dell'Orso", "l'Huillier".
_ELIDED = re.compile(r"^[a-z]{1,4}['’](?=[^\W\d_])")
# The first word of a full name written with initials before it ("S. Hochreiter", "C.-H. Chang", "J.P. Hague").
_LEADING_INITIAL = re.compile(r"^[^\W\d_]\.(?:-?[^\W\d_]\.)*$")
_TOKEN = re.compile(r",|&|\(|[^\s,()]+")


def _is_capitalised(token: str) -> bool:
    if not _WORD.match(token):
        return False
    elided = _ELIDED.match(token)
    return token[elided.end() if elided else 0].isupper()


def _is_name_token(token: str) -> bool:
    bare = token.rstrip(".")
    if _INITIAL.match(token) or _INITIAL.match(bare):
        return True
    if token.casefold() in PARTICLES:
        return True
    if bare.casefold() in {"jr", "sr", "ii", "iii", "iv"}:
        return True
    return _is_capitalised(token) and bare.casefold() not in _NOT_NAMES


def _is_surname_word(token: str) -> bool:
    return token[:1].isupper() and token.casefold() in _SHORT_SURNAMES


def surname_first(name: str) -> bool:
    """"He Yanzhang", "An Xiao": a surname that is also an English word, then one given name. A person only
    where the line is a list of names (several, or closed by "et al."): alone, "An Overview" is not one."""
    tokens = name.split()
    return (len(tokens) == 2 and _is_surname_word(tokens[0]) and tokens[0] != "So" and len(tokens[1]) > 2
            and _is_name_token(tokens[1]) and not _INITIAL.match(tokens[1]) and not _is_surname_word(tokens[1]))


def is_person_name(name: str) -> bool:
    """Two to six name-shaped tokens, starting and ending with capitalised ones; never an institution
    ("Stanford University", "Google Research") or a placeholder ("Author Info")."""
    tokens = name.split()
    if not 2 <= len(tokens) <= 6 or is_institution(name) or is_placeholder(name):
        return False
    if not all(_is_name_token(t) for t in tokens[:-1]):
        return False
    if not (_is_name_token(tokens[-1]) or _is_surname_word(tokens[-1])):
        return False
    if not tokens[0][:1].isupper():
        return False
    last = tokens[-1].rstrip(".")
    if last.casefold() in {"jr", "sr", "ii", "iii", "iv"} and len(tokens) > 2:
        last = tokens[-2].rstrip(".")
    return _is_capitalised(last) and not _INITIAL.match(last)


def _initialled(part: str) -> bool:
    """A whole name with its initials before or after the surname ("S. Hochreiter", "J. P. Hague",
    "Hochreiter S"): a surname is never written with an initial, so this is no "Last" of "Last, First"."""
    tokens = part.split()
    if len(tokens) < 2 or sum(not _INITIAL.match(t) for t in tokens) != 1:
        return False
    return bool(_LEADING_INITIAL.match(tokens[0])) or not _INITIAL.match(tokens[0])


def _particle_last_first(text: str) -> bool:
    """"van der Maaten, L.", "de la Torre, Fernando": one person, the surname's particles before the comma."""
    last, comma, first = text.partition(",")
    words, given = last.split(), first.split()
    return (bool(comma) and 2 <= len(words) <= 4 and all(w in PARTICLES for w in words[:-1])
            and _is_capitalised(words[-1]) and 1 <= len(given) <= 3 and "," not in first
            and all(_is_capitalised(g) or _INITIAL.match(g) for g in given))


def split_names(text: str) -> list[str]:
    """store.text.names.split_authors, except that separated names which each hold initials beside one
    surname ("S. Hochreiter, J. Schmidhuber", "Hochreiter S, Schmidhuber J") are several people, never one
    written "Last, First"."""
    parts = [p.strip() for p in re.split(r"\s*(?:[,;]|\band\b)\s*", text.strip().rstrip(";,")) if p.strip()]
    if len(parts) >= 2 and all(_initialled(p) for p in parts):
        return [display_name(p) for p in parts]
    if len(parts) == 2 and _particle_last_first(text):
        return [display_name(text)]
    return split_authors(text)


def parse_name_list(text: str) -> list[str] | None:
    """The display names in `text` if it is nothing but a list of people's names, else None."""
    text = text.strip()
    if not text or len(text) > 2000 or text.endswith((",", ":", ";")):
        return None
    names = split_names(text)
    if names and all(is_person_name(n) for n in names):
        return names
    return None


@dataclass(frozen=True, slots=True)
class NameRun:
    """Names read from running text; `end` is where reading stopped, `next_word` the word found there."""

    names: list[str]
    end: int
    next_word: str


def read_name_run(text: str, pos: int, limit: int = 60) -> NameRun | None:
    """Read "A, B, and C (Affiliation)." starting at `pos`; None unless every name looks like one.

    Reading stops at a sentence's full stop (not an initial's), at a parenthesis (an affiliation,
    skipped) or at a word that cannot be part of a name ("used", "shows", "In").
    """
    names: list[str] = []
    current: list[str] = []
    end = pos
    next_word = ""

    def close() -> None:
        if current:
            names.append(" ".join(current))
            current.clear()

    tokens = list(_TOKEN.finditer(text, pos))
    for position, m in enumerate(tokens):
        token = m.group(0)
        if token in {",", "&", "and"}:
            close()
            if len(names) > limit:
                return None
            end = m.end()
            continue
        if token == "(":
            close_at = text.find(")", m.end(), m.end() + 200)
            end = close_at + 1 if close_at >= 0 else m.start()
            break
        word = token.rstrip(".;:!?")
        trailing = token[len(word):]
        is_initial = trailing.startswith(".") and bool(_INITIAL.match(word + "."))
        if is_initial:
            word += "."
        ends_name = bool(trailing) or position + 1 == len(tokens) or tokens[position + 1].group(0) in {
            ",", "&", "and", "("}
        surname = bool(current) and ends_name and _is_surname_word(word)
        if not word or not (_is_name_token(word) or surname):
            next_word = token
            end = m.start()
            break
        current.append(word)
        end = m.start() + len(word)
        if trailing and not is_initial:
            break  # "Martens." ends the sentence, "Le," or "Le:" ends the list
    close()
    shown = [display_name(n) for n in names if n]
    if not shown or not all(is_person_name(n) for n in shown):
        return None
    return NameRun(shown, end, next_word)
