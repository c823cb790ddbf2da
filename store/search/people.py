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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from store.search.pages import views_at
from store.search.results import Hit, Match, PaperView
from store.search.texts import SLICE, Texts, drop, repeat, sorted_order
from store.text.folding import fold
from store.text.names import display_name, name_parts, person_key, surname_key
from store.text.tokenize import drain


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
    """Every person as columns (texts and arrays, as a snapshot maps them); a `Person` is made only for
    the people a query names. A million people as objects were seconds of unpickling at start-up, and a
    garbage collection pass over them stalled every thread."""

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
        people: dict[str, int] = {}  # person key -> person number, in order of first appearance
        # Person number -> the fullest spelling met so far (most words, then longest; the first of equals, as
        # `max` over the spellings in order keeps it) and its measure: no dict of spellings per person.
        fullest: list[str] = []
        measure = array("q")  # words << 32 | characters: compared as the pair (words, characters) is

        def number_of(name: str) -> int:  # a spelling met for the first time: its person (-1: nobody)
            key = person_key(name)
            if not key:
                return -1
            n = people.setdefault(key, len(people))
            size = len(name.split()) << 32 | len(name)
            if n == len(fullest):
                fullest.append(name)
                measure.append(size)
            elif size > measure[n]:
                fullest[n], measure[n] = name, size
            return n

        number: dict[str, int] = {}  # spelling -> person number, -1 when it names nobody
        numbers = array("i")  # int32 here and below: a million papers' bylines are millions of entries
        for name in names:
            n = number.get(name)
            if n is None:
                n = number[name] = number_of(name)
            numbers.append(n)
        who = np.frombuffer(numbers, dtype=np.int32) if len(numbers) else np.zeros(0, dtype=np.int32)
        drain(number)  # a dict of every spelling: freed an entry at a time (tokenize.drain)
        del measure[:]  # freed: no spelling is measured any more
        pos = repeat(np.arange(len(counts), dtype=np.int32), counts)  # in slices: see texts.repeat
        rank = pos if order is None else np.asarray(order, dtype=np.int32)[pos]
        by = np.lexsort((rank, who))  # by person, then in the chosen order
        del rank
        who, pos = who[by], pos[by]
        del by
        keep = who >= 0
        keep[1:] &= (who[1:] != who[:-1]) | (pos[1:] != pos[:-1])  # a name twice on one byline
        who, pos = who[keep], pos[keep]
        starts = np.searchsorted(who, np.arange(len(people) + 1, dtype=np.int32))
        del who
        keys = list(people)  # in person number order, as `fullest`
        drain(people)
        firsts: list[str] = []
        surnames: list[str] = []
        full: list[str] = []
        complete: list[str] = []  # autocomplete: folded "first last" then "last", person by person
        for name in fullest:
            first, _mid, surname = name_parts(name)
            firsts.append(fold(first).rstrip("."))
            surnames.append(surname_key(name))
            full.append(_unspace(fold(surname)))
            complete.append(fold(name))
            complete.append(fold(surname))
        columns = dict(zip(_COLUMNS, (keys, fullest, firsts, surnames, full), strict=True))
        self.__setstate__(_state(columns, complete, pos, starts))

    def __getstate__(self) -> dict[str, object]:
        """Texts and arrays only: a snapshot maps them as they are."""
        return dict(self._state)

    def __setstate__(self, state: dict[str, object]) -> None:
        self._state = state
        self._papers: np.ndarray = state["papers"]  # type: ignore[assignment]
        self._starts: np.ndarray = state["starts"]  # type: ignore[assignment]
        self._columns: list[Texts] = [state[k] for k in _COLUMNS]  # type: ignore[misc]
        self.people = _PersonList(self)

    def _person(self, i: int) -> Person:
        a, b = int(self._starts[i]), int(self._starts[i + 1])
        return Person(*(column[i] for column in self._columns), self._papers[a:b])  # type: ignore[arg-type]

    def _with_surname(self, key: str) -> list[Person]:
        """The people filed under a squashed surname ("bengio", "vandenoord"), in person order."""
        keys: Texts = self._state["surname_keys"]  # type: ignore[assignment]
        lo = bisect.bisect_left(keys, key)
        hi = bisect.bisect_right(keys, key, lo)
        ids: np.ndarray = self._state["surname_ids"]  # type: ignore[assignment]
        return [self._person(i) for i in ids[lo:hi].tolist()]

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
        for p in self._with_surname(whole):
            found[p.key] = (p, False)
        # Given name(s) then surname: "Yoshua Bengio", "Y. Bengio", "Aaron van den Oord".
        for cut in range(1, len(tokens)):
            first, surname = tokens[0], _squash("".join(tokens[cut:]))
            for p in self._with_surname(surname):
                if _given_fits(first, p.first):
                    exact = first == p.first.replace("-", "") or first == p.first
                    found[p.key] = (p, exact or found.get(p.key, (p, False))[1])
        return sorted(found.values(), key=lambda pe: (not pe[1], -len(pe[0].papers), pe[0].name))

    def complete(self, prefix: str, limit: int) -> list[str]:
        key = fold(prefix).strip()
        names = self._columns[1]
        if not key:
            by_count: np.ndarray = self._state["by_count"]  # type: ignore[assignment]
            return [names[i] for i in by_count[:limit].tolist()]
        keys: Texts = self._state["complete_keys"]  # type: ignore[assignment]
        ids: np.ndarray = self._state["complete_ids"]  # type: ignore[assignment]
        out: dict[str, None] = {}
        for j in range(bisect.bisect_left(keys, key), len(keys)):
            if not keys[j].startswith(key) or len(out) >= limit:
                break
            out[names[int(ids[j])]] = None
        return list(out)

    def suggest(self, query: str, n: int = 5) -> list[str]:
        """Close spellings of the query among known names (full names and surnames)."""
        q = fold(query)
        names = list(self._columns[1])
        pool = {fold(name): name for name in names}
        pool.update({fold(name_parts(name)[2]): name for name in names})
        close = difflib.get_close_matches(q, list(pool), n=n, cutoff=0.6)
        return list(dict.fromkeys(pool[c] for c in close))


