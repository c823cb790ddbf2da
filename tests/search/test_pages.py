"""A page of hits read column-wise (store/search/pages.py) gives the views `Catalog[i]` gives, from a catalog
built in memory or spilled, from a snapshot, and from an overlay's `Joined`; positions as a search gives them
and as anyone may (negative, repeated, out of range)."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from store.search import SearchIndex, snapshot
from store.search.catalog import Catalog, CatalogBuilder, Joined
from store.search.pages import views_at
from tests.search.test_catalog import _odd_papers


def _catalog(spill: bool) -> Catalog:
    builder = CatalogBuilder(spill)
    for p in _odd_papers():
        builder.add(p.id, p.title, p.venue, p.year, p.link, p.added_at, p.authors_incomplete, p.authors, p.topics,
                    [(s.source, s.line, s.text, s.writer) for s in p.summaries])
    return builder.finish()


def _pages(n: int, seed: int) -> list[list[int]]:
    """Pages of positions: empty, one, the first and last, repeated, negative, and random ones of every length."""
    rnd = random.Random(seed)
    fixed = [[], [0], [n - 1], [-1], [-n], [3, 3, 3], [2, 0, 1], list(range(n)), list(range(-n, 0))]
    return fixed + [[rnd.randrange(-n, n) for _ in range(rnd.randrange(1, 25))] for _ in range(200)]


@pytest.mark.parametrize("spill", [False, True])
def test_a_page_of_a_catalog_is_its_views_one_by_one(spill: bool) -> None:
    catalog = _catalog(spill)
    papers = _odd_papers()
    for page in _pages(len(catalog), seed=1):
        assert views_at(catalog, page) == [catalog[i] for i in page] == [papers[i] for i in page]


def test_a_page_of_a_snapshots_catalog_reads_the_same_views(tmp_path: Path) -> None:
    snapshot.save(SearchIndex.build(_odd_papers()), tmp_path / "index", "v1")
    loaded = snapshot.load(tmp_path / "index", "v1")
    assert loaded is not None and isinstance(loaded.papers, Catalog) and loaded.papers.texts._file is not None
    for page in _pages(len(loaded.papers), seed=2):
        assert views_at(loaded.papers, page) == [_odd_papers()[i] for i in page]


def test_a_page_of_an_overlay_mixes_the_catalog_and_the_changed_papers() -> None:
    catalog = _catalog(spill=False)
    more = tuple(replace(p, id=10_000 + k, title=f"Changed {k}") for k, p in enumerate(_odd_papers()[:3]))
    joined = Joined(catalog, more)
    everything = [*_odd_papers(), *more]
    for page in _pages(len(joined), seed=3):
        assert views_at(joined, page) == [joined[i] for i in page] == [everything[i] for i in page]
    assert views_at(everything, [len(everything) - 1, 0]) == [everything[-1], everything[0]]  # any sequence


@pytest.mark.parametrize("page", [[10**6], [0, -(10**6)]])
def test_a_position_outside_the_catalog_raises_index_error_as_indexing_does(page: list[int]) -> None:
    catalog = _catalog(spill=False)
    with pytest.raises(IndexError):
        views_at(catalog, page)
    with pytest.raises(IndexError):
        [catalog[i] for i in page]
