"""What the group already read: the discussed meetings, looked up by paper, by likeness, or all at once.

A meeting's paper counts as discussed once the meeting is done; the latest discussion is the one shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.engine import utc
from store.db.models import Meeting
from store.readinggroup.papers import Searchable


@dataclass(frozen=True, slots=True)
class Discussed:
    session_id: int
    title: str
    paper_id: int | None
    presenter_id: int
    on: datetime  # when the session started


async def discussed(session: AsyncSession, guild_id: int, key: str) -> Discussed | None:
    row = (await session.execute(select(Meeting).where(Meeting.guild_id == guild_id, Meeting.paper_key == key,
                                                       Meeting.status == "done")
                                 .order_by(Meeting.starts_at.desc()).limit(1))).scalar()
    return discussed_view(row) if row else None


def discussed_view(m: Meeting) -> Discussed:
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
            out.append(discussed_view(m))
        if len(out) >= limit:
            break
    return out


async def discussed_papers(session: AsyncSession, guild_id: int) -> dict[int, Discussed]:
    """The latest discussion of each corpus paper in a server, for "discussed on ..." lines in results."""
    out: dict[int, Discussed] = {}
    for m in (await session.scalars(select(Meeting).where(Meeting.guild_id == guild_id, Meeting.status == "done",
                                                          Meeting.paper_id.is_not(None))
                                    .order_by(Meeting.starts_at))).all():
        out[m.paper_id] = discussed_view(m)  # type: ignore[index]
    return out
