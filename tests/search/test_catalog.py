"""The catalog (store/search/catalog.py), the term table (terms.py) and the title finder (titles.py) hold the
same values as the Python objects they replace, through a snapshot too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from store.search import SearchIndex, snapshot
from store.search.catalog import CatalogBuilder
from store.search.results import PaperView, SummaryView
from store.search.terms import TermTable
from store.search.titles import TitleFinder
from store.text.folding import fold
from tests.search.test_overlay import SEEDS


def _odd_papers() -> list[PaperView]:
    """Seeds with every field's unusual values: none, empty, accents, a lone surrogate, naive and aware times."""
    papers = list(SEEDS)
    papers[0] = replace(papers[0], venue=None, link="https://arxiv.org/abs/1234.5678", year=None,
                        topics=("B", "A", "B"), added_at=datetime(2020, 1, 2, 3, 4, 5, 6), authors_incomplete=True)
    papers[1] = replace(papers[1], title="Aäron’s Ünïcode \ud800 Title", authors=(), summaries=())
    papers[2] = replace(papers[2], venue="", summaries=(SummaryView("a.md", 3, "", "Zoë"),
                                                        SummaryView("discord:1", 1, "Second — one.", None)))
    papers[3] = replace(papers[3], added_at=datetime(1960, 5, 6, tzinfo=UTC), year=0)
    return papers


@pytest.mark.parametrize("batch", [1, 3, 10_000])
@pytest.mark.parametrize("spill", [False, True])
def test_the_catalog_gives_back_every_view(batch: int, spill: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CatalogBuilder, "BATCH", batch)
    papers = _odd_papers()
    builder = CatalogBuilder(spill)
    for p in papers:
        builder.add(p.id, p.title, p.venue, p.year, p.link, p.added_at, p.authors_incomplete, p.authors, p.topics,
                    [(s.source, s.line, s.text, s.writer) for s in p.summaries])
    catalog = builder.finish()
    assert list(catalog) == papers and [catalog[i] for i in range(len(papers))] == papers
    assert catalog[-1] == papers[-1] and catalog[5:40] == tuple(papers[5:40]) and catalog[::-3] == tuple(papers[::-3])
    assert [catalog.summary(i) for i in range(len(papers))] == [p.summary for p in papers]
    assert list(catalog.summaries()) == [p.summary for p in papers]
    assert catalog.authors_joined(0, len(papers)) == [" ".join(p.authors) for p in papers]
    assert catalog.topics_joined(0, len(papers)) == [" ".join(p.topics) for p in papers]
    assert [catalog.position(p.id) for p in papers] == list(range(len(papers))) and catalog.position(10**9) is None


def test_a_snapshot_maps_the_catalog_and_answers_alike(tmp_path: Path) -> None:
    built = SearchIndex.build(_odd_papers())
    snapshot.save(built, tmp_path / "index", "v1")
    loaded = snapshot.load(tmp_path / "index", "v1")
    assert loaded is not None and snapshot.load(tmp_path / "index", "v2") is None
    assert list(loaded.papers) == list(built.papers) and loaded.papers.texts._file is not None  # summaries: pread
    assert loaded.papers.titles._file is None  # titles: through the mapping (/paper reads fifty a query)
    assert not loaded.combined.weights.data.flags.writeable  # a view of the file, not a copy
    for query in ("lottery ticket", "generative adversarial", "Aäron", "reinforcement learning"):
        for kind in ("paper", "topic", "ask"):
            mine, theirs = getattr(loaded, kind)(query).hits, getattr(built, kind)(query).hits
            assert [(h.paper, h.score, h.why, h.passage) for h in mine] == [
                (h.paper, h.score, h.why, h.passage) for h in theirs]
    assert loaded.author("Bengio").hits == built.author("Bengio").hits


def test_the_term_table_is_the_vocabulary() -> None:
    vocabulary = {t: i for i, t in enumerate(["learn", "ünïcode", "", "a" * 300, "42", "rl", "\ud800x"])}
    table = TermTable.numbered(list(vocabulary))
    assert dict(table.items()) == vocabulary and len(table) == len(vocabulary) and list(table) == list(vocabulary)
    assert all(table.get(t) == i and t in table for t, i in vocabulary.items())
    assert table.get("missing") is None and "missing" not in table and table.get("missing", -5) == -5
    assert table.ids_of(["rl", "missing", "learn"], 99).tolist() == [5, 99, 0]
    with pytest.raises(KeyError):
        table["missing"]
    empty = TermTable.numbered([])
    assert empty.get("x") is None and len(empty) == 0 and empty.ids_of(["x"]).tolist() == [-1]


def test_the_title_finder_holds_what_the_folded_title_dict_held() -> None:
    titles = [p.title for p in SEEDS] + ["A Title", "a title!", "Ünïcode Title", ""]
    by_key = {fold(t): t for t in titles}  # what /paper's suggestions read before
    finder = TitleFinder(titles)
    for initial in {k[:1] for k in by_key} | {"q", "z"}:
        assert finder.starting(initial) == sorted(k for k in by_key if k[:1] == initial)
        words = sorted({w for k in by_key for w in k.split() if w[:1] == initial}) if initial else []
        assert finder.words_starting(initial) == words
    assert all(finder.title(k) == t for k, t in by_key.items())
    assert np.all(np.diff(finder.keys.ends) >= 0)


def test_a_full_builds_spilled_arrays_reach_the_snapshot_however_they_are_copied(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full build keeps its texts and matrices in temporary files (store/search/spill.py); the snapshot copies
    them in the kernel, or a megabyte at a time where that fails (another file system): the same bytes."""
    builder = CatalogBuilder(spill=True)
    for p in SEEDS:
        builder.add(p.id, p.title, p.venue, p.year, p.link, p.added_at, p.authors_incomplete, p.authors, p.topics,
                    [(s.source, s.line, s.text, s.writer) for s in p.summaries])
    built = SearchIndex.build(builder.finish())
    snapshot.save(built, tmp_path / "kernel", "v1")

    def refuse(*args: object) -> int:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(snapshot, "COPY_BYTES", 100)  # many short copies in the kernel
    snapshot.save(built, tmp_path / "short", "v1")
    monkeypatch.setattr("os.copy_file_range", refuse)
    snapshot.save(built, tmp_path / "copied", "v1")
    assert (tmp_path / "kernel").read_bytes() == (tmp_path / "copied").read_bytes()
    assert (tmp_path / "kernel").read_bytes() == (tmp_path / "short").read_bytes()
    loaded = snapshot.load(tmp_path / "copied", "v1")
    assert loaded is not None and list(loaded.papers) == list(SEEDS)
    assert loaded.paper("lottery ticket").hits == built.paper("lottery ticket").hits
