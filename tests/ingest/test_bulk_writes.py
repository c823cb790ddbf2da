"""A bulk import's rows go straight to the driver on SQLite (store.corpus.bulk): they are written exactly as
SQLAlchemy's own insert writes them, NULs dropped as the engine drops them from every write, a constraint
broken raised as SQLAlchemy raises it, and new people and topics get the ids the database gives them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Table, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import Pool

from store.corpus.bulk import ROWS_PER_STATEMENT, _nul_free, insert_columns, insert_rows
from store.corpus.derive import numbered_on, upsert_named
from store.corpus.entries import ENTRY_COLUMNS, PAPER_COLUMNS
from store.corpus.papers import insert_papers
from store.db.engine import _without_nul
from store.db.migrate import upgrade
from store.db.models import Document, Entry, Paper, Person, Topic
from store.library import Library
from tests.ingest.bulk import ingest, paper, stored, write

TEXT = st.text(alphabet=st.sampled_from(["a", "\x00", "\\", "x", "0", "é"]), max_size=6)
COLUMN = st.lists(TEXT | st.integers() | st.none() | st.binary(max_size=3) | st.booleans()
                  | st.lists(TEXT, max_size=2), min_size=1, max_size=6)


@given(COLUMN)
def test_a_column_loses_its_nuls_as_the_engine_drops_them(values: list[Any]) -> None:
    assert list(_nul_free(values)) == [_without_nul(v) for v in values]


def _paper(key: str, title: str, now: datetime, arxiv: str | None = None) -> tuple[Any, ...]:
    return (key, title, "Ven\x00ue", 2020, None, False, arxiv, None, None, now)


async def test_rows_are_written_as_sqlalchemys_insert_writes_them(database_url: str) -> None:
    library = Library(database_url)
    try:
        await upgrade(library.database.engine)
        now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        async with library.sessionmaker() as s, s.begin():
            await insert_rows(s, Paper.__table__, PAPER_COLUMNS,
                              [_paper("a", "Sparse\x00 Attention", now, "2401.00001"), _paper("b", "Dense", now)])
            await s.execute(insert(Paper.__table__), [dict(zip(PAPER_COLUMNS, row, strict=True)) for row in
                                                      (_paper("c", "Sparse\x00 Attention", now, "2401.00002"),
                                                       _paper("d", "Dense", now))])
        async with library.sessionmaker() as s:
            rows = (await s.execute(select(Paper.key, Paper.title, Paper.venue, Paper.year, Paper.arxiv_id,
                                           Paper.authors_incomplete, Paper.added_at).order_by(Paper.key))).all()
        fast, plain = rows[:2], rows[2:]
        assert [r[1:3] for r in fast] == [r[1:3] for r in plain] == [("Sparse Attention", "Venue"), ("Dense", "Venue")]
        assert [r[3:4] + r[5:] for r in fast] == [r[3:4] + r[5:] for r in plain]
    finally:
        await library.close()


async def test_columns_with_json_given_as_text_are_written_as_sqlalchemys_insert_writes_them(
        database_url: str) -> None:
    """`insert_columns` (a list per column; authors and topics given as the JSON text the parsing process made)
    stores what SQLAlchemy's insert of the same values stores, on each backend: JSON not encoded twice."""
    library = Library(database_url)
    try:
        await upgrade(library.database.engine)
        now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        authors, topics = ["Kurt Gödel", 'A "quoted" name'], ["Machine Learning"]
        async with library.sessionmaker() as s, s.begin():
            (pid,) = await insert_papers(s, [[v] for v in _paper("k", "Sparse Attention", now)])
            doc, other = (Document(name=name, root="corpus:", sha256="0", ingested_at=now) for name in ("f", "g"))
            s.add_all([doc, other])
            await s.flush()
            values = (doc.id, pid, 3, "Sparse Attention", authors, "Ven\x00ue", 2020, topics, None, "summary", "k",
                      None, False, "2401.00001", None, None, True)
            given = [json.dumps(v) if name in ("authors", "topics") else v for name, v in
                     zip(ENTRY_COLUMNS, values, strict=True)]
            await insert_columns(s, Entry.__table__, ENTRY_COLUMNS, [[v] for v in given],
                                 stored=frozenset({"authors", "topics"}))
            await s.execute(insert(Entry.__table__), [{**dict(zip(ENTRY_COLUMNS, values, strict=True)),
                                                       "document_id": other.id, "line": 4}])
        async with library.sessionmaker() as s:
            rows = (await s.execute(select(Entry.authors, Entry.topics, Entry.venue, Entry.arxiv_id, Entry.line)
                                    .order_by(Entry.line))).all()
        assert [tuple(r[:4]) for r in rows] == [(authors, topics, "Venue", "2401.00001")] * 2
        assert [r[4] for r in rows] == [3, 4]
    finally:
        await library.close()


