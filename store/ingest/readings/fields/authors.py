"""Author lists as notes write them, to exactly the names written.

Separators `,` `;` `&` `and` (with or without spaces, and the full-width `，` `；` `、`),
"Last, First and Last, First", "Last, F., Last, F." (APA), initials and particles (van, de, von),
affiliation digits and marks ("Rinon Gal1,2", "Ji Lin*", "†", superscripts, `<sup>1</sup>`),
affiliations in parentheses, Obsidian links ("[[Ashish Vaswani]]"), and a closing "et al." (or
"and others", "等"), which marks the list incomplete and is never replaced by guessed names. The
splitting of the cleaned line is store.text.names.split_authors, the one used for every source, except that
names which each start with initials ("S. Hochreiter, J. Schmidhuber") are never one "Last, First".

Damage does not cost the names a line holds: an unbalanced bracket, a doubled separator, a venue tail
in any case ("- Iclr 2019", ", CVPR submission") or an affiliation among the names. What is not a
person (store.ingest.readings.fields.people: placeholders, institutions, venues, the writer) is
dropped and kept in `rejected`, for the reader to report; a line of nothing else gives no names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.ingest.readings.fields.namelists import PARTICLES, is_person_name, split_names, surname_first
from store.ingest.readings.fields.people import not_a_person, venue_in
from store.text.names import display_name

_ET_AL = re.compile(r"(?:[,;]?\s*(?:\bet\.?\s*al\b\.?|\band\s+others\b|\bet\s+autres\b|\bu\.\s*a\.|\bet\s+alii\b"
                    r"|\band\s+colleagues\b)|\s*等人?|\s*…|\s*\.\.\.)\s*$", re.IGNORECASE)
_SUP = re.compile(r"<sup>[^<]{0,20}</sup>", re.IGNORECASE)
_TAGS = re.compile(r"</?[a-z]+[^>]{0,40}>", re.IGNORECASE)
_MARK = "*†‡§¶#✝✉⋆∗⁰¹²³⁴⁵⁶⁷⁸⁹"
_MARKS = re.compile(f"[{re.escape(_MARK)}]+")
# A mark before a letter, after a letter or a digit, parts two words ("Author*Kaiming", "Gal1**Title"):
# dropping it would join them into a name nobody wrote. (Before a digit it is dropped: "Lin*1" is an
# affiliation, removed next.)
_LETTER = rf"[^\W\d{re.escape(_MARK)}]"  # letters and "_" (superscript digits are word characters to re)
_WORD_CHAR = rf"[^\W{re.escape(_MARK)}]"
_MARKS_BETWEEN = re.compile(f"(?<={_WORD_CHAR}){_MARKS.pattern}(?={_LETTER})")
_AFFILIATION_DIGITS = re.compile(r"(?<=[^\W\d_.])\d{1,2}(?:\s*,\s*\d{1,2}(?![\w.]))*(?=[\s,;&]|$)")
_PARENS = re.compile(r"\s*[(（][^()（）]*[)）]")
_WIKI = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_APA_SEPARATOR = re.compile(r",|&|\band\b")
_APA_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.[\s-]*)+$|^(?:[A-Z]\.\s*-?\s*)+$|^[A-Z]{1,2}$")  # "J.-P.", "Ł.", "AB"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MAX_WORDS = 6
# "and" in the languages of the key table: "A und B", "A et B", "A y B", "A e B", "A 和 B".
_OTHER_AND = re.compile(r"\s+(?:und|et|y|e|en|i)\s+(?!al\b)|\s*[和与及]\s*")


_DASH_TAIL = re.compile(r"\s+[-–—|]\s+|\s*[|–—]\s*")
_SEGMENT = re.compile(r"(\s*(?:[,;]|\band\b)\s*)")
_OPEN, _CLOSE = "([{（", ")]}）"


@dataclass(frozen=True, slots=True)
class AuthorList:
    names: list[str]
    incomplete: bool = False
    rejected: tuple[tuple[str, str], ...] = ()  # (value, why it is not a person), in the order written
    venue: str | None = None  # a venue tail the names ended with ("- Iclr 2019")
    year: int | None = None


def _balance(text: str) -> str:
    """The line without unbalanced brackets: a stray closing one is dropped ("A, B, C) - arxiv"); a stray
    opening one is dropped with what follows it up to the next separator ("B (Google, C"), unless it opens
    the line. A bracket right after ESC is a terminal escape sequence's, not the names' ("Ada ESC[31mLovelace"
    is kept as read; the terminal drops the sequence)."""
    out: list[str] = []
    depth: list[int] = []
    for ch in text:
        if out and out[-1] == "\x1b":
            pass
        elif ch in _OPEN:
            depth.append(len(out))
        elif ch in _CLOSE:
            if not depth:
                out.append(" ")
                continue
            depth.pop()
        out.append(ch)
    for start in reversed(depth):
        end = start + 1
        while end < len(out) and out[end] not in ",;":
            end += 1
        out[start:end] = [" "] if start and "".join(out[:start]).strip(" ,;") else [" ", *out[start + 1:end]]
    return "".join(out)


def _drop_venue_tail(text: str) -> tuple[str, tuple[str | None, int | None] | None]:
    """"A, B - Iclr 2019" -> ("A, B", ("ICLR", 2019)): the first dash or bar after which all is a venue, or
    a last part after a comma that is one ("A, B, CVPR submission")."""
    for sep in _DASH_TAIL.finditer(text):
        if sep.start() and (tail := venue_in(text[sep.end():])) is not None:
            return text[:sep.start()], tail
    head, comma, last = text.rpartition(",")
    if comma and head.strip(" ,;") and (tail := venue_in(last)) is not None:
        return head, tail
    return text, None


def _drop_non_people(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The line without the separated parts that are not people, each with its separator; the parts dropped."""
    pieces = _SEGMENT.split(text)
    kept: list[str] = []
    rejected: list[tuple[str, str]] = []
    for i in range(0, len(pieces), 2):
        part = pieces[i].strip()
        why = not_a_person(part) if part else "empty"
        if why is None:
            if kept:
                sep = pieces[i - 1].strip()
                kept.append(" and " if sep == "and" else sep + " ")
            kept.append(pieces[i].strip())
        elif why != "empty":
            rejected.append((part, why))
    return "".join(kept).strip(" ,;"), rejected


