"""Meetings (reading-group sessions): scheduled, given their Discord objects, moved, cancelled or done, and
the history of those done. A meeting leaves "scheduled" once, whichever process closes it first.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.lookups import paper_key
from store.db.engine import utc
from store.db.models import Meeting, PaperTopic, Proposal, Topic
from store.readinggroup.proposals import ProposalView, proposal_view, tally
from store.text.folding import fold

SESSION_LENGTH = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    guild_id: int
    title: str
    paper_id: int | None
    proposal_id: int | None
    presenter_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    done_at: datetime | None
    event_id: int | None
    channel_id: int | None
    thread_id: int | None
    announcement_id: int | None
    roles: dict[str, int]


def meeting_view(m: Meeting) -> SessionView:
    return SessionView(m.id, m.guild_id, m.title, m.paper_id, m.proposal_id, m.presenter_id, utc(m.starts_at),
                       utc(m.ends_at), m.status, utc(m.done_at), m.event_id, m.channel_id, m.thread_id,
                       m.announcement_id, dict(m.roles or {}))


async def proposals_of(session: AsyncSession, s: SessionView, limit: int = 10) -> list[ProposalView]:
    """The posted proposals a session's scheduling, cancelling or discussion changed: its own, and (once
    discussed) the other proposals of the same paper, whose vote buttons must close too."""
    t = tally()
    rows = await session.execute(
        select(Proposal, t.c.score, t.c.voters).outerjoin(t, t.c.proposal_id == Proposal.id)
        .where(Proposal.guild_id == s.guild_id, Proposal.message_id.is_not(None),
               or_(Proposal.id == (s.proposal_id or 0),
                   and_(Proposal.paper_key == paper_key(s.title), Proposal.status == "discussed")))
        .order_by(Proposal.id.desc()).limit(limit))
    return [proposal_view(*row) for row in rows.all()]


async def get_session(session: AsyncSession, session_id: int) -> SessionView | None:
    m = await session.get(Meeting, session_id)
    return meeting_view(m) if m else None


async def schedule(session: AsyncSession, guild_id: int, title: str, presenter_id: int, starts_at: datetime,
                   created_by: int, *, paper_id: int | None = None, proposal_id: int | None = None,
                   length: timedelta = SESSION_LENGTH, roles: dict[str, int] | None = None,
                   channel_id: int | None = None) -> SessionView:
    """A new scheduled session; its proposal (if any) leaves the open list. `channel_id` is where it is to be
    announced, kept from the start: its reminders go there even if the announcement never could."""
    if starts_at.tzinfo is None:
        raise ValueError("a session's time must carry its time zone")
    starts_at = starts_at.astimezone(UTC)  # SQLite keeps the wall-clock digits only: store UTC
    if proposal_id is not None:
        await session.execute(update(Proposal).where(Proposal.id == proposal_id).values(status="scheduled"))
    m = Meeting(guild_id=guild_id, proposal_id=proposal_id, paper_id=paper_id, paper_key=paper_key(title),
                title=title[:1024], presenter_id=presenter_id, starts_at=starts_at, ends_at=starts_at + length,
                status="scheduled", created_by=created_by, roles=dict(roles or {}), channel_id=channel_id)
    session.add(m)
    await session.flush()
    return meeting_view(m)


async def attach(session: AsyncSession, session_id: int, **ids: int | None) -> None:
    """Record the Discord objects made for a session (event_id, channel_id, thread_id, announcement_id)."""
    allowed = {"event_id", "channel_id", "thread_id", "announcement_id"}
    if not ids.keys() <= allowed:
        raise ValueError(f"unknown fields: {sorted(ids.keys() - allowed)}")
    await session.execute(update(Meeting).where(Meeting.id == session_id).values(**ids))


async def by_event(session: AsyncSession, guild_id: int, event_id: int) -> SessionView | None:
    """The session whose scheduled event this is (Discord tells of its event's changes by the event's id)."""
    m = await session.scalar(select(Meeting).where(Meeting.guild_id == guild_id, Meeting.event_id == event_id)
                             .order_by(Meeting.id.desc()).limit(1))
    return meeting_view(m) if m else None


async def thread_for(session: AsyncSession, guild_id: int, title: str, exclude: int | None = None) -> int | None:
    """The thread an earlier session of the same paper opened, newest first: its discussion continues there."""
    return await session.scalar(select(Meeting.thread_id).where(
        Meeting.guild_id == guild_id, Meeting.paper_key == paper_key(title), Meeting.id != (exclude or 0),
        Meeting.thread_id.is_not(None)).order_by(Meeting.id.desc()).limit(1))


async def _scheduled(session: AsyncSession, session_id: int) -> Meeting:
    m = await session.get(Meeting, session_id)
    if m is None:
        raise LookupError("no such session")
    if m.status != "scheduled":
        raise LookupError(f"this session is already {m.status}")
    return m


async def _transition(session: AsyncSession, session_id: int, **values: object) -> Meeting:
    """Leave "scheduled" with one conditional UPDATE: of two processes closing a session, exactly one wins
    (the other waits for the row, then finds it no longer scheduled and gets LookupError)."""
    won = await session.execute(update(Meeting).where(Meeting.id == session_id, Meeting.status == "scheduled")
                                .values(**values))
    if not won.rowcount:
        await _scheduled(session, session_id)  # raises with the reason
    m = (await session.execute(select(Meeting).where(Meeting.id == session_id)
                               .execution_options(populate_existing=True))).scalar_one()
    return m


async def move(session: AsyncSession, session_id: int, starts_at: datetime) -> SessionView:
    """A new time, same length. Reminders follow: their kinds name the start time they were for."""
    if starts_at.tzinfo is None:
        raise ValueError("a session's time must carry its time zone")
    starts_at = starts_at.astimezone(UTC)
    m = await _scheduled(session, session_id)
    length = utc(m.ends_at) - utc(m.starts_at)  # type: ignore[operator]
    m.starts_at, m.ends_at = starts_at, starts_at + length
    await session.flush()
    return meeting_view(m)


async def cancel(session: AsyncSession, session_id: int) -> SessionView:
    """Cancelled; its proposal goes back to the open list (unless it expired meanwhile)."""
    m = await _transition(session, session_id, status="cancelled")
    if m.proposal_id is not None:
        await session.execute(update(Proposal).where(Proposal.id == m.proposal_id, Proposal.status == "scheduled")
                              .values(status="open"))
    await session.flush()
    return meeting_view(m)


async def done(session: AsyncSession, session_id: int, now: datetime) -> SessionView:
    """The paper is discussed (on the session's date, by its presenter); its proposal closes."""
    m = await _transition(session, session_id, status="done", done_at=now.astimezone(UTC))
    # Any proposal of the same paper closes: the group read it.
    await session.execute(update(Proposal).where(
        Proposal.guild_id == m.guild_id,
        or_(Proposal.id == m.proposal_id, and_(Proposal.paper_key == m.paper_key, Proposal.status == "open")))
        .values(status="discussed"))
    await session.flush()
    return meeting_view(m)


def _in_servers(guilds: int | Collection[int] | None) -> list[ColumnElement[bool]]:
    """One server, those given (filtered in SQL, before any limit), or every server (None)."""
    if guilds is None:
        return []
    if isinstance(guilds, int):
        return [Meeting.guild_id == guilds]
    return [Meeting.guild_id.in_(sorted(guilds))]


async def upcoming(session: AsyncSession, guilds: int | Collection[int] | None, now: datetime,
                   limit: int = 10) -> list[SessionView]:
    """Scheduled sessions not yet ended, soonest first, in one server, in those given, or in all (None)."""
    rows = await session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.ends_at > now,
                                                       *_in_servers(guilds))
                                 .order_by(Meeting.starts_at, Meeting.id).limit(limit))
    return [meeting_view(m) for m in rows.all()]


