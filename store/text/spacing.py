"""Spacing: one space between words and none at the ends (the form titles, summaries and quoted sentences
take), and hard-wrapped lines joined."""

from __future__ import annotations

_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def is_single_spaced(text: str) -> bool:
    """Whether `text` already is in that form, checked without splitting it.

    Every whitespace character but the space is unprintable, so printable text with no double space
    and no space at either end is single-spaced.
    """
    return _printable(text) and "  " not in text and text[:1] != " " and text[-1:] != " "


def _printable(text: str) -> bool:
    """`str.isprintable`, three times faster on ASCII text (most abstracts): what is left of its bytes once
    the printable ones are deleted (in C, a table lookup a byte) rather than a Unicode lookup a character."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _PRINTABLE_ASCII)
    return text.isprintable()


def single_spaced(text: str) -> str:
    """`" ".join(text.split())`, without the work when the text already is single-spaced (most are):
    checking is several times cheaper than splitting a long text into words and joining them again.
    """
    return text if is_single_spaced(text) else " ".join(text.split())


def unwrap(lines: list[str] | tuple[str, ...]) -> str:
    """Join hard-wrapped lines into one line of text; list items ("- x", "2. x") keep their own line."""
    out: list[str] = []
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if out and not _starts_list_item(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


def _starts_list_item(line: str) -> bool:
    if line[:2] in {"- ", "* ", "+ "}:
        return True
    head, _, _ = line.partition(" ")
    return len(head) <= 4 and head[:-1].isdigit() and head[-1:] in {".", ")"}
