"""The numpy-only pieces that replaced Python sorts and loops (issue 27): each gives exactly what the plain
Python it replaced gives."""

from __future__ import annotations

import pickle
import random
from collections import defaultdict

import numpy as np
import pytest

from store.search.index import SearchIndex
from store.search.people import People, _unspace
from store.search.results import PaperView
from store.search.texts import Texts, sorted_order
from store.search.titles import phrase_of as _phrase

PIECES = ["a", "b", "ab", "\x00", "é", "É", "\ud800", "\U0001f600", "abcdefg", "xxxxxxx", "", " ", "Z", "-", "ß"]


@pytest.mark.parametrize("seed", range(40))
def test_sorted_order_is_pythons_stable_sort(seed: int) -> None:
    rng = random.Random(seed)
    strings = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 9))) for _ in range(rng.randint(0, 80))]
    assert sorted_order(Texts.of(strings)).tolist() == sorted(range(len(strings)), key=strings.__getitem__)


def test_sorted_order_of_long_shared_prefixes_and_duplicates() -> None:
    strings = [f"A survey of {'very ' * (i % 5)}deep things {i % 3}" for i in range(300)] + ["A survey of"] * 3
    assert sorted_order(Texts.of(strings)).tolist() == sorted(range(len(strings)), key=strings.__getitem__)


@pytest.mark.parametrize("seed", range(5))
def test_sorted_order_of_a_spilled_column_then_lets_its_pages_go(seed: int) -> None:
    """A full build's titles are in a temporary file (spill.py): sorting them gives the order of the column
    held in memory, and the pages it read are then unmapped from the process (spill.release), the column
    still reading the same bytes."""
    from store.search import spill

    rng = random.Random(seed)
    strings = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(1, 80))]
    held = Texts.of(strings)
    file = spill.temporary()
    file.write(held.data.tobytes())
    spilled = Texts(spill.mapped(file, np.uint8), held.ends)
    assert sorted_order(spilled).tolist() == sorted_order(held).tolist() == sorted(range(len(strings)),
                                                                                   key=strings.__getitem__)
    assert spill.release(spilled.data)
    assert not spill.release(held.data)
    assert list(spilled) == strings
    file.close()


def _papers(seed: int) -> list[PaperView]:
    from datetime import datetime

    rng = random.Random(seed)
    names = ["Yoshua Bengio", "Bengio, Y.", "Aäron van den Oord", "Aaron van den Oord", "Jascha Sohl-Dickstein",
             "Li Fei-Fei", "J. Smith", "John Smith", "Jane Smith", "Smith", "O'Neil, Cathy", "", "et al."]
    words = ["deep", "learning", "neural", "networks", "graph", "attention", "is", "all", "you", "need", "RL"]
    return [PaperView(id=i + 1, title=" ".join(rng.choice(words) for _ in range(rng.randint(1, 6))).capitalize(),
                      authors=tuple(rng.sample(names, rng.randint(0, 4))), venue=None,
                      year=rng.choice([None, 2019, 2020]), topics=(), link=None, summaries=(),
                      added_at=datetime(2024, 1, 1))
            for i in range(120)]


@pytest.mark.parametrize("seed", range(5))
def test_people_columns_answer_as_objects_would(seed: int) -> None:
    people = People(_papers(seed))
    again = pickle.loads(pickle.dumps(people, protocol=5))
    persons = list(people.people)
    assert [(p.key, p.name, p.papers.tolist()) for p in again.people] == [
        (p.key, p.name, p.papers.tolist()) for p in persons]
    by_surname: dict[str, list[str]] = defaultdict(list)  # the dict the columns replace
    for p in persons:
        by_surname[_unspace(p.surname)].append(p.key)
        if p.surname_full != _unspace(p.surname):
            by_surname[p.surname_full].append(p.key)
    for key, keys in by_surname.items():
        assert [p.key for p in people._with_surname(key)] == keys
    assert people._with_surname("nobody") == []
    entries = sorted([(k, i) for i, p in enumerate(persons) for k in (_fold(p.name), _fold(_surname(p.name)))])
    for prefix in ["", "s", "smith", "b", "y", "aaron", "van", "zz"]:
        want: dict[str, None] = {}
        if prefix:
            for k, i in entries:
                if k >= prefix and len(want) < 25:
                    if not k.startswith(prefix):
                        break
                    want[persons[i].name] = None
        else:
            want = dict.fromkeys(p.name for p in sorted(persons, key=lambda p: (-len(p.papers), p.name))[:25])
        assert people.complete(prefix, 25) == list(want)


def _fold(text: str) -> str:
    from store.text.folding import fold

    return fold(text)


def _surname(name: str) -> str:
    from store.text.names import name_parts

    return name_parts(name)[2]


def test_verbatim_titles_are_those_holding_the_phrase() -> None:
    papers = _papers(7) + [PaperView(id=1000 + i, title=t, authors=(), venue=None, year=None, topics=(), link=None,
                                     summaries=(), added_at=_papers(0)[0].added_at)
                           for i, t in enumerate(["Déjà vu: deep learning", "Deep-learning is all", "deep learning's",
                                                  "DEEP LEARNING", "deep  learning", "deep learnings", "Ünïcode deep"])]
    index = SearchIndex.build(papers)
    everyone = list(range(len(papers)))
    for query in ["deep learning", "Deep-Learning", "deja vu", "all you need", "is", "unicode deep", "learning's", "é"]:
        phrase = _phrase(query)
        assert index._verbatim(phrase, everyone) == [i for i in everyone if phrase.strip()
                                                      and phrase in _phrase(papers[i].title)], query
