"""One bot process for the two-process reminder test: the real PaperBot and its reading-group loop,
pointed at the test's local Discord, with the clock fixed at NOW_ISO.

    python -m tests.e2e.readinggroup_process API_BASE GATEWAY_URL DATABASE_URL GUILD_ID CHANNEL_ID NOW_ISO

Prints "ready" once connected, then "tick T" after each whole pass of the reading group's loop (T: the
wall-clock time before the pass began), runs until SIGTERM, then closes cleanly.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time as time_module
from datetime import datetime
from types import SimpleNamespace

from bot.client import PaperBot
from bot.config import Settings
from store.library import Library
from tests.fakediscord import pointed_at, running


async def report_ticks(bot: PaperBot) -> None:
    cog = bot.get_cog("ReadingGroup")
    while True:
        began = time_module.time()
        await cog.next_tick()  # type: ignore[union-attr]
        print(f"tick {began}", flush=True)


async def main(api_base: str, gateway_url: str, url: str, guild_id: int, channel_id: int, now: datetime) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    library = Library(url)
    await library.start(ingest_if_empty=False)
    bot = PaperBot(library, Settings(guild_id=guild_id, digest_channel_id=channel_id), clock=lambda: now)
    bot.digest_poll_seconds = 0.05
    with pointed_at(SimpleNamespace(api_base=api_base, gateway_url=gateway_url)):  # type: ignore[arg-type]
        async with running(bot):
            print("ready", flush=True)
            reporter = asyncio.create_task(report_ticks(bot))
            await stop.wait()
            reporter.cancel()
    await library.close()
    print("stopped", flush=True)


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], a[1], a[2], int(a[3]), int(a[4]), datetime.fromisoformat(a[5])))
