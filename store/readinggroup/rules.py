"""The reading group's loop as database state: proposals and votes, sessions, volunteers, reminders.

Nothing here knows Discord: members, channels and messages are plain integer ids. Each function works
inside the caller's transaction (one unit of work per command). The schema carries the rules: one vote
per member per proposal (primary key), one open proposal per paper per server (partial unique index),
one reminder per (session, kind) (unique), so two bot processes cannot double-post a reminder. A
reminder is *claimed* like a digest: a savepoint insert, and a claim never marked posted may be taken
over after a lease, so a crash between claim and post delays the reminder instead of losing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.sync import paper_key
from store.db.claims import claim_once
from store.db.engine import utc
from store.db.models import Meeting, PaperTopic, Proposal, Reminder, Topic, Volunteer, Vote
from store.search.results import PaperView, SearchResult
from store.text.links import web_link

DEFAULT_EXPIRY = timedelta(days=28)
SESSION_LENGTH = timedelta(hours=1)
REMINDERS = (1440, 60)  # minutes before the start: a day and an hour

_ARXIV = re.compile(r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*)?(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)


class Searchable(Protocol):
    """What the store needs from the search index: papers by id and a title search."""

    papers: tuple[PaperView, ...]

    def get(self, paper_id: int) -> PaperView | None: ...

    def paper(self, query: str, limit: int = 10) -> SearchResult: ...


def arxiv_id(text: str) -> str | None:
    """The arXiv identifier in an id, an `arXiv:` reference or an arxiv.org link; None if there is none."""
    m = _ARXIV.search(text.strip())
    return m[1] if m else None


def plausible_title(text: str) -> bool:
    """Whether free text could name a paper not in the corpus: two words or more, with letters in them."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return len(words) >= 2 and sum(c.isalpha() for c in text) >= 8


def resolve(index: Searchable, text: str) -> PaperView | None:
    """The corpus paper a member means: by id (autocomplete sends it), arXiv id/link, or exact title."""
    raw = text.strip()
    if raw.isdigit() and (view := index.get(int(raw))) is not None:
        return view
    if (aid := arxiv_id(raw)) is not None:
        for p in index.papers:
            if p.link and aid in p.link:
                return p
        return None
    key = paper_key(raw)
    for p in index.papers:
        if paper_key(p.title) == key:
            return p
    return None


# --- proposals and votes ---


@dataclass(frozen=True, slots=True)
class Discussed:
    session_id: int
    title: str
    paper_id: int | None
    presenter_id: int
    on: datetime  # when the session started


@dataclass(frozen=True, slots=True)
class ProposalView:
    id: int
    title: str
    paper_id: int | None
    link: str | None
    proposer_id: int
    created_at: datetime
    expires_at: datetime
    status: str
    score: int  # votes for minus votes against
    voters: int
    message_id: int | None
    channel_id: int | None


@dataclass(slots=True)
class Proposed:
    proposal: ProposalView
    new: bool  # False: the paper already had an open proposal, returned instead
    discussed: Discussed | None  # the group already read this paper
    similar: list[Discussed]  # discussed papers close to it, by the search index


def _view(p: Proposal, score: int, voters: int) -> ProposalView:
    return ProposalView(p.id, p.title, p.paper_id, p.link, p.proposer_id, utc(p.created_at),  # type: ignore[arg-type]
                        utc(p.expires_at), p.status, int(score or 0), int(voters or 0),  # type: ignore[arg-type]
                        p.message_id, p.channel_id)


def _tally():  # type: ignore[no-untyped-def]
    return (select(Vote.proposal_id, func.coalesce(func.sum(Vote.value), 0).label("score"),
                   func.count().label("voters")).group_by(Vote.proposal_id).subquery())


async def proposal(session: AsyncSession, proposal_id: int) -> ProposalView | None:
    t = _tally()
    row = (await session.execute(select(Proposal, t.c.score, t.c.voters).outerjoin(t, t.c.proposal_id == Proposal.id)
                                 .where(Proposal.id == proposal_id))).first()
    return _view(*row) if row else None


async def discussed(session: AsyncSession, guild_id: int, key: str) -> Discussed | None:
    row = (await session.execute(select(Meeting).where(Meeting.guild_id == guild_id, Meeting.paper_key == key,
                                                       Meeting.status == "done")
                                 .order_by(Meeting.starts_at.desc()).limit(1))).scalar()
    return _discussed(row) if row else None


def _discussed(m: Meeting) -> Discussed:
    return Discussed(m.id, m.title, m.paper_id, m.presenter_id, utc(m.starts_at))


