"""A full build's read of the database (store/search/views.py `read_catalog`): on SQLite it reads columns
from the driver; the catalog must be the one the per-paper views make, every field and every order alike,
whatever the batch, with ties the sorts must break as Python's do, and times SQLite holds in another form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import event, text

from store.library import BUNDLED_SEEDS, Library
from store.search.catalog import Catalog
from store.search.views import read_catalog, read_views

ODD = [
    # A paper with no venue, year or link, its authors incomplete, an accented title and a time without microseconds.
    "UPDATE papers SET venue = NULL, year = NULL, link = NULL, authors_incomplete = 1, title = 'Aäron’s Ünïcode', "
    "added_at = '2020-01-02 03:04:05' WHERE id = (SELECT min(id) FROM papers)",
    # Two authors at one position (then ordered by name), and a name as its source wrote it, empty (the person's).
    "UPDATE authorships SET position = 0 WHERE paper_id = (SELECT max(paper_id) FROM authorships)",
    "UPDATE authorships SET name = '' WHERE paper_id = (SELECT min(paper_id) FROM authorships)",
    "UPDATE authorships SET name = 'Zoë Ångström' WHERE paper_id = (SELECT max(paper_id) FROM authorships) "
    "AND person_id = (SELECT max(person_id) FROM authorships WHERE paper_id = (SELECT max(paper_id) FROM authorships))",
    # A paper's authors stored in the reverse of their order (rows a bulk import leaves in order need no sort).
    "UPDATE authorships SET position = 50 - position WHERE paper_id = (SELECT paper_id FROM authorships "
    "GROUP BY paper_id HAVING count(*) > 2 ORDER BY paper_id LIMIT 1 OFFSET 3)",
    # Entries of two documents of one name (in two folders) at one line: the database's order breaks the tie.
    "INSERT INTO documents (name, root, sha256, ingested_at) SELECT name, root || '/other', sha256, ingested_at "
    "FROM documents WHERE id = (SELECT min(id) FROM documents)",
    "INSERT INTO entries (document_id, paper_id, line, title, authors, topics, summary, writer) "
    "SELECT (SELECT max(id) FROM documents), paper_id, line, title, authors, topics, 'Another account.', 'Éve' "
    "FROM entries WHERE document_id = (SELECT min(id) FROM documents)",
    "UPDATE entries SET writer = 'Zed' WHERE id = (SELECT min(id) FROM entries)",
    # Topic labels that sort by code point: "Zeta" before "ágrafa".
    "UPDATE topics SET label = 'ágrafa' WHERE id = (SELECT min(id) FROM topics)",
    "UPDATE topics SET label = 'Zeta' WHERE id = (SELECT max(id) FROM topics)",
]


@pytest.fixture
async def library(tmp_path: Path) -> Library:
    lib = Library(f"sqlite+aiosqlite:///{tmp_path}/papers.sqlite3", tmp_path / "corpus")
    await lib.prepare()
    await lib.ingest([BUNDLED_SEEDS])
    columns = set()
    async with lib.sessionmaker() as s, s.begin():
        columns = {row[1] for row in await s.execute(text("PRAGMA table_info(documents)"))}
        for statement in ODD:
            if "documents" in statement and not {"name", "root", "sha256", "ingested_at"} <= columns:
                pytest.skip(f"documents has {sorted(columns)}")
            await s.execute(text(statement))
    yield lib
    await lib.close()


def _columns(catalog: Catalog) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in catalog.__getstate__().items():
        out[k] = (bytes(np.asarray(v.data)), v.ends.tolist()) if hasattr(v, "ends") else np.asarray(v).tolist()
    return out


@pytest.mark.parametrize("batch", [1, 2, 7, 5_000])
async def test_the_columns_read_are_the_views_catalog(library: Library, batch: int) -> None:
    async with library.sessionmaker() as s, s.begin():
        views = await read_views(s)
        read = await read_catalog(s, batch=batch, spill=batch % 2 == 1)
    expected = Catalog.of(views)
    assert list(read) == views
    assert _columns(read) == _columns(expected)
    odd = views[0]
    assert (odd.venue, odd.year, odd.link, odd.authors_incomplete) == (None, None, None, True)
    assert any(len({s.source for s in p.summaries}) < len(p.summaries) for p in views)  # the tie is there


async def test_a_time_in_another_form_is_read_as_the_column_type_reads_it(library: Library) -> None:
    async with library.sessionmaker() as s, s.begin():
        await s.execute(text("UPDATE papers SET added_at = '2021-03-04 05:06:07.000008' WHERE id = "
                             "(SELECT max(id) FROM papers)"))
        views = await read_views(s)
        read = await read_catalog(s)
    assert list(read) == views and str(views[-1].added_at) == "2021-03-04 05:06:07.000008"
    assert views[0].added_at.microsecond == 0


async def test_rows_of_no_paper_are_left_out_as_the_views_leave_them(tmp_path: Path) -> None:
    lib = Library(f"sqlite+aiosqlite:///{tmp_path}/papers.sqlite3", tmp_path / "corpus")
    await lib.prepare()
    await lib.ingest([BUNDLED_SEEDS])
    try:
        async with lib.sessionmaker() as s:
            await s.execute(text("PRAGMA foreign_keys = OFF"))  # outside a transaction: it takes effect
            await s.execute(text("DELETE FROM papers WHERE id = (SELECT id FROM papers ORDER BY id LIMIT 1 OFFSET 5)"))
            await s.commit()
            orphans = (await s.execute(text("SELECT count(*) FROM authorships WHERE paper_id NOT IN "
                                            "(SELECT id FROM papers)"))).scalar_one()
            assert orphans > 0
            views = await read_views(s)
            read = await read_catalog(s, batch=3)
        assert list(read) == views and _columns(read) == _columns(Catalog.of(views))
    finally:
        await lib.close()


async def test_a_stopping_command_refuses_the_read_as_it_refuses_any_statement(library: Library) -> None:
    """The read runs on the driver's connection, but the engine's `before_cursor_execute` listeners still see
    each of its statements (bot.interrupts refuses every statement of a command that is stopping)."""
    seen: list[str] = []

    class Refused(Exception):
        pass

    def refuse(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement.split()[1])
        if "FROM paper_topics" in statement:
            raise Refused

    engine = library.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        with pytest.raises(Refused):
            async with library.sessionmaker() as s, s.begin():
                await read_catalog(s, batch=10)
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert seen[:4] == ["id,", "entries.paper_id,", "authorships.paper_id,", "paper_topics.paper_id,"]
