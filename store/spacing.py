"""One space between words and none at the ends: the form titles, summaries and quoted sentences take."""

from __future__ import annotations


def single_spaced(text: str) -> str:
    """`" ".join(text.split())`, without the work when the text already is single-spaced (most are).

    ASCII whitespace other than the space is unprintable, so printable ASCII with no double space and
    no space at either end is already in this form; checking that is several times cheaper than
    splitting a long text into words and joining them again.
    """
    if text.isascii() and text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())
