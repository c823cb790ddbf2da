"""A large import writes the index of authorships by person at its end (store.corpus.bulk.defer_people_index):
absent while the import writes, there again when it commits, the same rows either way. A small import into a
larger database keeps it; a failed import rolls the drop back; the prune of people no paper names (which looks
authorships up by person) runs with the index made again. SQLite only: each test makes its own SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.corpus import generate
from store.corpus import bulk, sync
from store.corpus.sync import sync_files
from store.ingest.records import PaperRecord, Parsed, ParsedFile
from store.library import Library

INDEX = "ix_authorships_person_id"
_INDEXES = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'authorships'"


def committed(path: Path, query: str) -> list[tuple]:  # type: ignore[type-arg]
    """What another connection reads: the committed database."""
    with sqlite3.connect(path) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def index_seen(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each file the sync writes, whether the index was there as it began, asked on the import's own
    connection (inside its transaction)."""
    seen: list[bool] = []
    real = sync._sync_file

    async def spy(session, file, *args, **kwargs):  # type: ignore[no-untyped-def]
        conn = await session.connection()
        seen.append(INDEX in (await conn.exec_driver_sql(_INDEXES)).scalars().all())
        return await real(session, file, *args, **kwargs)

    monkeypatch.setattr(sync, "_sync_file", spy)
    return seen


async def ingested(path: Path, corpus: Path) -> list[tuple]:  # type: ignore[type-arg]
    lib = Library(f"sqlite+aiosqlite:///{path}", corpus)
    try:
        await lib.start(ingest_if_empty=False)
        await lib.ingest([corpus])
    finally:
        await lib.close()
    return committed(path, "SELECT p.key, a.position, a.name, people.key FROM authorships a JOIN papers p ON "
                           "p.id = a.paper_id JOIN people ON people.id = a.person_id ORDER BY 1, 2")


