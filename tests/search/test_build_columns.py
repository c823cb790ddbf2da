"""A full build's column work (store/search/texts.py, people.py): the same results as the plain Python it
replaces, on awkward strings."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest

from store.search import texts as texts_module
from store.search.people import People
from store.search.texts import Texts, utf8_column
from store.text.names import person_key

NAMES = ["Yoshua Bengio", "Bengio, Y.", "Aäron van den Oord", "Aaron van den Oord", "Jascha Sohl-Dickstein",
         "Li Fei-Fei", "J. Smith", "John Smith", "Jane Smith", "Smith", "O'Neil, Cathy", "", "et al.", "Zoë \ud800",
         "Bartholomew Montgomery-Fitzwilliam the Third of Somewhere", "Bartholomew Montgomery-Fitzwilliam the Third",
         "John  Smith", "Smith, John", "Yoshua Bengio "]


def _bylines(seed: int) -> tuple[list[str], np.ndarray]:
    rng = random.Random(seed)
    counts = [rng.randint(0, 5) for _ in range(300)]
    return [rng.choice(NAMES) for _ in range(sum(counts))], np.asarray(counts, dtype=np.int64)


def _state(people: People) -> bytes:
    return pickle.dumps({k: (bytes(v.data), v.ends.tolist()) if isinstance(v, Texts) else np.asarray(v).tolist()
                         for k, v in people.__getstate__().items()})


@pytest.mark.parametrize("seed", range(4))
def test_each_person_is_shown_under_the_fullest_spelling_met_first(seed: int) -> None:
    names, counts = _bylines(seed)
    spellings: dict[str, dict[str, None]] = {}  # the dict of every spelling per person the build no longer makes
    for name in names:
        if key := person_key(name):
            spellings.setdefault(key, {})[name] = None
    people = People.from_bylines(iter(names), counts)
    assert [(p.key, p.name) for p in people.people] == [
        (key, max(forms, key=lambda f: (len(f.split()), len(f)))) for key, forms in spellings.items()]
    assert _state(People.from_bylines(Texts.of(names), counts)) == _state(people)


@pytest.mark.parametrize("cut", [2, 1 << 16])
@pytest.mark.parametrize("strings", [[], [""], ["abc", "", "de"], ["Zoë", "", "\ud800x", "😀", "plain", "ü"]])
def test_utf8_column_is_each_string_encoded(strings: list[str], cut: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(texts_module, "SLICE", cut)  # a slice of strings at a time: cut anywhere
    raw, ends = utf8_column(strings)
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    assert raw == b"".join(encoded)
    assert ends.tolist() == np.cumsum([len(e) for e in encoded], dtype=np.int64).tolist()
    assert list(Texts.of(strings)) == strings


def test_drain_empties_a_dict_and_forget_empties_the_word_caches() -> None:
    from store.text import tokenize

    mapping = {str(i): i for i in range(1000)}
    tokenize.drain(mapping)
    assert mapping == {}
    tokenize.drain(mapping)  # an empty one (or one another thread emptied meanwhile)
    assert tokenize.tokenize("Networks of neurons") == ["network", "neuron"]
    tokenize.forget()
    assert not tokenize._CHUNKS and not tokenize._CACHE
    assert tokenize.tokenize("Networks of neurons") == ["network", "neuron"]


def _topic_papers_by_masks(catalog):  # type: ignore[no-untyped-def]
    """The plain statement of `index._topic_papers`: one mask over every entry per label (as it was)."""
    from store.text.folding import fold

    ids = np.asarray(catalog.topic_ids, dtype=np.int64)
    paper = np.repeat(np.arange(len(catalog), dtype=np.int64), np.diff(catalog.topic_ends))
    labels = list(catalog.labels)
    _, first = np.unique(ids, return_index=True)
    shown: dict[str, str] = {}
    key_of = np.empty(len(labels), dtype=np.int64)
    keys: dict[str, int] = {}
    for label_id in ids[np.sort(first)].tolist():
        key = fold(labels[label_id])
        shown.setdefault(key, labels[label_id])
        key_of[label_id] = keys.setdefault(key, len(keys))
    entry_key = key_of[ids] if ids.size else ids
    return {k: paper[entry_key == j] for k, j in keys.items()}, shown


@pytest.mark.parametrize("seed", range(12))
def test_topic_papers_are_each_labels_papers_in_paper_order(seed: int) -> None:
    from dataclasses import replace

    from store.search.catalog import Catalog
    from store.search.index import _topic_papers
    from tests.search.test_overlay import SEEDS

    rng = random.Random(seed)
    pool = ["RL", "rl", "Rl", "Vision", "vision", "Ünï", "unï", "NLP", "B", "A"]  # labels folding alike too
    papers = [replace(p, topics=tuple(rng.sample(pool, rng.randint(0, 4)) if seed else ())) for p in SEEDS]
    catalog = Catalog.of(papers)
    want, want_shown = _topic_papers_by_masks(catalog)
    got, shown = _topic_papers(catalog)
    assert list(got) == list(want) and list(shown.items()) == list(want_shown.items())
    assert all(got[k].tolist() == want[k].tolist() and got[k].dtype == want[k].dtype for k in want)


def test_a_builds_loops_give_the_heap_back_every_few_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    from store.search import heap

    calls: list[int] = []
    monkeypatch.setattr(heap, "give_back", lambda: calls.append(1))
    for k in range(3 * heap.BATCHES + 1):
        heap.between_batches(k)
    assert len(calls) == 3
