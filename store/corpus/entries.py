"""A record as an entry's column values, and the accounts of one paper in one document merged into one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from store.corpus.lookups import IDS, compatible, key_of, paper_key
from store.db.models import Entry
from store.ingest.records import PaperRecord, fill_missing
from store.ingest.records.rows import ids_of, stored_year

ENTRY_COLUMNS = ("document_id", "paper_id", "line", "title", "authors", "venue", "year", "topics", "link", "summary",
                 "key", "writer", "authors_incomplete", *IDS, "metadata_record")
PAPER_COLUMNS = ("key", "title", "venue", "year", "link", "authors_incomplete", *IDS, "added_at")


def entry_values(rec: PaperRecord, key: str | None = None) -> dict[str, Any]:
    """The entry's columns after `document_id` and `paper_id`, in `ENTRY_COLUMNS` order (`key`: the
    record's title key when the caller has it already)."""
    return {
        "line": rec.line,
        "title": rec.title[:1024],
        "authors": list(rec.authors),
        "venue": rec.venue,
        "year": stored_year(rec.year),
        "topics": list(dict.fromkeys(rec.topics)),
        "link": rec.link,
        "summary": rec.summary,
        "key": key.split("|", 1)[0] if key is not None else paper_key(rec.title),
        "writer": rec.writer[:300] if rec.writer else None,
        "authors_incomplete": bool(rec.authors_incomplete),
        **dict.fromkeys(IDS), **dict(ids_of(rec)),  # IDS order, None where the record has none
        "metadata_record": bool(rec.metadata_record),
    }


def paper_values(rec: PaperRecord, key: str) -> tuple[Any, ...]:
    """Title, venue, year, link, authors_incomplete and identifiers as `rederive` derives them from
    this record's entry alone."""
    held = dict(ids_of(rec))  # the fields `entry_values` gives them, without building the whole entry
    return (rec.title[:1024], rec.venue or None, stored_year(rec.year),
            rec.link or None, bool(rec.authors_incomplete), *(held.get(kind) for kind in IDS))


def absorb(first: PaperRecord, rec: PaperRecord) -> None:
    """Fold a second account of the same paper from the same document into the first: the fields one of
    them lacks (`fill_missing`, the one field merge), both summaries joined, their topics united."""
    if rec.summary and rec.summary not in first.summary:
        first.summary = f"{first.summary}\n\n{rec.summary}".strip()
    fill_missing(first, rec)
    first.topics = list(dict.fromkeys([*first.topics, *rec.topics]))


def merge_duplicates(records: Iterable[PaperRecord], accounts: dict[str, list[PaperRecord]],
                     keys: Mapping[str, str] | None = None) -> dict[str, PaperRecord]:
    """One record per paper per document: a paper named twice in one file (by title, or by arXiv id,
    DOI or OpenReview id) keeps both summaries. `accounts` gets each merged record's records as they
    were, in order: merged further, they are folded one by one (`one_per_paper`, and a later batch of
    the file into what an earlier one wrote), as if the file had named them all at once. `keys`: the
    records' title keys where they are known already (`lookups.key_of`)."""
    keys = keys or {}
    out: dict[str, PaperRecord] = {}
    by_id: dict[tuple[str, str], str] = {}
    copied: set[str] = set()  # the merged records that are copies; the others are still their one account
    for rec in records:
        key = key_of(rec.title, keys)
        if not key:
            continue
        ids = ids_of(rec)
        if key in out and not compatible(dict(ids_of(out[key])), rec):
            key = f"{key}|{ids[0][1]}"[:512]  # one title, two papers: "Survey" of arXiv A and of arXiv B
        same = next((by_id[i] for i in ids if i in by_id), None) or (key if key in out else None)
        if same is None:
            out[key] = rec  # copied only if another account is folded in: `rec` stays as it was, an account
            same = key
        else:
            if same not in copied:
                out[same] = replace(out[same])
                copied.add(same)
            absorb(out[same], rec)
        accounts.setdefault(same, []).append(rec)
        for i in ids_of(out[same]) if same in copied else ids:
            by_id.setdefault(i, same)
    return out


def one_per_paper(records: dict[str, PaperRecord], ids: dict[str, int],
                  accounts: dict[str, list[PaperRecord]]) -> dict[str, PaperRecord]:
    """Records of one document that found the same paper become one (its entry is once per document):
    their accounts folded in the file's order."""
    keys: dict[int, list[str]] = {}
    for key in records:
        keys.setdefault(ids[key], []).append(key)
    out: dict[str, PaperRecord] = {}
    for same in keys.values():
        first = same[0]
        if len(same) == 1:
            out[first] = records[first]
            continue
        told = sorted((a for key in same for a in accounts.pop(key)), key=lambda r: r.line)
        out[first] = merged = replace(told[0])
        for account in told[1:]:
            absorb(merged, account)
        accounts[first] = told
    return out


COMPARED = tuple(k for k in ENTRY_COLUMNS[2:] if k != "line")  # a move within the file is no update


def fingerprint(values: Iterable[Any]) -> int:
    """An entry's compared columns (`COMPARED` order) in one number, to tell later whether it changed."""
    return hash(tuple(tuple(v) if isinstance(v, list) else v for v in values))


def as_record(entry: Entry, source: str) -> PaperRecord:
    """An entry this sync wrote, as the record it came from (to absorb the same paper named again)."""
    return PaperRecord(title=entry.title, authors=list(entry.authors), venue=entry.venue, year=entry.year,
                       topics=list(entry.topics), summary=entry.summary, source=source, line=entry.line,
                       link=entry.link, writer=entry.writer, authors_incomplete=entry.authors_incomplete,
                       metadata_record=entry.metadata_record, **{kind: getattr(entry, kind) for kind in IDS})
