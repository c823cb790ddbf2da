"""The one end-to-end setup: a Library, the local Discord, the real PaperBot, a clock the test turns, and the
bot processes of the two-process tests. conftest.py turns the usual worlds into fixtures.

    async with local_discord(database_url, corpus) as (fake, library):    # discord.py pointed at `fake`
        async with running(make_bot(fake, library, clock)) as bot:        # loops driven by `clock`
            await next_tick(bot, "DigestCog")                              # a whole pass of that loop

    processes = [await launch("digest", fake, tmp_path / f"p{i}", now=..., GUILD_ID=...) for i in range(2)]
    try:
        for p in processes:
            await p.ready()
        ...
    finally:
        codes = await stop(processes)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from bot.client import PaperBot
from bot.config import Settings
from store.library import BUNDLED_SEEDS, Library
from tests.fakediscord import FakeDiscord, User, pointed_at, running

ROOT = Path(__file__).resolve().parent.parent.parent
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday; Paris is UTC+1 in December
START = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # Thursday 19:00 in Paris: the reading group's session


class Clock:
    """The bot's clock: it reads `now`, which the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def share_clock(fake: FakeDiscord, clock: Clock) -> None:
    """The local Discord reads the bot's clock: tokens age on it (15 minutes) and scheduled events go
    ACTIVE at their start and COMPLETED at their end as the test moves it."""
    fake.clock = clock


def seeds_copy(tmp_path: Path) -> Path:
    """A corpus folder the test may write to: a copy of the bundled seeds."""
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_SEEDS, corpus)
    return corpus


@contextlib.asynccontextmanager
async def local_discord(database_url: str, corpus: Path | None = None, *, ingest_if_empty: bool = True,
                        meaning: bool = False) -> AsyncIterator[tuple[FakeDiscord, Library]]:
    """A started Library on `corpus` (None: the bundled seeds, read in place) and the local Discord, with
    discord.py pointed at it; no bot yet. `meaning`: MEANING on, every paper's vector in the index first."""
    library = Library(database_url, corpus, meaning=meaning)
    await library.start(ingest_if_empty=ingest_if_empty)
    if library.embedder is not None:
        await library.embedder.settled()
    try:
        async with FakeDiscord() as fake:
            with pointed_at(fake):
                yield fake, library
    finally:
        await library.close()


def settings_for(fake: FakeDiscord, **settings: Any) -> Settings:
    """A bot's settings on the local Discord's server, taking uploads from its attachment host."""
    return Settings(**{"guild_id": fake.guild_id, "attachment_hosts": frozenset({fake.attachment_host}), **settings})


def make_bot(fake: FakeDiscord, library: Library, clock: Clock, *, timezone: str = "UTC",
             poll_seconds: float = 0.05, **settings: Any) -> PaperBot:
    """A bot whose loops run on `clock`, looking every `poll_seconds`; its digest goes to #reading-group on
    Mondays at 09:00 in `timezone` (`settings` may say otherwise)."""
    digest = {"digest_channel_id": fake.channels["reading-group"], "digest_weekday": 0,
              "digest_time": time(9, 0), "digest_timezone": timezone}
    bot = PaperBot(library, settings_for(fake, **{**digest, **settings}), clock=clock)
    bot.digest_poll_seconds = poll_seconds
    return bot


@contextlib.asynccontextmanager
async def bot_world(database_url: str, corpus: Path | None, *,
                    ingest_if_empty: bool = True) -> AsyncIterator[tuple[FakeDiscord, PaperBot, Path | None]]:
    """The local Discord and a running bot on its real clock, over a Library on `corpus`."""
    async with contextlib.AsyncExitStack() as stack:
        fake, library = await stack.enter_async_context(local_discord(database_url, corpus,
                                                                      ingest_if_empty=ingest_if_empty))
        bot = await stack.enter_async_context(running(PaperBot(library, settings_for(fake))))
        yield fake, bot, corpus


def loop_cog(bot: PaperBot, name: str) -> Any:
    """The cog named `name` ("DigestCog", "ReadingGroup"): a background loop with ticks to wait on."""
    cog = bot.get_cog(name)  # loaded as an extension: its own module object, hence no isinstance
    assert cog is not None and type(cog).__name__ == name
    return cog


async def next_tick(bot: PaperBot, name: str) -> None:
    """Wait for a whole pass of that loop that started after now: whatever was due, it has acted."""
    cog = loop_cog(bot, name)
    before = cog.ticks_done
    assert await cog.next_tick() > before and cog.loop.is_running()


# --- what members do in the reading group ---

async def propose(fake: FakeDiscord, user: User, paper: str) -> dict:
    rec = await fake.slash("propose", user=user, paper=paper)
    return await rec.final()


async def click(fake: FakeDiscord, message: dict, custom_id: str, user: User) -> str:
    """Press a button; the bot's private follow-up."""
    rec = await fake.click(message, custom_id, user=user)
    await rec.wait(lambda: bool(rec.followups) or bool(rec.rejected))
    assert not rec.rejected, rec.rejected
    return rec.followups[0]["content"]


# --- what members do with summaries ---

async def write(fake: FakeDiscord, user: User, values: dict[str, str], paper: str | None = None) -> dict:
    """/summary write, its form sent with `values`: the bot's reply."""
    rec = await fake.slash("summary write", user=user, **({"paper": paper} if paper is not None else {}))
    submitted = await fake.submit_modal(rec, values, user=user)
    return await submitted.final()


async def search(fake: FakeDiscord, query: str) -> dict:
    """/paper `query`, as another member asks it."""
    return await (await fake.slash("paper", query=query, user=fake.other)).final()


# --- bot processes (tests/e2e/bot_process.py) ---

@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    log: Path
    pid: int = 0

    async def ready(self, timeout: float = 90) -> None:
        """Wait for its "ready PID" line: every shard it holds is connected and ready."""
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), timeout)).split()
        assert line[:1] == [b"ready"], (line, self.log.read_text()[-4000:])
        self.pid = int(line[1])

    async def passes_after(self, moment: float, count: int = 2) -> None:
        """Wait for `count` whole passes of the watched loop that began after `moment` (time.time())."""
        seen = 0
        while seen < count:
            assert self.proc.stdout is not None
            line = (await asyncio.wait_for(self.proc.stdout.readline(), 30)).split()
            assert line and line[0] == b"tick", line
            seen += float(line[1]) > moment

    def searchable_ms(self) -> list[int]:
        """The follower's own measure: how long after its commit another process's change was searchable."""
        return [int(m) for m in re.findall(r"searchable (\d+) ms after its commit", self.log.read_text())]


async def launch(mode: str, fake: FakeDiscord, folder: Path, now: datetime | None = None,
                 **env: str) -> BotProcess:
    """Start a bot process in `folder` (its working folder, as a deployed process has its own; its log is
    bot.log there), configured by `env` as `paperbot run` is; `mode` names the loop it reports on."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "bot.log"
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    environment.pop("DISCORD_TOKEN", None)
    args = [mode, fake.api_base, fake.gateway_url, *([now.isoformat()] if now else [])]
    with log.open("w") as stderr:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.e2e.bot_process", *args, cwd=folder,
                                                    env=environment, stdout=asyncio.subprocess.PIPE, stderr=stderr)
    return BotProcess(proc, log)


async def stop(processes: list[BotProcess]) -> list[int]:
    """Stop them (going on first if one was paused); their exit codes."""
    for p in processes:
        if p.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                p.proc.send_signal(signal.SIGCONT)
                p.proc.send_signal(signal.SIGTERM)
    return [await asyncio.wait_for(p.proc.wait(), 30) for p in processes]
