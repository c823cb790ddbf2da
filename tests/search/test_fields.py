"""A full build's layout in processes of their own (store/search/layout_process.py, layout_split.py), fed the
field texts of each batch as the catalog is read (`CatalogBuilder(fields=...)`, `fields.joined_fields`): the texts
are the ones the build reads from the finished catalog, the index is the one a build that lays the catalog out
itself makes, bit for bit, however many processes share it, and a process that cannot start or stops leaves the
build to lay the catalog out itself."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import store.search.live as live_module
from store.ingest import pipes
from store.library import BUNDLED_SEEDS, Library
from store.search import SearchIndex, snapshot
from store.search import catalog as catalog_module
from store.search import layout_process as process_module
from store.search.catalog import Catalog, CatalogBuilder
from store.search.fields import joined_fields
from store.search.index import FIELD_WEIGHTS, MATRICES, _field_texts
from store.search.layout_process import LayoutProcess
from store.search.results import SummaryView
from store.search.views import _in_order
from tests.search.test_overlay import SEEDS

WORDS = ["Zoë", "", "graph", "neural-net", "😀", "\u2003spaced", "Ünïcode", "RL", "a", "x\ud800y"]


def _papers(seed: int) -> list:  # type: ignore[type-arg]
    """The seeds with random authors, topics and summaries: none, empty ones, several, odd characters."""
    rng = random.Random(seed)

    def words(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k))

    return [replace(p, authors=tuple(words(2) for _ in range(rng.randint(0, 3))),
                    topics=tuple(words(1) for _ in range(rng.randint(0, 3))),
                    summaries=tuple(SummaryView(f"doc{rng.randint(0, 2)}", j, words(rng.choice([0, 3])), None)
                                    for j in range(rng.randint(0, 3))))
            for p in SEEDS]


def _given(batch: int, papers: list, monkeypatch: pytest.MonkeyPatch) -> tuple[Catalog, list]:  # type: ignore[type-arg]
    monkeypatch.setattr(CatalogBuilder, "BATCH", batch)
    given_texts: list[str | bytes] = []
    builder = CatalogBuilder(fields=given_texts.extend)
    for p in papers:
        builder.add(p.id, p.title, p.venue, p.year, p.link, p.added_at, p.authors_incomplete, p.authors, p.topics,
                    [(s.source, s.line, s.text, s.writer) for s in p.summaries])
    return builder.finish(), given_texts


@pytest.mark.parametrize("batch", [1, 3, 5_000])
@pytest.mark.parametrize("seed", range(5))
def test_the_texts_given_as_papers_are_added_are_the_ones_the_build_reads(
        batch: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    papers = _papers(seed) if seed else list(SEEDS)
    catalog, given_texts = _given(batch, papers, monkeypatch)
    assert given_texts == _field_texts(catalog, 0, len(catalog))
    assert len(given_texts) == len(FIELD_WEIGHTS) * len(papers)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.text(max_size=4), max_size=3), st.lists(st.sampled_from(["A", "Zoë", ""]),
                                                                                max_size=3),
                          st.lists(st.text(max_size=6), max_size=3)), max_size=6))
def test_summaries_given_as_utf8_are_joined_as_the_texts_are(papers: list) -> None:  # type: ignore[type-arg]
    titles = [f"t{i}" for i in range(len(papers))]
    labels = ["A", "Zoë", ""]
    topic_ids = [labels.index(t) for _, topics, _ in papers for t in topics]
    names = [n for authors, _, _ in papers for n in authors]
    texts = [t for _, _, summaries in papers for t in summaries]
    counts = [[len(p[k]) for p in papers] for k in range(3)]
    as_text = joined_fields(titles, labels, topic_ids, counts[1], names, counts[0], texts, counts[2])
    as_utf8 = joined_fields(titles, labels, topic_ids, counts[1], names, counts[0],
                            [t.encode("utf-8", "surrogatepass") for t in texts], counts[2])
    assert [t.decode("utf-8", "surrogatepass") if isinstance(t, bytes) else t for t in as_utf8] == as_text
    assert as_text[3::4] == ["\n\n".join(s for s in summaries if s) for _, _, summaries in papers]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3), st.booleans()), max_size=12))
def test_rows_are_taken_as_in_order_only_when_a_sort_would_leave_them(rows: list) -> None:  # type: ignore[type-arg]
    at = np.asarray([r[0] for r in rows], dtype=np.int64)
    first = [r[1] for r in rows]
    kept = np.asarray([r[2] or len(rows) < 3 for r in rows], dtype=bool)
    if _in_order(at, kept, first):
        assert kept.all()
        assert np.lexsort((np.asarray(first, dtype=np.int64), at)).tolist() == list(range(len(rows)))
        assert len(set(zip(at.tolist(), first, strict=True))) == len(rows)  # no tie for another field to break
    assert not _in_order(at, kept, [str(f) for f in first]) or len(set(at.tolist())) == len(rows)


def _arrays(index: SearchIndex) -> list[object]:
    return [index.combined.weights.data.tolist(), index.combined.weights.indices.tolist(),
            index.combined.weights.indptr.tolist(), index.combined.idf.tolist(), index.title.weights.data.tolist(),
            index.title.weights.indices.tolist(), list(index.vocabulary.terms), index.vocabulary.keys.tolist(),
            [None if m.avgdl is None else m.avgdl.tolist() for m in (index.combined, index.title)],
            [(m.n_docs, m.weights.shape) for m in (index.combined, index.title)]]


def _fed(papers: list, monkeypatch: pytest.MonkeyPatch, batch: int = 7,  # type: ignore[type-arg]
         workers: int | None = None) -> tuple[Catalog, LayoutProcess]:
    process = LayoutProcess.start(MATRICES, len(FIELD_WEIGHTS), workers)
    assert process is not None
    catalog, given_texts = _given(batch, papers, monkeypatch)
    for at in range(0, len(given_texts), 4 * batch):
        process.send(given_texts[at : at + 4 * batch])
    return catalog, process


@pytest.mark.parametrize(("seed", "workers", "batch"), [(0, 1, 7), (1, 1, 7), (0, 2, 7), (1, 2, 7), (2, 2, 7),
                                                      (1, 2, 1), (0, 3, 5), (2, 3, 2), (1, 4, 1), (2, 4, 3),
                                                      (0, 2, 500)])
def test_an_index_laid_out_by_the_process_is_the_index_laid_out_here(seed: int, workers: int, batch: int,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """One process, or several each given every other batch (with more processes than batches too); from three
    on, the followers read each other's sums as well as the leader's."""
    papers = _papers(seed) if seed else list(SEEDS)
    catalog, process = _fed(papers, monkeypatch, batch, workers)
    assert len(process.procs) == workers
    by_process = SearchIndex.build(catalog, laid_out=process)
    assert process.sent == len(FIELD_WEIGHTS) * len(papers)
    assert not process.failed
    assert not Path(process.folder).exists()  # its files mapped, their names and folder gone
    here = SearchIndex.build(catalog)
    assert _arrays(by_process) == _arrays(here)
    for query in ("lottery ticket", "graph neural", "Zoë"):
        assert [(h.paper.id, h.score) for h in by_process.paper(query).hits] == [
            (h.paper.id, h.score) for h in here.paper(query).hits]


def test_a_process_that_stops_leaves_the_build_to_lay_the_catalog_out(monkeypatch: pytest.MonkeyPatch,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    catalog, process = _fed(list(SEEDS), monkeypatch)
    process.proc.kill()
    process.proc.wait()
    process.send(["one more", "", "", ""])  # into a pipe nobody reads
    assert process.finish() is None
    assert "layout process" in caplog.text
    built = SearchIndex.build(catalog, laid_out=process)  # finished already: None again, laid out here
    assert _arrays(built) == _arrays(SearchIndex.build(catalog))


@pytest.mark.parametrize("which", [0, 1])
def test_a_layout_process_that_stops_after_the_texts_leaves_the_build_to_lay_the_catalog_out(
        which: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The leader, or a follower, killed once every text is sent: the other one's pipes end, and nothing hangs."""
    catalog, process = _fed(list(SEEDS), monkeypatch, workers=2)
    process.end()
    process.procs[which].kill()
    assert process.finish() is None
    assert "layout process failed" in caplog.text
    assert all(proc.poll() is not None for proc in process.procs) and not Path(process.folder).exists()
    assert _arrays(SearchIndex.build(catalog, laid_out=process)) == _arrays(SearchIndex.build(catalog))


