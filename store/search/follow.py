"""Following the database: wake a live index when another process commits a corpus change.

PostgreSQL tells: the writer's transaction sends a NOTIFY on `store.db.changes.CHANNEL`, delivered on
commit to every session that LISTENs. The listener is a dedicated asyncpg connection, not one from the
engine's pool (a pooled connection is handed to other work and reset; LISTEN belongs to one session).
A notice sent while that connection is down is lost for good, so every (re)connection starts with a
look at the log, and so does every liveness check (`check_seconds`), which also finds a connection
that died silently.

SQLite cannot tell: the follower looks at the log every `poll_seconds` (one indexed read).

Either way the looking is `LiveIndex.catch_up`, one at a time, wakes coalesced: ten notices in a burst
make at most two catch-ups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from store.db.changes import CHANNEL
from store.db.engine import redact

if TYPE_CHECKING:
    from store.search.live import LiveIndex

log = logging.getLogger(__name__)

CHECK_SECONDS = 30.0  # PostgreSQL: how often the listening connection is checked (and the log looked at)
RETRY_MAX = 30.0  # seconds between reconnection attempts, at most


async def follow(live: LiveIndex, poll_seconds: float = 5.0, check_seconds: float = CHECK_SECONDS) -> None:
    """Run until cancelled: keep `live`'s index in step with the changes other processes commit."""
    wake = asyncio.Event()
    if live.database.engine.dialect.name == "postgresql":
        source = asyncio.create_task(_listen(live, wake, check_seconds))
    else:
        source = asyncio.create_task(_poll(wake, poll_seconds))
    try:
        while True:
            await wake.wait()
            wake.clear()
            try:
                done = await live.catch_up()
            except Exception as exc:  # the database is away: the next wake tries again
                log.warning("could not take the corpus changes from the database: %s", _one_line(exc))
                continue
            if done != "current":
                made = live.taken_change_at
                lag = f", searchable {(datetime.now(UTC) - made).total_seconds() * 1000:.0f} ms after its commit" \
                    if made else ""
                log.info("corpus changed in another process: %s; %d papers%s", done, len(live.index), lag)
    finally:
        source.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await source


async def _poll(wake: asyncio.Event, seconds: float) -> None:
    while True:
        wake.set()
        await asyncio.sleep(seconds)


async def _listen(live: LiveIndex, wake: asyncio.Event, check_seconds: float) -> None:
    import asyncpg

    database = live.database
    dialect = database.engine.sync_engine.dialect
    args, params = dialect.create_connect_args(database.engine.url)
    delay = 0.5
    while True:
        try:
            conn = await asyncio.wait_for(asyncpg.connect(*args, **params, server_settings={
                "application_name": "paperbot-follow"}), timeout=30)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("cannot listen for corpus changes on %s (%s); retrying in %.1f s",
                        redact(database.url), _one_line(exc), delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)
            continue
        delay = 0.5
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
            await conn.add_listener(CHANNEL, lambda *_notice: wake.set())
            log.info("listening for corpus changes (%s)", redact(database.url))
            wake.set()  # what was sent while not listening is lost: look at the log now
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), check_seconds)
                    break
                await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=10)
                wake.set()
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("lost the connection listening for corpus changes (%s); reconnecting", _one_line(exc))
        finally:
            conn.terminate()
        if lost.is_set():
            log.warning("the connection listening for corpus changes closed; reconnecting")
            await asyncio.sleep(delay)


def _one_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
