"""A paper re-derived from its entries: title, venue, year, link, authors, topics; a paper left with no
entry is deleted, and so are the people and topics no paper names any more."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.bulk import execute_rows, insert_columns, insert_rows
from store.corpus.lookups import chunks, rows_in, rows_where
from store.db.models import Authorship, Document, Entry, Paper, PaperTopic, Person, Topic
from store.ingest.records.rows import label_rows, person_places

KNOWN_NAMES = 50_000  # authors a sync remembers (id and display form, ~250 bytes each), not to look them up again


class EntryFields(NamedTuple):
    """What deriving a paper reads of one entry: the fields of a row of the query in `rederive` (the
    document's name, then `Entry` columns of the same names)."""

    document: str
    paper_id: int
    line: int
    title: str
    authors: list[str]
    venue: str | None
    year: int | None
    link: str | None
    topics: list[str]
    authors_incomplete: bool
    metadata_record: bool

    @classmethod
    def written(cls, document: str, paper_id: int, values: Mapping[str, Any]) -> EntryFields:
        """The fields of an entry about to be inserted with these `entries.entry_values`."""
        return cls(document, paper_id, *_WRITTEN(values))


_WRITTEN = itemgetter(*EntryFields._fields[2:])  # an entry's values as `EntryFields.written` takes them


def _document_order(entry: Row[Any] | EntryFields) -> tuple[str, int]:
    return entry.document, entry.line


async def rederive(session: AsyncSession, paper_ids: set[int], created: dict[int, list[EntryFields]] | None = None,
                   names: dict[str, tuple[int, str]] | None = None, keys: Mapping[str, str] | None = None
                   ) -> int:
    """Recompute papers from their remaining entries; delete the ones with none. Returns deletions.

    Papers in `created` were inserted by this transaction with the entries given there: they are
    derived from those, with no read back and no old authorships or topics to delete. `keys`: authors'
    person keys worked out already (by the parsing process), by name; the others are worked out here.
    """
    created = created or {}
    ids = sorted(paper_ids)
    entries: dict[int, list[Row[Any] | EntryFields]] = {pid: [] for pid in ids}
    stored = []
    for pid in ids:
        fresh = created.get(pid)
        if fresh is None:
            stored.append(pid)
        else:
            entries[pid] = fresh
    for chunk in chunks(stored):  # plain rows, not ORM objects: this touches every paper of a bulk import
        rows = await session.execute(
            select(Document.name.label("document"), *(getattr(Entry, field) for field in EntryFields._fields[1:]))
            .join(Document, Entry.document_id == Document.id).where(Entry.paper_id.in_(chunk)))
        for entry in rows.all():
            entries[entry.paper_id].append(entry)
    for es in entries.values():  # in Python, not ORDER BY: the same order whatever the database's collation
        es.sort(key=_document_order)
    orphans = [pid for pid, es in entries.items() if not es]
    for chunk in chunks(orphans):
        await session.execute(delete(Paper).where(Paper.id.in_(chunk)))
    live = [pid for pid in ids if entries[pid]]
    for chunk in chunks([pid for pid in live if pid not in created]):
        await session.execute(delete(Authorship).where(Authorship.paper_id.in_(chunk)))
        await session.execute(delete(PaperTopic).where(PaperTopic.paper_id.in_(chunk)))

    keyed = {name: key[:300] for name, key in (keys or {}).items()}  # name -> person key, filled as names come
    people: dict[str, list[str]] = {}
    topics: dict[str, list[str]] = {}
    paper_rows: list[tuple[Any, ...]] = []
    authorships: list[tuple[int, str, int, str]] = []
    paper_topics: list[tuple[int, str]] = []
    topic_keys: dict[str, str] = {}  # a bulk import repeats a handful of labels on every paper
    remembered = names if names is not None else {}
    known_ids: dict[str, int] = {}  # people this sync wrote already, in the very form given again
    for pid in live:
        es = entries[pid]
        # Bibliographic metadata (arXiv JSON Lines) gives the title and authors; else the fullest account.
        if len(es) == 1:  # most papers of a bulk import: nothing to choose between
            named = es
            by_authors = es[0]
        else:
            named = [e for e in es if e.metadata_record] or es
            by_authors = max(named, key=lambda e: len(e.authors))
        authors = by_authors.authors
        if len(es) > 1 or pid not in created:  # a new paper with one entry was inserted as derived
            paper_rows.append((
                pid,
                named[0].title if len(named) == 1 else max((e.title for e in named),
                                                           key=lambda t: (sum(c.isupper() for c in t), len(t))),
                next((e.venue for e in es if e.venue), None),
                next((e.year for e in es if e.year), None),
                next((e.link for e in es if e.link), None),
                bool(by_authors.authors_incomplete),
            ))
        for key, pos, name in person_places(authors, keyed):
            if (hit := remembered.get(key)) is not None and hit[1] == name:
                known_ids[key] = hit[0]  # written this way already: nothing to look up or rename
            else:
                people.setdefault(key, []).append(name)
            authorships.append((pid, key, pos, name[:300]))
        label_rows(pid, es[0].topics if len(es) == 1 else [t for e in es for t in e.topics], topic_keys, topics,
                   paper_topics)
    papers = Paper.__table__
    await execute_rows(session, update(papers).where(papers.c.id == bindparam("pid"))
                       .values(title=bindparam("new_title"), venue=bindparam("new_venue"),
                                year=bindparam("new_year"), link=bindparam("new_link"),
                                authors_incomplete=bindparam("new_incomplete")),
                       ("pid", "new_title", "new_venue", "new_year", "new_link", "new_incomplete"), paper_rows)
    person_ids = known_ids | await upsert_named(session, Person, "name", people, names)
    topic_ids = await upsert_named(session, Topic, "label", topics)
    await insert_rows(session, Authorship.__table__, ("paper_id", "person_id", "position", "name"),
                      [(p, person_ids[k], pos, name) for p, k, pos, name in authorships])
    await insert_rows(session, PaperTopic.__table__, ("paper_id", "topic_id"),
                      [(p, topic_ids[k]) for p, k in paper_topics])
    return len(orphans)


async def upsert_named(session: AsyncSession, model: type[Person] | type[Topic], field: str,
                       forms: dict[str, list[str]], known: dict[str, tuple[int, str]] | None = None
                       ) -> dict[str, int]:
    """Key -> id for people or topics, creating missing rows and keeping the fullest display form.

    `known` (key -> id and display form) holds what earlier calls of the same transaction found, so that
    a bulk import written batch by batch looks each author up once, not once a batch (it is cleared when
    it grows past `KNOWN_NAMES`).
    """
    ids: dict[str, int] = {}
    current: dict[str, str] = {}
    asked: list[str] = []  # the keys not remembered: looked up, else created
    remembered = known if known is not None else {}
    for key in forms:
        if (hit := remembered.get(key)) is None:
            asked.append(key)
        else:
            ids[key], current[key] = hit
    query = select(model.key, model.id, getattr(model, field))
    for key, rid, shown in await rows_in(session, query, model.key, asked):
        ids[key] = rid
        current[key] = shown
    new_rows = [(k, _fullest(forms[k])[:300]) for k in asked if k not in ids]
    if new_rows:
        ids.update(await _insert_named(session, model, field, new_rows))
    renamed = [{"id": ids[k], field: best} for k, v in forms.items() if k in current
               and (best := _fuller(current[k], v)) != current[k]]
    for chunk in chunks(renamed):
        await session.execute(update(model), list(chunk))
    if known is not None:
        if len(known) > KNOWN_NAMES:
            known.clear()
        shown = {row["id"]: row[field] for row in renamed}
        known.update((k, (ids[k], shown.get(ids[k]) or current.get(k) or _fullest(v)[:300])) for k, v in forms.items())
    return ids


async def _insert_named(session: AsyncSession, model: type[Person] | type[Topic], field: str,
                        rows: list[tuple[str, str]]) -> dict[str, int]:
    """Insert people or topics given as (key, display form); key -> id. On SQLite one executemany, its rows
    numbered on from the largest id before them (this transaction holds the only write lock), checked by
    the first and last keys and the count, else read back by key; elsewhere INSERT ... RETURNING."""
    if session.get_bind().dialect.name != "sqlite":
        ids: dict[str, int] = {}
        for chunk in chunks(rows):
            result = await session.execute(insert(model).returning(model.key, model.id),
                                           [{"key": k, field: shown} for k, shown in chunk])
            ids.update({k: i for k, i in result.all()})
        return ids
    top = await session.scalar(select(func.max(model.id))) or 0
    keys = [key for key, _ in rows]
    await insert_columns(session, model.__table__, ("key", field), [keys, [shown for _, shown in rows]])
    if await numbered_on(session, model, keys, top):
        return dict(zip(keys, range(top + 1, top + 1 + len(rows)), strict=True))
    return dict(await rows_where(session, select(model.key, model.id), model.key, keys))


async def numbered_on(session: AsyncSession, model: type[Paper] | type[Person] | type[Topic], keys: list[str],
                      top: int) -> bool:
    """Whether rows just inserted with these keys (in one executemany on SQLite, after `top`, the largest id
    before them) hold the ids after `top`, in order: checked by the first and last keys and the count, in one
    statement (a bulk import asks twice a batch)."""
    first, last, count = (await session.execute(select(
        select(model.id).where(model.key == keys[0]).scalar_subquery(),
        select(model.id).where(model.key == keys[-1]).scalar_subquery(),
        select(func.count()).select_from(model).where(model.id > top).scalar_subquery()))).one()
    return first == top + 1 and last == top + len(keys) and count == len(keys)


async def prune_unreferenced(session: AsyncSession) -> None:
    await session.execute(delete(Person).where(~select(Authorship.person_id)
                                                .where(Authorship.person_id == Person.id).exists()))
    await session.execute(delete(Topic).where(~select(PaperTopic.topic_id)
                                               .where(PaperTopic.topic_id == Topic.id).exists()))


def _fuller(shown: str, names: Sequence[str]) -> str:
    """`_fullest` of a stored display form and the forms a batch gives, most often that same one again."""
    if all(n == shown for n in names):
        return shown
    return _fullest([shown, *names])


def _fullest(names: Sequence[str]) -> str:
    """The display form with the most information: "Quoc V. Le" over "Quoc Le"."""
    if len(names) == 1:
        return names[0]
    distinct = set(names)  # most people are written one way, however many papers they have
    if len(distinct) == 1:
        return names[0]
    return max(distinct, key=lambda n: (len(n.split()), len(n), n))  # a form is its own last tie-break
