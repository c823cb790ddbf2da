"""Key-value lines in any markup: "Title: X", "- **Authors:** A, B", "authors:: A; B", "作者：A".

The structure layer has already resolved emphasis and list marks, so every variant reads
"Key: value" here; the key must be one of the known field names (store.ingest.readings.fields.keys), so
prose that happens to hold a colon ("Note: this is ...", "Idea: ...") is not taken for a field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.ingest.readings.fields.keys import field_of

_LINE = re.compile(r"^\s*(?:#\+)?(?P<key>[^\W\d_][^:：=|]{0,39}?)\s*(?P<sep>::|:|：)\s*(?P<value>.*?)\s*$")
_HEADING_KEY = re.compile(r"^\s*(?P<key>[^\W\d_][^:：]{0,39}?)\s*[:：]?\s*$")


@dataclass(frozen=True, slots=True)
class KeyValue:
    field: str  # "title", "authors", "venue", "year", "link", "topics", "writer", "summary"
    key: str  # as written
    value: str


def match_key_value(line: str) -> KeyValue | None:
    """The field a "Key: value" line gives, or None."""
    m = _LINE.match(line)
    if m is None:
        return None
    key = m.group("key").strip()
    name = field_of(key)
    if name is None:
        return None
    value = m.group("value").strip()
    if name == "link" and key.casefold() == "paper" and value and "://" not in value and not value.startswith(
            ("arxiv", "arXiv", "doi")):
        name = "title"  # "Paper: Attention Is All You Need"
    return KeyValue(name, key, value)


def heading_key(text: str) -> str | None:
    """The field a heading names when it is a key whose value follows it ("### Paper:", "## Authors")."""
    m = _HEADING_KEY.match(text)
    if m is None:
        return None
    name = field_of(m.group("key"))
    if name == "link" and m.group("key").strip().casefold() == "paper":
        return "title"
    return name