async def test_a_large_import_writes_the_index_at_its_end_and_stores_the_same_rows(
        tmp_path: Path, index_seen: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    generate(900, corpus, per_file=300)
    monkeypatch.setattr(bulk, "LARGE_FROM", 1 << 62)
    kept = await ingested(tmp_path / "kept.sqlite3", corpus)
    assert index_seen == [True, True, True]
    index_seen.clear()

    monkeypatch.setattr(bulk, "LARGE_FROM", 1)
    deferred_db = tmp_path / "deferred.sqlite3"
    assert await ingested(deferred_db, corpus) == kept and len(kept) > 900
    assert index_seen == [False, False, False]  # dropped before the first file, for the whole import
    assert committed(deferred_db, _INDEXES) == [(INDEX,)]
    assert committed(deferred_db, "PRAGMA integrity_check") == [("ok",)]
    plan = committed(deferred_db, "EXPLAIN QUERY PLAN SELECT paper_id FROM authorships WHERE person_id = 1")
    assert any(INDEX in row[-1] for row in plan), plan


async def test_a_small_import_into_a_larger_database_keeps_the_index(
        tmp_path: Path, index_seen: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    generate(900, corpus, per_file=300)
    monkeypatch.setattr(bulk, "LARGE_FROM", 1)
    path = tmp_path / "paperbot.sqlite3"
    await ingested(path, corpus)
    index_seen.clear()
    (corpus / "new.md").write_text("---\ntitle: A Small Addition to a Large Corpus\nauthors: Grace Hopper\n---\n"
                                   "One more paper, read by a reload.\n", encoding="utf-8")
    await ingested(path, corpus)
    assert index_seen == [True]  # the one file read (the others unchanged): less than the database, kept
    assert committed(path, _INDEXES) == [(INDEX,)]


def _record(title: str, author: str, source: str) -> PaperRecord:
    return PaperRecord(title=title, authors=[author], summary=f"A summary of {title}.", source=source, line=1)


async def _files(*files: tuple[str, PaperRecord], fail_after: int | None = None) -> AsyncIterator[ParsedFile]:
    for i, (sha, rec) in enumerate(files):
        if i == fail_after:
            raise RuntimeError("the import fails here")
        yield ParsedFile(name=rec.source, root="/notes", sha256=sha * 64, parsed=Parsed([rec]), failed=False)


async def test_a_failed_import_rolls_the_drop_back(tmp_path: Path, index_seen: list[bool]) -> None:
    path = tmp_path / "paperbot.sqlite3"
    lib = Library(f"sqlite+aiosqlite:///{path}")
    await lib.start(ingest_if_empty=False)
    try:
        async with lib.sessionmaker() as s:
            with pytest.raises(RuntimeError):
                async with s.begin():
                    await sync_files(s, _files(("a", _record("Deferred Indexes Considered", "Ada Lovelace", "a.md")),
                                               ("b", _record("Rolled Back Drops", "Alan Turing", "b.md")),
                                               fail_after=1), ["/notes"], parsed_bytes=1 << 40)
    finally:
        await lib.close()
    assert index_seen == [False]  # the drop was made, and the first file written without the index
    assert committed(path, _INDEXES) == [(INDEX,)]
    assert committed(path, "SELECT count(*) FROM papers") == [(0,)]


async def test_the_prune_of_people_runs_with_the_index_made_again(tmp_path: Path, index_seen: list[bool]) -> None:
    path = tmp_path / "paperbot.sqlite3"
    lib = Library(f"sqlite+aiosqlite:///{path}")
    await lib.start(ingest_if_empty=False)
    first = (("a", _record("Deferred Indexes Considered", "Ada Lovelace", "a.md")),
             ("b", _record("A Paper Whose File Goes", "Zed Quinlan", "b.md")))
    try:
        async with lib.sessionmaker() as s, s.begin():
            await sync_files(s, _files(*first), ["/notes"])
        assert index_seen == [True, True]  # no size given: nothing deferred
        index_seen.clear()
        async with lib.sessionmaker() as s, s.begin():  # b.md is gone: its paper, and Zed Quinlan with it
            await sync_files(s, _files(("c", _record("Deferred Indexes Reconsidered", "Ada Lovelace", "a.md"))),
                             ["/notes"], parsed_bytes=1 << 40)
    finally:
        await lib.close()
    assert index_seen == [False]
    assert committed(path, "SELECT name FROM people ORDER BY name") == [("Ada Lovelace",)]
    assert committed(path, "SELECT title FROM papers") == [("Deferred Indexes Reconsidered",)]
    assert committed(path, _INDEXES) == [(INDEX,)]


async def test_the_index_is_sorted_with_a_small_page_cache_and_the_imports_put_back(tmp_path: Path) -> None:
    """SQLite's sorter sorts as much at once as the page cache holds: the index is made with the cache at
    `SORT_CACHE_KIB` (sorted a few MB at a time, then merged), and the import's own cache is put back after."""
    path = tmp_path / "paperbot.sqlite3"
    lib = Library(f"sqlite+aiosqlite:///{path}")
    await lib.start(ingest_if_empty=False)
    try:
        async with lib.sessionmaker() as s, s.begin():
            conn = await s.connection()
            await conn.exec_driver_sql("PRAGMA cache_size=-65536")  # an import's cache (bulk.import_cache)
            index = await bulk.defer_people_index(s)
            seen: list[str] = []
            raw = (await conn.get_raw_connection()).driver_connection._conn  # type: ignore[union-attr]
            raw.set_trace_callback(seen.append)  # every statement the connection runs, in order
            await bulk.make_again(s, index)
            raw.set_trace_callback(None)
            assert (await conn.exec_driver_sql("PRAGMA cache_size")).scalar() == -65536
        made = next(i for i, sql in enumerate(seen) if sql.startswith("CREATE INDEX"))
        sizes = [sql for sql in seen if sql.startswith("PRAGMA cache_size=")]
        assert sizes == [f"PRAGMA cache_size=-{bulk.SORT_CACHE_KIB}", "PRAGMA cache_size=-65536"]
        assert seen.index(sizes[0]) < made < seen.index(sizes[1])
    finally:
        await lib.close()
    assert committed(path, _INDEXES) == [(INDEX,)]
