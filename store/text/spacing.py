"""One space between words and none at the ends: the form titles, summaries and quoted sentences take."""

from __future__ import annotations


def is_single_spaced(text: str) -> bool:
    """Whether `text` already is in that form, checked without splitting it.

    Every whitespace character but the space is unprintable, so printable text with no double space
    and no space at either end is single-spaced.
    """
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def single_spaced(text: str) -> str:
    """`" ".join(text.split())`, without the work when the text already is single-spaced (most are):
    checking is several times cheaper than splitting a long text into words and joining them again.
    """
    return text if is_single_spaced(text) else " ".join(text.split())
