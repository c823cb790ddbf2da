"""What the group already read: the discussed meetings, looked up by paper, by likeness (in meaning when the index
has it, else in words), or all at once.

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

# The cosine from which a discussed paper counts as close to a proposal. On the bundled seeds' 94 papers, two
# papers taken at random score 0.26 (median; 0.34 at the 75th percentile, 0.45 at the 95th), a paper and its
# nearest neighbour 0.50 (median); BERT against "Attention Is All You Need" scores 0.58, GANs against it 0.24.
CLOSE = 0.4


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
                            limit: int = 3, *, paper_id: int | None = None) -> list[Discussed]:
    """Discussed papers closest to the proposed one (`title`; `paper_id` when it is a corpus paper), best first,
    the paper itself (`exclude`: its key) left out. By meaning when the index has it (`closest_in_meaning`),
    else as /paper ranks them for the title's words."""
    done = {m.paper_id: m for m in (await session.scalars(
        select(Meeting).where(Meeting.guild_id == guild_id, Meeting.status == "done", Meeting.paper_id.is_not(None))
        .order_by(Meeting.starts_at))).all()}
    among = {pid for pid, m in done.items() if m.paper_key != exclude and pid != paper_id}
    if not among:
        return []
    closest = closest_in_meaning(index, title, paper_id, among, limit)
    if closest is None:  # meaning is off: the words of the title, as before
        closest = [h.paper.id for h in index.paper(title, limit=50).hits if h.paper.id in among][:limit]
    return [discussed_view(done[pid]) for pid in closest]


def closest_in_meaning(index: Searchable, title: str, paper_id: int | None, among: set[int],
                       limit: int) -> list[int] | None:
    """The ids of `among` closest in meaning to the paper (its own vector; a paper with none yet, or one not in
    the corpus, by its title's), best first, from a cosine of `CLOSE`; None when meaning is off or unavailable."""
    if index.meaning is None:
        return None
    if paper_id is None:
        paper_id = next((h.paper.id for h in index.paper(title, limit=1).hits if h.paper.title == title), None)
    if paper_id is not None:
        result = index.similar(paper_id, limit, among=among)
        if result.note is None:
            return [h.paper.id for h in result.hits if h.score >= CLOSE]
    return [h.paper.id for h in index.similar_text(title, limit, among=among).hits if h.score >= CLOSE]


async def discussed_papers(session: AsyncSession, guild_id: int) -> dict[int, Discussed]:
    """The latest discussion of each corpus paper in a server, for "discussed on ..." lines in results."""
    out: dict[int, Discussed] = {}
    for m in (await session.scalars(select(Meeting).where(Meeting.guild_id == guild_id, Meeting.status == "done",
                                                          Meeting.paper_id.is_not(None))
                                    .order_by(Meeting.starts_at))).all():
        out[m.paper_id] = discussed_view(m)  # type: ignore[index]
    return out
