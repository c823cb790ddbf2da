"""The read model: papers read back from the database as `PaperView`s, or as a `Catalog` for a full build."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from store.db.engine import shown_to_listeners
from store.db.models import Authorship, Document, Entry, Paper, PaperTopic, Person, Topic
from store.search.catalog import (
    INCOMPLETE,
    NO_LINK,
    NO_VENUE,
    NO_YEAR,
    Catalog,
    CatalogBuilder,
    PaperColumns,
    since_epoch,
)
from store.search.meaning import stored
from store.search.results import PaperView, SummaryView
from store.search.turns import let_others_in


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


async def read_catalog(s: AsyncSession, batch: int = 5_000, spill: bool = True,
                       vectors: stored.VectorColumn | None = None,
                       fields: Callable[[list[str | bytes]], None] | None = None) -> Catalog:
    """Every paper as `read_views` reads them, straight into a `Catalog`, `batch` papers at a time: a full
    build never holds every paper as Python objects (a million `PaperView`s are some 4 GB), nor (`spill`)
    their texts in memory. On SQLite the rows come from the driver as columns (`_read_columns`: a third less time,
    no object per paper); elsewhere through the Core queries of `_read`. `vectors`: the papers' stored meaning
    vectors of its model are read too, a batch at a time beside them, in catalog order. `fields`: given each
    batch's field texts as it is read (`CatalogBuilder`: a full build's layout process)."""
    conn = await s.connection()
    builder = CatalogBuilder(spill, fields)
    if conn.dialect.name == "sqlite" and conn.dialect.driver == "aiosqlite":
        await _read_columns(conn, builder, batch, vectors)
        return builder.finish()
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
        if vectors is not None:
            vectors.add(np.asarray([p[0] for p in papers], dtype=np.int64), await stored.read_batch(conn, vectors.model,
                                                                                                     lo, hi))
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


# The full build's read on SQLite: the same papers as `_read`'s queries (the same tables in the same order, so
# the same order of rows, which breaks ties between a paper's summaries), straight from the driver as columns.
# SQLite fills in the flags and the defaults; the rows are grouped and ordered with numpy; no object is made
# per paper.
_PAPERS = ("SELECT id, title, coalesce(venue, ''), coalesce(year, 0), coalesce(link, ''), added_at, "
           f"(year IS NULL) * {NO_YEAR} | (venue IS NULL) * {NO_VENUE} | (link IS NULL) * {NO_LINK} "
           f"| (authors_incomplete != 0) * {INCOMPLETE} FROM papers WHERE id > ? ORDER BY id LIMIT ?")
# The summaries as their stored UTF-8 bytes: not decoded here to be encoded again for the catalog's column (a
# gigabyte at a million papers); a full build's layout processes lay them out as bytes (store.search.layout).
_SUMMARIES = ("SELECT entries.paper_id, documents.name, entries.line, CAST(entries.summary AS BLOB), entries.writer "
              "FROM entries JOIN documents ON entries.document_id = documents.id "
              "WHERE entries.paper_id BETWEEN ? AND ?")
# An authorship keeps the name its source wrote; only one without it looks its person's up (the join's answer,
# looked up for the few that need it: at a million papers a third of the query's time was the join).
_AUTHORS = ("SELECT authorships.paper_id, authorships.position, CASE WHEN authorships.name != '' "
            "THEN authorships.name ELSE (SELECT people.name FROM people WHERE people.id = authorships.person_id) END "
            "FROM authorships WHERE authorships.paper_id BETWEEN ? AND ?")
_TOPICS = ("SELECT paper_topics.paper_id, topics.label FROM paper_topics JOIN topics "
           "ON paper_topics.topic_id = topics.id WHERE paper_topics.paper_id BETWEEN ? AND ?")


async def _read_columns(conn: AsyncConnection, builder: CatalogBuilder, batch: int,
                        vectors: stored.VectorColumn | None = None) -> None:
    """Every paper into `builder`, `batch` papers at a time, each batch in four queries on the driver (which
    runs them on its own thread, in the order queued: a batch's rows are made into columns as the next
    query's arrive).

    The next batch's queries are queued only once this batch is in the builder: read ahead, SQLite's thread
    and this one would both want the interpreter lock while the event loop waits for it (at 100,000
    papers: a tenth faster, the loop's worst lag no better)."""
    driver = (await conn.get_raw_connection()).driver_connection  # the session's own connection and transaction
    queued: list[asyncio.Future[Any]] = []

    def query(statement: str, *parameters: int | str) -> asyncio.Future[Any]:
        shown_to_listeners(conn, statement)
        future = asyncio.ensure_future(driver.execute_fetchall(statement, parameters))  # type: ignore[union-attr]
        queued.append(future)
        return future

    def batch_of(papers: list[Any]) -> tuple[asyncio.Future[Any], ...]:
        """The queries of a batch's summaries, authors and topics, of the next batch's papers, and of the batch's
        vectors (when read)."""
        lo, hi = papers[0][0], papers[-1][0]
        own = () if vectors is None else (query(stored.SQLITE_BATCH, vectors.model, lo, hi),)
        return (*(query(q, lo, hi) for q in (_SUMMARIES, _AUTHORS, _TOPICS)), query(_PAPERS, hi, batch), *own)

    try:
        papers = list(await query(_PAPERS, -(1 << 63), batch))
        pending = batch_of(papers) if papers else ()
        while papers:
            let_others_in()
            summaries, authors, topics = [_fields(list(await f), k) for f, k in zip(pending, (5, 3, 2), strict=False)]
            following = list(await pending[3])
            _add(builder, conn, papers, summaries, authors, topics)
            if vectors is not None:
                vectors.add(np.fromiter((p[0] for p in papers), dtype=np.int64, count=len(papers)), await pending[4])
            pending = batch_of(following) if following else ()
            queued[:] = pending
            papers = following
    finally:
        for future in queued:  # an error or a refusal: the queries still queued are not waited for
            future.cancel()


def _add(builder: CatalogBuilder, conn: AsyncConnection, papers: list[tuple[Any, ...]],
         summaries: list[tuple[Any, ...]], authors: list[tuple[Any, ...]], topics: list[tuple[Any, ...]]) -> None:
    """One batch's rows (as columns but the papers) into the builder, each paper's in `read_views`'s order."""
    ids, titles, venues, years, links, added, flags = zip(*papers, strict=True)
    pids = np.fromiter(ids, dtype=np.int64, count=len(ids))
    us, aware = _microseconds(added, conn)
    columns: PaperColumns = (pids, np.fromiter(years, dtype=np.int64, count=len(ids)), us,
                             np.fromiter(flags, dtype=np.uint8, count=len(ids)) | aware, titles, venues, links)
    order, summary_counts = _grouped(pids, summaries, (1, 2))
    sources, lines, texts, writers = (_taken(summaries[k], order) for k in (1, 2, 3, 4))
    order, author_counts = _grouped(pids, authors, (1,), tie=2)
    names = _taken(authors[2], order)
    order, topic_counts = _grouped(pids, topics, (1,))
    labels = _taken(topics[1], order)
    builder.add_columns(columns, names, author_counts, labels, topic_counts,
                        (sources, np.asarray(lines, dtype=np.int64), texts, writers), summary_counts)


def _ranks(values: Sequence[Any]) -> np.ndarray:
    """Each value's place among the distinct values in Python's order (strings by code point, as `sorted`)."""
    distinct = {v: i for i, v in enumerate(sorted(set(values)))}
    return np.fromiter(map(distinct.__getitem__, values), dtype=np.int64, count=len(values))


def _fields(rows: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """The rows' columns."""
    return list(zip(*rows, strict=True)) if rows else [()] * width


def _grouped(ids: np.ndarray, fields: list[tuple[Any, ...]], by: tuple[int, ...], tie: int | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """The order that puts rows (`fields`: their columns, the paper id first) by paper, then by the fields
    `by` as Python sorts them (stable: rows equal in those keep the database's order), and how many rows
    each paper of `ids` has. `tie`: a field that breaks ties in `by` (authors sort as (position, name))."""
    n = len(fields[0])
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(len(ids), dtype=np.int64)
    pids = np.fromiter(fields[0], dtype=np.int64, count=n)
    at = np.minimum(np.searchsorted(ids, pids), max(len(ids) - 1, 0))
    kept = ids[at] == pids  # a row of no paper read (none, with the database's foreign keys) is left out, as `_read`
    if _in_order(at, kept, fields[by[0]]):
        return np.arange(n), np.bincount(at, minlength=len(ids))
    keys = [_ranks(fields[k]) for k in by]
    order = np.lexsort((*reversed(keys), at))
    if tie is not None:
        ranked = np.stack([at[order], *(k[order] for k in keys)])
        if (ranked[:, 1:] == ranked[:, :-1]).all(axis=0).any():  # two rows equal in `by`: rare
            order = np.lexsort((_ranks(fields[tie]), *reversed(keys), at))
    return order[kept[order]], np.bincount(at[kept], minlength=len(ids))


def _in_order(at: np.ndarray, kept: np.ndarray, first: Sequence[Any]) -> bool:
    """Whether rows are in order already: every one kept, by paper, and a paper's rows (when it has several)
    ascending in `first`, a column of numbers (an author's position). A bulk import's rows come so from the
    database (a summary a paper, authors by position), and need no sort."""
    step = np.diff(at)
    if not kept.all() or (step < 0).any():
        return False
    same = np.flatnonzero(step == 0)
    if not same.size:
        return True
    try:
        values = np.fromiter(first, dtype=np.int64, count=len(first)) if type(first[0]) is int else None
    except (TypeError, OverflowError):  # not every one a number
        values = None
    return values is not None and bool((values[same + 1] > values[same]).all())


def _taken(column: Sequence[Any], order: np.ndarray) -> Sequence[Any]:
    if len(order) == len(column) and (not len(order) or order[-1] == len(order) - 1) and _identity(order):
        return column
    return list(map(column.__getitem__, order.tolist()))


def _identity(order: np.ndarray) -> bool:
    return bool((order == np.arange(len(order))).all())


def _microseconds(stamps: Sequence[Any], conn: AsyncConnection) -> tuple[np.ndarray, np.ndarray]:
    """`since_epoch` of each stored time: (microseconds, AWARE flags). SQLite holds them as text, as
    SQLAlchemy writes them ("2026-12-05 06:21:17.570295": naive); read with numpy when every one has that
    form, else each through the column type's own conversion, as a query returns it."""
    text = np.asarray(stamps)
    if text.dtype == np.dtype("<U26") and len(text):
        chars = text.view("<U1").reshape(-1, 26)
        if (chars[:, 10] == " ").all() and (chars[:, 19] == ".").all():
            try:
                return text.astype("datetime64[us]").astype(np.int64), np.zeros(len(text), dtype=np.uint8)
            except ValueError:
                pass
    kind = Paper.__table__.c.added_at.type
    convert = kind.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    pairs = [since_epoch(convert(s) if convert is not None else s) for s in stamps]
    return (np.fromiter((us for us, _ in pairs), dtype=np.int64, count=len(pairs)),
            np.fromiter((flag for _, flag in pairs), dtype=np.uint8, count=len(pairs)))
