"""What the bulk-import tests share: JSON Lines papers and files, an import into a database, what it holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from store.db.migrate import upgrade
from store.db.models import Authorship, Document, Entry, Paper, Person
from store.ingest.report import IngestReport
from store.library import Library

ABSTRACT = "We study sparse attention."


def paper(title: str, arxiv: str | None = None, abstract: str = ABSTRACT, authors: str = "Ada Lovelace") -> str:
    item: dict[str, Any] = {"title": title, "abstract": abstract, "authors": authors, "categories": "cs.LG"}
    if arxiv:
        item["id"] = arxiv
    return json.dumps(item)


def write(path: Path, *lines_: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines_), encoding="utf-8")
    return path


async def ingest(url: str, folder: Path) -> IngestReport:
    library = Library(url, folder)
    try:
        await upgrade(library.database.engine)
        return await library.ingest([folder])
    finally:
        await library.close()


async def stored(url: str) -> dict[str, Any]:
    """What the database holds, by content (ids differ with the order of insertion)."""
    library = Library(url)
    try:
        async with library.sessionmaker() as s:
            titles = dict((await s.execute(select(Paper.id, Paper.title))).all())
            papers = sorted((await s.execute(select(Paper.key, Paper.title, Paper.venue, Paper.year, Paper.link,
                                                    Paper.arxiv_id, Paper.authors_incomplete))).all())
            entries = sorted((titles[pid], name, line, summary, tuple(authors), key, arxiv)
                             for pid, name, line, summary, authors, key, arxiv in (await s.execute(
                                 select(Entry.paper_id, Document.name, Entry.line, Entry.summary, Entry.authors,
                                        Entry.key, Entry.arxiv_id).join(Document))).all())
            authorships = sorted((titles[pid], pos, name) for pid, pos, name in (await s.execute(
                select(Authorship.paper_id, Authorship.position, Authorship.name))).all())
            people = sorted((await s.execute(select(Person.name))).scalars().all())
        return {"papers": papers, "entries": entries, "authorships": authorships, "people": people}
    finally:
        await library.close()


def changes(report: IngestReport) -> list[tuple[str, str, int, int, int, int]]:
    return [(f.source, f.status, f.added, f.updated, f.removed, f.papers) for f in report.files]