async def overdue(session: AsyncSession, now: datetime,
                  guilds: int | Collection[int] | None = None) -> list[SessionView]:
    """Scheduled sessions whose end has passed (in the servers given, or all): the loop marks them done."""
    rows = await session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.ends_at <= now,
                                                       *_in_servers(guilds))
                                 .order_by(Meeting.ends_at, Meeting.id))
    return [meeting_view(m) for m in rows.all()]


@dataclass(slots=True)
class Page:
    sessions: list[SessionView]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def history(session: AsyncSession, guild_id: int, *, presenter_id: int | None = None, topic: str | None = None,
                  page: int = 0, per_page: int = 5) -> Page:
    """Discussed sessions, newest first, optionally by one presenter or on one topic (folded label)."""
    where = [Meeting.guild_id == guild_id, Meeting.status == "done"]
    if presenter_id is not None:
        where.append(Meeting.presenter_id == presenter_id)
    if topic:
        where.append(Meeting.paper_id.in_(select(PaperTopic.paper_id).join(Topic, Topic.id == PaperTopic.topic_id)
                                          .where(Topic.key == fold(topic))))
    total = await session.scalar(select(func.count()).select_from(Meeting).where(*where)) or 0
    page = max(0, min(page, max(0, -(-total // per_page) - 1)))
    rows = await session.scalars(select(Meeting).where(*where).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
                                 .offset(page * per_page).limit(per_page))
    return Page([meeting_view(m) for m in rows.all()], total, page, per_page)
