"""Meaning vectors kept with the papers (issue 28): a full build reads the stored ones as a column in catalog
order; the embedder stores every paper's, makes again only the missing and stale ones (after a restart, a
crash, a change of text or of model), hands them to the serving index and saves them in the snapshot; a
member's write is embedded at once; meaning off, the model is never loaded. SQLite, or PostgreSQL when
PAPERBOT_TEST_POSTGRES is set."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, insert, select, update

from store.db.database import Database
from store.db.models import Paper, PaperVector
from store.library import Library
from store.search.meaning import embedder, stored
from store.search.meaning.model import embed
from store.search.meaning.vectors import paper_text, quantise
from store.search.results import PaperView
from store.search.views import read_catalog

ROOT = Path(__file__).resolve().parent.parent.parent


def expected(views: list[PaperView]) -> tuple[np.ndarray, np.ndarray]:
    """What the embedder stores for these papers: their texts embedded and quantised, here and now."""
    q = quantise(embed([paper_text(v.title, v.topics, v.summary) for v in views]))
    return q.codes, q.scales


async def stored_rows(lib: Library) -> dict[int, tuple[str, int]]:
    async with lib.sessionmaker() as s:
        return {pid: (model, h) for pid, model, h in await s.execute(
            select(PaperVector.paper_id, PaperVector.model, PaperVector.text_hash))}


def index_rows(lib: Library, ids: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    index = lib.index
    at = [index.papers.ids.tolist().index(i) for i in ids] if not hasattr(index, "delta_papers") else None
    if at is None:
        from store.search.meaning.rows import positions

        at = positions(index, np.asarray(ids)).tolist()
    return index.meaning.codes[at], index.meaning.scales[at], index.meaning_known[at]


async def test_a_full_build_reads_the_stored_vectors_of_its_model_in_catalog_order(database_url: str) -> None:
    lib = Library(database_url)
    await lib.start()
    try:
        ids = lib.index.papers.ids.tolist()
        first, third, fourth, fifth = ids[0], ids[2], ids[3], ids[4]
        rows = [{"paper_id": first, "model": "m1", "text_hash": 1, "codes": bytes([1] * 256), "scale": 0.5},
                {"paper_id": third, "model": "m1", "text_hash": 3, "codes": bytes([255] * 256), "scale": 0.25},
                {"paper_id": fourth, "model": "another", "text_hash": 4, "codes": bytes([7] * 256), "scale": 1.0},
                {"paper_id": fifth, "model": "m1", "text_hash": 5, "codes": bytes([9] * 255), "scale": 1.0}]
        async with lib.sessionmaker() as s, s.begin():
            await s.execute(insert(PaperVector), rows)
        for batch in (2, 5_000):
            column = stored.VectorColumn("m1")
            async with lib.sessionmaker() as s, s.begin():
                catalog = await read_catalog(s, batch=batch, spill=False, vectors=column)
            meaning, known = column.finish()
            assert catalog.ids.tolist() == ids
            assert meaning.codes.shape == (len(ids), 256)
            assert np.flatnonzero(known).tolist() == [0, 2]  # another model's and a short one are not taken
            assert meaning.codes[0].tolist() == [1] * 256 and meaning.codes[2].tolist() == [-1] * 256
            assert meaning.scales[[0, 1, 2, 3, 4]].tolist() == [0.5, 0.0, 0.25, 0.0, 0.0]
            assert not meaning.codes[[1, 3, 4]].any()
    finally:
        await lib.close()


async def test_the_embedder_stores_every_paper_and_the_index_takes_them(database_url: str) -> None:
    lib = Library(database_url, meaning=True)
    await lib.start()
    try:
        assert lib.embedder is not None
        catalog = lib.catalog
        assert not lib.index.meaning_known.any()  # a new database: the build found none stored
        await lib.embedder.settled()
        assert lib.catalog is catalog and lib.live.index_source == "rebuilt"  # handed over, not rebuilt
        views = list(lib.index.papers)
        ids = [v.id for v in views]
        codes, scales = expected(views)
        assert lib.embedder.embedded == len(views) == 94
        got = index_rows(lib, ids)
        assert np.array_equal(got[0], codes) and np.array_equal(got[1], scales) and got[2].all()
        assert lib.index.meaning_model == stored.fingerprint()
        hashes = {v.id: stored.text_hash(paper_text(v.title, v.topics, v.summary)) for v in views}
        assert await stored_rows(lib) == {pid: (stored.fingerprint(), hashes[pid]) for pid in ids}
    finally:
        await lib.close()


async def test_a_restart_has_them_from_the_snapshot_and_embeds_only_the_missing_and_stale(database_url: str
                                                                                         ) -> None:
    lib = Library(database_url, meaning=True)
    await lib.start()
    await lib.embedder.settled()  # type: ignore[union-attr]
    ids = lib.index.papers.ids.tolist()
    await lib.close()
    async with lib.sessionmaker() as s, s.begin():  # a crash mid-pass, another model, texts changed
        await s.execute(delete(PaperVector).where(PaperVector.paper_id.in_(ids[:5])))
        await s.execute(update(PaperVector).where(PaperVector.paper_id.in_(ids[5:8])).values(model="old"))
        await s.execute(update(PaperVector).where(PaperVector.paper_id.in_(ids[8:10])).values(text_hash=0))
    await lib.database.dispose()

    again = Library(database_url, meaning=True)
    await again.start()
    try:
        assert again.live.index_source == "snapshot"
        assert again.index.meaning_known.all()  # saved with the snapshot once the first pass was done
        await again.embedder.settled()  # type: ignore[union-attr]
        assert again.embedder.embedded == 10  # type: ignore[union-attr]
        views = list(again.index.papers)
        codes, scales = expected(views)
        got = index_rows(again, [v.id for v in views])
        assert np.array_equal(got[0], codes) and np.array_equal(got[1], scales) and got[2].all()
        assert {m for m, _ in (await stored_rows(again)).values()} == {stored.fingerprint()}
    finally:
        await again.close()


@pytest.mark.parametrize("overlay", [False, True])
async def test_a_members_write_is_embedded_before_it_returns(database_url: str, overlay: bool) -> None:
    lib = Library(database_url, meaning=True)
    await lib.start()
    try:
        await lib.embedder.settled()  # type: ignore[union-attr]
        if overlay:
            lib.live.overlay_from = 0  # the seeds are fewer than OVERLAY_FROM: an overlay all the same
        ids = lib.index.papers.ids.tolist()
        pid, other = ids[10], ids[11]
        before_other = [a.copy() for a in index_rows(lib, [other])]

        async def retitle(s) -> int:  # type: ignore[no-untyped-def]
            await s.execute(update(Paper).where(Paper.id == pid).values(title="Graph networks for molecules"))
            return pid

        await lib.write(retitle, lambda p: {p})
        assert lib.live.index_source == ("overlay" if overlay else "rebuilt")
        view = lib.index.get(pid)
        assert view is not None and view.title == "Graph networks for molecules"
        codes, scales = expected([view])
        got = index_rows(lib, [pid])
        assert np.array_equal(got[0], codes) and np.array_equal(got[1], scales) and got[2].all()
        assert all(np.array_equal(a, b) for a, b in zip(index_rows(lib, [other]), before_other, strict=True))
        if overlay:  # the base's copy of the paper: hidden, so never a cosine candidate
            hidden = lib.index.base.papers.position(pid)
            assert (lib.index.meaning_known[hidden], lib.index.meaning.scales[hidden]) == (False, 0.0)
            assert len(lib.index.meaning) == len(lib.index.papers) == 95
        await lib.embedder.settled()  # type: ignore[union-attr]
        new_hash = stored.text_hash(paper_text(view.title, view.topics, view.summary))
        assert (await stored_rows(lib))[pid] == (stored.fingerprint(), new_hash)
    finally:
        await lib.close()


async def test_meaning_off_has_no_vectors_no_embedder_and_no_model(database_url: str) -> None:
    lib = Library(database_url)
    await lib.start()
    try:
        assert lib.embedder is None and lib.live.embedder is None
        assert getattr(lib.index, "meaning", None) is None
        async with lib.sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(PaperVector)) == 0
    finally:
        await lib.close()
    script = ("import asyncio, sys\nfrom store.library import Library\n"
              "async def main():\n    lib = Library('sqlite+aiosqlite:///:memory:')\n    await lib.start()\n"
              "    print(getattr(lib.index, 'meaning', None), len(lib.index), 'tokenizers' in sys.modules)\n"
              "    await lib.close()\nasyncio.run(main())\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["None", "94", "False"]


async def test_one_process_embeds_at_a_time(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    try:
        async with embedder.claim(first) as mine, embedder.claim(second) as theirs:
            assert (mine, theirs) == (True, False)
        async with embedder.claim(second) as theirs:
            assert theirs
    finally:
        await first.dispose()
        await second.dispose()


async def test_the_embedder_waits_while_this_process_ingests(database_url: str) -> None:
    lib = Library(database_url, meaning=True)
    await lib.prepare()
    try:
        assert lib.embedder is not None
        async with lib.embedder.held():
            await lib.ingest()
            await lib.live.refresh()  # wakes the embedder, which waits
            await asyncio.sleep(0.5)
            assert lib.embedder.embedded == 0
        await lib.embedder.settled()
        assert lib.embedder.embedded == 94 and lib.index.meaning_known.all()
    finally:
        await lib.close()
