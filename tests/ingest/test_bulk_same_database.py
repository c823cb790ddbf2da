"""A bulk import's fast paths leave the very database the plain ones do. A mixed corpus (papers named in two
files by arXiv id or by title, people written two ways, a note beside the JSON Lines) is ingested, ingested
again unchanged, changed and partly removed: stored one record per batch, two per batch or whole, and with
the new papers', people's and topics' ids read back by key rather than numbered on, every table holds the
same rows (by content: ids differ with the order of insertion) and every report says the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import store.corpus.derive as derive
import store.corpus.papers as papers
from store.db.models import (
    Authorship,
    CorpusChange,
    Document,
    Entry,
    Paper,
    PaperTopic,
    Person,
    Setting,
    Topic,
)
from store.ingest import corpus as ingest_corpus
from store.ingest import stream
from store.library import Library
from tests.ingest.bulk import changes, ingest, paper, write

NOTE = """# Sparse Attention

Link: https://arxiv.org/abs/2401.00001
Authors: Ada Lovelace, Alan M. Turing

A note on sparse attention, written by a member.
"""


FIRST = [paper("Sparse Attention", "2401.00001", "One.", "Ada Lovelace, Alan Turing"),
         paper("Dense Nets", "2401.00002", "Two.", "Grace Hopper"),
         paper("Survey", None, "Three.", "A. Lovelace"),
         paper("sparse attention", "2401.00001", "Again.", "Ada Lovelace"),  # the same paper in the same file
         paper("Graph Learning", "2401.00003", "Four.", "Alan M. Turing, Grace B. Hopper")]
SECOND = [paper("Attention Made Sparse", "2401.00001", "Other file.", "Ada King Lovelace"),  # by arXiv id
          paper("Dense Nets", None, "By title.", "Grace Hopper"),  # by title
          paper("Survey", "2401.00009", "A survey of another paper.", "Edsger Dijkstra"),  # a title, two papers
          paper("Fresh Paper", "2401.00004", "Five.", "Barbara Liskov, Alan Turing")]
SECOND_CHANGED = [paper("Attention Made Sparse", "2401.00001", "Other file, revised.", "Ada King Lovelace"),
                  paper("Fresh Paper", "2401.00004", "Five.", "Barbara Liskov"),
                  paper("Newer Paper", "2401.00005", "Six.", "Ada Lovelace")]


SKIP = ("id", "added_at", "ingested_at", "root")  # ids, times, and the folder's path differ from run to run


async def _tables(url: str) -> dict[str, Any]:
    """Every corpus table's rows by content: an id that points to a row is replaced by that row's key."""
    library = Library(url)
    try:
        async with library.sessionmaker() as s:
            named = {"paper_id": dict((await s.execute(select(Paper.id, Paper.key))).all()),
                     "person_id": dict((await s.execute(select(Person.id, Person.key))).all()),
                     "topic_id": dict((await s.execute(select(Topic.id, Topic.key))).all()),
                     "document_id": dict((await s.execute(select(Document.id, Document.name))).all())}
            out: dict[str, Any] = {}
            for model in (Paper, Entry, Person, Topic, Authorship, PaperTopic, Document):
                columns = [c for c in model.__table__.columns if c.key not in SKIP]
                found = (await s.execute(select(*columns))).all()
                out[model.__tablename__] = sorted((tuple(
                    named[c.key][v] if c.key in named else tuple(v) if isinstance(v, list) else v
                    for c, v in zip(columns, row, strict=True)) for row in found), key=repr)
            out["settings"] = sorted((await s.execute(select(Setting.key))).scalars().all())
            out["changes"] = [None if ids is None else sorted(named["paper_id"].get(i, "(gone)") for i in ids)
                              for ids in (await s.execute(select(CorpusChange.papers)
                                                          .order_by(CorpusChange.id))).scalars()]
        return out
    finally:
        await library.close()


async def _run(root: Path, batch: int, numbered: bool, monkeypatch: pytest.MonkeyPatch, worker: bool = False
               ) -> list[Any]:
    monkeypatch.setattr(stream, "BATCH_RECORDS", batch)
    if worker:  # parsed by the parsing process (its own batch size), which gives the authors' keys (`Keyed`)
        monkeypatch.setattr(ingest_corpus, "PROCESS_WORTHWHILE_BYTES", 0)
        monkeypatch.setattr(ingest_corpus.os, "cpu_count", lambda: 2)
    if not numbered:  # the new papers', people's and topics' ids read back by key: the numbering check fails
        async def never(*args: Any) -> bool:
            return False
        monkeypatch.setattr(papers, "numbered_on", never)
        monkeypatch.setattr(derive, "numbered_on", never)
    url = f"sqlite+aiosqlite:///{root / 'db.sqlite3'}"
    corpus = root / "corpus"
    write(corpus / "a.jsonl", *FIRST)
    write(corpus / "b.jsonl", *SECOND)
    (corpus / "note.md").write_text(NOTE, encoding="utf-8")
    steps = [changes(await ingest(url, corpus)), await _tables(url)]
    steps += [changes(await ingest(url, corpus)), await _tables(url)]  # unchanged: untouched
    write(corpus / "b.jsonl", *SECOND_CHANGED)
    steps += [changes(await ingest(url, corpus)), await _tables(url)]
    (corpus / "a.jsonl").unlink()
    steps += [changes(await ingest(url, corpus)), await _tables(url)]
    monkeypatch.undo()
    return steps


async def test_the_fast_paths_leave_the_database_the_plain_ones_do(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    whole = await _run(tmp_path / "whole", 10_000, False, monkeypatch)
    assert {status for _, status, *_ in whole[2]} == {"unchanged"} and ("a.jsonl", "removed", 0, 0, 4, 0) in whole[6]
    for batch, numbered in ((10_000, True), (1, True), (2, True), (1, False)):
        assert await _run(tmp_path / f"{batch}-{numbered}", batch, numbered, monkeypatch) == whole, (batch, numbered)
    assert await _run(tmp_path / "worker", 10_000, True, monkeypatch, worker=True) == whole
