"""Two Libraries on one database, as two bot processes have: what one commits, the other finds.

The change log (store.db.changes) and the follower (store.search.follow) on a real SQLite file and, with
PAPERBOT_TEST_POSTGRES, a real PostgreSQL server (LISTEN/NOTIFY, and a listener cut off by a proxy).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from store.db import changes
from store.db.models import CorpusChange
from store.library import BUNDLED_SEEDS, Library
from store.search.follow import follow
from store.summaries import contributions as C
from tests.conftest import POSTGRES_ADMIN_URL
from tests.tcpproxy import TcpProxy

WIDGETS = "Quasi-Random Widgets for Sparse Attention"
needs_postgres = pytest.mark.skipif(not POSTGRES_ADMIN_URL, reason="PostgreSQL only (PAPERBOT_TEST_POSTGRES)")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(BUNDLED_SEEDS, folder)
    return folder


@pytest.fixture
async def pair(database_url: str, corpus: Path, tmp_path: Path):
    """A: the process that ingested the corpus; B: another process, without the corpus folder at all."""
    a = Library(database_url, corpus)
    await a.start()
    b = Library(database_url, tmp_path / "no-corpus-here")
    await b.start(ingest_if_empty=False)
    yield a, b
    await b.close()
    await a.close()


def titles(lib: Library, query: str, limit: int = 3) -> list[str]:
    return [h.paper.title for h in lib.index.paper(query, limit).hits]


async def add(lib: Library, writer: int, paper: str, summary: str) -> C.Saved:
    draft = C.Draft(paper=paper, summary=summary)
    return await lib.write(lambda s: C.add(s, writer, f"writer {writer}", draft), lambda r: r.changed)


async def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


def arxiv_lines(n: int, prefix: str = "Bulk") -> str:
    return "".join(json.dumps({"id": f"2401.{i:05d}", "title": f"{prefix} Study Number {i} of Gated Recurrence",
                               "authors": "Ada Lovelace, Alan Turing", "abstract": "We study gates.",
                               "categories": "cs.LG"}) + "\n" for i in range(n))


async def log_rows(lib: Library) -> list[CorpusChange]:
    async with lib.sessionmaker() as s:
        return list((await s.scalars(select(CorpusChange).order_by(CorpusChange.id))).all())


async def test_each_change_is_logged_with_its_papers_and_its_process(pair) -> None:
    a, b = pair
    before = await log_rows(a)
    assert before and before[-1].origin == a.database.origin  # the seeds' ingest
    assert before[-1].papers is not None and len(before[-1].papers) == len(a.index)
    saved = await add(a, 1, WIDGETS, "Widgets sample attention quasi-randomly.")
    rows = await log_rows(a)
    assert len(rows) == len(before) + 1
    assert rows[-1].papers == sorted(saved.changed) and rows[-1].origin == a.database.origin
    assert rows[-1].id > before[-1].id
    async with a.sessionmaker() as s:
        assert await changes.latest(s) == rows[-1].id
    assert b.live.seen_change == before[-1].id  # B's index was read after the seeds' change


async def test_a_member_summary_written_through_one_is_taken_by_the_other(pair) -> None:
    a, b = pair
    assert WIDGETS not in titles(b, "quasi random widgets")
    saved = await add(a, 1, WIDGETS, "Widgets sample attention quasi-randomly.")
    assert saved.paper_created
    assert await b.live.catch_up() == "took 1 paper(s)"
    assert titles(b, "quasi random widgets")[0] == WIDGETS
    assert titles(a, "quasi random widgets")[0] == WIDGETS
    assert await b.live.catch_up() == "current"  # nothing new: nothing done
    # An edit made through B reaches A; B does not take its own change a second time.
    edited = C.Draft(paper=WIDGETS, summary="Widgets now also prune heads.")
    await b.write(lambda s: C.edit(s, saved.contribution.id, 1, False, edited), lambda r: r.changed)
    assert await b.live.catch_up() == "current"
    assert await a.live.catch_up() == "took 1 paper(s)"
    hit = a.index.paper("widgets prune heads", 1).hits[0]
    assert hit.paper.title == WIDGETS and "prune heads" in hit.paper.summaries[0].text


@pytest.mark.parametrize("overlay", [False, True], ids=["rebuilt", "overlay"])
async def test_a_reload_with_a_new_file_reaches_a_process_without_the_corpus_folder(pair, corpus: Path,
                                                                                   overlay: bool) -> None:
    a, b = pair
    if overlay:  # as on a large corpus: the change is laid over the index, not rebuilt into it
        b.live.overlay_from = 0
    (corpus / "week-12.md").write_text(
        "# Reading notes\n\n## Holographic Replay Buffers for Offline Agents\n"
        "Authors: Mira Okafor, Tomás Ruiz\n\nReplay buffers stored as interference patterns.\n", encoding="utf-8")
    report = await a.reload()
    assert report.added == 1
    assert await b.live.catch_up() == "took 1 paper(s)"
    assert titles(b, "holographic replay buffers")[0] == "Holographic Replay Buffers for Offline Agents"
    assert b.live.index_source == ("overlay" if overlay else "rebuilt")
    by_author = [h.paper.title for h in b.index.author("Mira Okafor", 3).hits]
    assert by_author == ["Holographic Replay Buffers for Offline Agents"]
    (corpus / "week-12.md").unlink()
    report = await a.reload()
    assert report.removed == 1
    assert await b.live.catch_up() == "took 1 paper(s)"
    assert "Holographic Replay Buffers for Offline Agents" not in titles(b, "holographic replay buffers")
    assert len(b.index) == len(a.index)


async def test_a_change_too_large_to_name_its_papers_makes_the_other_reload(pair, corpus: Path) -> None:
    a, b = pair
    (corpus / "bulk.jsonl").write_text(arxiv_lines(changes.MAX_PAPERS + 5), encoding="utf-8")
    report = await a.reload()
    assert report.added == changes.MAX_PAPERS + 5
    assert (await log_rows(a))[-1].papers is None
    assert await b.live.catch_up() == "reloaded"
    assert b.live.index_source in ("snapshot", "rebuilt")
    assert len(b.index) == len(a.index)
    assert titles(b, "study number 1004 gated recurrence", 1) == ["Bulk Study Number 1004 of Gated Recurrence"]


async def test_a_process_further_behind_than_the_log_reaches_reloads(pair, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    monkeypatch.setattr(changes, "KEEP", 2)  # the log keeps only the newest two changes
    for i in range(4):
        await add(a, 1, f"Pruned Log Paper Number {i} on Sparse Kernels", "About kernels.")
    rows = await log_rows(a)
    assert len(rows) == 2 and rows[0].id > b.live.seen_change + 1
    assert await b.live.catch_up() == "reloaded"
    assert titles(b, "pruned log paper number 0 sparse kernels", 1) == ["Pruned Log Paper Number 0 on Sparse Kernels"]
    assert await b.live.catch_up() == "current"


async def test_a_following_library_wakes_by_itself(pair) -> None:
    """SQLite: polled every 0.1 s here; PostgreSQL: NOTIFY (the liveness check is an hour away)."""
    a, b = pair
    task = asyncio.create_task(follow(b.live, poll_seconds=0.1, check_seconds=3600))
    try:
        await eventually(lambda: b.live.seen_change >= 1)  # the first look, at start
        await add(a, 1, WIDGETS, "Widgets sample attention quasi-randomly.")
        await eventually(lambda: bool(titles(b, "quasi random widgets")) and titles(b, "quasi random widgets")[0]
                         == WIDGETS)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@needs_postgres
async def test_a_listener_cut_off_when_the_notice_was_sent_catches_up_on_reconnecting(
        database_url: str, corpus: Path, tmp_path: Path) -> None:
    url = make_url(database_url)
    a = Library(database_url, corpus)
    await a.start()
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        b = Library(url.set(port=proxy.port).render_as_string(hide_password=False), tmp_path / "none")
        await b.start(ingest_if_empty=False)
        task = asyncio.create_task(follow(b.live, poll_seconds=3600, check_seconds=3600))
        try:
            async with a.sessionmaker() as s:
                listening = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'paperbot-follow'"
                for _ in range(400):
                    if (await s.execute(text(listening))).scalar():
                        break
                    await s.rollback()  # the statistics views are a snapshot per transaction
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError("B never listened")
            seen = b.live.seen_change
            await proxy.cut()  # B's listener and pool are cut off: the notice below never reaches B
            await add(a, 1, WIDGETS, "Widgets sample attention quasi-randomly.")
            await asyncio.sleep(1.0)
            assert b.live.seen_change == seen and WIDGETS not in titles(b, "quasi random widgets")
            await proxy.restore()  # B reconnects (its retry), looks at the log, takes the change
            await eventually(lambda: WIDGETS in titles(b, "quasi random widgets"), timeout=40)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await b.close()
    await a.close()


@needs_postgres
async def test_changes_are_recorded_in_commit_order(pair) -> None:
    """The second writer waits for the first to commit, so a reader never steps over an id still to come."""
    a, _b = pair
    first = a.sessionmaker()
    await first.begin()
    await changes.record(first, {1})
    second_done = asyncio.Event()

    async def second() -> int:
        async with a.sessionmaker() as s, s.begin():
            await changes.record(s, {2})
        second_done.set()
        async with a.sessionmaker() as s:
            return await changes.latest(s)

    other = asyncio.create_task(second())
    await asyncio.sleep(0.5)
    assert not second_done.is_set()  # blocked on the first transaction's lock
    await first.commit()
    await first.close()
    latest = await asyncio.wait_for(other, 20)
    rows = await log_rows(a)
    assert [r.papers for r in rows[-2:]] == [[1], [2]] and rows[-1].id == latest


HOLOGRAPHIC = ("# Reading notes\n\n## Holographic Replay Buffers for Offline Agents\n"
               "Authors: Mira Okafor, Tomás Ruiz\n\nReplay buffers stored as interference patterns.\n")


async def test_two_processes_reloading_the_same_folder_at_once_both_succeed(pair, database_url: str,
                                                                           corpus: Path) -> None:
    """Two admins press /reload on two processes that share the corpus folder: the second sync waits
    for the first to commit and then finds the file stored, instead of failing on the unique constraint."""
    a, _b = pair
    c = Library(database_url, corpus)  # a third process with the same folder
    await c.start(ingest_if_empty=False)
    try:
        before = len(a.index)
        (corpus / "week-12.md").write_text(HOLOGRAPHIC, encoding="utf-8")
        reports = await asyncio.gather(a.reload(), c.reload())
        assert sorted(r.added for r in reports) == [0, 1]
        assert sorted(f.status for r in reports for f in r.files if f.source == "week-12.md") == ["new", "unchanged"]
        assert {r.papers_total for r in reports} == {before + 1}
        await c.live.catch_up()
        await a.live.catch_up()
        assert len(a.index) == len(c.index) == before + 1
        assert titles(c, "holographic replay buffers")[0] == "Holographic Replay Buffers for Offline Agents"
    finally:
        await c.close()


async def test_a_reload_waits_for_a_summary_adding_the_same_paper_and_lands_on_its_paper(pair, corpus: Path) -> None:
    """A member's summary creates a paper; before it commits, a reload through another process adds a
    file naming the same paper. The reload waits its turn, then merges into the member's paper."""
    a, b = pair
    before = len(a.index)
    (corpus / "week-12.md").write_text(HOLOGRAPHIC, encoding="utf-8")
    draft = C.Draft(paper="Holographic Replay Buffers for Offline Agents", summary="Interference as memory.")
    async with b.sessionmaker() as s:
        await s.begin()
        saved = await C.add(s, 7, "writer 7", draft)
        assert saved.paper_created
        reload = asyncio.create_task(a.reload())
        await asyncio.sleep(0.5)
        assert not reload.done()  # waiting for the member's transaction
        await s.commit()
    report = await asyncio.wait_for(reload, 60)
    assert report.papers_total == before + 1  # the file's entry joined the member's paper
    await b.live.catch_up()
    [hit] = [h for h in b.index.paper("holographic replay buffers", 3).hits
             if h.paper.title == "Holographic Replay Buffers for Offline Agents"]
    assert hit.paper.id == saved.contribution.paper_id and len(hit.paper.summaries) == 2
    assert len(b.index) == len(a.index) == before + 1
