"""A batch of papers none of which the database knows yet, written without the look-ups of the plain path.

A bulk import of new papers is almost all such batches. The plain path (`document.sync_batch`) asks the
database, record by record, for the paper of each title, identifier and earlier batch, merges the accounts
of one paper and then creates the ones not found: about half of an import's time, spent proving that
nothing is there. Here one statement asks whether any of the batch's title keys or identifiers is known
(a paper's key or identifier, an entry's key); when none is, and the batch names each paper once, the plain
path would create every record's paper and entry in order, and that is what is written (no member's
summary can repeat a paper not stored: `document.without_member_copies` would keep them all). Otherwise
the batch goes the plain way. The rows are the plain path's, ids included (tests/ingest/test_fresh_batches.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.bulk import insert_rows
from store.corpus.derive import label_rows, upsert_named
from store.corpus.document import Written
from store.corpus.entries import ENTRY_COLUMNS
from store.corpus.lookups import ids_of, json_array, key_of
from store.corpus.papers import insert_papers
from store.db.models import IDS, Authorship, Entry, PaperTopic, Person, Topic
from store.ingest.records import PaperRecord
from store.text.names import person_key

# Whether any of the batch's title keys or identifiers names a stored paper (or an entry's title).
_KNOWN = text(
    "SELECT EXISTS (SELECT 1 FROM papers WHERE key IN (SELECT value FROM json_each(:keys)))"
    " OR EXISTS (SELECT 1 FROM entries WHERE key IN (SELECT value FROM json_each(:keys)))"
    + "".join(f" OR EXISTS (SELECT 1 FROM papers WHERE {kind} IN (SELECT value FROM json_each(:{kind})))"
              for kind in IDS)
).bindparams(*(bindparam(name, type_=String) for name in ("keys", *IDS)))


def _distinct(records: Sequence[PaperRecord], titles: Mapping[str, str]
              ) -> tuple[list[PaperRecord], list[str], list[list[tuple[str, str]]]] | None:
    """The records with a title key, their keys and identifiers, when no two name one paper by either
    (`entries.merge_duplicates` would then keep each as it is); else None."""
    kept: list[PaperRecord] = []
    keys: list[str] = []
    ids: list[list[tuple[str, str]]] = []
    for rec in records:
        key = key_of(rec.title, titles)
        if key:  # a record without a title key is no paper's (merge_duplicates drops it)
            kept.append(rec)
            keys.append(key)
            ids.append(ids_of(rec))
    given = [i for own in ids for i in own]
    if len(set(keys)) != len(keys) or len(set(given)) != len(given):
        return None
    return kept, keys, ids


def _columns(own: list[tuple[str, str]]) -> tuple[str | None, ...]:
    """A record's identifiers (`ids_of`) as the columns `IDS` hold them."""
    if not own:
        return _NONE
    held = dict(own)
    return tuple(map(held.get, IDS))


_NONE = (None,) * len(IDS)


async def _known(session: AsyncSession, keys: list[str], ids: list[list[tuple[str, str]]]) -> bool:
    wanted: dict[str, list[str]] = {kind: [] for kind in IDS}
    for own in ids:
        for kind, value in own:
            wanted[kind].append(value)
    params = {"keys": json_array(keys), **{kind: json_array(values) for kind, values in wanted.items()}}
    return bool(await session.scalar(_KNOWN, params))


def _year(year: int | None) -> int | None:
    return year if year and 1900 <= year <= 2200 else None


async def write_fresh(session: AsyncSession, written: Written, records: Sequence[PaperRecord],
                      titles: Mapping[str, str], people: Mapping[str, str] | None, now: datetime) -> bool:
    """Write the batch when every record is a paper the database does not know and the batch names each
    paper once; False (nothing written) when it must go the plain way. SQLite only."""
    if session.get_bind().dialect.name != "sqlite" or not records:
        return False
    distinct = _distinct(records, titles)
    if distinct is None:
        return False
    kept, keys, ids = distinct
    if await _known(session, keys, ids):
        return False
    held = [_columns(own) for own in ids]
    paper_rows: list[tuple[Any, ...]] = []
    for rec, key, columns in zip(kept, keys, held, strict=True):
        paper_rows.append((key, rec.title[:1024], rec.venue or None, _year(rec.year), rec.link or None,
                           bool(rec.authors_incomplete), *columns, now))
    pids = await insert_papers(session, paper_rows)
    doc_id = written.doc.id
    entry_rows: list[tuple[Any, ...]] = []
    for rec, key, columns, pid in zip(kept, keys, held, pids, strict=True):
        entry_rows.append((doc_id, pid, rec.line, rec.title[:1024], list(rec.authors), rec.venue, _year(rec.year),
                           list(dict.fromkeys(rec.topics)), rec.link, rec.summary,
                           key.split("|", 1)[0], rec.writer[:300] if rec.writer else None,
                           bool(rec.authors_incomplete), *columns, bool(rec.metadata_record)))
    await insert_rows(session, Entry.__table__, ENTRY_COLUMNS, entry_rows)
    await _link(session, kept, pids, written.names, people or {})
    written.added += len(pids)
    written.seen.update(pids)
    written.touched.update(pids)
    written.deaf = True  # these titles and identifiers were not heard: a later batch asks the database
    return True


async def _link(session: AsyncSession, records: Sequence[PaperRecord], pids: Sequence[int],
                names: dict[str, tuple[int, str]], given: Mapping[str, str]) -> None:
    """The new papers' authorships and topics, as `derive.rederive` links a paper created with one entry
    (its people and topics found or created by `derive.upsert_named`, `names` its memory of people). A
    name or label is keyed once a batch, not once a paper."""
    by_name: dict[str, tuple[str, int | None, str]] = {}  # name -> key, person id if `names` has it so, shown
    people: dict[str, list[str]] = {}
    # Authorships in the papers' order (their key's): a person's id where `names` has it so, else the person's
    # key until upsert_named gives the id (`pending`: where those are).
    rows: list[tuple[int, Any, int, str]] = []
    pending: list[int] = []
    by_label: dict[str, str] = {}
    topics: dict[str, list[str]] = {}
    paper_topics: list[tuple[int, str]] = []
    for rec, pid in zip(records, pids, strict=True):
        seen: set[str] | None = set() if len(rec.authors) > 1 else None
        for pos, name in enumerate(rec.authors):
            found = by_name.get(name)
            if found is None:
                key = given.get(name)
                key = (person_key(name) if key is None else key)[:300]
                hit = names.get(key)
                found = by_name[name] = (key, hit[0] if hit is not None and hit[1] == name else None, name[:300])
            key, known, shown = found
            if not key:
                continue
            if seen is not None:
                if key in seen:
                    continue
                seen.add(key)
            if known is None:
                people.setdefault(key, []).append(name)
                pending.append(len(rows))
                rows.append((pid, key, pos, shown))
            else:
                rows.append((pid, known, pos, shown))  # nothing to look up or rename
        label_rows(pid, rec.topics, by_label, topics, paper_topics)
    person_ids = await upsert_named(session, Person, "name", people, names)
    topic_ids = await upsert_named(session, Topic, "label", topics)
    for at in pending:
        p, k, pos, shown = rows[at]
        rows[at] = (p, person_ids[k], pos, shown)
    await insert_rows(session, Authorship.__table__, ("paper_id", "person_id", "position", "name"), rows)
    await insert_rows(session, PaperTopic.__table__, ("paper_id", "topic_id"),
                      [(p, topic_ids[k]) for p, k in paper_topics])
