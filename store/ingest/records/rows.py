"""A batch's records as the columns of the rows a new paper is stored as, worked out where they were parsed.

A bulk import is mostly batches of papers the database has never seen (store.corpus.fresh writes those
without look-ups). All their rows hold that does not depend on the database is worked out here: each
record's title key and identifiers in their stored form, its texts clipped and its lists as JSON, its
authors' and labels' keys in the order the rows are written. The parsing process does it while the
database writes the batch before (it waits on the database most of the time), so the importing process
only zips these columns with the ids the database gives: no Python loop per row on the side where every
microsecond a paper costs is the import's. The values are the plain path's (store.corpus.entries), and
the NULs the engine drops from every text are dropped on the database side, a column at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from store.ingest.records import PaperRecord
from store.text.folding import fold, title_key
from store.text.json_text import json_text
from store.text.names import person_key

SUMMARIES = 7  # the summaries' column among `NewRows.entries`
KINDS = ("arxiv_id", "doi", "openreview_id")  # the identifiers' columns, in the database's order (store.db.models.IDS)


def ids_of(rec: PaperRecord) -> list[tuple[str, str]]:
    """The record's identifiers as stored (the one place their stored form is written): (kind, value)
    pairs, in `KINDS` order."""
    if rec.arxiv_id is None and rec.doi is None and rec.openreview_id is None:
        return []
    out = []
    if rec.arxiv_id:
        out.append(("arxiv_id", rec.arxiv_id[:64]))
    if rec.doi:
        out.append(("doi", rec.doi.lower()[:256]))
    if rec.openreview_id:
        out.append(("openreview_id", rec.openreview_id[:64]))
    return out


def stored_year(year: int | None) -> int | None:
    """A year as stored: one outside 1900-2200 is a misreading, kept as none."""
    return year if year and 1900 <= year <= 2200 else None


@dataclass(slots=True)
class NewRows:
    """The rows of a batch's records as new papers, a list per column, one item per record with a title
    key (a record without one is no paper's, and has none). Ids are the database's: the papers' are given
    where the rows are written, people's and labels' are looked up by key."""

    keys: list[str] = field(default_factory=list)  # each paper's title key
    ids: list[list[tuple[str, str]]] = field(default_factory=list)  # its identifiers (`ids_of`)
    distinct: bool = True  # no two records name one paper by title key or identifier
    papers: list[list[Any]] = field(default_factory=list)  # title, venue, year, link, authors_incomplete, ids
    entries: list[list[Any]] = field(default_factory=list)  # line, title, authors (JSON), venue, year, topics
    # (JSON), link, summary, key, writer, authors_incomplete, ids, metadata_record
    authorships: list[list[Any]] = field(default_factory=list)  # paper (its place here), person key, position, name
    people: dict[str, list[str]] = field(default_factory=dict)  # person key -> the names written, in order
    labels: list[list[Any]] = field(default_factory=list)  # paper (its place here), topic key
    topics: dict[str, list[str]] = field(default_factory=dict)  # topic key -> the labels written, in order


def new_rows(records: Sequence[PaperRecord], people: Mapping[str, str] | None = None,
             titles: Mapping[str, str] | None = None) -> NewRows:
    """The batch as new papers' rows. `people` (name -> person key) and `titles` (title -> title key) are
    what the caller has worked out already; the rest is worked out here."""
    people = people or {}
    titles = titles or {}
    kept: list[PaperRecord] = []
    keys: list[str] = []
    ids: list[list[tuple[str, str]]] = []
    for rec in records:
        key = titles.get(rec.title)
        if key is None:
            key = title_key(fold(rec.title))
        if key:  # a record without a title key is no paper's (the plain path drops it)
            kept.append(rec)
            keys.append(key)
            ids.append(ids_of(rec))
    given = [i for own in ids for i in own]
    out = NewRows(keys, ids, len(set(keys)) == len(keys) and len(set(given)) == len(given))
    held = [_kinds(own) for own in ids]
    years = [stored_year(rec.year) for rec in kept]
    clipped = [rec.title[:1024] for rec in kept]
    out.papers = [clipped, [rec.venue or None for rec in kept], years, [rec.link or None for rec in kept],
                  [bool(rec.authors_incomplete) for rec in kept],
                  *([own[i] for own in held] for i in range(len(KINDS)))]  # one column per kind, empty or not
    out.entries = [[rec.line for rec in kept], clipped, [json_text(list(rec.authors)) for rec in kept],
                   [rec.venue for rec in kept], years,
                   [json_text(list(dict.fromkeys(rec.topics))) for rec in kept], [rec.link for rec in kept],
                   [rec.summary for rec in kept], [key.partition("|")[0] if "|" in key else key for key in keys],
                   [rec.writer[:300] if rec.writer else None for rec in kept], out.papers[4], *out.papers[5:],
                   [bool(rec.metadata_record) for rec in kept]]
    out.authorships = _authorships(kept, people, out.people)
    out.labels = _labels(kept, out.topics)
    return out


def _kinds(own: list[tuple[str, str]]) -> tuple[str | None, ...]:
    if not own:
        return _NONE
    held = dict(own)
    return tuple(map(held.get, KINDS))


_NONE = (None,) * len(KINDS)


def _authorships(records: Sequence[PaperRecord], given: Mapping[str, str], people: dict[str, list[str]]
                 ) -> list[list[Any]]:
    """The papers' authorships (`person_places`), as columns; `people` gathers the names written under each key."""
    # A name is keyed once a batch, not once a paper; a key is clipped as stored (a copy: `person_places` adds to it).
    keyed = (dict(given) if max(map(len, given.values()), default=0) <= 300
             else {name: key[:300] for name, key in given.items()})
    columns: list[list[Any]] = [[], [], [], []]
    papers, keys, places, shown = columns
    get = keyed.__getitem__
    for at, rec in enumerate(records):
        names = rec.authors
        if not names:
            continue
        try:
            own: list[str] | None = list(map(get, names))
        except KeyError:
            own = None
        if own is not None and _one_person_each(own):  # most papers: as `person_places` gives them, added a
            papers.extend([at] * len(own))  # column at a time rather than a row at a time
            keys.extend(own)
            places.extend(range(len(own)))
            shown.extend(names)
            continue
        for key, place, name in person_places(names, keyed):
            papers.append(at)
            keys.append(key)
            places.append(place)
            shown.append(name)
    for key, name in zip(keys, shown, strict=True):
        people.setdefault(key, []).append(name)
    if any(len(name) > 300 for name in columns[3]):
        columns[3] = [name[:300] for name in columns[3]]
    return columns


def person_places(names: Sequence[str], keyed: dict[str, str]) -> list[tuple[str, int, str]]:
    """A paper's authorships as a paper is linked to its people: (person key, position, name) for each person
    once, where first named; no one for a name without a key. `keyed`: name -> person key (clipped to 300),
    what the caller has worked out, and filled here with the rest."""
    try:
        keys = list(map(keyed.__getitem__, names))
    except KeyError:
        keys = [_key(name, keyed) for name in names]
    if _one_person_each(keys):  # most papers
        return list(zip(keys, range(len(keys)), names, strict=True))
    seen: set[str] = set()
    places = []
    for pos, (name, key) in enumerate(zip(names, keys, strict=True)):
        if key and key not in seen:
            seen.add(key)
            places.append((key, pos, name))
    return places


def _one_person_each(keys: list[str]) -> bool:
    """Whether a paper's authors, by their keys, are each a person of their own (and every one has a key)."""
    return len(set(keys)) == len(keys) and all(keys)


def _key(name: str, keyed: dict[str, str]) -> str:
    key = keyed.get(name)
    if key is None:
        key = keyed[name] = person_key(name)[:300]
    return key


def label_rows(paper: int, labels: list[str], keys: dict[str, str], topics: dict[str, list[str]],
               rows: list[tuple[int, str]]) -> None:
    """A paper's topic labels as rows: each label's key (folded once per label in `keys`), each key once a
    paper; `topics` gathers the labels written under each key."""
    labelled: set[str] = set()
    for label in dict.fromkeys(labels):
        tkey = keys.get(label)
        if tkey is None:
            tkey = keys[label] = fold(label)[:200]
        if tkey and tkey not in labelled:
            labelled.add(tkey)
            topics.setdefault(tkey, []).append(label)
            rows.append((paper, tkey))


def _labels(records: Sequence[PaperRecord], topics: dict[str, list[str]]) -> list[list[Any]]:
    """The papers' topic labels as rows, a paper's place here for its id."""
    keys: dict[str, str] = {}
    rows: list[tuple[int, str]] = []
    for at, rec in enumerate(records):
        label_rows(at, rec.topics, keys, topics, rows)
    return [[at for at, _ in rows], [tkey for _, tkey in rows]]
