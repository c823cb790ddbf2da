"""Proposals and votes: one open proposal per paper per server, one vote per member per proposal (the schema
holds both rules), open proposals ranked by votes, closed when their time is up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Subquery, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.corpus.lookups import paper_key
from store.db.engine import utc
from store.db.models import Proposal, Vote
from store.readinggroup.discussions import Discussed, discussed, similar_discussed
from store.readinggroup.papers import Searchable
from store.text.links import web_link

DEFAULT_EXPIRY = timedelta(days=28)


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


def proposal_view(p: Proposal, score: int, voters: int) -> ProposalView:
    return ProposalView(p.id, p.title, p.paper_id, p.link, p.proposer_id, utc(p.created_at),  # type: ignore[arg-type]
                        utc(p.expires_at), p.status, int(score or 0), int(voters or 0),  # type: ignore[arg-type]
                        p.message_id, p.channel_id)


def tally() -> Subquery:
    """Each proposal's score (votes for minus against) and number of voters."""
    return (select(Vote.proposal_id, func.coalesce(func.sum(Vote.value), 0).label("score"),
                   func.count().label("voters")).group_by(Vote.proposal_id).subquery())


async def proposal(session: AsyncSession, proposal_id: int) -> ProposalView | None:
    t = tally()
    row = (await session.execute(select(Proposal, t.c.score, t.c.voters).outerjoin(t, t.c.proposal_id == Proposal.id)
                                 .where(Proposal.id == proposal_id))).first()
    return proposal_view(*row) if row else None


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
    similar = (await similar_discussed(session, guild_id, index, title, key, paper_id=paper_id)
               if index is not None else [])
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
    t = tally()
    score = func.coalesce(t.c.score, 0)
    rows = (await session.execute(
        select(Proposal, t.c.score, t.c.voters).outerjoin(t, t.c.proposal_id == Proposal.id)
        .where(Proposal.guild_id == guild_id, Proposal.status == "open", Proposal.expires_at > now)
        .order_by(score.desc(), Proposal.created_at, Proposal.id).limit(limit))).all()
    return [proposal_view(*r) for r in rows]
