"""A batch of papers none of which the database knows yet, written without the look-ups of the plain path.

A bulk import of new papers is almost all such batches. The plain path (`document.sync_batch`) asks the
database, record by record, for the paper of each title, identifier and earlier batch, merges the accounts
of one paper and then creates the ones not found: about half of an import's time, spent proving that
nothing is there. Here one statement asks whether any of the batch's title keys or identifiers is known
(a paper's key or identifier, an entry's key); when none is, and the batch names each paper once, the plain
path would create every record's paper and entry in order, and that is what is written (no member's
summary can repeat a paper not stored: `document.without_member_copies` would keep them all). Otherwise
the batch goes the plain way. The rows are the plain path's, ids included (tests/ingest/test_fresh_batches.py).

That statement probes a B-tree of the database for each key, 7 s of a million papers' import. A large import
(`bulk.large_import`) first reads the keys the database holds into a filter (`held_keys`, a `Bloom`) and adds
every key it writes, fresh or plain: a key the filter never took is not in the database, and only the
filter's few positives are asked.

What the rows hold that needs no database (`NewRows`) comes worked out by the parsing process, a list
per column; here the columns are zipped with the ids the database gives, without a Python loop per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import compress

from sqlalchemy import String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.bloom import Bloom
from store.corpus.bulk import insert_columns
from store.corpus.derive import upsert_named
from store.corpus.document import Written
from store.corpus.entries import ENTRY_COLUMNS
from store.corpus.lookups import ids_of, json_array, key_of
from store.corpus.papers import insert_papers
from store.db.models import IDS, Authorship, Entry, PaperTopic, Person, Topic
from store.ingest.records import PaperRecord, Parsed
from store.ingest.records.rows import NewRows, new_rows
from store.ingest.stream import Keyed

# Whether any of the batch's title keys or identifiers names a stored paper (or an entry's title).
_KNOWN = text(
    "SELECT EXISTS (SELECT 1 FROM papers WHERE key IN (SELECT value FROM json_each(:keys)))"
    " OR EXISTS (SELECT 1 FROM entries WHERE key IN (SELECT value FROM json_each(:keys)))"
    + "".join(f" OR EXISTS (SELECT 1 FROM papers WHERE {kind} IN (SELECT value FROM json_each(:{kind})))"
              for kind in IDS)
).bindparams(*(bindparam(name, type_=String) for name in ("keys", *IDS)))

_ENTRY_KEY = ENTRY_COLUMNS.index("key") - 2  # its place in `NewRows.entries` (no document or paper id there)
_JSON_COLUMNS = frozenset({"authors", "topics"})  # given as JSON text (store.ingest.records.rows)


# The keys the database holds that the check above asks about: papers' and entries' title keys, identifiers.
_HELD = text("SELECT key FROM papers UNION ALL SELECT key FROM entries"
             + "".join(f" UNION ALL SELECT {kind} FROM papers WHERE {kind} IS NOT NULL" for kind in IDS))
_HELD_COUNT = text("SELECT (SELECT count(*) FROM papers) * 2 + (SELECT count(*) FROM entries)")
_VALUES_PER_BYTE = 1 / 256  # what a file adds, generously: a title key and an identifier or two a record


async def held_keys(session: AsyncSession, parsed_bytes: int) -> Bloom:
    """The title keys and identifiers the database holds, in a filter sized for them and for what an import
    of `parsed_bytes` adds; read a slice at a time, inside the import's transaction (what it reads is what
    the import's writes go on from). For a large import only: the pass is over a database at most about
    the import's size (`bulk.large_import`)."""
    count = int(await session.scalar(_HELD_COUNT) or 0)
    held = Bloom.for_about(count + int(parsed_bytes * _VALUES_PER_BYTE))
    result = await session.stream(_HELD)
    async for part in result.partitions(20_000):
        held.add([value for (value,) in part])
    return held


def plain_keys(records: Sequence[PaperRecord], titles: dict[str, str]) -> list[str]:
    """What the plain path may write of a batch for `_KNOWN` to find: each record's title key (a paper's key
    and its entry's; a key the plain path makes unique with "|" is one no title key equals) and identifiers."""
    return [*(key_of(rec.title, titles) for rec in records), *(value for rec in records for _, value in ids_of(rec))]


async def _known(session: AsyncSession, rows: NewRows, held: Bloom | None) -> bool:
    """Whether the database holds any of the batch's title keys or identifiers: asked of the database, or,
    given the import's filter, only those the filter may hold."""
    keys = rows.keys
    wanted: dict[str, list[str]] = {kind: [] for kind in IDS}
    for own in rows.ids:
        for kind, value in own:
            wanted[kind].append(value)
    if held is not None:
        keys = list(compress(keys, held.holds(keys)))
        wanted = {kind: list(compress(values, held.holds(values))) for kind, values in wanted.items()}
        if not keys and not any(wanted.values()):
            return False
    params = {"keys": json_array(keys), **{kind: json_array(values) for kind, values in wanted.items()}}
    return bool(await session.scalar(_KNOWN, params))


async def write_fresh(session: AsyncSession, written: Written, batch: Parsed, now: datetime,
                      held: Bloom | None = None) -> bool:
    """Write the batch when every record is a paper the database does not know and the batch names each
    paper once; False (nothing written) when it must go the plain way. SQLite only. `held`: the import's
    filter of the keys the database holds (`held_keys`), which takes the keys written here."""
    if session.get_bind().dialect.name != "sqlite" or not batch.size():
        return False
    rows = batch.rows if isinstance(batch, Keyed) and batch.rows is not None else new_rows(batch.records)
    if not rows.keys or not rows.distinct or await _known(session, rows, held):
        return False
    pids = await insert_papers(session, [rows.keys, *rows.papers, [now] * len(rows.keys)])
    line, *rest = rows.entries
    await insert_columns(session, Entry.__table__, ENTRY_COLUMNS,
                         [[written.doc.id] * len(pids), pids, line, *rest], stored=_JSON_COLUMNS)
    await _link(session, rows, pids, written.names)
    if held is not None:
        entry_keys = rows.entries[_ENTRY_KEY]
        held.add([*rows.keys, *entry_keys, *(value for own in rows.ids for _, value in own)])
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

