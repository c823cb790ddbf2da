"""The read model: papers read back from the database as `PaperView`s, the plain values an index is built from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.models import Authorship, Document, Entry, Paper, PaperTopic, Person, Topic
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
    return [PaperView(id=pid, title=title, authors=_by_position(authors.get(pid)), venue=venue, year=year,
                      topics=tuple(sorted(topics.get(pid, ()))), link=link,
                      summaries=_by_document(summaries.get(pid)), added_at=added,
                      authors_incomplete=bool(incomplete))
            for pid, title, venue, year, link, added, incomplete in papers]
