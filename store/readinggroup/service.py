"""`ReadingGroupService`: proposals, votes, meetings, rotation and reminders, each call one unit of work.

What the bot calls: every method opens its own database session and owns its transaction, so a cog
parses an interaction, calls one method, and renders what it returns. Where Discord must act between
two writes (post a reminder once), the cog calls claim_reminder, posts, then record_reminder. "Meeting" here is a
reading-group session (the `Meeting` row), never a database session.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from store.corpus.lookups import paper_key
from store.db.database import patiently
from store.readinggroup import discussions, meetings, papers, presenters, proposals, reminders
from store.readinggroup.discussions import Discussed
from store.readinggroup.meetings import Page, SessionView
from store.readinggroup.proposals import DEFAULT_EXPIRY, ProposalView, Proposed
from store.readinggroup.reminders import REMINDERS
from store.search.access import PaperAccess
from store.search.results import PaperView

DIGEST_PROPOSALS = 3  # the digest shows this many of the top open proposals


@dataclass(frozen=True, slots=True)
class Voted:
    proposal: ProposalView | None  # as it stands after the click (None: there is no such proposal)
    mine: int | None  # the member's vote after the click (None: withdrawn, or refused)
    refused: str | None = None  # why the vote was not counted


class Missing(enum.Enum):
    """What a meeting cannot be scheduled without."""

    PROPOSAL = enum.auto()  # no open proposal to schedule
    PRESENTER = enum.auto()  # no presenter: nobody has volunteered


@dataclass(frozen=True, slots=True)
class Changed:
    """A meeting as a call left it, and the posted proposals that call changed (read in its transaction), so
    the bot can bring their messages up to date."""

    meeting: SessionView
    proposals: list[ProposalView]


@dataclass(frozen=True, slots=True)
class Scheduled:
    meeting: SessionView
    thread_id: int | None  # the thread an earlier meeting on this paper opened: the discussion continues there
    proposals: list[ProposalView]  # the posted proposals the scheduling changed


@dataclass(frozen=True, slots=True)
class DigestSections:
    """The reading group's part of the weekly digest."""

    next_meeting: SessionView | None
    top: list[ProposalView]


@dataclass(frozen=True, slots=True)
class Due:
    """What the loop must do now: reminders (meeting, minutes before) and meetings whose end has passed."""

    reminders: list[tuple[SessionView, int]]
    ended: list[SessionView]


