"""The line naming who wrote a note ("Summarized by X", "Notes by X", "Reviewer: X").

That person wrote the summary, not the paper: the name becomes the record's writer, never an author.
Keyed forms ("Reviewer: X") come through store.ingest.readings.fields.keyvalue; this module reads the
sentence forms.
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.authors import clean_author_text

_SENTENCE = re.compile(
    r"^\s*(?:\(|_|\*)*\s*(?:(?:paper\s+)?(?:summari[sz]ed|summary|notes?|written|reviewed|annotated|compiled|"
    r"prepared|presented|review|write-?up|post)\s+(?:and\s+\w+\s+)?by|notizen\s+von|zusammengefasst\s+von|"
    r"notes\s+de|résumé\s+par|resumido\s+por|notas\s+de|notas\s+por)\s*:?\s+(?P<who>[^\n]{1,120}?)\s*[)_*.]*\s*$",
    re.IGNORECASE)
_DATE_TAIL = re.compile(r"\s*(?:,|\bon\b|\bin\b|[-–—(])\s*(?:\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?|(?:jan|feb|mar|apr|"
                        r"may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+(?:\d{1,2},?\s+)?\d{4}|\d{4}).*$", re.IGNORECASE)


def match_writer_line(text: str) -> str | None:
    """The writer a line names, as written ("Jane Doe"), or None."""
    m = _SENTENCE.match(text)
    if m is None:
        return None
    return writer_name(m.group("who"))


def writer_name(value: str) -> str | None:
    """A keyed writer value without marks, handles, dates or affiliations."""
    value = _DATE_TAIL.sub("", value).strip()
    value = re.sub(r"\s*\(@?[\w.-]+\)?$|\s+@[\w.-]+", "", value)
    cleaned, _ = clean_author_text(value)
    cleaned = cleaned.lstrip("@").strip(" .,;")
    if not cleaned or len(cleaned.split()) > 8 or not (cleaned[0].isupper() or not cleaned[0].isascii()):
        return None
    return cleaned
