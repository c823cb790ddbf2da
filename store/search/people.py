"""Who wrote what: the /author look-up.

A query names a person however a member remembers them: "Bengio", "Yoshua Bengio", "Bengio, Yoshua",
"Y. Bengio", "Aaron van den Oord" for "Aäron van den Oord", "Sohl Dickstein". The answer is exactly the
papers of the people who fit, never padded with anyone else's.
"""

from __future__ import annotations

import bisect
import difflib
import heapq
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from store.search.results import Hit, Match, PaperView
from store.text.folding import fold
from store.text.names import display_name, name_parts, person_key, surname_key


def _squash(text: str) -> str:
    return _unspace(fold(text))


def _unspace(folded: str) -> str:
    return folded.replace("-", "").replace(" ", "")


@dataclass(frozen=True, slots=True, eq=False)
class Person:
    key: str
    name: str  # the fullest display form
    first: str  # folded first given name ("" when unknown)
    surname: str  # folded surname without particles
    surname_full: str  # squashed full surname with particles ("vandenoord")
    papers: np.ndarray  # positions in the index's paper list, in the index's chosen order (a slice of one array)


class People:
    def __init__(self, papers: Sequence[PaperView], order: np.ndarray | None = None) -> None:
        """`order` ranks the papers (position -> rank); each person's papers are kept in that order."""
        counts = np.fromiter(map(len, (p.authors for p in papers)), dtype=np.int64, count=len(papers))
        self._build(chain.from_iterable(p.authors for p in papers), counts, order)

    @classmethod
    def from_bylines(cls, names: Iterable[str], counts: np.ndarray, order: np.ndarray | None = None) -> People:
        """From every byline name in paper order (read once: a catalog's column as it is decoded) and each
        paper's number of names."""
        people = cls.__new__(cls)
        people._build(names, counts, order)
        return people

    def _build(self, names: Iterable[str], counts: np.ndarray, order: np.ndarray | None) -> None:
        # Each distinct spelling is keyed once, then the people's paper lists are grouped and ordered with
        # numpy: a few Python steps per person, not per byline.
        number: dict[str, int] = {}  # spelling -> person number, -1 when it names nobody
        people: dict[str, int] = {}  # person key -> person number, in order of first appearance
        forms: list[dict[str, None]] = []  # person number -> the distinct spellings seen
        numbers = array("q")
        for name in names:
            n = number.get(name)
            if n is None:
                key = person_key(name)
                n = number[name] = people.setdefault(key, len(people)) if key else -1
                if key and n == len(forms):
                    forms.append({})
                if key:
                    forms[n][name] = None
            numbers.append(n)
        who = np.frombuffer(numbers, dtype=np.int64) if len(numbers) else np.zeros(0, dtype=np.int64)
        del number
        pos = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        rank = pos if order is None else np.asarray(order, dtype=np.int64)[pos]
        by = np.lexsort((rank, who))  # by person, then in the chosen order
        who, pos = who[by], pos[by]
        keep = who >= 0
        keep[1:] &= (who[1:] != who[:-1]) | (pos[1:] != pos[:-1])  # a name twice on one byline
        who, pos = who[keep], pos[keep]
        starts = np.searchsorted(who, np.arange(len(people) + 1))
        rows = []
        entries: list[tuple[str, int]] = []  # autocomplete: folded "first last" and "last", sorted for bisect
        for key, n in people.items():
            name = max(forms[n], key=lambda f: (len(f.split()), len(f)))
            first, _mid, surname = name_parts(name)
            rows.append((key, name, fold(first).rstrip("."), surname_key(name), _unspace(fold(surname))))
            entries.append((fold(name), n))
            entries.append((fold(surname), n))
        entries.sort()
        sizes = np.diff(starts)
        self.__setstate__({"rows": rows, "papers": pos.astype(np.int32), "starts": starts,
                           "complete_keys": [k for k, _ in entries], "complete_ids": [i for _, i in entries],
                           "by_count": sorted(range(len(rows)), key=lambda i: (-int(sizes[i]), rows[i][1]))})

    def __getstate__(self) -> dict[str, object]:
        """Plain rows and one array: a snapshot stores a million bylines as an array, not as tuples of ints."""
        return {"rows": [(p.key, p.name, p.first, p.surname, p.surname_full) for p in self.people],
                "papers": self._papers, "starts": self._starts, "complete_keys": self._complete_keys,
                "complete_ids": self._complete_ids, "by_count": self._by_count}

    def __setstate__(self, state: dict[str, object]) -> None:
        papers, starts = state["papers"], state["starts"]
        self._papers, self._starts = papers, starts
        bounds = np.asarray(starts).tolist()
        self.people: list[Person] = [Person(*row, papers[a:b])  # type: ignore[index]
                                     for row, a, b in zip(state["rows"], bounds, bounds[1:], strict=False)]  # type: ignore[arg-type]
        self.by_surname: dict[str, list[Person]] = defaultdict(list)
        for person in self.people:
            short = _unspace(person.surname)  # surname_key is folded already
            self.by_surname[short].append(person)
            if person.surname_full != short:
                self.by_surname[person.surname_full].append(person)
        self._complete_keys: list[str] = state["complete_keys"]  # type: ignore[assignment]
        self._complete_ids: list[int] = state["complete_ids"]  # type: ignore[assignment]
        self._by_count: list[int] = state["by_count"]  # type: ignore[assignment]

    def match(self, query: str) -> list[tuple[Person, bool]]:
        """People who fit the query, with whether the match is exact (full name) rather than partial."""
        raw = " ".join(query.split()).strip(" .,;")
        if not raw:
            return []
        shown = display_name(raw) if raw.count(",") == 1 else raw
        tokens = fold(shown).replace(".", " ").split()
        if not tokens:
            return []
        whole = _squash(shown)
        found: dict[str, tuple[Person, bool]] = {}
        # The whole query as a surname: "Bengio", "van den Oord", "Sohl Dickstein".
        for p in self.by_surname.get(whole, []):
            found[p.key] = (p, False)
        # Given name(s) then surname: "Yoshua Bengio", "Y. Bengio", "Aaron van den Oord".
        for cut in range(1, len(tokens)):
            first, surname = tokens[0], _squash("".join(tokens[cut:]))
            for p in self.by_surname.get(surname, []):
                if _given_fits(first, p.first):
                    exact = first == p.first.replace("-", "") or first == p.first
                    found[p.key] = (p, exact or found.get(p.key, (p, False))[1])
        return sorted(found.values(), key=lambda pe: (not pe[1], -len(pe[0].papers), pe[0].name))

    def complete(self, prefix: str, limit: int) -> list[str]:
        key = fold(prefix).strip()
        if not key:
            return [self.people[i].name for i in self._by_count[:limit]]
        lo = bisect.bisect_left(self._complete_keys, key)
        out: dict[str, None] = {}
        for k, i in zip(self._complete_keys[lo:], self._complete_ids[lo:], strict=False):
            if not k.startswith(key) or len(out) >= limit:
                break
            out[self.people[i].name] = None
        return list(out)

    def suggest(self, query: str, n: int = 5) -> list[str]:
        """Close spellings of the query among known names (full names and surnames)."""
        q = fold(query)
        pool = {fold(p.name): p.name for p in self.people}
        pool.update({fold(name_parts(p.name)[2]): p.name for p in self.people})
        close = difflib.get_close_matches(q, list(pool), n=n, cutoff=0.6)
        return list(dict.fromkeys(pool[c] for c in close))


