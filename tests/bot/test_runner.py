"""`paperbot run`'s runner: starts on the real settings path, keeps secrets out of logs, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from bot.config import Settings
from bot.runner import run_bot
from tests.fakediscord import TOKEN, FakeDiscord, pointed_at


async def test_sigterm_shuts_the_bot_down_cleanly_and_the_token_is_never_logged(database_url: str, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    root_handlers = list(logging.getLogger().handlers)
    async with FakeDiscord() as fake:
        with pointed_at(fake):
            settings = Settings(token=TOKEN, database_url=database_url, guild_id=fake.guild_id, log_level="DEBUG")
            task = asyncio.create_task(run_bot(settings))
            for _ in range(200):  # until the bot has identified and registered its commands
                await asyncio.sleep(0.05)
                if fake.identifies and fake.commands:
                    break
            assert fake.identifies == 1 and fake.commands, "the bot did not connect"
            os.kill(os.getpid(), signal.SIGTERM)  # run_bot's handler turns it into a clean close
            await asyncio.wait_for(task, 20)
    assert task.done() and task.exception() is None
    logging.getLogger().handlers[:] = root_handlers
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "shutting down" in text and "stopped" in text
    assert TOKEN not in text