async def _as_rows(s: AsyncSession, table: Table, names: tuple[str, ...], columns: list[list[Any]]) -> None:
    await insert_rows(s, table, names, list(zip(*columns, strict=True)))


WRITERS = pytest.mark.parametrize("writer", [insert_columns, _as_rows], ids=["columns", "rows"])


@WRITERS
@pytest.mark.parametrize("count", [1, ROWS_PER_STATEMENT - 1, ROWS_PER_STATEMENT, ROWS_PER_STATEMENT + 1,
                                   3 * ROWS_PER_STATEMENT + 37])
async def test_narrow_rows_are_each_written_once_in_the_order_given(database_url: str, count: int, writer: Any
                                                                    ) -> None:
    """Rows of a few columns go many to a statement on SQLite (`ROWS_PER_STATEMENT`, the rest one by one),
    given as columns (a bulk import's) or as rows (an import re-deriving papers, store.corpus.derive): every
    row is written once, in the order given (the ids the database gives follow it), its NULs dropped, whatever
    the count's remainder."""
    keys = [f"person {(i * 7919) % count:05d}" for i in range(count)]  # in no sorted order
    names = [f"Ada\x00 Lovelace {i}" for i in range(count)]
    library = Library(database_url)
    try:
        await upgrade(library.database.engine)
        async with library.sessionmaker() as s, s.begin():
            await writer(s, Person.__table__, ("key", "name"), [keys, names])
        async with library.sessionmaker() as s:
            rows = (await s.execute(select(Person.id, Person.key, Person.name).order_by(Person.id))).all()
        assert [(key, name) for _, key, name in rows] == [(k, n.replace("\x00", "")) for k, n in
                                                          zip(keys, names, strict=True)]
        assert [i for i, _, _ in rows] == list(range(rows[0][0], rows[0][0] + count))
    finally:
        await library.close()


@WRITERS
async def test_a_broken_constraint_among_many_rows_to_a_statement_keeps_nothing(database_url: str, writer: Any
                                                                               ) -> None:
    keys = [f"person {i}" for i in range(2 * ROWS_PER_STATEMENT + 5)]
    keys[ROWS_PER_STATEMENT + 3] = keys[1]  # inside the second statement
    library = Library(database_url)
    try:
        await upgrade(library.database.engine)
        with pytest.raises(IntegrityError):
            async with library.sessionmaker() as s, s.begin():
                await writer(s, Person.__table__, ("key", "name"), [keys, keys])
        async with library.sessionmaker() as s:
            assert (await s.execute(select(Person.key))).all() == []
    finally:
        await library.close()


async def test_a_broken_constraint_is_raised_as_sqlalchemy_raises_it(database_url: str) -> None:
    library = Library(database_url)
    try:
        await upgrade(library.database.engine)
        now = datetime.now(UTC)
        with pytest.raises(IntegrityError):
            async with library.sessionmaker() as s, s.begin():
                await insert_rows(s, Paper.__table__, PAPER_COLUMNS, [_paper("a", "A", now), _paper("a", "B", now)])
        async with library.sessionmaker() as s:
            assert (await s.execute(select(Paper.key))).all() == []
    finally:
        await library.close()


@pytest.mark.parametrize("model", [Person, Topic])
async def test_new_names_get_the_ids_the_database_gave_them(database_url: str, model: type[Person] | type[Topic]
                                                            ) -> None:
    field = "name" if model is Person else "label"
    library = Library(database_url)
    try:
        await upgrade(library.database.engine)
        async with library.sessionmaker() as s, s.begin():
            first = await upsert_named(s, model, field, {"lovelace": ["Ada Lovelace"], "turing": ["A. Turing"]})
            second = await upsert_named(s, model, field, {"turing": ["Alan M. Turing"], "hopper": ["Grace Hopper"],
                                                          "liskov": ["Barbara Liskov"]})
        async with library.sessionmaker() as s:
            held = {k: (i, shown) for k, i, shown in (await s.execute(
                select(model.key, model.id, getattr(model, field)))).all()}
        assert {k: i for k, (i, _) in held.items()} == first | second
        assert second["turing"] == first["turing"] and held["turing"][1] == "Alan M. Turing"
        assert len(set(held.values())) == 4
    finally:
        await library.close()


async def test_many_new_names_get_the_ids_the_database_gave_them(database_url: str) -> None:
    """More new people than go to one statement (`ROWS_PER_STATEMENT`), and not a multiple of it."""
    forms = {f"person {(i * 7919) % 457:03d}": [f"Person {i}"] for i in range(2 * ROWS_PER_STATEMENT + 57)}
    library = Library(database_url)
    try:
        await upgrade(library.database.engine)
        async with library.sessionmaker() as s, s.begin():
            await upsert_named(s, Person, "name", {"lovelace": ["Ada Lovelace"]})
            ids = await upsert_named(s, Person, "name", forms)
        async with library.sessionmaker() as s:
            rows = (await s.execute(select(Person.key, Person.id, Person.name))).all()
        held = {k: (i, shown) for k, i, shown in rows}
        assert {k: held[k] for k in forms} == {k: (ids[k], v[0]) for k, v in forms.items()}
        assert len(held) == len(forms) + 1
    finally:
        await library.close()