def test_texts_sent_after_the_end_leave_the_build_to_lay_the_catalog_out(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog, process = _fed(list(SEEDS), monkeypatch, workers=2)
    process.end()
    process.end()  # once is enough; twice is no error
    process.send(["one more", "", "", ""])
    assert process.failed and process.finish() is None
    assert _arrays(SearchIndex.build(catalog, laid_out=process)) == _arrays(SearchIndex.build(catalog))


def test_one_core_gets_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process_module.os, "sched_getaffinity", lambda _: {0}, raising=False)
    assert process_module.workers() == 1
    monkeypatch.setattr(process_module.os, "sched_getaffinity", lambda _: set(range(8)), raising=False)
    assert process_module.workers() == process_module.WORKERS
    monkeypatch.setattr(process_module.os, "name", "nt")  # no pass_fds there: one process, no pipes between
    assert process_module.workers() == 1


def test_texts_the_process_did_not_lay_out_are_laid_out_here(monkeypatch: pytest.MonkeyPatch) -> None:
    _, process = _fed(list(SEEDS)[:-3], monkeypatch)  # three papers short of the catalog
    full = Catalog.of(list(SEEDS))
    assert _arrays(SearchIndex.build(full, laid_out=process)) == _arrays(SearchIndex.build(full))
    assert process.finished and not Path(process.folder).exists()


