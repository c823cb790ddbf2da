"""Start and stop the bot: logging without secrets, clean shutdown on Ctrl-C and SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import discord

from bot.client import PaperBot
from bot.config import Settings
from bot.untrusted import TerminalLogFilter
from store.db.engine import redact
from store.library import Library

log = logging.getLogger("paperbot")


class RedactSecrets(logging.Filter):
    """Defence in depth: whatever a library logs, the token and the database password never appear."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for s in self.secrets:
                message = message.replace(s, "[redacted]")
            record.msg, record.args = message, None
        return True


def secrets_of(settings: Settings) -> list[str]:
    out = [settings.token or ""]
    if settings.database_url:
        from sqlalchemy.engine import make_url

        with contextlib.suppress(Exception):
            out.append(make_url(settings.database_url).password or "")
    return out


def setup_logging(settings: Settings) -> None:
    discord.utils.setup_logging(level=getattr(logging, settings.log_level), root=True)
    redactor, terminal = RedactSecrets(secrets_of(settings)), TerminalLogFilter()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
        handler.addFilter(terminal)


async def run_bot(settings: Settings) -> None:
    setup_logging(settings)
    library = Library(settings.database_url, settings.corpus_dir)
    log.info("starting: %s", library)
    await library.start()
    bot = PaperBot(library, settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda s=sig: (log.info("%s: shutting down", s.name),
                                                        asyncio.ensure_future(bot.close())))
    try:
        async with bot:
            await bot.start(settings.token or "")
    except discord.LoginFailure:
        log.error("Discord refused the token: check DISCORD_TOKEN (Developer Portal -> Bot -> Reset Token)")
        raise SystemExit(1) from None
    finally:
        await library.close()
        log.info("stopped (database %s)", redact(library.url))


async def sync_commands(settings: Settings, *, force: bool = False) -> None:
    setup_logging(settings)
    library = Library(settings.database_url, settings.corpus_dir)
    await library.start()
    bot = PaperBot(library, settings, sync_commands=False)
    try:
        async with bot:
            await bot.login(settings.token or "")
            changed = await bot.sync_commands(force=force)
            print("slash commands synced" if changed else "slash commands unchanged (use --force to sync anyway)")
    finally:
        await library.close()
