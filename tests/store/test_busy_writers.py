"""Writers wait their turn without losing words, on a real SQLite file and on PostgreSQL.

A member's summary or vote meets a database another writer holds: another process's transaction on the
SQLite file (a CLI ingest), or this process's write lock (a reload). It waits, the member is told once
that it is queued, and it is stored when the other writer is done. A second ingest is refused at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from store.db import database as db
from store.db import engine
from store.db.claims import IngestRunning, ingest_claim
from store.db.database import Database, patiently
from store.library import Library
from store.readinggroup.service import ReadingGroupService
from store.summaries import contributions as C
from store.summaries.service import SummariesService
from tests.corpora import note, reading_group_corpus

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GUILD, ALICE, BOB = 111, 1001, 1002
GAN = "Generative Adversarial Nets"


@pytest.fixture
async def lib(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # One attempt gives up after 0.2 s and the member is told after 0.3 s: what is tested is that the write
    # is tried again until it is stored, not SQLite's own wait.
    monkeypatch.setattr(engine, "BUSY_TIMEOUT", 0.2)
    monkeypatch.setattr(db, "NOTICE_AFTER", 0.3)
    library = Library(database_url, reading_group_corpus(tmp_path))
    await library.start()
    yield library
    await library.close()


def sqlite_only(url: str) -> Path:
    if make_url(url).get_backend_name() != "sqlite":
        pytest.skip("another connection holding the only write lock is SQLite's")
    return Path(str(make_url(url).database))


def other_process_writing(path: Path) -> sqlite3.Connection:
    """A connection of its own in the middle of a write transaction, as a CLI ingest holds the file."""
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('held_by_test', 'yes')")
    return holder


def told() -> tuple[asyncio.Event, object]:
    event = asyncio.Event()

    async def queued() -> None:
        event.set()
    return event, queued


async def test_a_summary_waits_for_another_process_and_is_saved(lib: Library, database_url: str) -> None:
    holder = other_process_writing(sqlite_only(database_url))
    summaries = SummariesService(lib, lambda: NOW)
    queued, tell = told()
    words = C.Draft(paper=GAN, tldr="Two nets play a game.", summary="Words a member must not lose.")
    saving = asyncio.create_task(summaries.add(ALICE, "Alice", words, tell))  # type: ignore[arg-type]
    await queued.wait()  # told it is queued: by now several attempts met "database is locked"
    assert not saving.done()
    holder.execute("COMMIT")
    holder.close()
    saved = await saving
    mine = await summaries.mine(ALICE)
    assert [(c.id, c.body) for c in mine] == [(saved.contribution.id, "Words a member must not lose.")]
    assert [h.paper.title for h in (await lib.search.paper("member must not lose", 3)).hits][:1] == [GAN]


async def test_a_vote_waits_for_another_process_and_counts(lib: Library, database_url: str) -> None:
    path = sqlite_only(database_url)
    group = ReadingGroupService(lib, lambda: NOW, "test")
    proposal = (await group.propose(GUILD, ALICE, GAN)).proposal
    holder = other_process_writing(path)
    queued, tell = told()
    voting = asyncio.create_task(patiently(lambda: group.vote(GUILD, proposal.id, BOB, 1),
                                           on_wait=tell))  # type: ignore[arg-type]
    await queued.wait()
    assert not voting.done()
    holder.execute("ROLLBACK")
    holder.close()
    voted = await voting
    assert voted.mine == 1 and voted.proposal is not None and voted.proposal.score == 1


async def test_other_errors_are_not_retried(lib: Library) -> None:
    attempts = []

    async def broken() -> None:
        attempts.append(1)
        raise ValueError("not a lock")
    with pytest.raises(ValueError):
        await patiently(broken)
    assert attempts == [1]


async def test_a_summary_queues_behind_this_processs_ingest(lib: Library, tmp_path: Path) -> None:
    """A reload holds the process's write lock while it ingests 300 notes; the member's write waits in the
    application, not in the database, and both are stored."""
    folder = tmp_path / "bulk"
    folder.mkdir()
    for i in range(300):
        (folder / f"n{i:03d}.md").write_text(note(f"Bulk study {i} of pangolin pruning", "Ada Lovelace",
                                                  f"https://arxiv.org/abs/2102.{i:05d}", "Bulk."), encoding="utf-8")
    summaries = SummariesService(lib, lambda: NOW)
    queued, tell = told()
    async with lib.database.write_lock:  # the ingest's turn came first: taken here so the order is known
        ingest = asyncio.create_task(lib.ingest([folder]))
        words = C.Draft(paper=GAN, summary="Queued behind a reload, then saved.")
        saving = asyncio.create_task(summaries.add(ALICE, "Alice", words, tell))  # type: ignore[arg-type]
        await queued.wait()
    report, saved = await ingest, await saving
    assert sum(f.status == "new" for f in report.files) == 300
    assert [c.id for c in await summaries.mine(ALICE)] == [saved.contribution.id]


async def test_a_second_ingest_is_refused_at_once_or_waits_its_turn(lib: Library, database_url: str) -> None:
    """`paperbot ingest` is refused while another ingest runs; a `/reload` waits for it, then runs."""
    other = Database(database_url)  # another process's view of the same database
    try:
        async with ingest_claim(other.engine, other.url):
            with pytest.raises(IngestRunning, match="another ingest is running"):
                await lib.corpus.ingest(wait=False)
            reload = asyncio.create_task(lib.reload())
            await asyncio.sleep(0)
            assert not reload.done()
        report = await reload  # the first is done: the claim is taken in turn
        assert report.papers_total > 0
        assert (await lib.corpus.ingest(wait=False)).papers_total == report.papers_total  # free again
    finally:
        await other.dispose()


async def test_a_posted_reminder_is_recorded_after_another_process_lets_go(lib: Library, database_url: str,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    """Recorded unrecorded, a reminder's claim would lapse and the reminder be posted again: the record waits
    for the other writer instead of failing after the busy timeout."""
    path = sqlite_only(database_url)
    group = ReadingGroupService(lib, lambda: NOW, "test")
    start = NOW.replace(day=3, hour=18)
    scheduled = await group.schedule_meeting(GUILD, ALICE, start, presenter_id=BOB, paper=GAN, critic_id=None,
                                             minutes=60, channel_id=4242)
    meeting = scheduled.meeting  # type: ignore[union-attr]
    claim = await group.claim_reminder(meeting, 1440)
    assert claim is not None
    holder = other_process_writing(path)
    caplog.set_level("INFO", logger="store.db.database")
    recording = asyncio.create_task(group.record_reminder(claim, 777))
    async with asyncio.timeout(10):  # an attempt met the lock: logged, and tried again
        while not any("database busy" in r.getMessage() for r in caplog.records):
            await asyncio.sleep(0.02)
    assert not recording.done()
    holder.execute("COMMIT")
    holder.close()
    await recording
    assert await group.claim_reminder(meeting, 1440) is None  # recorded as posted: never claimed again
