"""Summaries members write in Discord: add, edit, delete, list. Database only, nothing of Discord.

Each writer's summaries are the entries of one pseudo-document, `discord:<writer id>`, whose root is
`DISCORD_ROOT`: a folder ingest prunes only documents under the folders it read, so a /reload never
removes them, and a paper they describe is derived from them like from any file's entries. A
`Contribution` row beside each entry says who may change it and when it was written and edited;
each edit keeps the previous version (`ContributionEdit`).

Who may edit or delete is decided here, from the actor's id (and whether the bot found them to be an
admin): a member who guesses another member's summary id is refused by the store itself.

Every function runs inside the caller's transaction (one per unit of work) and returns the ids of
the papers it changed, for the index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.derive import prune_unreferenced, rederive
from store.corpus.lookups import paper_key
from store.db import changes
from store.db.engine import utc
from store.db.models import Contribution, ContributionEdit, Document, Entry, Paper
from store.ingest.readings.fields.categories import topic_labels
from store.ingest.readings.gate import refuse_title
from store.ingest.records import DISCORD_ROOT, PaperRecord
from store.text.identifiers import doi, is_link, names_an_identifier, typed_arxiv_id
from store.text.links import checked_link

TITLE_MAX = 300
TLDR_MAX = 300
SUMMARY_MAX = 4000
TOPICS_MAX = 20
WRITER_MAX = 300


__all__ = ["DISCORD_ROOT", "ContributionError", "Draft", "NotAllowed", "add", "add_records", "edit", "remove"]


class ContributionError(ValueError):
    """A request the store refuses; the message is meant for the member."""


class NotAllowed(ContributionError):
    pass


def document_name(writer_id: int) -> str:
    return f"{DISCORD_ROOT}{writer_id}"


@dataclass(slots=True)
class Draft:
    """What a member submits: the paper (a title, or a link / arXiv id / DOI), and their summary."""

    paper: str
    tldr: str = ""
    summary: str = ""
    topics: list[str] = field(default_factory=list)
    link: str | None = None
    authors: list[str] = field(default_factory=list)  # from a file; Discord's form has no authors field
    venue: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class ContributionView:
    id: int
    paper_id: int
    title: str
    link: str | None
    tldr: str
    body: str
    topics: tuple[str, ...]
    writer_id: int
    writer: str
    created_at: datetime
    edited_at: datetime | None
    edits: int
    authors: tuple[str, ...] = ()
    venue: str | None = None
    year: int | None = None


@dataclass(slots=True)
class Saved:
    contribution: ContributionView
    paper_created: bool
    changed: set[int]  # paper ids whose index entry must change


def split_topics(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[,;\n]", text or "") if p.strip()]
    return list(dict.fromkeys(topic_labels(parts)))[:TOPICS_MAX] if parts else []


def full_text(tldr: str, body: str) -> str:
    """The entry's summary: the TL;DR as its first paragraph, so both are searched."""
    return "\n\n".join(x for x in (tldr.strip(), body.strip()) if x)


def _clean(draft: Draft) -> Draft:
    paper = " ".join(draft.paper.split())
    tldr = " ".join(draft.tldr.split())
    body = draft.summary.replace("\r\n", "\n").strip()
    link, refused = checked_link(draft.link)
    if not paper:
        raise ContributionError("Name the paper: its title, or an arXiv id, DOI or link.")
    if len(paper) > 2048 or len(tldr) > TLDR_MAX or len(body) > SUMMARY_MAX:
        raise ContributionError(f"Too long: the paper at most 2,048 characters, the TL;DR {TLDR_MAX}, the "
                                f"summary {SUMMARY_MAX:,}.")
    if not (tldr or body):
        raise ContributionError("Write a TL;DR or a summary: there is nothing to save.")
    if refused:
        raise ContributionError(f"The link was refused: {refused}.")
    if is_link(paper) and not link:  # a link in the paper field is its link, held to the same rules
        link, refused = checked_link(paper)
        if refused:
            raise ContributionError(f"The paper's link was refused: {refused}.")
    return Draft(paper, tldr, body, list(draft.topics)[:TOPICS_MAX], link, list(draft.authors), draft.venue,
                 draft.year if draft.year and 1900 <= draft.year <= 2200 else None)