class ReadingGroupService:
    def __init__(self, papers: PaperAccess, clock: Callable[[], datetime], worker: str, *,
                 expiry: timedelta = DEFAULT_EXPIRY, reminders: tuple[int, ...] = REMINDERS) -> None:
        self.papers = papers
        self.clock = clock
        self.worker = worker  # this process's name on the claims it takes (reminders)
        self.expiry = expiry  # how long a proposal stays open
        self.reminders = reminders  # minutes before a meeting

    # --- papers, proposals and votes ---

    def titles_like(self, current: str, limit: int = 25) -> list[PaperView]:
        return papers.titles_like(self.papers.catalog, current, limit)

    async def propose(self, guild_id: int, proposer_id: int, text: str) -> Proposed:
        """Propose the paper `text` names (raises papers.UnknownNumber or papers.NotAPaper if none)."""
        index = self.papers.index
        named = papers.named_paper(index, text)
        now = self.clock()
        async with self.papers.sessionmaker() as s, s.begin():
            return await proposals.propose(s, guild_id, proposer_id, named.title, now, paper_id=named.paper_id,
                                           link=named.link, index=index, expiry=self.expiry)

    async def posted(self, proposal_id: int, channel_id: int, message_id: int) -> None:
        """Where the proposal's message is, so that scheduling or closing it can update its buttons."""
        async with self.papers.sessionmaker() as s, s.begin():
            await proposals.set_message(s, proposal_id, channel_id, message_id)

    async def vote(self, guild_id: int, proposal_id: int, member_id: int, value: int) -> Voted:
        async with self.papers.sessionmaker() as s, s.begin():  # its own unit: a refused vote keeps it
            await proposals.expire(s, guild_id, self.clock())
        try:
            async with self.papers.sessionmaker() as s, s.begin():
                mine = await proposals.vote(s, proposal_id, member_id, value, self.clock())
                return Voted(await proposals.proposal(s, proposal_id), mine)
        except LookupError as exc:
            async with self.papers.sessionmaker() as s:
                return Voted(await proposals.proposal(s, proposal_id), None, str(exc))

    async def open_proposals(self, guild_id: int, limit: int) -> list[ProposalView]:
        """Open proposals, most votes first (those whose time is up closed first)."""
        now = self.clock()
        async with self.papers.sessionmaker() as s, s.begin():
            await proposals.expire(s, guild_id, now)
            return await proposals.open_proposals(s, guild_id, now, limit=limit)

    # --- the rotation and what was discussed ---

    async def toggle_volunteer(self, guild_id: int, member_id: int) -> bool:
        """Join the presenters' rotation, or leave it if already in; whether the member is in it now."""
        async with self.papers.sessionmaker() as s, s.begin():
            added = await presenters.volunteer(s, guild_id, member_id, self.clock())
            if not added:
                await presenters.withdraw(s, guild_id, member_id)
        return added

    async def history(self, guild_id: int, *, presenter_id: int | None, topic: str | None, page: int = 0,
                      per_page: int = 5) -> Page:
        async with self.papers.sessionmaker() as s:
            return await meetings.history(s, guild_id, presenter_id=presenter_id, topic=topic, page=page,
                                          per_page=per_page)

    async def discussed(self, guild_id: int) -> dict[int, Discussed]:
        """For /paper, /author, /topic, /ask results: paper id -> its latest discussion in this server."""
        async with self.papers.sessionmaker() as s:
            return await discussions.discussed_papers(s, guild_id)

    async def digest_sections(self, guild_id: int) -> DigestSections:
        now = self.clock()
        async with self.papers.sessionmaker() as s:
            nxt = await meetings.upcoming(s, guild_id, now, limit=1)
            top = await proposals.open_proposals(s, guild_id, now, limit=DIGEST_PROPOSALS)
        return DigestSections(nxt[0] if nxt else None, top)

    # --- meetings ---

    async def schedule_meeting(self, guild_id: int, created_by: int, starts_at: datetime, *, presenter_id: int | None,
                               paper: str | None, critic_id: int | None, minutes: int,
                               channel_id: int | None = None) -> Scheduled | Missing:
        """A new meeting on `paper` (default: the top open proposal), presented by `presenter_id` (default: the
        volunteer who presented least recently); the open proposal of its paper, if any, is scheduled with it.
        `channel_id` (where it is announced) is kept at once: its reminders go there whatever publishing meets."""
        now = self.clock()
        async with self.papers.sessionmaker() as s, s.begin():
            await proposals.expire(s, guild_id, now)
            if paper is None:
                top = await proposals.open_proposals(s, guild_id, now, limit=1)
                if not top:
                    return Missing.PROPOSAL
                proposal_id, paper_id, title = top[0].id, top[0].paper_id, top[0].title
            else:
                view = papers.resolve(self.papers.index, paper)
                title = view.title if view else paper
                paper_id = view.id if view else None
                match = [p for p in await proposals.open_proposals(s, guild_id, now, limit=100)
                         if paper_key(p.title) == paper_key(title)]
                proposal_id = match[0].id if match else None
            presenter = presenter_id
            if presenter is None:
                suggested = (await presenters.rotation(s, guild_id))[:1]
                if not suggested:
                    return Missing.PRESENTER
                presenter = suggested[0]
            meeting = await meetings.schedule(s, guild_id, title, presenter, starts_at, created_by,
                                              paper_id=paper_id, proposal_id=proposal_id,
                                              length=timedelta(minutes=minutes),
                                              roles={"critic": critic_id} if critic_id else None,
                                              channel_id=channel_id)
            thread_id = await meetings.thread_for(s, guild_id, meeting.title, meeting.id)
            return Scheduled(meeting, thread_id, await meetings.proposals_of(s, meeting))

    async def attach(self, meeting_id: int, **ids: int | None) -> SessionView:
        """Record the Discord objects made for a meeting (event_id, channel_id, thread_id, announcement_id)."""
        async with self.papers.sessionmaker() as s, s.begin():
            await meetings.attach(s, meeting_id, **ids)
            view = await meetings.get_session(s, meeting_id)
        assert view is not None
        return view

    async def to_publish(self, guild_id: int, meeting_id: int | None) -> Scheduled | None:
        """A scheduled meeting of this server (`meeting_id`, or the next) as publishing needs it: with the thread
        an earlier meeting on its paper opened; None if there is no such meeting (an organiser's retry)."""
        found = await self.scheduled_meeting(guild_id, meeting_id)
        if found is None:
            return None
        async with self.papers.sessionmaker() as s:
            return Scheduled(found, await meetings.thread_for(s, guild_id, found.title, found.id), [])

    async def by_event(self, guild_id: int, event_id: int) -> SessionView | None:
        """The meeting whose scheduled event this is (Discord's own changes to it arrive by the event's id)."""
        async with self.papers.sessionmaker() as s:
            return await meetings.by_event(s, guild_id, event_id)

    async def scheduled_meeting(self, guild_id: int, meeting_id: int | None) -> SessionView | None:
        """The server's scheduled meeting `meeting_id`, or its next one; None if there is no such meeting."""
        async with self.papers.sessionmaker() as s:
            if meeting_id is None:
                nxt = await meetings.upcoming(s, guild_id, self.clock(), limit=1)
                found = nxt[0] if nxt else None
            else:
                found = await meetings.get_session(s, meeting_id)
        if found is None or found.guild_id != guild_id or found.status != "scheduled":
            return None
        return found

    async def upcoming(self, guild_id: int, limit: int = 25) -> list[SessionView]:
        async with self.papers.sessionmaker() as s:
            return await meetings.upcoming(s, guild_id, self.clock(), limit=limit)

    async def move_meeting(self, meeting_id: int, starts_at: datetime) -> SessionView:
        async with self.papers.sessionmaker() as s, s.begin():
            return await meetings.move(s, meeting_id, starts_at)

    async def cancel_meeting(self, meeting_id: int) -> Changed:
        """Cancelled; its proposal is open again."""
        async with self.papers.sessionmaker() as s, s.begin():
            meeting = await meetings.cancel(s, meeting_id)
            return Changed(meeting, await meetings.proposals_of(s, meeting))

    async def finish_meeting(self, meeting_id: int) -> Changed:
        """Discussed now (LookupError if it is no longer scheduled: another process finished it first)."""
        async with self.papers.sessionmaker() as s, s.begin():
            meeting = await meetings.done(s, meeting_id, self.clock())
            return Changed(meeting, await meetings.proposals_of(s, meeting))

    # --- the loop: reminders, and meetings whose end has passed ---

    async def due(self, guild_ids: Iterable[int]) -> Due:
        """The reminders due now and the meetings ended, in the servers this process serves."""
        guilds = set(guild_ids)
        now = self.clock()
        async with self.papers.sessionmaker() as s:  # only these servers' meetings, picked before the limit
            coming = await meetings.upcoming(s, guilds, now, limit=200)
            ended = await meetings.overdue(s, now, guilds)
        return Due([(m, minutes) for m in coming for minutes in reminders.due_reminders(m, now, self.reminders)],
                   ended)

    async def claim_reminder(self, meeting: SessionView, minutes: int) -> int | None:
        """Take the reminder `minutes` before the meeting; its claim, or None if posted or another holds it."""
        kind = reminders.reminder_kind(minutes, meeting.starts_at)
        async with self.papers.sessionmaker() as s, s.begin():
            return await reminders.claim_reminder(s, meeting.id, kind, self.worker, self.clock())

    async def record_reminder(self, claim: int, message_id: int | None) -> None:
        """The reminder posted: recorded even while another process's ingest holds the database (its claim
        lapsing unrecorded would post it again)."""
        async def attempt() -> None:
            async with self.papers.sessionmaker() as s, s.begin():
                await reminders.mark_reminded(s, claim, message_id, self.clock())
        await patiently(attempt)
