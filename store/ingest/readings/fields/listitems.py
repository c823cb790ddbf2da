"""List items: the bullet ("- ", "* ", "+ ", "• ") or number ("1. ", "2) ") that opens one.

One pattern for every reading that goes by a line: a list of "Title – Authors" items is one paper per item,
and a reference line reads the same with or without its bullet.
"""

from __future__ import annotations

import re
import unicodedata

LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_TASK_BOX = re.compile(r"^\[[ xX]\]\s+")  # "- [x] " a task list's box


def without_bullet(line: str) -> str:
    """The line, stripped, without the bullet or number that opens a list item, a task list's box ("[x]"), and
    the symbols a list decorates its items with ("⭐", "📄"), before or after."""
    line = _TASK_BOX.sub("", LIST_ITEM.sub("", line.strip(), count=1), count=1)
    return without_symbols(line)


def without_symbols(text: str) -> str:
    """`text` without emoji and other symbols at either end (a star rating, a 📄 marker, a 🔥)."""
    start, end = 0, len(text)
    while start < end and (_symbol(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (_symbol(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end]


def _symbol(ch: str) -> bool:
    return unicodedata.category(ch) in {"So", "Cf"}
