"""`TitleFinder`: the folded titles /paper suggests from when nothing matches, held as two sorted columns.

A dict of a million folded titles (and a set of their words per initial letter) is some 400 MB of Python
objects; sorted into `Texts` columns it is their bytes, and the titles beginning with a letter, or the
words, are a range found by bisection.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from store.search.texts import Texts
from store.text.folding import fold
from store.text.tokenize import words

_ALNUM_RUN = re.compile(r"[a-z0-9]+")


def phrase_of(text: str) -> str:
    """Folded words between spaces: the form a verbatim title fragment is looked for in."""
    return f" {fold(' '.join(words(text)))} "


def holding(phrase: str, titles: Sequence[bytes]) -> list[bool]:
    """Whether each title (UTF-8) holds `phrase` (a `phrase_of`): `phrase in phrase_of(title)`.

    For an ASCII title, each run of letters and digits in its `phrase_of` is a run of the title in lower
    case (words are only cut apart and folded). So a title lacking one of the phrase's runs cannot hold the
    phrase, and is passed over without being folded: most of /paper's fifty candidates."""
    if not phrase.strip():
        return [False] * len(titles)
    runs = [r.encode() for r in _ALNUM_RUN.findall(phrase)]
    out = []
    for raw in titles:
        if raw.isascii():
            lower = raw.lower()
            if not all(r in lower for r in runs):
                out.append(False)
                continue
        out.append(phrase in phrase_of(raw.decode("utf-8", "surrogatepass")))
    return out


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
