"""Vocabularies laid out apart, merged (store/search/first_met.py): the numbering and the ids are the ones one
layout of every text, batch after batch, gives; on generated texts and on the seeds' own."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.search.first_met import first_places, merged
from store.search.index import _field_texts
from store.search.layout import FieldLayout
from tests.search.test_overlay import SEEDS

WORDS = ["graph", "neural-net", "the", "Zoë", "RL", "lottery", "ticket", "x\ud800y", "😀", "a-b-c", "of",
         "reinforcement", "learning", "deep", "averyveryverylongwordindeed", "ünïcode"]


def _apart(batches: list[list[str]], n: int) -> tuple[list[str], list[np.ndarray]]:
    """The batches laid out by `n` layouts, batch g by layout g % n, then merged: (vocabulary, each batch's ids)."""
    layouts = [FieldLayout() for _ in range(n)]
    places: list[list[np.ndarray]] = [[] for _ in range(n)]
    flats: list[tuple[int, np.ndarray]] = []
    for g, texts in enumerate(batches):
        layout = layouts[g % n]
        base = len(layout.vocabulary)
        flat, _ = layout.lay_out(texts)
        places[g % n].append(first_places(flat, base, g))
        flats.append((g % n, flat))
    own = layouts[0].vocabulary
    joined = [np.concatenate(p) if p else np.zeros(0, dtype=np.int64) for p in places]  # a layout given no batch
    terms, own_ids, their_ids = merged(own.in_order(), joined[0], own.find,
                                       [(layouts[i].vocabulary.in_order(), joined[i]) for i in range(1, n)])
    ids = [own_ids, *their_ids]
    return terms, [ids[i][flat] if flat.size else flat for i, flat in flats]


def _together(batches: list[list[str]]) -> tuple[list[str], list[np.ndarray]]:
    layout = FieldLayout()
    flats = [layout.lay_out(texts)[0] for texts in batches]
    return layout.vocabulary.in_order(), flats


def _same(batches: list[list[str]], n: int) -> None:
    terms, flats = _apart(batches, n)
    one_terms, one_flats = _together(batches)
    assert terms == one_terms
    assert [f.tolist() for f in flats] == [f.tolist() for f in one_flats]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join), min_size=1, max_size=4),
                min_size=1, max_size=8),
       st.integers(2, 4))
def test_layouts_apart_merged_number_as_one_layout(batches: list[list[str]], n: int) -> None:
    _same(batches, n)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=3), min_size=1, max_size=6))
def test_any_text(batches: list[list[str]]) -> None:
    _same(batches, 2)


@pytest.mark.parametrize(("per_batch", "n"), [(1, 2), (3, 2), (5, 3)])
def test_the_seeds_fields(per_batch: int, n: int) -> None:
    from store.search.catalog import Catalog

    catalog = Catalog.of(list(SEEDS))
    texts = _field_texts(catalog, 0, len(catalog))
    step = 4 * per_batch
    _same([texts[at : at + step] for at in range(0, len(texts), step)], n)


def test_a_term_numbered_but_missing_from_the_ids_is_an_error() -> None:
    with pytest.raises(ValueError, match="missing"):
        first_places(np.array([0, 1, 3], dtype=np.int32), 1, 0)  # 2 was numbered in this batch, and is not there


def test_places_order_batches_first_then_places_within() -> None:
    places = first_places(np.array([5, 7, 6, 7, 8, 5], dtype=np.int32), 6, 3)
    assert (places >> 40).tolist() == [3, 3, 3] and (places & ((1 << 40) - 1)).tolist() == [2, 1, 4]
