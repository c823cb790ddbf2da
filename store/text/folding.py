"""Folding text for comparison: the one place case, accents and punctuation are taken off.

`unaccented` is the character-level fold (case and accents off, every other character kept): search terms are
made from it, where an apostrophe or a hyphen still matters ("out-of-distribution", "Bengio's").
`fold` builds on it for keys that compare names and titles: letters NFKD does not decompose are spelt out
("ø" -> "o", "ß" -> "ss"), punctuation becomes space, spaces are single.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose into ASCII plus a combining mark.
SPECIAL_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss",
                                 "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th"})
_PUNCTUATION = re.compile(r"[^\w\s-]")
_HYPHEN = re.compile(r"\s*-\s*")


def unaccented(text: str) -> str:
    """Lower case without accents: "Aäron" -> "aaron"; punctuation is kept."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text: the form names and titles are compared in."""
    if text.isascii():  # most names and titles: no accents to strip, and casefold() is lower()
        text = text.lower()
        if text.replace(" ", "").isalnum():  # plain words ("bengio", "yoshua bengio"): no punctuation either
            return " ".join(text.split())
    else:
        text = unaccented(text.translate(SPECIAL_LETTERS))
    text = _HYPHEN.sub("-", _PUNCTUATION.sub(" ", text)).strip("-")
    return " ".join(text.split())


def title_key(folded: str) -> str:
    """A title's key (what names one paper) from the title folded."""
    return folded.replace("-", " ")[:512]
