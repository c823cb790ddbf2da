"""A batch of papers none of which the database knows yet, written without the look-ups of the plain path.

A bulk import of new papers is almost all such batches. The plain path (`document.sync_batch`) asks the
database, record by record, for the paper of each title, identifier and earlier batch, merges the accounts
of one paper and then creates the ones not found: about half of an import's time, spent proving that
nothing is there. Here one statement asks whether any of the batch's title keys or identifiers is known
(a paper's key or identifier, an entry's key); when none is, and the batch names each paper once, the plain
path would create every record's paper and entry in order, and that is what is written (no member's
summary can repeat a paper not stored: `document.without_member_copies` would keep them all). Otherwise
the batch goes the plain way. The rows are the plain path's, ids included (tests/ingest/test_fresh_batches.py).

What the rows hold that needs no database (`NewRows`) comes worked out by the parsing process, a list
per column; here the columns are zipped with the ids the database gives, without a Python loop per row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.bulk import insert_columns
from store.corpus.derive import upsert_named
from store.corpus.document import Written
from store.corpus.entries import ENTRY_COLUMNS
from store.corpus.lookups import json_array
from store.corpus.papers import insert_papers
from store.db.models import IDS, Authorship, Entry, PaperTopic, Person, Topic
from store.ingest.records import Parsed
from store.ingest.records.rows import NewRows, new_rows
from store.ingest.stream import Keyed

# Whether any of the batch's title keys or identifiers names a stored paper (or an entry's title).
_KNOWN = text(
    "SELECT EXISTS (SELECT 1 FROM papers WHERE key IN (SELECT value FROM json_each(:keys)))"
    " OR EXISTS (SELECT 1 FROM entries WHERE key IN (SELECT value FROM json_each(:keys)))"
    + "".join(f" OR EXISTS (SELECT 1 FROM papers WHERE {kind} IN (SELECT value FROM json_each(:{kind})))"
              for kind in IDS)
).bindparams(*(bindparam(name, type_=String) for name in ("keys", *IDS)))

_JSON_COLUMNS = frozenset({"authors", "topics"})  # given as JSON text (store.ingest.records.rows)


async def _known(session: AsyncSession, rows: NewRows) -> bool:
    wanted: dict[str, list[str]] = {kind: [] for kind in IDS}
    for own in rows.ids:
        for kind, value in own:
            wanted[kind].append(value)
    params = {"keys": json_array(rows.keys), **{kind: json_array(values) for kind, values in wanted.items()}}
    return bool(await session.scalar(_KNOWN, params))


async def write_fresh(session: AsyncSession, written: Written, batch: Parsed, now: datetime) -> bool:
    """Write the batch when every record is a paper the database does not know and the batch names each
    paper once; False (nothing written) when it must go the plain way. SQLite only."""
    if session.get_bind().dialect.name != "sqlite" or not batch.records:
        return False
    rows = batch.rows if isinstance(batch, Keyed) and batch.rows is not None else new_rows(batch.records)
    if not rows.keys or not rows.distinct or await _known(session, rows):
        return False
    pids = await insert_papers(session, [rows.keys, *rows.papers, [now] * len(rows.keys)])
    line, *rest = rows.entries
    await insert_columns(session, Entry.__table__, ENTRY_COLUMNS,
                         [[written.doc.id] * len(pids), pids, line, *rest], stored=_JSON_COLUMNS)
    await _link(session, rows, pids, written.names)
    written.added += len(pids)
    written.seen.update(pids)
    written.touched.update(pids)
    written.deaf = True  # these titles and identifiers were not heard: a later batch asks the database
    return True


async def _link(session: AsyncSession, rows: NewRows, pids: list[int], names: dict[str, tuple[int, str]]) -> None:
    """The new papers' authorships and topics, as `derive.rederive` links a paper created with one entry:
    their people and topics found or created by `derive.upsert_named` (`names`: its memory of people). A
    person remembered under the one name this batch writes has nothing to look up or rename."""
    known: dict[str, int] = {}
    asked: dict[str, list[str]] = {}
    for key, written in rows.people.items():
        hit = names.get(key)
        if hit is not None and written.count(hit[1]) == len(written):
            known[key] = hit[0]
        else:
            asked[key] = written
    person_ids = await upsert_named(session, Person, "name", asked, names)
    person_ids.update(known)
    topic_ids = await upsert_named(session, Topic, "label", rows.topics)
    papers, keys, places, shown = rows.authorships
    await insert_columns(session, Authorship.__table__, ("paper_id", "person_id", "position", "name"),
                         [list(map(pids.__getitem__, papers)), list(map(person_ids.__getitem__, keys)), places, shown])
    papers, keys = rows.labels
    await insert_columns(session, PaperTopic.__table__, ("paper_id", "topic_id"),
                         [list(map(pids.__getitem__, papers)), list(map(topic_ids.__getitem__, keys))])