async def _matching_paper(session: AsyncSession, draft: Draft) -> Paper | None:
    """The stored paper the draft names: by arXiv id or DOI (the papers' identifier columns), by link,
    then by folded title."""
    wanted_arxiv = typed_arxiv_id(draft.link) or typed_arxiv_id(draft.paper)
    wanted_doi = doi(draft.link) or (doi(draft.paper) if names_an_identifier(draft.paper) else None)
    for column, wanted in ((Paper.arxiv_id, wanted_arxiv), (Paper.doi, wanted_doi)):
        if wanted and (found := await session.scalar(select(Paper).where(column == wanted))) is not None:
            return found
    if draft.link:
        found = await session.scalar(select(Paper).where(Paper.link == draft.link).order_by(Paper.id).limit(1))
        if found is not None:
            return found
    if not names_an_identifier(draft.paper):
        return await session.scalar(select(Paper).where(Paper.key == paper_key(draft.paper)))
    return None


async def _arxiv_metadata(session: AsyncSession, paper: Paper) -> tuple[list[str], str | None, int | None]:
    """Authors, venue and year of the fullest entry of a paper the corpus holds (its arXiv record)."""
    rows = (await session.execute(select(Entry.authors, Entry.venue, Entry.year)
                                  .where(Entry.paper_id == paper.id))).all()
    if not rows:
        return [], paper.venue, paper.year
    authors = max((list(r.authors) for r in rows), key=len)
    return authors, paper.venue, paper.year


async def _writer_document(session: AsyncSession, writer_id: int, now: datetime) -> Document:
    name = document_name(writer_id)
    doc = await session.scalar(select(Document).where(Document.name == name))
    if doc is not None:
        return doc
    try:
        async with session.begin_nested():
            doc = Document(name=name, root=DISCORD_ROOT, sha256="", ingested_at=now)
            session.add(doc)
    except IntegrityError:  # another process created it first
        doc = await session.scalar(select(Document).where(Document.name == name))
        assert doc is not None
    return doc


async def _finish(session: AsyncSession, paper_ids: set[int]) -> None:
    await session.flush()
    await rederive(session, paper_ids)
    await prune_unreferenced(session)
    await changes.record(session, paper_ids)


async def _add_one(session: AsyncSession, doc: Document, writer_id: int, writer: str, draft: Draft,
                   now: datetime) -> tuple[Contribution, bool, int]:
    paper = await _matching_paper(session, draft)
    created = paper is None
    authors, venue, year = list(draft.authors), draft.venue, draft.year
    if paper is None:
        if names_an_identifier(draft.paper):
            raise ContributionError("No paper in the corpus has that link or id: write the paper's title in "
                                    "the paper field, and the link in the link field.")
        if len(draft.paper) > TITLE_MAX:  # a paper of the corpus may have a longer title; a new one may not
            raise ContributionError(f"The title is over {TITLE_MAX} characters.")
        if why := refuse_title(draft.paper):  # the corpus reader's gate: what is not plausibly a paper is refused
            raise ContributionError(f"That does not look like a paper's title ({why}): write the paper's title.")
        title = draft.paper
        paper = Paper(key=paper_key(title), title=title, venue=venue, year=year, link=draft.link, added_at=now,
                      arxiv_id=typed_arxiv_id(draft.link), doi=doi(draft.link))
        session.add(paper)
        await session.flush()
    elif typed_arxiv_id(draft.link) or typed_arxiv_id(draft.paper):
        found_authors, found_venue, found_year = await _arxiv_metadata(session, paper)
        authors, venue, year = authors or found_authors, venue or found_venue, year or found_year
    mine = await session.scalar(select(Contribution.id).join(Entry, Contribution.entry_id == Entry.id)
                                .where(Entry.document_id == doc.id, Entry.paper_id == paper.id))
    if mine is not None:
        raise ContributionError(f"You already wrote a summary of “{paper.title}” (#{mine}): "
                                f"change it with /summary edit.")
    entry = Entry(document_id=doc.id, paper_id=paper.id, line=1, title=paper.title, authors=authors, venue=venue,
                  year=year, topics=list(dict.fromkeys(draft.topics)), link=draft.link or paper.link,
                  summary=full_text(draft.tldr, draft.summary), writer=writer[:WRITER_MAX] or None,
                  key=paper_key(paper.title), arxiv_id=typed_arxiv_id(draft.link), doi=doi(draft.link))
    session.add(entry)
    await session.flush()
    contribution = Contribution(entry_id=entry.id, writer_id=writer_id, tldr=draft.tldr, created_at=now)
    session.add(contribution)
    await session.flush()
    return contribution, created, paper.id


