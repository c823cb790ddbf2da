"""One bot process for the two-process tests: the real PaperBot, configured from the environment as
`paperbot run` is (DATABASE_URL, GUILD_ID, DIGEST_CHANNEL_ID, SHARD_COUNT, SHARD_IDS, ...), pointed at the
test's local Discord. Started by tests.e2e.harness.launch:

    python -m tests.e2e.bot_process MODE API_BASE GATEWAY_URL [NOW_ISO]

MODE "digest" or "readinggroup": its loops look every 0.05 s, and it prints "tick T" after each whole pass of
that loop (T: the wall-clock time before the pass began), for the test to wait on. MODE "shard": its loops
look every 0.2 s, no passes reported. MODE "shard-passes": as "shard", and each whole pass of its digest and
reading-group loops is written to passes.log in its working folder ("COG T"), for a test to wait on without
reading a pipe it might let fill. NOW_ISO fixes its clock at that time. Prints "ready PID" once every
shard it holds is ready, runs until SIGTERM, then closes cleanly. Logs go to standard error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from bot.client import PaperBot
from bot.config import Settings
from store.library import Library
from tests.fakediscord import pointed_at, running

# MODE -> (the cog whose passes are reported, or None; seconds between the loops' looks)
MODES = {"digest": ("DigestCog", 0.05), "readinggroup": ("ReadingGroup", 0.05), "shard": (None, 0.2),
         "shard-passes": (None, 0.2)}
# MODE -> the loops whose passes go to passes.log
PASSES = {"shard-passes": ("DigestCog", "ReadingGroup")}
PASSES_FILE = "passes.log"


async def report_ticks(bot: PaperBot, cog_name: str) -> None:
    """"tick STARTED_AT" for each whole pass of the loop (wall-clock start), for the test to wait on."""
    cog = bot.get_cog(cog_name)
    while True:
        began = time.time()
        await cog.next_tick()  # type: ignore[union-attr]
        print(f"tick {began}", flush=True)


async def write_passes(bot: PaperBot, cog_name: str, path: Path) -> None:
    """"COG STARTED_AT" in `path` for each whole pass of that loop (wall-clock start)."""
    cog = bot.get_cog(cog_name)
    while True:
        began = time.time()
        await cog.next_tick(timeout=None)  # type: ignore[union-attr]  (a slow pass is waited for)
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{cog_name} {began}\n")


async def main(mode: str, api_base: str, gateway_url: str, now: datetime | None) -> None:
    reported, poll_seconds = MODES[mode]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    settings = Settings.from_env()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    library = Library(settings.database_url, settings.corpus_dir)
    await library.start(ingest_if_empty=False)
    bot = PaperBot(library, settings, **({"clock": lambda: now} if now else {}))
    bot.digest_poll_seconds = poll_seconds
    with pointed_at(SimpleNamespace(api_base=api_base, gateway_url=gateway_url)):  # type: ignore[arg-type]
        async with running(bot, timeout=60):
            print(f"ready {os.getpid()}", flush=True)
            reporter = asyncio.create_task(report_ticks(bot, reported)) if reported else None
            writers = [asyncio.create_task(write_passes(bot, name, Path(PASSES_FILE))) for name in PASSES.get(mode, ())]
            await stop.wait()
            if reporter is not None:
                reporter.cancel()
            for writer in writers:
                writer.cancel()
    await library.close()
    print("stopped", flush=True)


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], a[1], a[2], datetime.fromisoformat(a[3]) if len(a) > 3 else None))
