"""`SummariesService`: members' summaries written, uploaded, edited and removed, searchable at once.

Each method is one unit of work: it opens its own session (or `papers.write`, which also makes the changed
papers searchable before it returns) and applies the rules of store.summaries.contributions, which refuses
anyone but the writer and admins whatever id a member sends. The faces only parse and render.
A member's write never fails because another writer is busy: it waits its turn (`patiently`, the
member's words held here until stored), and `on_wait` tells the face once that it is queued.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from store.db.database import patiently
from store.ingest.records import PaperRecord, Problem
from store.ingest.upload import MAX_UPLOAD_BYTES, read_upload, refusal, shown_name
from store.search.access import PaperAccess
from store.search.service import SearchService
from store.summaries import contributions as C

log = logging.getLogger(__name__)
T = TypeVar("T")
Waiting = Callable[[], Awaitable[None]] | None  # told once when a write waits for another writer
MAX_UPLOAD_PAPERS = 200  # more belongs in the corpus folder


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file a member attached: its name and announced size, and how to fetch at most `limit` bytes of it
    (a ValueError says why it could not be fetched)."""

    filename: str
    size: int
    fetch: Callable[[int], Awaitable[bytes]]


@dataclass(slots=True)
class Upload:
    found: dict[str, int] = field(default_factory=dict)  # file -> papers read from it
    result: C.BatchResult = field(default_factory=C.BatchResult)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Stats:
    """What the bot knows, in numbers."""

    papers: int
    authors: int
    topics: int
    summaries: int  # written by members in Discord
    writers: int  # members who wrote them


class SummariesService:
    def __init__(self, papers: PaperAccess, clock: Callable[[], datetime]) -> None:
        self.papers = papers
        self.search = SearchService(papers)  # the index's own counts, for stats
        self.clock = clock  # read inside each write, once its turn at the write lock has come

    async def _read(self, query: Callable[..., Awaitable[T]], *args: Any) -> T:
        async with self.papers.sessionmaker() as session:
            return await query(session, *args)

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]], changed: Callable[[T], set[int]],
                     on_wait: Waiting) -> T:
        """One member's write: a whole transaction, tried again while another writer holds the database."""
        return await patiently(lambda: self.papers.write(work, changed), on_wait=on_wait)

    # --- writes ---

    async def add(self, writer_id: int, writer: str, draft: C.Draft, on_wait: Waiting = None) -> C.Saved:
        """A new summary (ContributionError with the reason, for the member, if refused). Its time is read
        inside the write, which may wait for a reload: a digest posted meanwhile must not miss it."""
        saved = await self._write(lambda s: C.add(s, writer_id, writer, draft, self.clock()),
                                  lambda r: r.changed, on_wait)
        log.info("summary #%d by %s on paper %d", saved.contribution.id, writer_id, saved.contribution.paper_id)
        return saved

    async def upload(self, writer_id: int, writer: str, files: Sequence[UploadedFile],
                     on_wait: Waiting = None) -> Upload:
        """Summaries read from a member's files: each file checked by name and size before it is fetched, at
        most MAX_UPLOAD_PAPERS papers stored at once (more, and nothing is: that is a bulk import)."""
        out = Upload()
        records: list[PaperRecord] = []
        for file in files:
            name = shown_name(file.filename)
            if (refused := refusal(name, file.size)) is not None:
                out.problems.append(refused)
                continue
            try:
                data = await file.fetch(MAX_UPLOAD_BYTES)
            except ValueError as exc:
                out.problems.append(Problem(name, 0, str(exc)))
                continue
            parsed = read_upload(name, data)
            out.problems.extend(parsed.problems)
            out.found[name] = len(parsed.records)
            records.extend(parsed.records)
        if len(records) > MAX_UPLOAD_PAPERS:
            out.problems.append(Problem(", ".join(out.found), 0, f"{len(records):,} papers in one upload, over the "
                                        f"{MAX_UPLOAD_PAPERS} limit: nothing stored; an admin can add them to the "
                                        "corpus folder"))
            records = []
        if records:
            out.result = await self._write(
                lambda s: C.add_records(s, writer_id, writer, records, self.clock()), lambda r: r.changed, on_wait)
        log.info("upload by %s: %d stored, %d refused, %d problem(s)", writer_id, len(out.result.saved),
                 len(out.result.refused), len(out.problems))
        return out

    async def owned(self, summary_id: int, actor_id: int, actor_is_admin: bool) -> C.ContributionView | None:
        """The summary, if this member may change it (its writer, or an admin); None otherwise, whether it
        exists or not. Checked again by edit and remove: this is only to answer before opening a form."""
        view = await self._read(C.get, summary_id)
        if view is None or (view.writer_id != actor_id and not actor_is_admin):
            log.warning("refused /summary on #%d for user %s", summary_id, actor_id)
            return None
        return view

    async def edit(self, summary_id: int, actor_id: int, actor_is_admin: bool, draft: C.Draft,
                   on_wait: Waiting = None) -> C.Saved:
        return await self._write(
            lambda s: C.edit(s, summary_id, actor_id, actor_is_admin, draft, self.clock()), lambda r: r.changed,
            on_wait)

    async def remove(self, summary_id: int, actor_id: int, actor_is_admin: bool, on_wait: Waiting = None) -> None:
        await self._write(lambda s: C.remove(s, summary_id, actor_id, actor_is_admin), lambda r: r, on_wait)
        log.info("summary #%d deleted by %s", summary_id, actor_id)

    # --- reads ---

    async def mine(self, writer_id: int, limit: int = 25) -> list[C.ContributionView]:
        return await self._read(C.by_writer, writer_id, limit)

    async def recent(self, limit: int = 20) -> list[C.ContributionView]:
        return await self._read(C.recent, limit)

    async def written_since(self, when: datetime | None, limit: int = 5) -> list[C.ContributionView]:
        """The summaries members wrote after `when` (all when None), oldest first: the digest's "new summaries"."""
        return await self._read(C.since, when, limit)

    async def everything(self) -> list[C.ContributionView]:
        """Every member's summary, oldest first: what `paperbot export` writes."""
        return await self._read(C.everything)

    async def stats(self) -> Stats:
        """The corpus in numbers: papers, people (as /author counts them) and topics in the current index,
        members' summaries."""
        papers, topics = len(self.search.catalog()), len(self.search.topics())
        authors = await self.search.author_count()
        summaries, writers = await self._read(C.totals)
        return Stats(papers, authors, topics, summaries, writers)