def test_papers_without_a_word_to_index_come_back_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    papers = [replace(p, title="The", authors=(), topics=(), summaries=(SummaryView("d", 1, "of the", None),))
              for p in list(SEEDS)[:5]]
    catalog, process = _fed(papers, monkeypatch)
    assert _arrays(SearchIndex.build(catalog, laid_out=process)) == _arrays(SearchIndex.build(catalog))
    assert process.finished and not process.failed


def test_a_process_that_cannot_start_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process_module.sys, "executable", "/nonexistent/python")
    folders = set(Path(process_module.tempfile.gettempdir()).glob("paperbot-layout-*"))
    assert LayoutProcess.start(MATRICES, len(FIELD_WEIGHTS)) is None
    assert set(Path(process_module.tempfile.gettempdir()).glob("paperbot-layout-*")) == folders  # none left


async def test_a_large_rebuild_is_laid_out_by_the_process_and_answers_alike(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On either database (PostgreSQL's read adds a paper at a time: batches of ten here)."""
    finished: list[bool] = []
    finish = LayoutProcess.finish

    def spied(self: LayoutProcess):  # type: ignore[no-untyped-def]
        laid = finish(self)
        finished.append(laid is not None)
        return laid

    monkeypatch.setattr(LayoutProcess, "finish", spied)
    monkeypatch.setattr(catalog_module.CatalogBuilder, "BATCH", 10)
    lib = Library(database_url, tmp_path / "corpus")
    await lib.start(ingest_if_empty=False)
    await lib.ingest([BUNDLED_SEEDS])
    try:
        built, parts = [], []
        for since in (10**9, 1):  # laid out here, then by the process
            monkeypatch.setattr(live_module, "LAYOUT_PROCESS_FROM", since)
            await lib.live.refresh(rebuild=True)
            hits = (await lib.search.paper("lottery ticket")).hits
            built.append((_arrays(lib.live.index), [h.paper.id for h in hits]))
            assert hits[0].paper.title.startswith("The Lottery Ticket")
            assert lib.snapshot is not None
            (token,) = snapshot._tokens(lib.snapshot)
            parts.append(len(list(snapshot.parts_of(lib.snapshot).glob(f"{token}.*"))))
        assert finished == [True]
        assert built[0] == built[1]
        # Both builds' matrices (and texts) are files the snapshot links, not copies: the process's too.
        assert parts[0] == parts[1] > 2 * len(MATRICES)
    finally:
        await lib.close()


@pytest.mark.parametrize("size", [0, 1, 70_000, 3 << 20])
def test_a_message_crosses_a_pipe_whole_and_one_cut_short_is_an_error(size: int) -> None:
    import os
    import threading

    value = ("x" * size, np.arange(size // 8, dtype=np.int64))
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as given, os.fdopen(write_end, "wb") as out:
        writer = threading.Thread(target=lambda: (pipes.put(out, value), pipes.put(out, [size])))
        writer.start()  # larger than the pipe: written while it is read
        got = pipes.get(given)
        assert got[0] == value[0] and got[1].tolist() == value[1].tolist()
        assert pipes.get(given) == [size]
        writer.join()
        out.write(bytes(8))
        out.flush()
        assert pipes.get(given) is None  # a zero length: the end
        out.write((10).to_bytes(8, "big") + b"short")
        out.close()
        with pytest.raises(EOFError, match="5 of 10 bytes"):
            pipes.get(given)


def test_a_snapshot_of_an_index_the_process_laid_out_loads_as_the_index_laid_out_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its matrices' arrays are the process's files, mapped here: the snapshot copies them as it copies the
    build's own."""
    from store.search import snapshot

    catalog, process = _fed(_papers(1), monkeypatch)
    snapshot.save(SearchIndex.build(catalog, laid_out=process), tmp_path / "process", "v1")
    here = SearchIndex.build(catalog)
    loaded = snapshot.load(tmp_path / "process", "v1")
    assert loaded is not None and _arrays(loaded) == _arrays(here)
    assert [(h.paper.id, h.score) for h in loaded.paper("graph Zoë").hits] == [
        (h.paper.id, h.score) for h in here.paper("graph Zoë").hits]