def _given_fits(typed: str, known: str) -> bool:
    """"Yoshua" fits "yoshua"; "y" fits "yoshua"; "yoshua" fits an initial "y"."""
    typed, known = typed.rstrip("."), known.rstrip(".")
    if not typed or not known:
        return False
    if len(typed) == 1 or len(known) == 1:
        return typed[0] == known[0]
    return typed.replace("-", "") == known.replace("-", "")


def newest_first(person: Person, exact: bool, recency: np.ndarray) -> Iterator[tuple[bool, int, int, str]]:
    """One person's papers as /author merges them. A function, not a generator expression inside a list
    comprehension, whose `exact` and `person` would be the comprehension's last ones by the time it runs."""
    for pos in person.papers.tolist():
        yield not exact, int(recency[pos]), pos, person.name


def author_hits(papers: Sequence[PaperView], streams: Iterable[Iterator[tuple[bool, int, int, str]]],
                limit: int) -> list[Hit]:
    """The first `limit` papers of the people's streams, merged (full-name matches before surname-only
    ones, then newest first), each paper once, with the name it was found under."""
    hits: list[Hit] = []
    seen: set[int] = set()
    for partial, _rank, pos, name in heapq.merge(*streams):
        if pos in seen:
            continue
        seen.add(pos)
        hits.append(Hit(papers[pos], 1.0 if partial else 2.0, (Match(name, "authors"),)))
        if len(hits) >= limit:
            break
    return hits
