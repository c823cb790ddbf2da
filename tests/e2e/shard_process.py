"""One bot process of a sharded deployment, for the two-process tests: the real PaperBot, configured from
the environment as `paperbot run` is (SHARD_COUNT, SHARD_IDS, DATABASE_URL, ...), pointed at the test's
local Discord, with the digest loop looking every 0.2 s instead of every minute.

    SHARD_COUNT=2 SHARD_IDS=1 DATABASE_URL=... python -m tests.e2e.shard_process API_BASE GATEWAY_URL

Prints "ready PID" once every shard it holds is ready, then runs until SIGTERM and closes cleanly.
Logs go to standard error (the follower's "searchable N ms after its commit" lines among them).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from types import SimpleNamespace

from bot.client import PaperBot
from bot.config import Settings
from store.library import Library
from tests.fakediscord import pointed_at, running


async def main(api_base: str, gateway_url: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    settings = Settings.from_env()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    library = Library(settings.database_url, settings.corpus_dir)
    await library.start(ingest_if_empty=False)
    bot = PaperBot(library, settings)
    bot.digest_poll_seconds = 0.2
    with pointed_at(SimpleNamespace(api_base=api_base, gateway_url=gateway_url)):  # type: ignore[arg-type]
        async with running(bot, timeout=60):
            print(f"ready {os.getpid()}", flush=True)
            await stop.wait()
    await library.close()
    print("stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