async def similar_discussed(session: AsyncSession, guild_id: int, index: Searchable, title: str, exclude: str,
                            limit: int = 3) -> list[Discussed]:
    """Discussed papers the index ranks closest to `title` (the paper itself excluded), best first."""
    done = {m.paper_id: m for m in (await session.scalars(
        select(Meeting).where(Meeting.guild_id == guild_id, Meeting.status == "done", Meeting.paper_id.is_not(None))
        .order_by(Meeting.starts_at))).all()}
    if not done:
        return []
    out = []
    for hit in index.paper(title, limit=50).hits:
        m = done.get(hit.paper.id)
        if m is not None and m.paper_key != exclude:
            out.append(_discussed(m))
        if len(out) >= limit:
            break
    return out


async def propose(session: AsyncSession, guild_id: int, proposer_id: int, title: str, now: datetime, *,
                  paper_id: int | None = None, link: str | None = None, index: Searchable | None = None,
                  expiry: timedelta = DEFAULT_EXPIRY) -> Proposed:
    """Open a proposal (or return the open one for the same paper), saying if it or similar was discussed."""
    title = " ".join(title.split())
    if not title:
        raise ValueError("a proposal needs a title")
    key = paper_key(title)
    now = now.astimezone(UTC)
    await expire(session, guild_id, now)
    new = True
    try:
        async with session.begin_nested():
            pid = await session.scalar(insert(Proposal).values(
                guild_id=guild_id, paper_id=paper_id, paper_key=key, title=title[:1024], link=web_link(link),
                proposer_id=proposer_id, created_at=now, expires_at=now + expiry, status="open").returning(Proposal.id))
    except IntegrityError:  # already open in this server
        new = False
        pid = await session.scalar(select(Proposal.id).where(Proposal.guild_id == guild_id, Proposal.paper_key == key,
                                                             Proposal.status == "open"))
    assert pid is not None
    view = await proposal(session, pid)
    assert view is not None
    similar = await similar_discussed(session, guild_id, index, title, key) if index is not None else []
    return Proposed(view, new, await discussed(session, guild_id, key), similar)