async def add(session: AsyncSession, writer_id: int, writer: str, draft: Draft,
              now: datetime | None = None) -> Saved:
    """Store a member's summary: on the paper it names, or on a new paper."""
    now = now or datetime.now(UTC)
    draft = _clean(draft)
    await changes.take_turn(session)
    doc = await _writer_document(session, writer_id, now)
    contribution, created, pid = await _add_one(session, doc, writer_id, writer, draft, now)
    await _finish(session, {pid})
    return Saved(await _view(session, contribution.id), created, {pid})


@dataclass(slots=True)
class BatchResult:
    saved: list[Saved] = field(default_factory=list)
    refused: list[tuple[PaperRecord, str]] = field(default_factory=list)

    @property
    def changed(self) -> set[int]:
        return {pid for s in self.saved for pid in s.changed}


async def add_records(session: AsyncSession, writer_id: int, writer: str, records: Sequence[PaperRecord],
                      now: datetime | None = None) -> BatchResult:
    """Store the papers read from a member's uploaded files; a record that cannot be stored is refused
    with its reason, and the others are stored (in the caller's one transaction)."""
    now = now or datetime.now(UTC)
    out = BatchResult()
    await changes.take_turn(session)
    doc = await _writer_document(session, writer_id, now)
    for rec in records:
        draft = Draft(paper=rec.title, summary=rec.summary, topics=list(rec.topics), link=rec.link,
                      authors=list(rec.authors), venue=rec.venue, year=rec.year)
        try:
            draft = _clean(draft)
            if names_an_identifier(draft.paper):
                raise ContributionError("the title is a link or an id: give the paper's title")
            async with session.begin_nested():
                contribution, created, pid = await _add_one(session, doc, writer_id, rec.writer or writer,
                                                            draft, now)
        except ContributionError as exc:
            out.refused.append((rec, str(exc)))
            continue
        out.saved.append(Saved(await _view(session, contribution.id), created, {pid}))
    if out.saved:
        await _finish(session, out.changed)
        out.saved = [Saved(await _view(session, s.contribution.id), s.paper_created, s.changed) for s in out.saved]
    return out


async def _owned(session: AsyncSession, contribution_id: int, actor_id: int, actor_is_admin: bool) -> Contribution:
    contribution = await session.get(Contribution, contribution_id)
    if contribution is None or (contribution.writer_id != actor_id and not actor_is_admin):
        # The same answer whether it exists or not: ids are not for guessing.
        raise NotAllowed(f"You have no summary #{contribution_id}: only its writer and admins can change it.")
    return contribution


async def edit(session: AsyncSession, contribution_id: int, actor_id: int, actor_is_admin: bool, draft: Draft,
               now: datetime | None = None) -> Saved:
    """Replace the TL;DR, summary, topics and link of a summary; the previous version is kept."""
    now = now or datetime.now(UTC)
    await changes.take_turn(session)
    contribution = await _owned(session, contribution_id, actor_id, actor_is_admin)
    entry = await session.get(Entry, contribution.entry_id)
    assert entry is not None
    draft = _clean(Draft(paper=entry.title, tldr=draft.tldr, summary=draft.summary, topics=draft.topics,
                         link=draft.link))
    session.add(ContributionEdit(contribution_id=contribution.id, editor_id=actor_id, edited_at=now,
                                 title=entry.title, link=entry.link, tldr=contribution.tldr,
                                 summary=entry.summary, topics=list(entry.topics)))
    entry.summary = full_text(draft.tldr, draft.summary)
    entry.topics = list(dict.fromkeys(draft.topics))
    entry.link = draft.link
    contribution.tldr = draft.tldr
    contribution.edited_at = now
    await _finish(session, {entry.paper_id})
    return Saved(await _view(session, contribution.id), False, {entry.paper_id})


