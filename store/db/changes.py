"""The corpus change log: how a change committed by one process reaches every other on the database.

A writer records, as the last write of its transaction, a new corpus version and the papers it
changed (`record`). A follower reads what came after the last row it took (`since`) and applies it.
"After the last one taken" is only safe if rows become visible in id order, and on PostgreSQL a
sequence hands out ids at insert time, not at commit: two transactions could commit 8 before 7, and a
follower reading between them would step over 7 for good. So on PostgreSQL `record` first takes a
transaction-scoped advisory lock, held until commit: writers insert and commit one at a time. (SQLite
has one writer at a time already.) On PostgreSQL `record` also sends a NOTIFY, which the server
delivers only when (and if) the transaction commits; followers listening on CHANNEL wake at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.db.engine import utc
from store.db.models import CorpusChange
from store.db.settings import put_setting

CORPUS_VERSION = "corpus_version"
CORPUS_WRITER = "corpus_writer"  # SQLite: the origin of the transaction changing the corpus (see take_turn)
CHANNEL = "paperbot_corpus"  # PostgreSQL LISTEN/NOTIFY channel
LOCK_KEY = 0x7061706572636367  # pg_advisory_xact_lock key for "recording a corpus change" ("paperccg")
MAX_PAPERS = 1_000  # a change naming more papers is recorded as "reload everything" (papers = None)
KEEP = 1_000  # rows kept; a follower further behind than this reloads everything


@dataclass(frozen=True)
class Change:
    id: int
    papers: frozenset[int] | None  # None: too many to name, reload everything
    origin: str
    changed_at: datetime  # when it was written, just before its commit


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def take_turn(session: AsyncSession) -> None:
    """Wait for this transaction's turn to change the corpus, before it reads what it is about to change.

    Two processes reloading the same folder at once would otherwise both find a new file not stored yet
    and both insert it, and the second would fail on the unique constraint; a member's summary of a new
    paper racing a reload that adds the same paper fails the same way. On PostgreSQL this is the advisory
    lock `record` takes (held until commit; taking it again in the same transaction costs nothing). On
    SQLite, whose driver begins a transaction only at its first write, a first write makes this
    transaction the database's one writer (waiting on the busy timeout) before it reads anything.
    """
    if _is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    else:
        await put_setting(session, CORPUS_WRITER, str(session.info.get("origin", "")))


async def record(session: AsyncSession, papers: set[int] | None) -> str:
    """Stamp the corpus as changed in the caller's transaction; returns the new version.

    The origin is the session's `info["origin"]` (set by the sessionmaker of store.db.database.Database): the
    process that wrote a change has it in its index already and skips it when it reads the log.
    """
    postgres = _is_postgres(session)
    if postgres:
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    version = uuid.uuid4().hex
    await put_setting(session, CORPUS_VERSION, version)
    named = sorted(papers) if papers is not None and len(papers) <= MAX_PAPERS else None
    row_id = (await session.execute(insert(CorpusChange).values(
        version=version, papers=named, origin=str(session.info.get("origin", "")),
        changed_at=datetime.now(UTC)).returning(CorpusChange.id))).scalar_one()
    await session.execute(delete(CorpusChange).where(CorpusChange.id <= row_id - KEEP))
    if postgres:
        await session.execute(text("SELECT pg_notify(:channel, :payload)"),
                              {"channel": CHANNEL, "payload": str(row_id)})
    return version


async def latest(session: AsyncSession) -> int:
    """The id of the newest change (0 before any): read it before the papers, and take what follows."""
    return await session.scalar(select(func.max(CorpusChange.id))) or 0


async def since(session: AsyncSession, last: int, limit: int = 200) -> tuple[list[Change], bool]:
    """The changes after `last`, oldest first (at most `limit`), and whether the log still reaches `last`.

    False when rows after `last` were already pruned (or more than `limit` are waiting): the caller
    reloads everything instead.
    """
    rows = (await session.execute(select(CorpusChange.id, CorpusChange.papers, CorpusChange.origin,
                                         CorpusChange.changed_at)
                                  .where(CorpusChange.id > last).order_by(CorpusChange.id)
                                  .limit(limit + 1))).all()
    if not rows:
        return [], True
    oldest = await session.scalar(select(func.min(CorpusChange.id))) or 0
    complete = len(rows) <= limit and oldest <= last + 1  # (a rolled-back id at the edge: one needless reload)
    changes = [Change(r.id, None if r.papers is None else frozenset(r.papers), r.origin,
                      utc(r.changed_at))
               for r in rows[:limit]]
    return changes, complete