def clean_author_text(text: str) -> tuple[str, bool]:
    """The line without marks, affiliations and "et al."; whether "et al." closed it."""
    text = _WIKI.sub(r"\1", text)
    text = _balance(text)
    text = _SUP.sub("", text)
    text = _TAGS.sub("", text)
    text = _PARENS.sub("", text)
    text = _MARKS.sub("", _MARKS_BETWEEN.sub(" ", text))
    text = _AFFILIATION_DIGITS.sub("", text)
    text = text.replace("，", ", ").replace("、", ", ").replace("；", "; ")
    text = re.sub(r"\s*&\s*", " and ", text)
    text = _OTHER_AND.sub(" and ", text)
    text = " ".join(text.split()).strip(" ,;")
    incomplete = False
    m = _ET_AL.search(text)
    if m:
        text, incomplete = text[:m.start()].strip(" ,;"), True
    return text, incomplete


def parse_authors(text: str, *, strict: bool = False) -> AuthorList | None:
    """The names in an author line, or None when it is not one.

    strict: the line stands without a key ("Authors:"), so every name must look like a person's
    name; with a key, any short run of words is accepted (mononyms, names in other scripts).
    """
    text, incomplete = clean_author_text(text)
    text, tail = _drop_venue_tail(text)
    text, rejected = _drop_non_people(text)
    venue, year = tail or (None, None)
    if not text:
        if strict:
            return None
        if incomplete and not rejected:
            rejected = [("et al.", "a placeholder")]
        return AuthorList([], incomplete, tuple(rejected), venue, year) if rejected or incomplete else None
    names = apa_pairs(text) or split_names(text)
    names = [" ".join(n.split()).strip(" ,;:·-") for n in names]
    names = [n for n in names if n]
    if not names:
        return None
    listed = len(names) > 1 or incomplete or tail is not None  # the line's shape says it lists names
    people = 0
    for name in names:
        words = name.split()
        if len(words) > _MAX_WORDS or not any(ch.isalpha() for ch in name) or re.search(r"[!?:|/\\]", name):
            return None
        if is_person_name(name) or (listed and surname_first(name)) or (_CJK.search(name) and len(name) <= 12):
            people += 1
        elif strict and not _name_shaped(words):
            return None
    # Without a key, most names must be unmistakable ("Or Patashnik" passes beside six others).
    if strict and people * 2 < len(names) + 1:
        return None
    return AuthorList(names, incomplete, tuple(rejected), venue, year)


def _name_shaped(words: list[str]) -> bool:
    """Two to six capitalised words, initials or particles: a name that happens to hold a common word."""
    return 2 <= len(words) <= _MAX_WORDS and words[0][:1].isupper() and words[-1][:1].isupper() and all(
        w[:1].isupper() or w.casefold() in PARTICLES for w in words)


def apa_pairs(text: str, *, min_pairs: int = 2) -> list[str] | None:
    """"Vaswani, A., Shazeer, N., & Parmar, N." (APA) as display names, each surname paired with the initials
    after it; None unless the text is at least `min_pairs` such pairs and nothing else. A surname is up to four
    words and no initials; initials are letters with full stops ("A.", "J.-P.", "Ł.") or one or two capitals."""
    parts = [p.strip() for p in _APA_SEPARATOR.split(text) if p.strip()]
    if len(parts) < 2 * min_pairs or len(parts) % 2:
        return None
    pairs = list(zip(parts[::2], parts[1::2], strict=True))
    if not all(_APA_INITIALS.match(first) and not _APA_INITIALS.match(last) and len(last.split()) <= 4
               for last, first in pairs):
        return None
    return [display_name(f"{first} {last}") for last, first in pairs]
