"""`TitleFinder`: the folded titles /paper suggests from when nothing matches, held as two sorted columns.

A dict of a million folded titles (and a set of their words per initial letter) is some 400 MB of Python
objects; sorted into `Texts` columns it is their bytes, and the titles beginning with a letter, or the
words, are a range found by bisection.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from store.search.texts import Texts
from store.text.folding import fold


def _range(column: Texts, initial: str) -> tuple[int, int]:
    """The strings of a sorted column that begin with `initial` (one character)."""
    lo = bisect.bisect_left(column, initial)
    hi = bisect.bisect_left(column, chr(ord(initial) + 1), lo) if ord(initial) < 0x10FFFF else len(column)
    return lo, hi


class TitleFinder:
    def __init__(self, titles: Iterable[str]) -> None:
        by_key: dict[str, str] = {}
        for title in titles:  # the last title of a folded form is the one shown, as a dict keeps it
            by_key[fold(title)] = title
        keys = sorted(by_key)
        self.keys = Texts.of(keys)
        self.titles = Texts.of([by_key[k] for k in keys])
        del by_key
        self.words = Texts.of(sorted({w for k in keys for w in k.split()}))

    def starting(self, initial: str) -> list[str]:
        """The folded titles whose first character is `initial` ("": the empty title, if any)."""
        if not initial:
            return [""] if len(self.keys) and self.keys[0] == "" else []
        return self.keys.span(*_range(self.keys, initial))

    def title(self, key: str) -> str:
        """The title shown for a folded title of this finder."""
        return self.titles[bisect.bisect_left(self.keys, key)]

    def words_starting(self, initial: str) -> list[str]:
        """The distinct words of the folded titles that begin with `initial`, sorted."""
        return self.words.span(*_range(self.words, initial)) if initial else []