async def remove(session: AsyncSession, contribution_id: int, actor_id: int, actor_is_admin: bool) -> set[int]:
    """Delete a summary (and its history); a paper left with no summary at all goes with it."""
    await changes.take_turn(session)
    contribution = await _owned(session, contribution_id, actor_id, actor_is_admin)
    entry = await session.get(Entry, contribution.entry_id)
    assert entry is not None
    pid = entry.paper_id
    await session.execute(delete(ContributionEdit).where(ContributionEdit.contribution_id == contribution.id))
    await session.execute(delete(Contribution).where(Contribution.id == contribution.id))
    await session.execute(delete(Entry).where(Entry.id == entry.id))
    session.expunge(contribution)
    session.expunge(entry)
    await _finish(session, {pid})
    return {pid}


def _query():  # type: ignore[no-untyped-def]
    edits = (select(func.count(ContributionEdit.id)).where(ContributionEdit.contribution_id == Contribution.id)
             .scalar_subquery())
    return (select(Contribution.id, Entry.paper_id, Paper.title, Entry.link, Contribution.tldr, Entry.summary,
                   Entry.topics, Contribution.writer_id, Entry.writer, Contribution.created_at,
                   Contribution.edited_at, edits, Entry.authors, Entry.venue, Entry.year)
            .join(Entry, Contribution.entry_id == Entry.id).join(Paper, Entry.paper_id == Paper.id))


def _as_view(row) -> ContributionView:  # type: ignore[no-untyped-def]
    (cid, pid, title, link, tldr, summary, topics, writer_id, writer, created, edited, edits,
     authors, venue, year) = row
    body = summary[len(tldr):].lstrip("\n") if tldr and summary.startswith(tldr) else summary
    return ContributionView(cid, pid, title, link, tldr, body, tuple(topics or ()), writer_id, writer or "",
                            utc(created), utc(edited), edits or 0,
                            tuple(authors or ()), venue, year)


async def _view(session: AsyncSession, contribution_id: int) -> ContributionView:
    row = (await session.execute(_query().where(Contribution.id == contribution_id))).one()
    return _as_view(row)


async def get(session: AsyncSession, contribution_id: int) -> ContributionView | None:
    row = (await session.execute(_query().where(Contribution.id == contribution_id))).one_or_none()
    return _as_view(row) if row else None


async def by_writer(session: AsyncSession, writer_id: int, limit: int = 100) -> list[ContributionView]:
    rows = await session.execute(_query().where(Contribution.writer_id == writer_id)
                                 .order_by(Contribution.created_at.desc(), Contribution.id.desc()).limit(limit))
    return [_as_view(r) for r in rows.all()]


async def recent(session: AsyncSession, limit: int = 20) -> list[ContributionView]:
    last = func.coalesce(Contribution.edited_at, Contribution.created_at)
    rows = await session.execute(_query().order_by(last.desc(), Contribution.id.desc()).limit(limit))
    return [_as_view(r) for r in rows.all()]


async def since(session: AsyncSession, when: datetime | None, limit: int = 5) -> list[ContributionView]:
    """The summaries members wrote after `when` (all of them when None), oldest first: the digest's
    "new summaries" section."""
    query = _query() if when is None else _query().where(Contribution.created_at > when)
    rows = await session.execute(query.order_by(Contribution.created_at.desc(), Contribution.id.desc()).limit(limit))
    return [_as_view(r) for r in reversed(rows.all())]


async def everything(session: AsyncSession) -> list[ContributionView]:
    rows = await session.execute(_query().order_by(Contribution.id))
    return [_as_view(r) for r in rows.all()]


async def totals(session: AsyncSession) -> tuple[int, int]:
    """How many summaries members wrote, and how many members wrote them."""
    row = (await session.execute(select(func.count(Contribution.id),
                                        func.count(func.distinct(Contribution.writer_id))))).one()
    return int(row[0]), int(row[1])