async def set_message(session: AsyncSession, proposal_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(update(Proposal).where(Proposal.id == proposal_id)
                          .values(channel_id=channel_id, message_id=message_id))


async def vote(session: AsyncSession, proposal_id: int, member_id: int, value: int, now: datetime) -> int | None:
    """Toggle a member's vote: a new value is recorded (or replaces theirs), the same value again withdraws it.

    Returns the member's vote after the click (None: withdrawn). Raises LookupError for a proposal that is
    gone or no longer open.
    """
    if value not in (1, -1):
        raise ValueError("a vote is +1 or -1")
    status = await session.scalar(select(Proposal.status).where(Proposal.id == proposal_id))
    if status != "open":
        raise LookupError("this proposal is closed" if status else "no such proposal")
    current = await session.scalar(select(Vote.value).where(Vote.proposal_id == proposal_id,
                                                            Vote.member_id == member_id))
    if current == value:
        await unvote(session, proposal_id, member_id)
        return None
    if current is None:
        try:
            async with session.begin_nested():
                await session.execute(insert(Vote).values(proposal_id=proposal_id, member_id=member_id, value=value,
                                                          voted_at=now))
            return value
        except IntegrityError:  # a double click raced us: fall through to an update
            pass
    await session.execute(update(Vote).where(Vote.proposal_id == proposal_id, Vote.member_id == member_id)
                          .values(value=value, voted_at=now))
    return value


async def unvote(session: AsyncSession, proposal_id: int, member_id: int) -> None:
    await session.execute(delete(Vote).where(Vote.proposal_id == proposal_id, Vote.member_id == member_id))


async def expire(session: AsyncSession, guild_id: int, now: datetime) -> int:
    """Close the open proposals whose time is up; how many."""
    result = await session.execute(update(Proposal).where(Proposal.guild_id == guild_id, Proposal.status == "open",
                                                          Proposal.expires_at <= now).values(status="expired"))
    return result.rowcount or 0


async def open_proposals(session: AsyncSession, guild_id: int, now: datetime, limit: int = 25) -> list[ProposalView]:
    """Open proposals, most votes first, then oldest first (then id, for a total order)."""
    t = _tally()
    score = func.coalesce(t.c.score, 0)
    rows = (await session.execute(
        select(Proposal, t.c.score, t.c.voters).outerjoin(t, t.c.proposal_id == Proposal.id)
        .where(Proposal.guild_id == guild_id, Proposal.status == "open", Proposal.expires_at > now)
        .order_by(score.desc(), Proposal.created_at, Proposal.id).limit(limit))).all()
    return [_view(*r) for r in rows]


# --- sessions ---


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


def _session(m: Meeting) -> SessionView:
    return SessionView(m.id, m.guild_id, m.title, m.paper_id, m.proposal_id, m.presenter_id, utc(m.starts_at),
                       utc(m.ends_at), m.status, utc(m.done_at), m.event_id, m.channel_id, m.thread_id,
                       m.announcement_id, dict(m.roles or {}))


async def proposals_of(session: AsyncSession, s: SessionView, limit: int = 10) -> list[ProposalView]:
    """The posted proposals a session's scheduling, cancelling or discussion changed: its own, and (once
    discussed) the other proposals of the same paper, whose vote buttons must close too."""
    t = _tally()
    rows = await session.execute(
        select(Proposal, t.c.score, t.c.voters).outerjoin(t, t.c.proposal_id == Proposal.id)
        .where(Proposal.guild_id == s.guild_id, Proposal.message_id.is_not(None),
               or_(Proposal.id == (s.proposal_id or 0),
                   and_(Proposal.paper_key == paper_key(s.title), Proposal.status == "discussed")))
        .order_by(Proposal.id.desc()).limit(limit))
    return [_view(*row) for row in rows.all()]


async def get_session(session: AsyncSession, session_id: int) -> SessionView | None:
    m = await session.get(Meeting, session_id)
    return _session(m) if m else None


async def schedule(session: AsyncSession, guild_id: int, title: str, presenter_id: int, starts_at: datetime,
                   created_by: int, *, paper_id: int | None = None, proposal_id: int | None = None,
                   length: timedelta = SESSION_LENGTH, roles: dict[str, int] | None = None) -> SessionView:
    """A new scheduled session; its proposal (if any) leaves the open list."""
    if starts_at.tzinfo is None:
        raise ValueError("a session's time must carry its time zone")
    starts_at = starts_at.astimezone(UTC)  # SQLite keeps the wall-clock digits only: store UTC
    if proposal_id is not None:
        await session.execute(update(Proposal).where(Proposal.id == proposal_id).values(status="scheduled"))
    m = Meeting(guild_id=guild_id, proposal_id=proposal_id, paper_id=paper_id, paper_key=paper_key(title),
                title=title[:1024], presenter_id=presenter_id, starts_at=starts_at, ends_at=starts_at + length,
                status="scheduled", created_by=created_by, roles=dict(roles or {}))
    session.add(m)
    await session.flush()
    return _session(m)


async def attach(session: AsyncSession, session_id: int, **ids: int | None) -> None:
    """Record the Discord objects made for a session (event_id, channel_id, thread_id, announcement_id)."""
    allowed = {"event_id", "channel_id", "thread_id", "announcement_id"}
    if not ids.keys() <= allowed:
        raise ValueError(f"unknown fields: {sorted(ids.keys() - allowed)}")
    await session.execute(update(Meeting).where(Meeting.id == session_id).values(**ids))


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
    return _session(m)


async def cancel(session: AsyncSession, session_id: int) -> SessionView:
    """Cancelled; its proposal goes back to the open list (unless it expired meanwhile)."""
    m = await _transition(session, session_id, status="cancelled")
    if m.proposal_id is not None:
        await session.execute(update(Proposal).where(Proposal.id == m.proposal_id, Proposal.status == "scheduled")
                              .values(status="open"))
    await session.flush()
    return _session(m)


async def done(session: AsyncSession, session_id: int, now: datetime) -> SessionView:
    """The paper is discussed (on the session's date, by its presenter); its proposal closes."""
    m = await _transition(session, session_id, status="done", done_at=now.astimezone(UTC))
    # Any proposal of the same paper closes: the group read it.
    await session.execute(update(Proposal).where(
        Proposal.guild_id == m.guild_id,
        or_(Proposal.id == m.proposal_id, and_(Proposal.paper_key == m.paper_key, Proposal.status == "open")))
        .values(status="discussed"))
    await session.flush()
    return _session(m)


async def upcoming(session: AsyncSession, guild_id: int | None, now: datetime, limit: int = 10) -> list[SessionView]:
    """Scheduled sessions not yet ended, soonest first (all servers when guild_id is None)."""
    q = select(Meeting).where(Meeting.status == "scheduled", Meeting.ends_at > now)
    if guild_id is not None:
        q = q.where(Meeting.guild_id == guild_id)
    return [_session(m) for m in (await session.scalars(q.order_by(Meeting.starts_at, Meeting.id).limit(limit))).all()]


async def overdue(session: AsyncSession, now: datetime) -> list[SessionView]:
    """Scheduled sessions whose end has passed: the loop marks them done."""
    rows = await session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.ends_at <= now)
                                 .order_by(Meeting.ends_at, Meeting.id))
    return [_session(m) for m in rows.all()]


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
        from store.text.names import fold

        where.append(Meeting.paper_id.in_(select(PaperTopic.paper_id).join(Topic, Topic.id == PaperTopic.topic_id)
                                          .where(Topic.key == fold(topic))))
    total = await session.scalar(select(func.count()).select_from(Meeting).where(*where)) or 0
    page = max(0, min(page, max(0, -(-total // per_page) - 1)))
    rows = await session.scalars(select(Meeting).where(*where).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
                                 .offset(page * per_page).limit(per_page))
    return Page([_session(m) for m in rows.all()], total, page, per_page)


async def discussed_papers(session: AsyncSession, guild_id: int) -> dict[int, Discussed]:
    """The latest discussion of each corpus paper in a server, for "discussed on ..." lines in results."""
    out: dict[int, Discussed] = {}
    for m in (await session.scalars(select(Meeting).where(Meeting.guild_id == guild_id, Meeting.status == "done",
                                                          Meeting.paper_id.is_not(None))
                                    .order_by(Meeting.starts_at))).all():
        out[m.paper_id] = _discussed(m)  # type: ignore[index]
    return out


# --- volunteers and the rotation ---


async def volunteer(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> bool:
    """Add a member to the presenter rotation; False if they already are in it."""
    try:
        async with session.begin_nested():
            await session.execute(insert(Volunteer).values(guild_id=guild_id, member_id=member_id, since=now))
        return True
    except IntegrityError:
        return False


async def withdraw(session: AsyncSession, guild_id: int, member_id: int) -> bool:
    result = await session.execute(delete(Volunteer).where(Volunteer.guild_id == guild_id,
                                                           Volunteer.member_id == member_id))
    return bool(result.rowcount)


async def rotation(session: AsyncSession, guild_id: int) -> list[int]:
    """Volunteers, the one who presented least recently first: never presented (earliest volunteer first),
    then by their latest session (done or scheduled, cancelled ones do not count)."""
    last = (select(Meeting.presenter_id, func.max(Meeting.starts_at).label("last"))
            .where(Meeting.guild_id == guild_id, Meeting.status != "cancelled")
            .group_by(Meeting.presenter_id).subquery())
    rows = (await session.execute(select(Volunteer.member_id, last.c.last, Volunteer.since)
                                  .outerjoin(last, last.c.presenter_id == Volunteer.member_id)
                                  .where(Volunteer.guild_id == guild_id))).all()
    rows.sort(key=lambda r: (r[1] is not None, r[1] or r[2], r[2], r[0]))
    return [r[0] for r in rows]


# --- reminders ---


def reminder_kind(minutes: int, starts_at: datetime) -> str:
    """The claim's key: how long before, and the start it is for (so moving a session re-arms reminders)."""
    return f"{minutes}:{starts_at.astimezone(starts_at.tzinfo).strftime('%Y-%m-%dT%H:%M%z')}"


def due_reminders(s: SessionView, now: datetime, offsets: tuple[int, ...] = REMINDERS) -> list[int]:
    """The reminder offsets (minutes) whose time has come and that are still before the session's start.

    A reminder missed by more than its own window (the bot was down from a day before until the hour
    before) is not sent late: only the latest due one is, so members get one reminder, not two at once.
    """
    if s.status != "scheduled" or now >= s.starts_at:
        return []
    due = [m for m in sorted(offsets, reverse=True) if now >= s.starts_at - timedelta(minutes=m)]
    return due[-1:]


async def claim_reminder(session: AsyncSession, session_id: int, kind: str, claimed_by: str,
                         now: datetime) -> int | None:
    """Claim a reminder; its id, or None if it is posted or another claim is live (the digest's pattern)."""
    return await claim_once(session, Reminder, {"session_id": session_id, "kind": kind}, claimed_by, now)


async def mark_reminded(session: AsyncSession, reminder_id: int, message_id: int | None, now: datetime) -> None:
    await session.execute(update(Reminder).where(Reminder.id == reminder_id).values(posted_at=now,
                                                                                   message_id=message_id))


async def reminders_posted(session: AsyncSession, session_id: int) -> list[tuple[str, int | None]]:
    rows = await session.execute(select(Reminder.kind, Reminder.message_id).where(
        Reminder.session_id == session_id, Reminder.posted_at.is_not(None)).order_by(Reminder.id))
    return [(k, mid) for k, mid in rows.all()]