_COLUMNS = ("keys", "names", "firsts", "surnames", "surnames_full")  # a Person's fields, papers aside


def _state(columns: dict[str, list[str]], complete: list[str], papers: np.ndarray, starts: np.ndarray
           ) -> dict[str, object]:
    """People's columns, and the look-up tables sorted with numpy (see texts.sorted_order). The lists are
    emptied as they are encoded (texts.drop): at a million papers each is a million strings or more, and the
    rebuild's peak memory is here."""
    state: dict[str, object] = {}
    for k, v in columns.items():
        state[k] = Texts.of(v)
        if k not in ("surnames", "surnames_full"):
            drop(v)
    # By squashed surname, with and without particles ("oord", "vandenoord"), each person under each once.
    surnames, full = columns["surnames"], columns["surnames_full"]
    keys: list[str] = []
    ids = array("q")
    for i, (surname, whole) in enumerate(zip(surnames, full, strict=True)):
        short = _unspace(surname)  # surname_key is folded already
        keys.append(short)
        ids.append(i)
        if whole != short:
            keys.append(whole)
            ids.append(i)
    drop(surnames)
    drop(full)
    state["surname_keys"], state["surname_ids"] = _sorted(keys, np.frombuffer(ids, dtype=np.int64) if ids else
                                                          np.zeros(0, dtype=np.int64))
    drop(keys)
    state["complete_keys"], state["complete_ids"] = _sorted(complete, np.arange(len(complete)) // 2)
    drop(complete)
    sizes = np.diff(starts)
    names = state["names"]
    name_rank = np.empty(len(names), dtype=np.int64)  # type: ignore[arg-type]
    name_rank[sorted_order(names)] = np.arange(len(names))  # type: ignore[arg-type]
    state["by_count"] = np.lexsort((name_rank, -sizes)).astype(np.int32)
    state["papers"], state["starts"] = papers, starts
    return state


def _sorted(keys: list[str], ids: np.ndarray) -> tuple[Texts, np.ndarray]:
    """The keys sorted (equal keys in their order) as a column, and the ids beside them."""
    column = Texts.of(keys)
    order = sorted_order(column)
    # A slice of the order at a time: `tolist` of two million positions is one C call holding the lock.
    ranked = [keys[i] for a in range(0, len(order), SLICE) for i in order[a : a + SLICE].tolist()]
    column = Texts.of(ranked)
    drop(ranked)
    return column, ids[order].astype(np.int32)


class _PersonList(Sequence[Person]):
    """People's `Person`s, each made when asked for."""

    def __init__(self, people: People) -> None:
        self._people = people

    def __len__(self) -> int:
        return len(self._people._starts) - 1

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            return [self._people._person(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._people._person(i)

    def __iter__(self) -> Iterator[Person]:
        return (self._people._person(i) for i in range(len(self)))


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
    picked: list[tuple[int, bool, str]] = []
    seen: set[int] = set()
    for partial, _rank, pos, name in heapq.merge(*streams):
        if pos in seen:
            continue
        seen.add(pos)
        picked.append((pos, partial, name))
        if len(picked) >= limit:
            break
    views = views_at(papers, [pos for pos, _, _ in picked])
    return [Hit(p, 1.0 if partial else 2.0, (Match(name, "authors"),))
            for p, (_, partial, name) in zip(views, picked, strict=True)]
