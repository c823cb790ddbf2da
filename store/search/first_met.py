"""Vocabularies laid out apart, numbered as one layout of every text would have numbered them.

A layout numbers each term as it first meets it (`terms.Numbering`), and a full build's index, its
snapshot and its ties between equal scores are made in that numbering. When a build's texts are laid out by
several processes, each given every other batch (store/search/layout_split.py), each numbers the terms it
meets in its own order. A term's first place among all the texts (its batch, then its place among the
batch's term ids) says where one layout of every text would have met it first, and so its id there: the
terms sorted by their first places are that layout's vocabulary, id after id (a layout meets a term at its
first occurrence, and numbers terms in the order it meets them; tests/search/test_first_met.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

BATCH_SHIFT = 40  # a place: batch << 40 | index among the batch's ids (a batch holds far fewer than 2**40)


def first_places(flat: np.ndarray, base: int, batch: int) -> np.ndarray:
    """The first place of each term a layout met first in this batch (`flat`: the batch's ids; the new ones are
    `base`.., numbered as met), in id order."""
    at = np.flatnonzero(flat >= base)
    ids, first = np.unique(flat[at], return_index=True)
    if ids.size and (int(ids[0]) != base or int(ids[-1]) != base + ids.size - 1):
        raise ValueError("a term numbered in the batch is missing from its ids")
    return (np.int64(batch) << np.int64(BATCH_SHIFT)) | at[first].astype(np.int64)


def merged(own: Sequence[str], own_places: np.ndarray, find: Callable[[str], int | None],
           others: Sequence[tuple[Sequence[str], np.ndarray]]) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """(every term in the one numbering's order, each own id's id there, each other's ids' ids there).

    `own`: one layout's terms in its id order, `find` its id of a term (None when it never met it); `others`:
    the other layouts' terms in their id order; each with the first place of each term."""
    places = own_places.tolist()
    extra: dict[str, int] = {}  # terms only the others met -> their index among all
    terms = list(own)
    where_all = []
    for their_terms, their_places in others:
        where = []
        for term, place in zip(their_terms, their_places.tolist(), strict=True):
            i = find(term)
            if i is None and (i := extra.get(term)) is None:
                i = extra[term] = len(terms)
                terms.append(term)
                places.append(place)
            elif place < places[i]:
                places[i] = place
            where.append(i)
        where_all.append(np.asarray(where, dtype=np.int64))
    order = np.argsort(np.asarray(places, dtype=np.int64), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return [terms[i] for i in order.tolist()], rank[: len(own)], [rank[w] for w in where_all]