async def test_the_engines_listeners_still_see_each_bulk_statement(database_url: str) -> None:
    """A stopping command refuses every statement from a `before_cursor_execute` listener (bot.interrupts):
    a bulk write is refused too, and nothing of it is kept."""
    library = Library(database_url)

    class Refused(Exception):
        pass

    def refuse(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO papers"):
            raise Refused

    try:
        await upgrade(library.database.engine)
        event.listen(library.database.engine.sync_engine, "before_cursor_execute", refuse)
        with pytest.raises(Refused):
            async with library.sessionmaker() as s, s.begin():
                await insert_rows(s, Paper.__table__, PAPER_COLUMNS, [_paper("a", "A", datetime.now(UTC))])
        event.remove(library.database.engine.sync_engine, "before_cursor_execute", refuse)
        async with library.sessionmaker() as s:
            assert (await s.execute(select(Paper.key))).all() == []
    finally:
        await library.close()


async def test_rows_numbered_on_are_told_apart_from_rows_numbered_otherwise(database_url: str) -> None:
    """`numbered_on`: whether rows just written hold the ids after the largest before them, in order. Yes for
    one executemany after `top`; no when the first or the last key holds another id, when one is missing, or
    when more rows came after `top` than were written."""
    library = Library(database_url)
    now = datetime.now(UTC)
    try:
        await upgrade(library.database.engine)
        async with library.sessionmaker() as s, s.begin():
            first = await insert_papers(s, [list(c) for c in zip(*[_paper(k, k.upper(), now) for k in ("a", "b")],
                                                                 strict=True)])
            assert len(first) == 2
            base = max(first)
            await insert_rows(s, Paper.__table__, PAPER_COLUMNS, [_paper(k, k.upper(), now) for k in ("c", "d", "e")])
            assert await numbered_on(s, Paper, ["c", "d", "e"], base)
            assert not await numbered_on(s, Paper, ["c", "d"], base)  # three came after base, not two
            assert not await numbered_on(s, Paper, ["d", "c", "e"], base)  # the first is not base + 1
            assert not await numbered_on(s, Paper, ["c", "e", "d"], base)  # the last is not base + 3
            assert not await numbered_on(s, Paper, ["c", "d", "f"], base)  # no paper "f"
            assert not await numbered_on(s, Paper, ["c", "d", "e"], base - 1)
            assert await numbered_on(s, Paper, ["d", "e"], base + 1)
    finally:
        await library.close()


async def test_papers_derived_again_write_their_authorships_many_to_a_statement(tmp_path: Path) -> None:
    """An import that changes papers the database holds derives them again (store.corpus.derive) and writes
    their authorships and topic labels as a new paper's are written: many to a statement on SQLite."""
    n = ROWS_PER_STATEMENT + 50
    corpus = tmp_path / "corpus"
    url = f"sqlite+aiosqlite:///{tmp_path / 'paperbot.sqlite3'}"
    write(corpus / "a.jsonl", *(paper(f"Paper {i}", f"2401.{i:05d}", authors="Ada Lovelace and Alan Turing")
                                for i in range(n)))
    await ingest(url, corpus)
    authors = ["Grace Hopper", "Alan Turing", "Barbara Liskov"]
    write(corpus / "a.jsonl", *(paper(f"Paper {i}", f"2401.{i:05d}", authors=", ".join(authors))
                                for i in range(n)))
    seen: list[str] = []

    def traced(dbapi_connection: Any, _record: Any) -> None:  # every statement run, in order
        dbapi_connection.driver_connection._conn.set_trace_callback(seen.append)

    # Every pool's: the import writes through an engine of its own, on a thread of its own (Database.off_the_loop).
    event.listen(Pool, "connect", traced)
    try:
        report = await ingest(url, corpus)
    finally:
        event.remove(Pool, "connect", traced)
    assert [(f.updated, f.added) for f in report.files] == [(n, 0)]
    written = [sql for sql in seen if sql.startswith("INSERT INTO authorships")]
    assert len(written) == 3 * n // ROWS_PER_STATEMENT + 3 * n % ROWS_PER_STATEMENT
    assert sum(sql.count("),") + 1 for sql in written) == 3 * n
    labels = [sql for sql in seen if sql.startswith("INSERT INTO paper_topics")]
    assert len(labels) == n // ROWS_PER_STATEMENT + n % ROWS_PER_STATEMENT
    held = (await stored(url))["authorships"]
    assert held == sorted((f"Paper {i}", pos, name) for i in range(n) for pos, name in enumerate(authors))
