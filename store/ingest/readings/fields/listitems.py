"""List items: the bullet ("- ", "* ", "+ ", "• ") or number ("1. ", "2) ") that opens one.

One pattern for every reading that goes by a line: a list of "Title – Authors" items is one paper per item,
and a reference line reads the same with or without its bullet.
"""

from __future__ import annotations

import re

LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


def without_bullet(line: str) -> str:
    """The line, stripped, without the bullet or number that opens a list item."""
    return LIST_ITEM.sub("", line.strip(), count=1)
