"""The read model: papers read back from the database as `PaperView`s, or as a `Catalog` for a full build."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from store.db.models import Authorship, Document, Entry, Paper, PaperTopic, Person, Topic
from store.search.catalog import Catalog, CatalogBuilder
from store.search.results import PaperView, SummaryView


def _by_position(authors: list[tuple[int, str]] | None) -> tuple[str, ...]:
    if not authors:
        return ()
    authors.sort()
    return tuple(name for _, name in authors)


def _by_document(summaries: list[SummaryView] | None) -> tuple[SummaryView, ...]:
    if not summaries:
        return ()
    summaries.sort(key=lambda v: (v.source, v.line))  # most papers have one
    return tuple(summaries)


async def read_views(s: AsyncSession, ids: Sequence[int] | None = None) -> list[PaperView]:
    """Every paper (or the papers `ids`: the few a write changed), read in four Core queries and put in
    order here rather than by the database.

    Sorting 100 MB of summaries by document is work a database does in a temporary B-tree; here it
    is a sort of each paper's one or two entries. Python's order is also the same on every backend
    (code points), whatever the database's collation.
    """
    conn = await s.connection()  # Core rows: the ORM's per-row loading is not needed for plain columns

    def only(query: Select[Any], column: Any) -> Select[Any]:
        return query if ids is None else query.where(column.in_(list(ids)))

    papers, summaries, authors, topics = await _read(conn, only)
    return [PaperView(id=pid, title=title, authors=_by_position(authors.get(pid)), venue=venue, year=year,
                      topics=tuple(sorted(topics.get(pid, ()))), link=link,
                      summaries=_by_document(summaries.get(pid)), added_at=added,
                      authors_incomplete=bool(incomplete))
            for pid, title, venue, year, link, added, incomplete in papers]


async def read_catalog(s: AsyncSession, batch: int = 5_000, spill: bool = True) -> Catalog:
    """Every paper as `read_views` reads them, straight into a `Catalog`, `batch` papers at a time: a full
    build never holds every paper as Python objects (a million `PaperView`s are some 4 GB), nor (`spill`)
    their texts in memory."""
    conn = await s.connection()
    builder = CatalogBuilder(spill)
    last = None
    while True:
        query = select(Paper.id).order_by(Paper.id).limit(batch)
        chunk = (await conn.execute(query if last is None else query.where(Paper.id > last))).scalars().all()
        if not chunk:
            break
        lo, hi = chunk[0], chunk[-1]
        last = hi

        def within(query: Select[Any], column: Any, lo: int = lo, hi: int = hi) -> Select[Any]:
            return query.where(column.between(lo, hi))

        papers, summaries, authors, topics = await _read(conn, within)
        for pid, title, venue, year, link, added, incomplete in papers:
            views = _by_document(summaries.get(pid))
            builder.add(pid, title, venue, year, link, added, bool(incomplete), _by_position(authors.get(pid)),
                        tuple(sorted(topics.get(pid, ()))), [(v.source, v.line, v.text, v.writer) for v in views])
        del papers, summaries, authors, topics
    return builder.finish()


async def _read(conn: AsyncConnection, only: Callable[[Select[Any], Any], Select[Any]]) -> tuple[
        Sequence[Row[Any]], dict[int, list[SummaryView]], dict[int, list[tuple[int, str]]], dict[int, list[str]]]:
    """The papers `only` keeps, and their summaries, authors and topics by paper id."""
    papers = (await conn.execute(only(select(Paper.id, Paper.title, Paper.venue, Paper.year, Paper.link,
                                             Paper.added_at, Paper.authors_incomplete), Paper.id)
                                 .order_by(Paper.id))).all()
    summaries: defaultdict[int, list[SummaryView]] = defaultdict(list)
    rows = await conn.execute(only(select(Entry.paper_id, Document.name, Entry.line, Entry.summary, Entry.writer)
                                   .join(Document, Entry.document_id == Document.id), Entry.paper_id))
    for pid, name, line, text, writer in rows:
        summaries[pid].append(SummaryView(name, line, text, writer))
    # Each paper's authors as its own source wrote them; people are matched by key (Person) for /author.
    authors: defaultdict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = await conn.execute(only(select(Authorship.paper_id, Authorship.position, Authorship.name, Person.name)
                                   .join(Person, Authorship.person_id == Person.id), Authorship.paper_id))
    for pid, position, written, name in rows:
        authors[pid].append((position, written or name))
    topics: defaultdict[int, list[str]] = defaultdict(list)
    rows = await conn.execute(only(select(PaperTopic.paper_id, Topic.label)
                                   .join(Topic, PaperTopic.topic_id == Topic.id), PaperTopic.paper_id))
    for pid, label in rows:
        topics[pid].append(label)
    return papers, summaries, authors, topics
